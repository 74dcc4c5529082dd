"""Delete an experiment with its runs and the components only it uses.

Whatever shape its runs have (`runs.py`), an experiment is trials holding trial components: the
SDK's run group with one component per run, a pipeline execution's trial with its jobs. The plan
is computed first and is the same for `--dry-run` and the real thing. Components that also belong
to trials of another experiment are detached from this experiment's trials and kept. Deletion
goes in the order AWS requires: detach, delete components, delete trials, delete the experiment.
Experiments that CloudFormation manages, and runs made by pipeline executions (their components
back registered models' lineage), are refused unless asked for explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from experiment_tools import runs
from experiment_tools.clients import AwsClients
from experiment_tools.errors import UsageError, is_not_found

CLOUDFORMATION_STACK_TAG = "aws:cloudformation:stack-name"


@dataclass
class CleanupPlan:
    experiment: str
    trials: list[str] = field(default_factory=list)
    delete_components: list[str] = field(default_factory=list)
    keep_components: dict[str, list[str]] = field(default_factory=dict)  # component -> trials elsewhere
    detach: list[tuple[str, str]] = field(default_factory=list)  # (component, trial)
    pipeline_runs: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, str]]:
        lines = [
            {"action": "delete", "kind": "component", "name": name, "why": "used only here"}
            for name in self.delete_components
        ]
        lines += [
            {"action": "keep", "kind": "component", "name": name, "why": f"also in {', '.join(sorted(others))}"}
            for name, others in sorted(self.keep_components.items())
        ]
        lines += [{"action": "delete", "kind": "trial", "name": name, "why": _why_trial(name)} for name in self.trials]
        lines.append({"action": "delete", "kind": "experiment", "name": self.experiment, "why": ""})
        return lines

    def document(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "trials": self.trials,
            "delete_components": self.delete_components,
            "keep_components": self.keep_components,
        }


def _why_trial(name: str) -> str:
    return "the SDK's run group" if runs.is_run_group(name) else ""


def plan_cleanup(clients: AwsClients, experiment: str, *, include_pipeline_runs: bool = False) -> CleanupPlan:
    described = runs.describe_experiment(clients, experiment)
    experiment = str(described.get("ExperimentName", experiment))
    sagemaker = clients.sagemaker
    tags = _tags(sagemaker, described["ExperimentArn"])
    if CLOUDFORMATION_STACK_TAG in tags:
        raise UsageError(
            f"experiment {experiment!r} is managed by CloudFormation stack {tags[CLOUDFORMATION_STACK_TAG]!r}: "
            "remove it from the platform config instead"
        )
    plan = CleanupPlan(experiment=experiment)
    _plan_trials(sagemaker, plan)
    if plan.pipeline_runs and not include_pipeline_runs:
        raise UsageError(
            f"experiment {experiment!r} has runs made by pipeline executions ({', '.join(plan.pipeline_runs[:3])}"
            f"{', ...' if len(plan.pipeline_runs) > 3 else ''}) whose components back registered models' "
            "lineage; pass --include-pipeline-runs to delete them anyway"
        )
    _plan_components(sagemaker, plan)
    return plan


def _plan_trials(sagemaker: Any, plan: CleanupPlan) -> None:
    for page in sagemaker.get_paginator("list_trials").paginate(ExperimentName=plan.experiment):
        for trial in page.get("TrialSummaries", []):
            plan.trials.append(trial["TrialName"])
            source = trial.get("TrialSource", {}).get("SourceArn", "")
            if ":pipeline/" in source:
                plan.pipeline_runs.append(trial["TrialName"])


def _plan_components(sagemaker: Any, plan: CleanupPlan) -> None:
    """Every association is detached; a component another experiment's trial also holds is kept."""
    ours = set(plan.trials)
    seen: set[str] = set()
    for trial in plan.trials:
        for page in sagemaker.get_paginator("list_trial_components").paginate(TrialName=trial):
            for summary in page.get("TrialComponentSummaries", []):
                component = summary["TrialComponentName"]
                plan.detach.append((component, trial))
                if component in seen:
                    continue
                seen.add(component)
                elsewhere = sorted(_trials_of(sagemaker, component) - ours)
                if elsewhere:
                    plan.keep_components[component] = elsewhere
                else:
                    plan.delete_components.append(component)


def _tags(sagemaker: Any, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn):
        tags.update({tag["Key"]: tag["Value"] for tag in page.get("Tags", [])})
    return tags


def _trials_of(sagemaker: Any, component: str) -> set[str]:
    pages = sagemaker.get_paginator("list_trials").paginate(TrialComponentName=component)
    return {summary["TrialName"] for page in pages for summary in page.get("TrialSummaries", [])}


def execute(
    clients: AwsClients, plan: CleanupPlan, progress: Callable[[str, str], None] = lambda kind, name: None
) -> None:
    """Detach, then delete components, trials and the experiment; what is already gone is skipped."""
    sagemaker = clients.sagemaker
    for component, trial in plan.detach:
        _tolerate_missing(sagemaker.disassociate_trial_component, TrialComponentName=component, TrialName=trial)
    for component in plan.delete_components:
        _tolerate_missing(sagemaker.delete_trial_component, TrialComponentName=component)
        progress("component", component)
    for trial in plan.trials:
        _tolerate_missing(sagemaker.delete_trial, TrialName=trial)
        progress("trial", trial)
    _tolerate_missing(sagemaker.delete_experiment, ExperimentName=plan.experiment)
    progress("experiment", plan.experiment)


def _tolerate_missing(call: Callable[..., Any], **kwargs: str) -> None:
    try:
        call(**kwargs)
    except ClientError as error:
        if not is_not_found(error):
            raise
