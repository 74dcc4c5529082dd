"""Trace a run or a registered model version to the code, data, parameters and environment behind it.

The answer is a `Lineage`: sections a person checks one by one (the code and its configuration
files, the data, the parameters and metrics, the environment it ran in, what it wrote), plus the
`gaps` that would stop someone reproducing the result (a dirty work tree, data with no version,
an image without a digest). Nothing is inferred that AWS did not record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from experiment_tools import runs
from experiment_tools.clients import AwsClients
from experiment_tools.errors import UsageError, is_not_found
from experiment_tools.tracking import LINEAGE, plain_parameter

MODEL_PACKAGE_ARN = re.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[^/]+/\d+")
GROUP_VERSION = re.compile(r"(?P<group>[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})/(?P<version>\d+)")
PIPELINE_EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline/[^/]+/execution/[^/]+")
REFERENCE_PIPELINE_SUFFIX = "--reference"  # platform_config.naming.Naming.reference_pipeline_name
STATS = ("Last", "Min", "Max", "Avg", "StdDev", "Count")
JOB_SOURCE = re.compile(
    r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:(?P<kind>training-job|processing-job)/(?P<name>.+)"
)


@dataclass
class Lineage:
    subject: dict[str, Any]
    code: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    components: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "code": self.code,
            "config": self.config,
            "data": self.data,
            "parameters": self.parameters,
            "metrics": self.metrics,
            "environment": self.environment,
            "outputs": self.outputs,
            "components": self.components,
            "gaps": self.gaps,
        }

    def rows(self) -> list[dict[str, Any]]:
        """section, key, value: one line per fact, for a table or CSV."""
        lines = [{"section": "subject", "key": key, "value": value} for key, value in self.subject.items()]
        lines += [{"section": "code", "key": key, "value": value} for key, value in self.code.items()]
        lines += [{"section": "config", "key": key, "value": value} for key, value in self.config.items()]
        for name, facts in self.data.items():
            lines += [{"section": "data", "key": f"{name}.{key}", "value": value} for key, value in facts.items()]
        lines += [{"section": "parameters", "key": key, "value": value} for key, value in self.parameters.items()]
        lines += [
            {"section": "metrics", "key": f"{name}.{stat.lower()}", "value": value}
            for name, summary in self.metrics.items()
            for stat, value in summary.items()
        ]
        lines += [{"section": "environment", "key": key, "value": value} for key, value in self.environment.items()]
        lines += [{"section": "outputs", "key": key, "value": value} for key, value in self.outputs.items()]
        lines += [
            {"section": "components", "key": str(index), "value": name} for index, name in enumerate(self.components)
        ]
        lines += [{"section": "gaps", "key": str(index), "value": gap} for index, gap in enumerate(self.gaps)]
        return lines

    def check_gaps(self) -> None:
        if not self.code.get("git_commit"):
            self.gaps.append("code: no git commit recorded")
        elif self.code.get("git_dirty") is True:
            self.gaps.append("code: the work tree had uncommitted changes when the run was tracked")
        if not self.data:
            self.gaps.append("data: no input data recorded")
        for name, facts in self.data.items():
            if not (facts.get("version_id") or facts.get("manifest_sha256") or facts.get("pinned_by")):
                self.gaps.append(f"data {name}: no object version or manifest recorded")
        if not self.environment.get("image_digest"):
            self.gaps.append("environment: no container image digest recorded")


def run_lineage(clients: AwsClients, run: str, experiment: str | None = None) -> Lineage:
    """One run as `compare` counts it: its own component's values first, then those it shares."""
    cache = runs.ComponentCache(clients)
    found = runs.find_run(clients, run, experiment, cache)
    lineage = Lineage(
        subject={
            "kind": "run",
            "run": found.name,
            "experiment": found.experiment,
            "trial": found.trial,
            "made_by": {"run": "SageMaker SDK run (or experiment-tools track)", "job": "training job"}.get(
                found.kind, "trial (pipeline execution or earlier track)"
            ),
        }
    )
    for name in found.components:
        component = cache.find(name)
        if component is None:
            lineage.gaps.append(f"run: shared component {name!r} no longer exists")
            continue
        _add_component(clients, lineage, component)
    lineage.check_gaps()
    return lineage


