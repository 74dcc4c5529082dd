"""current_release.py: what the production stack serves, read back as a release (emulator)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from serving import current_release
from serving.release import Release
from tests.steps.test_pin_version import register
from tests.support.aws import client
from tests.support.tooling import unique


def production_stack(cloudformation: Any, outputs: dict[str, str]) -> str:
    """A stack whose outputs are what a serving stack outputs (`Version<Variant>`)."""
    name = unique("serving-production")
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    return name


@pytest.fixture
def clients(moto_endpoint: str) -> tuple[Any, Any]:
    return client("cloudformation", moto_endpoint), client("sagemaker", moto_endpoint)


def run(clients: tuple[Any, Any], tmp_path: Path, stack: str, group: str, variants: str) -> tuple[int, Path]:
    out = tmp_path / "current.json"
    argv = ["--stack-name", stack, "--group", group, "--variants", variants, "--region", "us-east-1", "--out", str(out)]
    return current_release.main(argv, clients=clients), out


def test_what_production_serves_becomes_the_current_release(clients: tuple[Any, Any], tmp_path: Path) -> None:
    cloudformation, sagemaker = clients
    group = unique("served")
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    champion, challenger = register(sagemaker, group), register(sagemaker, group)
    stack = production_stack(cloudformation, {"VersionChampion": champion, "VersionChallenger": challenger})
    code, out = run(clients, tmp_path, stack, group, "champion,challenger")
    assert code == 0
    release = Release.load(out)
    assert [(name, version.arn) for name, version in release.variants] == [
        ("champion", champion),
        ("challenger", challenger),
    ]
    assert release.version_of("challenger").baselines is not None  # read again from the registry


def test_a_variant_production_does_not_serve_fails_in_one_line(
    clients: tuple[Any, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloudformation, sagemaker = clients
    group = unique("served")
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    stack = production_stack(cloudformation, {"VersionChampion": register(sagemaker, group)})
    code, out = run(clients, tmp_path, stack, group, "champion,challenger")
    assert code == 2
    assert not out.exists()
    (line,) = capsys.readouterr().err.splitlines()
    assert line == f"error: stack {stack} has no output VersionChallenger (the variant challenger)"
