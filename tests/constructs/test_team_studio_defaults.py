"""A team's default lifecycle configs write the SageMaker SDK defaults: the team's prefix, the key,
the platform network and the Team tag on everything the team creates, and PLATFORM_TEAM."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from platform_config.naming import Naming
from platform_constructs.team_studio_defaults import APP_TYPES, TeamStudioDefaults
from tests.constructs.reading import Json, resources
from tests.support.stacks import ACCOUNT, new_stack, template

KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TAG = [{"Key": "Team", "Value": "vision"}]
NETWORK = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-a", "subnet-b"]}
name_for = Naming("mlexp", "dev").team_defaults_config_name


def build(team: str = "vision", bucket: str = "artifacts-bucket") -> dict[str, Json]:
    """App type -> the synthesized lifecycle config."""
    stack = new_stack()
    TeamStudioDefaults(
        stack,
        "Defaults",
        team=team,
        artifacts=s3.Bucket.from_bucket_name(stack, "Artifacts", bucket),
        key=kms.Key.from_key_arn(stack, "Key", KEY),
        subnets=[ec2.Subnet.from_subnet_id(stack, f"Subnet{s}", f"subnet-{s}") for s in "ab"],
        security_group=ec2.SecurityGroup.from_security_group_id(stack, "Studio", "sg-1", mutable=False),
        name_for=partial(name_for, team),
    )
    found = resources(template(stack).to_json(), "AWS::SageMaker::StudioLifecycleConfig").values()
    return {c["Properties"]["StudioLifecycleConfigAppType"]: c["Properties"] for c in found}


@pytest.fixture(scope="module")
def configs() -> dict[str, Json]:
    return build()


@pytest.fixture(scope="module")
def script(configs: dict[str, Json]) -> str:
    content: str = configs["JupyterLab"]["StudioLifecycleConfigContent"]["Fn::Base64"]
    return content


@pytest.fixture(scope="module")
def sdk_config(script: str) -> dict[str, Any]:
    body = script.split("<<'YAML'\n", 1)[1].split("\nYAML\n", 1)[0]
    sagemaker: dict[str, Any] = yaml.safe_load(body)["SageMaker"]
    return sagemaker


def test_one_config_per_ide_with_the_same_script(configs: dict[str, Json]) -> None:
    assert sorted(configs) == sorted(APP_TYPES)
    assert (
        configs["JupyterLab"]["StudioLifecycleConfigContent"] == configs["CodeEditor"]["StudioLifecycleConfigContent"]
    )


def test_names_come_from_the_naming_function_with_a_digest(configs: dict[str, Json]) -> None:
    names = {app: c["StudioLifecycleConfigName"] for app, c in configs.items()}
    assert names["JupyterLab"].startswith("mlexp-dev-vision-jl-")
    assert names["CodeEditor"].startswith("mlexp-dev-vision-ce-")
    assert len({n.rsplit("-", 1)[1] for n in names.values()}) == 1


def test_names_do_not_change_with_cloudformation_values(configs: dict[str, Json]) -> None:
    other = build(bucket="another-bucket")
    assert {a: c["StudioLifecycleConfigName"] for a, c in other.items()} == {
        a: c["StudioLifecycleConfigName"] for a, c in configs.items()
    }


def test_names_change_with_the_team(configs: dict[str, Json]) -> None:
    other = build(team="forecasting")
    assert (
        other["JupyterLab"]["StudioLifecycleConfigName"].rsplit("-", 1)[1]
        != (configs["JupyterLab"]["StudioLifecycleConfigName"].rsplit("-", 1)[1])
    )


def test_sessions_default_to_the_teams_prefix_of_the_artifacts_bucket(sdk_config: dict[str, Any]) -> None:
    assert sdk_config["PythonSDK"]["Modules"]["Session"] == {
        "DefaultS3Bucket": "artifacts-bucket",
        "DefaultS3ObjectKeyPrefix": "vision",
    }


@pytest.mark.parametrize("kind", ["TrainingJob", "ProcessingJob", "TransformJob", "Model", "Pipeline"])
def test_everything_the_team_role_creates_only_with_the_team_tag_is_tagged(
    sdk_config: dict[str, Any], kind: str
) -> None:
    assert sdk_config[kind]["Tags"] == TAG


def test_training_jobs_default_to_the_key_and_the_network(sdk_config: dict[str, Any]) -> None:
    job = sdk_config["TrainingJob"]
    assert (job["OutputDataConfig"], job["ResourceConfig"], job["VpcConfig"]) == (
        {"KmsKeyId": KEY},
        {"VolumeKmsKeyId": KEY},
        NETWORK,
    )


def test_processing_jobs_default_to_the_key_and_the_network(sdk_config: dict[str, Any]) -> None:
    job = sdk_config["ProcessingJob"]
    assert (job["ProcessingOutputConfig"], job["ProcessingResources"], job["NetworkConfig"]) == (
        {"KmsKeyId": KEY},
        {"ClusterConfig": {"VolumeKmsKeyId": KEY}},
        {"VpcConfig": NETWORK},
    )


def test_transform_jobs_default_to_the_key(sdk_config: dict[str, Any]) -> None:
    job = sdk_config["TransformJob"]
    assert (job["TransformOutput"], job["TransformResources"]) == ({"KmsKeyId": KEY}, {"VolumeKmsKeyId": KEY})


def test_models_default_to_the_network(sdk_config: dict[str, Any]) -> None:
    assert sdk_config["Model"]["VpcConfig"] == NETWORK


Run = Callable[[], subprocess.CompletedProcess[str]]


@pytest.fixture
def run(script: str, tmp_path: Path) -> Run:
    """Run the script as Studio would, with a temporary home."""
    path = tmp_path / "defaults.sh"
    path.write_text(script)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    return lambda: subprocess.run(["/bin/bash", str(path)], env=env, capture_output=True, text=True, check=True)


def test_the_script_writes_the_sdk_config_where_the_sdk_reads_it(
    run: Run, tmp_path: Path, sdk_config: dict[str, Any]
) -> None:
    run()
    written = yaml.safe_load((tmp_path / "home" / ".config" / "sagemaker" / "config.yaml").read_text())
    assert (written["SchemaVersion"], written["SageMaker"]) == ("1.0", sdk_config)


def test_the_script_exports_platform_team_once_however_often_it_runs(run: Run, tmp_path: Path) -> None:
    run()
    run()
    bashrc = (tmp_path / "home" / ".bashrc").read_text().splitlines()
    assert [line for line in bashrc if "PLATFORM_TEAM" in line] == ["export PLATFORM_TEAM=vision"]
