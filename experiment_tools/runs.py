"""The run model the SageMaker Python SDK uses, so the SDK and this tooling see the same runs.

The SDK (`sagemaker.experiments.Run`, 2.x) keeps a run as one trial component named
`<experiment>-<run>`, both names lower-cased, tagged `sagemaker:trial-component-source=run`,
associated with the experiment's run group, the trial `Default-Run-Group-<experiment>`.
SageMaker itself makes runs of other shapes, and they are runs too:

- a pipeline execution: a trial (named after the execution) whose components are its jobs;
  the trial is one run, its components together make its values;
- a tuning job: one training job per hyperparameter set, each a component
  `<job>-aws-training-job`. When several training-job components share a trial (a tuning
  step's jobs associated with a pipeline execution's trial), each is a run of its own, named
  after its job, and the trial's other components count for each of them;
- a job started inside an SDK run is a component of the run group: a run of its own.

A trial of any other shape (the runs earlier versions of this tool wrote) is one run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.exceptions import ClientError

from experiment_tools import names
from experiment_tools.clients import AwsClients
from experiment_tools.errors import AwsError, UsageError, is_not_found

RUN_GROUP_PREFIX = "Default-Run-Group-"
RUN_TAG_KEY = "sagemaker:trial-component-source"
RUN_TAG_VALUE = "run"
RUN_TAG = {"Key": RUN_TAG_KEY, "Value": RUN_TAG_VALUE}
TEAM_TAG_KEY = "Team"
# The SDK joins the two names with "-" into one 120-character component name: 59 each.
NAME_PART_MAX = 59
TRAINING_JOB_SUFFIX = "-aws-training-job"
TRAINING_JOB_ARN = re.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:training-job/(?P<job>.+)")
COMPONENT_ARN = re.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:experiment-trial-component/(?P<name>.+)")
TAG_VALUE = re.compile(r"[\w\s.:/=+\-@]{1,256}")

RunKind = Literal["run", "job", "trial"]


@dataclass(frozen=True)
class SdkNames:
    """The names the SDK gives a run: lower-cased experiment and run, and what derives from them."""

    experiment: str
    run: str

    @property
    def component(self) -> str:
        return f"{self.experiment}-{self.run}"

    @property
    def trial(self) -> str:
        return run_group(self.experiment)


def run_group(experiment: str) -> str:
    # The SDK keeps 100 characters of the experiment name (120 less its 20-character template
    # "Default-Run-Group-{}"); names this tool writes are 59 at most anyway.
    return RUN_GROUP_PREFIX + experiment[:100]


def is_run_group(trial: str) -> bool:
    return trial.startswith(RUN_GROUP_PREFIX)


def sdk_names(experiment: str, run: str) -> SdkNames:
    """Validate and lower-case as the SDK does, so `--run LR-1` is the SDK's run `lr-1`."""
    problems = []
    for field_name, value in (("experiment", experiment), ("run", run)):
        if not names.ENTITY_NAME.fullmatch(value):
            problems.append(
                f"{field_name}: {value!r} is not a valid name (letters, digits and hyphens, "
                "starting and ending with a letter or digit)"
            )
        elif len(value) > NAME_PART_MAX:
            problems.append(
                f"{field_name}: {value!r} is {len(value)} characters; the SDK allows {NAME_PART_MAX} "
                "(experiment and run make one 120-character component name)"
            )
    if problems:
        raise UsageError(problems[0], problems=tuple(problems))
    return SdkNames(experiment.lower(), run.lower())


def team_tags(team: str | None) -> list[dict[str, str]]:
    """The tag team roles must put on what they create (`Team=<team>`); none without a team."""
    if not team:
        return []
    if not TAG_VALUE.fullmatch(team):
        raise UsageError(f"--team: {team!r} is not a valid tag value (1-256 letters, digits, spaces and _.:/=+-@)")
    return [{"Key": TEAM_TAG_KEY, "Value": team}]


def is_training_job(component: str, source_arn: str = "") -> str | None:
    """The training job a component stands for, by its source or its name; None if it is not one."""
    match = TRAINING_JOB_ARN.fullmatch(source_arn)
    if match:
        return match["job"]
    if component.endswith(TRAINING_JOB_SUFFIX):
        return component.removesuffix(TRAINING_JOB_SUFFIX)
    return None


def linked_components(component: dict[str, Any]) -> list[str]:
    """Components a run names among its inputs (`track --share`): their values count for the run."""
    found = []
    for artifact in component.get("InputArtifacts", {}).values():
        match = COMPONENT_ARN.fullmatch(str(artifact.get("Value", "")))
        if match:
            found.append(match["name"])
    return found


@dataclass
class Run:
    """One run of an experiment and the components whose values it has, its own first."""

    experiment: str
    name: str
    kind: RunKind
    trial: str
    components: list[str] = field(default_factory=list)
    created: Any = None

    @property
    def own_component(self) -> str | None:
        return self.components[0] if self.kind in ("run", "job") and self.components else None


