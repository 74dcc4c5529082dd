"""Inputs of a reference pipeline for tests that build its definition without a stack."""

from __future__ import annotations

import dataclasses
from typing import Any

from platform_constructs.pipeline_definition import ReferencePipelineInputs

VISION = ReferencePipelineInputs(
    team="vision",
    role_arn="arn:aws:iam::111122223333:role/vision",
    image_uri="111122223333.dkr.ecr.us-east-1.amazonaws.com/image:1",
    key_arn="arn:aws:kms:us-east-1:111122223333:key/k",
    subnet_ids=["subnet-a"],
    security_group_id="sg-1",
    artifacts_bucket="artifacts",
    datasets_bucket="datasets",
    model_package_group="mlexp-dev-defect-detector",
    processing_instance_type="ml.m5.xlarge",
    training_instance_type="ml.m5.xlarge",
    accuracy_threshold=0.8,
)


def reference_inputs(**changes: Any) -> ReferencePipelineInputs:
    """VISION with `changes`: each test names only the values it is about."""
    return dataclasses.replace(VISION, **changes)
