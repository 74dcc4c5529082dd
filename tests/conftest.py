"""The test pyramid's plumbing: tiers by marker, whole-platform synths shared and started early.

- construct, config, tooling and step tests run in-process and need no whole-platform synth;
- `platform` tests read a synthesized variant (tests/support/variants.py) from the session pool,
  which starts every synth they need in the background as soon as collection ends;
- `cli` tests run the pinned CDK CLI or another external tool as a subprocess.
`make test-fast` runs `-m "not platform and not cli"`; `make test` runs everything.

The suite runs in pytest-xdist workers, one per core (pyproject.toml): each test file goes whole
to one worker (its module fixtures are built once), files in the order of their first test here.
The workers of a run share a folder (`run_folder`), through which each platform variant and the
construct tier's compliance-pack probe synth are made once per run (tests/support/pool.py,
tests/support/shared.py). `-n 0` runs everything in one process.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from platform_config import PlatformConfig, load_config
from tests.support.assembly import Synthesized
from tests.support.aws import FAKE_CREDENTIALS, moto_server
from tests.support.fuzz import fuzz_seed, generated_config
from tests.support.pool import SynthPool
from tests.support.variants import SAMPLE_CONFIG, VARIANTS

SHARED_ONCE = ("pack_findings",)  # session fixtures the test processes of a run make once and share
MAX_WORKERS = 4  # each worker holds a jsii kernel and a moto server (about 1 GB); synths come on top
_RUN_FOLDER = pytest.StashKey[Path]()  # in the process that made it: the only one, or xdist's controller
_POOL = pytest.StashKey[SynthPool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-snapshots", action="store_true", help="rewrite tests/snapshots from this synth")


# Files whose tests pay for the same costly start in a test process run in one worker together,
# so that the start is paid once per run: the SageMaker Python SDK (about 2 s to import, more for
# its first session) and the step tier's process server (tests/support/step_process.py).
SHARED_STARTS = {
    "sagemaker-sdk": (
        "tests/config/test_image_uris.py",
        "tests/config/test_tuning_config.py",
        "tests/constructs/test_batch_pipeline.py",
        "tests/constructs/test_pipeline_tuning.py",
        "tests/tooling/test_experiment_sdk.py",
    ),
    "step-processes": ("tests/steps/test_reference_pipeline.py", "tests/steps/test_tuning_steps.py"),
}
_SCOPE_OF_FILE = {path: scope for scope, paths in SHARED_STARTS.items() for path in paths}


def work_unit(nodeid: str) -> str:
    """The unit of work a test goes to a worker in: its file, or its SHARED_STARTS entry."""
    path = nodeid.split("::", 1)[0]
    return _SCOPE_OF_FILE.get(path, path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` (pyproject.toml), except that the files of one SHARED_STARTS entry are one
    unit of work. Another `--dist` given on the command line gets xdist's own scheduler."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    scheduling = LoadFileScheduling(config, log)
    scheduling._split_scope = work_unit  # the one method xdist's scope schedulers differ by
    return scheduling


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker per core this process may use, at most MAX_WORKERS."""
    del config
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: the marker must be there by then
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reads a platform variant `platform`. Order, file by file (a worker
    runs a whole file): CLI tests first (the longest, mostly waiting on subprocesses), those that
    read no variant before those that do, then in-process tests, then platform tests, so that
    the background synths run meanwhile. A file goes where its first test goes.

    Files that read a result made once per run (SHARED_ONCE) go last in their tier but the first
    of them, which goes first: the others then find it made instead of waiting for it."""
    for item in items:
        if any(name in (*VARIANTS, "synth_pool") for name in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.platform)

    def tier(item: pytest.Item) -> int:
        return (0 if item.get_closest_marker("cli") else 2) + (1 if item.get_closest_marker("platform") else 0)

    files: dict[Path, int] = {}
    for item in items:
        files[item.path] = min(files.get(item.path, tier(item)), tier(item))
    position = {path: index for index, path in enumerate(files)}
    sharing = {item.path for item in items if set(getattr(item, "fixturenames", ())) & set(SHARED_ONCE)}
    rank = {path: -1 if index == 0 else 1 for index, path in enumerate(sorted(sharing, key=position.__getitem__))}
    items.sort(key=lambda item: (files[item.path], rank.get(item.path, 0), position[item.path], tier(item)))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start every synth the collected tests read, in the order they first read them."""
    pool = session.config.stash[_POOL]
    for item in session.items:
        for name in getattr(item, "fixturenames", ()):
            if name in VARIANTS:
                pool.start(name)
        if item.name == "test_a_generated_valid_config_synthesizes_with_no_finding":
            pool.start("fuzzed", generated_config(fuzz_seed()))