def _add_trial(clients: AwsClients, lineage: Lineage, trial: str) -> None:
    sagemaker = clients.sagemaker
    for page in sagemaker.get_paginator("list_trial_components").paginate(TrialName=trial):
        for summary in page.get("TrialComponentSummaries", []):
            component = sagemaker.describe_trial_component(TrialComponentName=summary["TrialComponentName"])
            _add_component(clients, lineage, component)


def _flag(value: Any) -> bool | Any:
    """git_dirty as a boolean: recorded as 1/0 (the SDK's booleans) or, by earlier versions, as text."""
    if isinstance(value, float) and value in (0.0, 1.0):
        return value == 1.0
    if value in ("true", "false"):
        return value == "true"
    return value


def _add_component(clients: AwsClients, lineage: Lineage, component: dict[str, Any]) -> None:
    lineage.components.append(component["TrialComponentName"])
    _add_parameters(lineage, component)
    for metric in component.get("Metrics", []):
        summary = {stat: float(metric[stat]) for stat in STATS if metric.get(stat) is not None}
        lineage.metrics.setdefault(metric["MetricName"], summary)
    _add_artifacts(lineage, component)
    source = component.get("Source", {}).get("SourceArn", "")
    job = JOB_SOURCE.fullmatch(source)
    if job:
        _add_job(clients, lineage, job["kind"], job["name"])


def _add_parameters(lineage: Lineage, component: dict[str, Any]) -> None:
    parameters = {name: plain_parameter(value) for name, value in component.get("Parameters", {}).items()}
    for name, value in sorted(parameters.items()):
        if name.startswith(f"{LINEAGE}."):
            _add_recorded(lineage, name.removeprefix(f"{LINEAGE}."), value)
        else:
            lineage.parameters.setdefault(name, value)


def _add_recorded(lineage: Lineage, key: str, value: str | float) -> None:
    """A parameter `track` wrote under the lineage prefix: its key says which section it belongs to."""
    if key.startswith("dataset."):
        dataset, _, fact = key.removeprefix("dataset.").rpartition(".")
        lineage.data.setdefault(dataset, {}).setdefault(fact, value)
    elif key.startswith("config."):
        lineage.config.setdefault(key.removeprefix("config."), value)
    elif key.startswith("git_"):
        lineage.code.setdefault(key, _flag(value) if key == "git_dirty" else value)
    else:
        lineage.environment.setdefault(key, value)


def _add_artifacts(lineage: Lineage, component: dict[str, Any]) -> None:
    for name, artifact in component.get("InputArtifacts", {}).items():
        if runs.COMPONENT_ARN.fullmatch(str(artifact.get("Value", ""))):
            continue  # a run this one used: listed under components with its own values
        if name == "image":
            lineage.environment.setdefault("image", artifact["Value"])
        else:
            lineage.data.setdefault(name, {}).setdefault("uri", artifact["Value"])
    for name, artifact in component.get("OutputArtifacts", {}).items():
        lineage.outputs.setdefault(name, artifact["Value"])


def _add_job(clients: AwsClients, lineage: Lineage, kind: str, name: str) -> None:
    """A component a SageMaker job created: the job itself holds the image and the inputs it read."""
    sagemaker = clients.sagemaker
    if kind == "training-job":
        job = sagemaker.describe_training_job(TrainingJobName=name)
        lineage.environment.setdefault(f"{name}.image", job.get("AlgorithmSpecification", {}).get("TrainingImage"))
        lineage.environment.setdefault(f"{name}.instance_type", job.get("ResourceConfig", {}).get("InstanceType"))
        for key, value in job.get("HyperParameters", {}).items():
            lineage.parameters.setdefault(key, value)
        for channel in job.get("InputDataConfig", []):
            uri = channel.get("DataSource", {}).get("S3DataSource", {}).get("S3Uri")
            if uri:
                lineage.data.setdefault(f"{name}.{channel['ChannelName']}", {"uri": uri})
        model = job.get("ModelArtifacts", {}).get("S3ModelArtifacts")
        if model:
            lineage.outputs.setdefault(f"{name}.model", model)
    else:
        job = sagemaker.describe_processing_job(ProcessingJobName=name)
        lineage.environment.setdefault(f"{name}.image", job.get("AppSpecification", {}).get("ImageUri"))
        for item in job.get("ProcessingInputs", []):
            uri = item.get("S3Input", {}).get("S3Uri")
            if uri:
                lineage.data.setdefault(f"{name}.{item['InputName']}", {"uri": uri})


