from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from platform_config import PlatformConfig, load_config
from tests.aws import FAKE_CREDENTIALS, moto_server
from tests.synth import SAMPLE_CONFIG, Synthesized, config_variant, synthesize


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-snapshots", action="store_true", help="rewrite tests/snapshots from this synth")


@pytest.fixture(scope="session")
def sample_config() -> PlatformConfig:
    return load_config(SAMPLE_CONFIG)


@pytest.fixture(scope="session")
def sample(sample_config: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The sample app, synthesized once for the whole session, without policy plugins."""
    return synthesize(sample_config, tmp_path_factory.mktemp("sample"))


def _not_retained(data: dict[str, Any]) -> None:
    data["environments"][0]["retain_stateful"] = False


@pytest.fixture(scope="session")
def disposable(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The sample with retain_stateful: false, a throwaway environment."""
    return synthesize(config_variant(_not_retained), tmp_path_factory.mktemp("disposable"))


def _extra_team(data: dict[str, Any]) -> None:
    # A team whose name starts with another team's name, building from a CodeConnections repository;
    # one region is enough for its journeys and halves the synth.
    data["environments"][0]["regions"] = data["environments"][0]["regions"][:1]
    data["teams"].append(
        {
            "name": "vision-x",
            "users": ["xena"],
            "model_build_source": {
                "connection_arn": f"arn:aws:codeconnections:us-east-1:{data['environments'][0]['account']}:connection/"
                "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                "repository": "acme/vision-x-models",
            },
        }
    )
    data["model_groups"].append({"name": "vision-x-detector", "team": "vision-x"})


@pytest.fixture(scope="session")
def extra_team(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The sample plus team vision-x (access journeys of variant `extra-team`)."""
    return synthesize(config_variant(_extra_team), tmp_path_factory.mktemp("extra-team"))


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Fast, in-process tests first; the CLI subprocess tests last.
    items.sort(key=lambda item: item.get_closest_marker("cli") is not None)
