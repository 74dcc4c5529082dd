"""Drift baselines computed in the reference pipeline, so they are versioned with the model.

Two QualityCheck steps run Model Monitor's analyzer (the image from the generated per-region
table): a data-quality baseline of the training data and a model-quality baseline of the
evaluation step's predictions. Each computes a new baseline every execution (`SkipCheck`:
there is nothing to compare with on a group's first version, and registering what was computed
keeps each version's baseline its own). The registered version carries both as
`DriftCheckBaselines` and `ModelMetrics`: whatever deploys a version knows its baselines.

The request body is what the SageMaker Python SDK's `QualityCheckStep` writes (a test builds the
SDK's step and compares), with the platform's network, key and tag, and network isolation: the
analyzer reads and writes only through SageMaker.
"""

from __future__ import annotations

import json
from typing import Any

from platform_constructs.pipeline_steps import JobPlacement, get, processing_request

DATA_QUALITY_STEP = "DataQualityBaseline"
MODEL_QUALITY_STEP = "ModelQualityBaseline"
ANALYZER_INPUT = "/opt/ml/processing/input/baseline_dataset_input"
ANALYZER_OUTPUT = "/opt/ml/processing/output"
# The evaluation step writes predictions.csv with these columns (pipelines/reference/code/evaluate.py).
PREDICTION_COLUMN, LABEL_COLUMN = "prediction", "label"
# Multiclass covers binary labels too; the reference code predicts classes, not probabilities.
PROBLEM_TYPE = "MulticlassClassification"


def _analyzer_input(uri: Any) -> dict[str, Any]:
    return {
        "InputName": "baseline_dataset_input",
        "AppManaged": False,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": ANALYZER_INPUT,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
            "S3CompressionType": "None",
        },
    }


def quality_check(
    place: JobPlacement,
    *,
    name: str,
    check_type: str,
    image_uri: str,
    dataset: Any,
    group: str,
    environment: dict[str, str],
) -> dict[str, Any]:
    output = {
        "OutputName": "quality_check_output",
        "AppManaged": False,
        "S3Output": {"S3Uri": place.output_uri(name), "LocalPath": ANALYZER_OUTPUT, "S3UploadMode": "EndOfJob"},
    }
    request = processing_request(
        place, app={"ImageUri": image_uri}, inputs=[_analyzer_input(dataset)], outputs=[output], isolated=True
    )
    request["Environment"] = {
        "output_path": ANALYZER_OUTPUT,
        "publish_cloudwatch_metrics": "Disabled",
        "dataset_format": json.dumps({"csv": {"header": True}}),
        "dataset_source": ANALYZER_INPUT,
        **environment,
    }
    return {
        "Name": name,
        "Type": "QualityCheck",
        "Arguments": request,
        "CheckType": check_type,
        "ModelPackageGroupName": group,
        "SkipCheck": True,
        "FailOnViolation": True,
        "RegisterNewBaseline": True,
        "SuppliedBaselineStatistics": None,
        "SuppliedBaselineConstraints": None,
    }


def baseline_steps(
    place: JobPlacement, *, image_uri: str, group: str, training_data: Any, predictions: Any
) -> list[dict[str, Any]]:
    return [
        quality_check(
            place,
            name=DATA_QUALITY_STEP,
            check_type="DATA_QUALITY",
            image_uri=image_uri,
            dataset=training_data,
            group=group,
            environment={},
        ),
        quality_check(
            place,
            name=MODEL_QUALITY_STEP,
            check_type="MODEL_QUALITY",
            image_uri=image_uri,
            dataset=predictions,
            group=group,
            environment={
                "analysis_type": "MODEL_QUALITY",
                "problem_type": PROBLEM_TYPE,
                "inference_attribute": PREDICTION_COLUMN,
                "ground_truth_attribute": LABEL_COLUMN,
            },
        ),
    ]


def _files(step: str, which: str) -> dict[str, Any]:
    return {
        "Statistics": {"ContentType": "application/json", "S3Uri": get(f"Steps.{step}.{which}Statistics")},
        "Constraints": {"ContentType": "application/json", "S3Uri": get(f"Steps.{step}.{which}Constraints")},
    }


def drift_check_baselines() -> dict[str, Any]:
    """What a monitor compares live traffic with: the baselines this execution computed."""
    return {
        "ModelDataQuality": _files(DATA_QUALITY_STEP, "BaselineUsedForDriftCheck"),
        "ModelQuality": _files(MODEL_QUALITY_STEP, "BaselineUsedForDriftCheck"),
    }


def model_metrics() -> dict[str, Any]:
    """The same baselines as the version's own metrics (statistics and suggested constraints)."""
    return {
        "ModelDataQuality": _files(DATA_QUALITY_STEP, "CalculatedBaseline"),
        "ModelQuality": _files(MODEL_QUALITY_STEP, "CalculatedBaseline"),
    }
