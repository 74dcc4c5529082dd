"""The tuning branch of the reference pipeline, run on small data as its containers would run it.

A tuning job's training jobs run train.py in script mode from `sourcedir.tar.gz`, with the
hyperparameters in hyperparameters.json and as `--name value` arguments; SageMaker reads their
metrics from the log with the step's `MetricDefinitions` and picks the best by the objective. The
best model feeds evaluate.py, whose predictions.csv is what the model-quality baseline reads.
associate_runs.py then makes every training job a run of the execution, and `compare` ranks them
(official clients against the emulator).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from experiment_tools.leaderboard import collect_runs, leaderboard
from model_build import run_pipeline
from platform_config.loader import load_config
from platform_config.reference_training import METRICS
from platform_constructs.pipeline_baselines import LABEL_COLUMN, MODEL_QUALITY_STEP, PREDICTION_COLUMN
from platform_constructs.pipeline_definition import build_definition
from stacks.reference_options import tuning_plan
from tests.support.aws import client
from tests.support.datasets import write_dataset
from tests.support.reference_inputs import reference_inputs
from tests.support.step_process import StepProcesses
from tests.support.synth import ROOT
from tests.support.tooling import moto_clients, run_cli, unique
from tests.support.tuning import TrainedJob, create_tuning_job, record_training_job

CODE = ROOT / "pipelines" / "reference" / "code"


def _script(name: str) -> ModuleType:
    """A step's script, imported as its container runs it: a top-level module."""
    spec = importlib.util.spec_from_file_location(name, CODE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


associate_runs = _script("associate_runs")

SAMPLE = load_config(ROOT / "config" / "sample.yaml")
VISION = next(team for team in SAMPLE.teams if team.name == "vision")
assert VISION.pipeline.tuning is not None
PLAN = tuning_plan(VISION.pipeline.tuning)
INPUTS = reference_inputs(
    image_uri="image:1",
    region="us-east-1",
    tuning=PLAN,
    analyzer_image_uri="analyzer:1",
)
# Three points of the sample's search space, as a tuning job would try them.
CANDIDATES = (
    {"regularization": "100.0", "max-iterations": "5", "solver": "lbfgs"},
    {"regularization": "0.05", "max-iterations": "200", "solver": "newton-cg"},
    {"regularization": "1.0", "max-iterations": "100", "solver": "lbfgs"},
)


def _run(processes: StepProcesses, script: Path, *args: str) -> str:
    return processes.run([script, *args]).stdout


def _tune_step() -> dict[str, Any]:
    return next(step for step in build_definition(INPUTS)["Steps"] if step["Type"] == "Tuning")


def _training_job(
    processes: StepProcesses, work: Path, source: Path, hyperparameters: dict[str, str]
) -> dict[str, float]:
    """One training job of the tuning job: script mode from the unpacked archive; its metrics as
    SageMaker reads them from the log, with the step's own metric definitions."""
    config = work / "config" / "hyperparameters.json"
    config.parent.mkdir(parents=True)
    static = _tune_step()["Arguments"]["TrainingJobDefinition"]["StaticHyperParameters"]
    config.write_text(json.dumps({**static, **hyperparameters}))
    arguments = [item for name, value in hyperparameters.items() for item in (f"--{name}", value)]
    log = _run(
        processes,
        source / static["sagemaker_program"],
        *arguments,
        "--train",
        str(work.parent / "train"),
        "--hyperparameters",
        str(config),
        "--model-dir",
        str(work / "model"),
    )
    definitions = _tune_step()["Arguments"]["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"]
    found = {}
    for definition in definitions:
        matches = re.findall(definition["Regex"], log)
        assert len(matches) == 1, f"{definition['Name']} printed {len(matches)} times:\n{log}"
        found[definition["Name"]] = float(matches[0])
    return found


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory, step_processes: StepProcesses) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("tuning")
    write_dataset(work / "raw", rows=300, seed=11, weight=-0.7, offset=0.1)
    _run(
        step_processes,
        CODE / "preprocess.py",
        "--input",
        str(work / "raw"),
        "--train",
        str(work / "train"),
        "--test",
        str(work / "test"),
    )
    archive = run_pipeline.source_archive(CODE, sorted(p for p in CODE.rglob("*.py")))
    source = work / "source"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        # What the training toolkit does with the code channel. The archive is ours (every member a
        # plain file, checked here), so no extraction filter is needed: Python 3.11.2 has none.
        assert all(member.isfile() and not member.name.startswith(("/", "..")) for member in tar.getmembers())
        tar.extractall(source)  # noqa: S202 - members checked above
    jobs = {}
    for index, hyperparameters in enumerate(CANDIDATES):
        job = work / f"job-{index:03d}"
        job.mkdir()
        jobs[job.name] = (hyperparameters, _training_job(step_processes, job, source, hyperparameters))
    objective = _tune_step()["Arguments"]["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
    pick = max if objective["Type"] == "Maximize" else min
    best = pick(jobs, key=lambda name: jobs[name][1][objective["MetricName"]])
    packaged = work / "packaged"
    packaged.mkdir()
    with tarfile.open(packaged / "model.tar.gz", "w:gz") as tar:
        tar.add(work / best / "model" / "model.joblib", arcname="model.joblib")
    _run(
        step_processes,
        CODE / "evaluate.py",
        "--model",
        str(packaged),
        "--test",
        str(work / "test"),
        "--output",
        str(work / "evaluation"),
        "--predictions",
        str(work / "predictions"),
    )
    return {"work": work, "jobs": jobs, "best": best, "objective": objective}


def test_every_training_job_reports_every_metric_the_definitions_read(tuned: dict[str, Any]) -> None:
    for _, metrics in tuned["jobs"].values():
        assert set(metrics) == set(METRICS)
        assert all(value >= 0.0 for value in metrics.values())


def test_the_search_finds_a_better_model_than_the_worst_candidate(tuned: dict[str, Any]) -> None:
    """The candidates differ (a search space that changes nothing would make tuning a no-op)."""
    scores = [metrics["validation:accuracy"] for _, metrics in tuned["jobs"].values()]
    assert max(scores) > min(scores)
    assert tuned["best"] != "job-000"  # heavy regularization, five iterations: the worst on this data


def test_the_best_model_is_evaluated_and_passes_the_threshold(tuned: dict[str, Any]) -> None:
    report = json.loads((tuned["work"] / "evaluation" / "evaluation.json").read_text())
    assert report["metrics"]["accuracy"]["value"] >= INPUTS.accuracy_threshold


def test_predictions_have_the_columns_the_model_quality_baseline_reads(tuned: dict[str, Any]) -> None:
    with (tuned["work"] / "predictions" / "predictions.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [PREDICTION_COLUMN, LABEL_COLUMN]
    check = next(s for s in build_definition(INPUTS)["Steps"] if s["Name"] == MODEL_QUALITY_STEP)
    environment = check["Arguments"]["Environment"]
    assert (environment["inference_attribute"], environment["ground_truth_attribute"]) == tuple(rows[0])
    with (tuned["work"] / "test" / "test.csv").open(newline="") as handle:
        assert len(rows) == len(list(csv.reader(handle)))  # one row a test row, plus the header
    report = json.loads((tuned["work"] / "evaluation" / "evaluation.json").read_text())
    agreed = sum(prediction == label for prediction, label in rows[1:]) / (len(rows) - 1)
    assert agreed == pytest.approx(report["metrics"]["accuracy"]["value"])


# -- the runs, against the emulator ------------------------------------------------------------------


@pytest.fixture
def execution(moto_endpoint: str, tuned: dict[str, Any]) -> dict[str, str]:
    """An execution's experiment and trial (as Pipelines makes them), its tuning job and the
    training jobs of `tuned` recorded as SageMaker records them."""
    sagemaker, metrics = client("sagemaker", moto_endpoint), client("sagemaker-metrics", moto_endpoint)
    pipeline, trial, tuning = unique("mlexp-dev-vision--reference"), unique("execution"), unique("tune")[:32]
    sagemaker.create_experiment(ExperimentName=pipeline)
    sagemaker.create_trial(TrialName=trial, ExperimentName=pipeline)
    create_tuning_job(sagemaker, tuning)
    for index, (hyperparameters, found) in enumerate(tuned["jobs"].values()):
        job = f"{tuning}-{index + 1:03d}-{index:08x}"
        record_training_job(sagemaker, metrics, job, TrainedJob(hyperparameters, found))
    return {"pipeline": pipeline, "trial": trial, "tuning": tuning}


def test_associate_runs_makes_every_training_job_a_run_of_the_execution(
    moto_endpoint: str, execution: dict[str, str]
) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    argv = ["--tuning-job", execution["tuning"], "--trial", execution["trial"], "--region", "us-east-1"]
    assert associate_runs.main(argv, client=sagemaker) == 0
    listed = sagemaker.list_trial_components(TrialName=execution["trial"])["TrialComponentSummaries"]
    assert sorted(c["TrialComponentName"] for c in listed) == [
        f"{execution['tuning']}-{i + 1:03d}-{i:08x}-aws-training-job" for i in range(len(CANDIDATES))
    ]
    assert associate_runs.main(argv, client=sagemaker) == 0  # a rerun (retry of the step) changes nothing


@pytest.mark.usefixtures("fake_aws_env")
def test_compare_ranks_the_tuning_runs_by_the_objective(
    moto_endpoint: str, execution: dict[str, str], tuned: dict[str, Any]
) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    argv = ["--tuning-job", execution["tuning"], "--trial", execution["trial"], "--region", "us-east-1"]
    assert associate_runs.main(argv, client=sagemaker) == 0
    rows = leaderboard(collect_runs(moto_clients(moto_endpoint), execution["pipeline"]), sort_by="validation:accuracy")
    ranked = [row.metrics["validation:accuracy"]["Last"] for row in rows]
    assert len(rows) == len(CANDIDATES)
    assert ranked == sorted(ranked, reverse=True)
    assert {row.kind for row in rows} == {"job"}
    best_index = list(tuned["jobs"]).index(tuned["best"])
    assert rows[0].run == f"{execution['tuning']}-{best_index + 1:03d}-{best_index:08x}"
    shown = run_cli(moto_endpoint, "compare", execution["pipeline"], "--sort-by", "validation:accuracy")
    assert shown.code == 0, shown.err
    assert shown.out.index(rows[0].run) < shown.out.index(rows[-1].run)


def test_a_missing_tuning_job_fails_the_step_in_one_line(moto_endpoint: str) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    argv = ["--tuning-job", unique("absent"), "--trial", unique("t"), "--region", "us-east-1"]
    with pytest.raises(Exception, match=r"can't find a tuning job"):
        associate_runs.main(argv, client=sagemaker)


def test_a_tuning_job_without_training_jobs_fails_the_step(
    moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    tuning, trial = unique("empty")[:32], unique("t")
    create_tuning_job(sagemaker, tuning)
    argv = ["--tuning-job", tuning, "--trial", trial, "--region", "us-east-1"]
    assert associate_runs.main(argv, client=sagemaker) == 1
    assert f"0 training jobs of {tuning}" in capsys.readouterr().out


# -- the README's tuning walkthrough ---------------------------------------------------------------

README_SECTION = "### A tuning execution's runs, ranked"
README_REGION = "eu-west-2"  # fixed names: kept apart from the other tests in the shared emulator
README_NAMES = {"pipeline": "mlexp-dev-vision--reference", "trial": "k2v9q7x3m1ab", "tuning": "k2v9q7x3m1ab-tune"}


def readme_compare() -> tuple[list[str], list[str]]:
    """The README's command (after `experiment-tools`) and the output it shows."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index(README_SECTION) :].split("```bash\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    (command,) = [line for line in lines if line.startswith("experiment-tools ")]
    shown = [line.removeprefix("# ").removeprefix("#") for line in lines[lines.index(command) + 1 :]]
    return command.split()[1:], shown


@pytest.mark.usefixtures("fake_aws_env")
def test_the_readme_shows_what_compare_prints_for_a_tuning_execution(moto_endpoint: str, tuned: dict[str, Any]) -> None:
    sagemaker = client("sagemaker", moto_endpoint, region=README_REGION)
    metrics = client("sagemaker-metrics", moto_endpoint, region=README_REGION)
    names = README_NAMES
    known = [e["ExperimentName"] for e in sagemaker.list_experiments()["ExperimentSummaries"]]
    if names["pipeline"] not in known:
        sagemaker.create_experiment(ExperimentName=names["pipeline"])
        sagemaker.create_trial(TrialName=names["trial"], ExperimentName=names["pipeline"])
        create_tuning_job(sagemaker, names["tuning"])
        for index, (hyperparameters, found) in enumerate(tuned["jobs"].values()):
            job = f"{names['tuning']}-{index + 1:03d}-{index:08x}"
            record_training_job(sagemaker, metrics, job, TrainedJob(hyperparameters, found))
    argv = ["--tuning-job", names["tuning"], "--trial", names["trial"], "--region", README_REGION]
    assert associate_runs.main(argv, client=sagemaker) == 0
    command, shown = readme_compare()
    printed = run_cli(moto_endpoint, *command, region=README_REGION)
    assert printed.code == 0, printed.err
    assert printed.out.splitlines() == shown
