"""The test pyramid's plumbing: tiers by marker, whole-platform synths shared and started early.

- construct, config, tooling and step tests run in this process and need no whole-platform synth;
- `platform` tests read a synthesized variant (tests/support/variants.py) from the session pool,
  which starts every synth they need in the background as soon as collection ends;
- `cli` tests run the pinned CDK CLI or another external tool as a subprocess.
`make test-fast` runs `-m "not platform and not cli"`; `make test` runs everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from platform_config import PlatformConfig, load_config
from tests.support.assembly import Synthesized
from tests.support.aws import FAKE_CREDENTIALS, moto_server
from tests.support.fuzz import fuzz_seed, generated_config
from tests.support.pool import SynthPool
from tests.support.variants import SAMPLE_CONFIG, VARIANTS

_POOL = SynthPool()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-snapshots", action="store_true", help="rewrite tests/snapshots from this synth")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: the marker must be there by then
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reads a platform variant `platform`; run in-process tiers first, then
    platform tests, then CLI tests, so that the background synths overlap the in-process work."""
    for item in items:
        if any(name in (*VARIANTS, "synth_pool") for name in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.platform)

    def tier(item: pytest.Item) -> int:
        return 2 if item.get_closest_marker("cli") else 1 if item.get_closest_marker("platform") else 0

    items.sort(key=tier)


def pytest_collection_finish(session: pytest.Session) -> None:
    needed = {name for item in session.items for name in getattr(item, "fixturenames", ()) if name in VARIANTS}
    for name in sorted(needed, key=lambda name: (name != "sample", name)):  # most tests read the sample
        _POOL.start(name)
    if any(item.name == "test_a_generated_valid_config_synthesizes_with_no_finding" for item in session.items):
        _POOL.start("fuzzed", generated_config(fuzz_seed()))


def pytest_sessionfinish() -> None:
    _POOL.close()


@pytest.fixture(scope="session")
def synth_pool() -> SynthPool:
    return _POOL


@pytest.fixture(scope="session")
def sample_config() -> PlatformConfig:
    return load_config(SAMPLE_CONFIG)


@pytest.fixture(scope="session")
def sample() -> Synthesized:
    """The sample app, synthesized once per session with every gate on."""
    return _POOL.get("sample")


@pytest.fixture(scope="session")
def disposable() -> Synthesized:
    """The sample with retain_stateful: false, a throwaway environment."""
    return _POOL.get("disposable")


@pytest.fixture(scope="session")
def extra_team() -> Synthesized:
    """The sample in one region plus team `vision-x` (a name that starts with `vision-`), which
    builds from a CodeConnections repository (access journeys of variant `extra-team`)."""
    return _POOL.get("extra_team")


@pytest.fixture(scope="session")
def everything_on() -> Synthesized:
    """A throwaway environment with MLflow, a CodeConnections source and platform delivery."""
    return _POOL.get("everything_on")


@pytest.fixture(scope="session")
def served() -> Synthesized:
    """The sample plus the serving stacks of a release of defect-detector in us-east-1."""
    return _POOL.get("served")


@pytest.fixture(scope="session")
def mutated() -> Synthesized:
    """The sample after everyday edits (tests/support/variants.py: `_mutated`)."""
    return _POOL.get("mutated")


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
