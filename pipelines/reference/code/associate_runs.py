"""Reference pipeline, after tuning: make every training job of the tuning job a run of the execution.

A tuning job's training jobs do not join the pipeline execution's trial by themselves. SageMaker
records each as the trial component `<job>-aws-training-job` (its hyperparameters and final
metrics); associating those with the execution's trial makes `experiment-tools compare
<pipeline>` rank them. Safe to rerun: a component already in the trial is left as it is.

Runs in the platform's subnets and calls the SageMaker API through its VPC endpoint, as the
team's execution role (its own tuning job and untagged or own runs only).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

COMPONENT_SUFFIX = "-aws-training-job"
ATTEMPTS = 5


def training_jobs(sagemaker: Any, tuning_job: str) -> list[str]:
    names = []
    token = None
    while True:
        page = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=tuning_job, MaxResults=100, **({"NextToken": token} if token else {})
        )
        names += [summary["TrainingJobName"] for summary in page.get("TrainingJobSummaries", [])]
        token = page.get("NextToken")
        if not token:
            return sorted(names)


def _already_in(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    message = str(getattr(error, "response", {}).get("Error", {}).get("Message", ""))
    return code == "ValidationException" and "already" in message.lower()


def _missing(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    return code in ("ResourceNotFound", "ResourceNotFoundException")


def associate(
    sagemaker: Any, tuning_job: str, trial: str, sleep: Callable[[float], None] = time.sleep
) -> tuple[list[str], list[str]]:
    """Associate each job's component with `trial`; returns (associated, missing components)."""
    associated, missing = [], []
    for job in training_jobs(sagemaker, tuning_job):
        component = f"{job}{COMPONENT_SUFFIX}"
        for attempt in range(ATTEMPTS):
            try:
                sagemaker.associate_trial_component(TrialComponentName=component, TrialName=trial)
                associated.append(component)
                break
            except Exception as error:
                if _already_in(error):
                    associated.append(component)
                    break
                if not _missing(error):
                    raise
                # SageMaker records a job's component shortly after the job starts: wait a little.
                if attempt == ATTEMPTS - 1:
                    missing.append(component)
                else:
                    sleep(2**attempt)
    return associated, missing


def main(argv: list[str] | None = None, client: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tuning-job", required=True)
    parser.add_argument("--trial", required=True, help="the pipeline execution's trial (its execution id)")
    parser.add_argument("--region", required=True)
    args = parser.parse_args(argv)
    if client is None:
        import boto3

        client = boto3.client("sagemaker", region_name=args.region)
    associated, missing = associate(client, args.tuning_job, args.trial)
    print(f"associate_runs: {len(associated)} training jobs of {args.tuning_job} are runs of trial {args.trial}")
    for component in missing:
        print(f"associate_runs: error: {component} does not exist", file=sys.stderr)
    return 1 if missing or not associated else 0


if __name__ == "__main__":
    sys.exit(main())