class ComponentCache:
    """DescribeTrialComponent once per component; it is strongly consistent, unlike Search."""

    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients
        self._described: dict[str, dict[str, Any]] = {}

    def get(self, name: str) -> dict[str, Any]:
        if name not in self._described:
            self._described[name] = self.clients.sagemaker.describe_trial_component(TrialComponentName=name)
        return self._described[name]

    def find(self, name: str) -> dict[str, Any] | None:
        try:
            return self.get(name)
        except ClientError as error:
            if is_not_found(error):
                return None
            raise


def describe_experiment(clients: AwsClients, experiment: str) -> dict[str, Any]:
    """The experiment as it exists: by the name given, or by its lower-case form (the SDK's).

    A missing experiment is an error, not an experiment with no runs.
    """
    names.entity_name("experiment", experiment)
    try:
        found: dict[str, Any] = clients.sagemaker.describe_experiment(ExperimentName=experiment)
        return found
    except ClientError as error:
        if not is_not_found(error) or experiment == experiment.lower():
            raise
    lower: dict[str, Any] = clients.sagemaker.describe_experiment(ExperimentName=experiment.lower())
    return lower


def experiment_name(clients: AwsClients, experiment: str) -> str:
    return str(describe_experiment(clients, experiment).get("ExperimentName", experiment))


def _trials(clients: AwsClients, experiment: str) -> Iterator[dict[str, Any]]:
    for page in clients.sagemaker.get_paginator("list_trials").paginate(ExperimentName=experiment):
        yield from page.get("TrialSummaries", [])


def components_of(clients: AwsClients, trial: str) -> list[dict[str, Any]]:
    pages = clients.sagemaker.get_paginator("list_trial_components").paginate(TrialName=trial)
    return [summary for page in pages for summary in page.get("TrialComponentSummaries", [])]


def discover(clients: AwsClients, experiment: str, cache: ComponentCache | None = None) -> list[Run]:
    """Every run of an experiment, whatever made it (SDK, this tool, a pipeline, a tuning job)."""
    cache = cache or ComponentCache(clients)
    runs: list[Run] = []
    for trial in _trials(clients, experiment):
        trial_name = trial["TrialName"]
        summaries = components_of(clients, trial_name)
        if is_run_group(trial_name):
            for summary in summaries:
                component = summary["TrialComponentName"]
                described = cache.get(component)
                prefix = f"{experiment.lower()}-"
                name = component.removeprefix(prefix) if component.startswith(prefix) else component
                own: RunKind = "job" if is_training_job(component, _source(described)) else "run"
                runs.append(
                    Run(
                        experiment,
                        name,
                        own,
                        trial_name,
                        [component, *linked_components(described)],
                        summary.get("CreationTime"),
                    )
                )
            continue
        jobs = {}
        for summary in summaries:
            component = summary["TrialComponentName"]
            job = is_training_job(component, _source(cache.get(component)))
            if job:
                jobs[component] = job
        others = [summary["TrialComponentName"] for summary in summaries if summary["TrialComponentName"] not in jobs]
        if len(jobs) > 1:
            for component, job in jobs.items():
                runs.append(Run(experiment, job, "job", trial_name, [component, *others], trial.get("CreationTime")))
        else:
            listed = [summary["TrialComponentName"] for summary in summaries]
            # A trial's own component (named like the trial, as earlier versions of this tool wrote
            # it) comes first: its values win over those of shared components.
            listed.sort(key=lambda name: name != trial_name)
            runs.append(Run(experiment, trial_name, "trial", trial_name, listed, trial.get("CreationTime")))
    return runs


def _source(component: dict[str, Any]) -> str:
    return str(component.get("Source", {}).get("SourceArn", ""))


def find_run(clients: AwsClients, name: str, experiment: str | None = None, cache: ComponentCache | None = None) -> Run:
    """A run by name: within an experiment, or found from a component or trial of that name."""
    experiment = _experiment_of(clients, name) if experiment is None else experiment_name(clients, experiment)
    runs = discover(clients, experiment, cache)
    wanted = {name, name.lower()}
    for run in runs:
        if run.name in wanted or (run.own_component in wanted) or (run.kind == "trial" and run.trial in wanted):
            return run
    known = ", ".join(sorted(run.name for run in runs)[:10]) or "none"
    raise AwsError(f"not found: run {name!r} in experiment {experiment!r} (its runs: {known})")


def _experiment_of(clients: AwsClients, name: str) -> str:
    """The experiment of a run given by its component name (e.g. churn-lr-1) or trial name."""
    names.entity_name("run", name)
    sagemaker = clients.sagemaker
    for candidate in dict.fromkeys((name, name.lower())):
        pages = sagemaker.get_paginator("list_trials").paginate(TrialComponentName=candidate)
        trials = [summary["TrialName"] for page in pages for summary in page.get("TrialSummaries", [])]
        trials.sort(key=lambda trial: not is_run_group(trial))  # an SDK run's own experiment first
        if trials:
            return str(sagemaker.describe_trial(TrialName=trials[0])["ExperimentName"])
        try:
            return str(sagemaker.describe_trial(TrialName=candidate)["ExperimentName"])
        except ClientError as error:
            if not is_not_found(error):
                raise
    raise UsageError(
        f"run: {name!r} is neither a run's trial component nor a trial; give the run's experiment "
        "with --experiment (the SDK names runs per experiment)"
    )