def model_package_arn(clients: AwsClients, reference: str) -> str:
    """A model package ARN, or GROUP/VERSION resolved through the group's ARN."""
    if MODEL_PACKAGE_ARN.fullmatch(reference):
        return reference
    match = GROUP_VERSION.fullmatch(reference)
    if not match:
        raise UsageError(f"model: {reference!r} is neither a model package ARN nor GROUP/VERSION")
    group = clients.sagemaker.describe_model_package_group(ModelPackageGroupName=match["group"])
    group_arn = str(group["ModelPackageGroupArn"])
    return group_arn.replace(":model-package-group/", ":model-package/") + f"/{match['version']}"


def model_lineage(clients: AwsClients, reference: str) -> Lineage:
    arn = model_package_arn(clients, reference)
    sagemaker = clients.sagemaker
    package = sagemaker.describe_model_package(ModelPackageName=arn)
    metadata = package.get("MetadataProperties", {})
    custom = package.get("CustomerMetadataProperties", {})
    lineage = Lineage(
        subject={
            "kind": "model",
            "model_package": package.get("ModelPackageArn", arn),
            "group": package.get("ModelPackageGroupName"),
            "version": package.get("ModelPackageVersion"),
            "approval": package.get("ModelApprovalStatus"),
            "generated_by": metadata.get("GeneratedBy"),
        }
    )
    commit = metadata.get("CommitId") or custom.get("GitCommit")
    if commit and commit != "unknown":
        lineage.code["git_commit"] = commit
    for key, source in (("repository", metadata.get("Repository")), ("code_uri", custom.get("CodeUri"))):
        if source and source != "unknown":
            lineage.code[key] = source
    if custom.get("InputDataUri"):
        lineage.data["input"] = {"uri": custom["InputDataUri"]}
    for index, container in enumerate(package.get("InferenceSpecification", {}).get("Containers", [])):
        lineage.environment[f"container{index}.image"] = container.get("Image")
        digest = container.get("ImageDigest") or str(container.get("Image", "")).partition("@")[2]
        if digest:
            lineage.environment.setdefault("image_digest", digest)
        if container.get("ModelDataUrl"):
            lineage.outputs[f"container{index}.model_data"] = container["ModelDataUrl"]
    execution = str(metadata.get("GeneratedBy") or "")
    if PIPELINE_EXECUTION_ARN.fullmatch(execution):
        _add_pipeline_execution(clients, lineage, execution)
    lineage.check_gaps()
    return lineage


def _add_pipeline_execution(clients: AwsClients, lineage: Lineage, arn: str) -> None:
    sagemaker = clients.sagemaker
    described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    lineage.subject["pipeline_execution_status"] = described.get("PipelineExecutionStatus")
    pages = sagemaker.get_paginator("list_pipeline_parameters_for_execution").paginate(PipelineExecutionArn=arn)
    for page in pages:
        for parameter in page.get("PipelineParameters", []):
            lineage.parameters[parameter["Name"]] = parameter["Value"]
    pipeline = arn.split(":pipeline/", 1)[1].split("/", 1)[0]
    if pipeline.endswith(REFERENCE_PIPELINE_SUFFIX) and "input" in lineage.data:
        # The reference pipeline copies its train/test split into the retained artifacts bucket per
        # execution; that copy, not the moving dataset prefix, is the data the model saw.
        lineage.data["input"]["pinned_by"] = "the execution's split in the artifacts bucket (reference pipeline)"
    trial = described.get("PipelineExperimentConfig", {}).get("TrialName") or arn.rsplit("/", 1)[-1]
    try:
        _add_trial(clients, lineage, trial)
    except ClientError as error:
        if not is_not_found(error):
            raise
        lineage.gaps.append(f"run: the execution's trial {trial!r} was not found")
