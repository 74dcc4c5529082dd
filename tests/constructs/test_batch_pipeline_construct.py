"""The batch transform pipeline construct: the definition validated at synth, rendered into the
pipeline's body, run as the team's role, tagged for the team."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from aws_cdk import aws_kms as kms

from platform_constructs import batch_pipeline_construct
from platform_constructs.batch_pipeline import MODEL_STEP, BatchPipelineInputs, build_batch_definition
from platform_constructs.batch_pipeline_construct import BatchTransformPipeline
from tests.constructs.reading import Json, TemplateJson, only
from tests.constructs.test_batch_pipeline import INPUTS
from tests.support.stacks import new_stack, template

NAME = "mlexp-dev-vision--batch-defect-detector"


def synthesized(inputs: BatchPipelineInputs, *, key: bool = False) -> tuple[TemplateJson, Json]:
    """(template, the pipeline's properties) of a stack holding the pipeline, and a KMS key
    whose ARN replaces the inputs' when `key`."""
    stack = new_stack()
    if key:
        inputs = replace(inputs, key_arn=kms.Key(stack, "Key").key_arn)
    BatchTransformPipeline(stack, "Batch", pipeline_name=NAME, inputs=inputs)
    found = template(stack).to_json()
    properties: Json = only(found, "AWS::SageMaker::Pipeline")[1]["Properties"]
    return found, properties


@pytest.fixture(scope="module")
def literal() -> Json:
    """Inputs that are all literals: the body is plain JSON text."""
    return synthesized(INPUTS)[1]


def test_the_pipeline_is_named_described_tagged_and_runs_as_the_team_role(literal: Json) -> None:
    names = {"PipelineName": NAME, "PipelineDisplayName": NAME, "RoleArn": INPUTS.role_arn}
    assert {k: literal[k] for k in names} == names
    assert literal["Tags"] == [{"Key": "Team", "Value": "vision"}]
    assert literal["PipelineDescription"] == (
        "Batch inference of team vision with a version of mlexp-dev-defect-detector: "
        "create a model from ModelPackageArn (an approved version), transform InputDataUri"
    )


def test_the_body_is_the_built_definition(literal: Json) -> None:
    assert json.loads(literal["PipelineDefinition"]["PipelineDefinitionBody"]) == build_batch_definition(INPUTS)


def test_cloudformation_values_are_joined_into_the_body_the_guard_rules_read_in_one_piece() -> None:
    """A key made in the same app is a token: the body becomes a Fn::Join holding its ARN. The
    transform's output key and the model's isolation each stay in the piece that names their step
    (policy/sagemaker.guard reads the pieces)."""
    template_json, properties = synthesized(INPUTS, key=True)
    separator, parts = properties["PipelineDefinition"]["PipelineDefinitionBody"]["Fn::Join"]
    assert separator == ""
    assert {"Fn::GetAtt": [only(template_json, "AWS::KMS::Key")[0], "Arn"]} in parts
    text = [part for part in parts if isinstance(part, str)]
    assert any('"TransformOutput":{"KmsKeyId":"' in part for part in text)
    assert any('"Type":"Model","Arguments":{"EnableNetworkIsolation":true' in part for part in text)


def test_fails_if_the_definition_is_invalid_naming_each_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_isolated(inputs: Any) -> dict[str, Any]:
        definition = build_batch_definition(inputs)
        definition["Steps"][0]["Arguments"]["EnableNetworkIsolation"] = False
        del definition["Steps"][1]["Arguments"]["TransformOutput"]["KmsKeyId"]
        return definition

    monkeypatch.setattr(batch_pipeline_construct, "build_batch_definition", not_isolated)
    with pytest.raises(
        ValueError,
        match=rf"^batch transform pipeline {NAME} is invalid: step {MODEL_STEP}: the model needs no network: "
        r"isolate it; step Transform: outputs not encrypted with KMS$",
    ):
        BatchTransformPipeline(new_stack(), "Batch", pipeline_name=NAME, inputs=INPUTS)


def test_the_definition_and_name_are_exposed() -> None:
    construct = BatchTransformPipeline(new_stack(), "Batch", pipeline_name=NAME, inputs=INPUTS)
    assert (construct.pipeline_name, construct.definition) == (NAME, build_batch_definition(INPUTS))
