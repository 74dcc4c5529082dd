"""What SageMaker records for a tuning job and its training jobs, written into the emulator.

On AWS a tuning job launches its training jobs (named `<tuning job>-<NNN>-<8 hex>`) and records
each as the trial component `<job>-aws-training-job` with its hyperparameters and final metrics.
moto launches nothing, so these helpers create the same records through the official clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ROLE = "arn:aws:iam::123456789012:role/vision-execution"


@dataclass(frozen=True)
class TrainedJob:
    hyperparameters: dict[str, str]
    metrics: dict[str, float]


def create_tuning_job(sagemaker: Any, name: str, team: str = "vision") -> None:
    sagemaker.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 8, "MaxParallelTrainingJobs": 2},
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:accuracy"},
        },
        TrainingJobDefinition={
            "AlgorithmSpecification": {"TrainingImage": "image:1", "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://artifacts/vision/model"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
        Tags=[{"Key": "Team", "Value": team}],
    )


def record_training_job(sagemaker: Any, metrics_client: Any, name: str, job: TrainedJob) -> None:
    """The training job and its `-aws-training-job` component, with hyperparameters and metrics."""
    sagemaker.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "image:1", "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://artifacts/vision/model"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        HyperParameters=job.hyperparameters,
    )
    component = f"{name}-aws-training-job"
    sagemaker.create_trial_component(
        TrialComponentName=component,
        Parameters={key: {"StringValue": value} for key, value in job.hyperparameters.items()},
        Status={"PrimaryStatus": "Completed"},
    )
    if not job.metrics:
        return
    now = datetime.now(UTC)
    metrics_client.batch_put_metrics(
        TrialComponentName=component,
        MetricData=[
            {"MetricName": metric, "Timestamp": now, "Step": 0, "Value": value} for metric, value in job.metrics.items()
        ],
    )