def pytest_configure(config: pytest.Config) -> None:
    """The run folder and this process's synth pool. Under xdist the workers share the cores, so
    each runs fewer synths at a time; xdist's controller runs no test and starts no synth.

    Garbage collection: most of a test process's heap is long-lived (the SDKs and their service
    models, jsii proxies, moto's backends), which every full collection scans to find little. One
    full collection per 100 younger ones instead of 10 took the fast tier's collections from about
    7 s to 3 s of CPU; garbage in cycles is still collected, a little later."""
    gc.set_threshold(700, 10, 100)
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is None:
        config.stash[_RUN_FOLDER] = folder = Path(tempfile.mkdtemp(prefix="pytest-run-"))
        workers = None
    else:
        folder = Path(workerinput["run_folder"])
        workers = max(1, len(os.sched_getaffinity(0)) // workerinput["workercount"])
    config.stash[_POOL] = SynthPool(workers, folder / "synths")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist's controller, before it starts a worker: hand it the run folder."""
    node.workerinput["run_folder"] = str(node.config.stash[_RUN_FOLDER])


def pytest_sessionfinish(session: pytest.Session) -> None:
    session.config.stash[_POOL].close()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _RUN_FOLDER in config.stash:  # after every worker has stopped
        shutil.rmtree(config.stash[_RUN_FOLDER], ignore_errors=True)


@pytest.fixture(scope="session")
def run_folder(pytestconfig: pytest.Config) -> Path:
    """A folder every test process of this run shares (tests/support/shared.py)."""
    workerinput: dict[str, Any] | None = getattr(pytestconfig, "workerinput", None)
    return Path(workerinput["run_folder"]) if workerinput else pytestconfig.stash[_RUN_FOLDER]


@pytest.fixture(scope="session")
def synth_pool(pytestconfig: pytest.Config) -> SynthPool:
    return pytestconfig.stash[_POOL]


@pytest.fixture(scope="session")
def sample_config() -> PlatformConfig:
    return load_config(SAMPLE_CONFIG)


@pytest.fixture(scope="session")
def sample(synth_pool: SynthPool) -> Synthesized:
    """The sample app, synthesized once per session with every gate on."""
    return synth_pool.get("sample")


@pytest.fixture(scope="session")
def disposable(synth_pool: SynthPool) -> Synthesized:
    """The sample with retain_stateful: false, a throwaway environment."""
    return synth_pool.get("disposable")


@pytest.fixture(scope="session")
def extra_team(synth_pool: SynthPool) -> Synthesized:
    """The sample in one region plus team `vision-x` (a name that starts with `vision-`), which
    builds from a CodeConnections repository (access journeys of variant `extra-team`)."""
    return synth_pool.get("extra_team")


@pytest.fixture(scope="session")
def everything_on(synth_pool: SynthPool) -> Synthesized:
    """A throwaway environment with MLflow, a CodeConnections source and platform delivery."""
    return synth_pool.get("everything_on")


@pytest.fixture(scope="session")
def served(synth_pool: SynthPool) -> Synthesized:
    """The sample plus the serving stacks of a release of defect-detector in us-east-1."""
    return synth_pool.get("served")


@pytest.fixture(scope="session")
def mutated(synth_pool: SynthPool) -> Synthesized:
    """The sample after everyday edits (tests/support/variants.py: `_mutated`)."""
    return synth_pool.get("mutated")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the session, on 127.0.0.1 and a free port."""
    yield from moto_server()


@pytest.fixture
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials that only a local moto server accepts; no profile or config file is read."""
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name.upper(), value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


@pytest.fixture(scope="session")
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))
