"""Lifecycle configs: content digests in names, retained versions, the team SDK defaults script."""

from __future__ import annotations

import re
import subprocess
from string import Template
from typing import Any

from platform_constructs.team_studio_defaults import TEMPLATE
from tests.support.synth import Synthesized, resources

NAME = re.compile(r"^mlexp-dev-[a-z0-9-]+-[0-9a-f]{8}$")


def lifecycle_configs(synth: Synthesized, stage: str = "dev-us-east-1") -> dict[str, dict[str, Any]]:
    found = resources(synth.template(stage, "Studio"), "AWS::SageMaker::StudioLifecycleConfig")
    return {r["Properties"]["StudioLifecycleConfigName"]: r for r in found.values()}


def test_one_optional_and_two_defaults_per_team(sample: Synthesized) -> None:
    names = sorted(lifecycle_configs(sample))
    assert len(names) == 5
    assert all(NAME.match(name) for name in names), names
    assert sum(name.startswith("mlexp-dev-lab-extensions-") for name in names) == 1
    for team in ("vision", "forecasting"):
        assert sum(name.startswith((f"mlexp-dev-{team}-jl-", f"mlexp-dev-{team}-ce-")) for name in names) == 2


def test_lifecycle_configs_are_retained(sample: Synthesized) -> None:
    for resource in lifecycle_configs(sample).values():
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"


def test_optional_script_content_is_the_file(sample: Synthesized) -> None:
    (config,) = [r for n, r in lifecycle_configs(sample).items() if n.startswith("mlexp-dev-lab-extensions-")]
    content = config["Properties"]["StudioLifecycleConfigContent"]
    expected = sample.config.studio.lifecycle_configs[0].content
    assert content == {"Fn::Base64": expected}
    assert config["Properties"]["StudioLifecycleConfigAppType"] == "JupyterLab"


def test_a_changed_script_gets_a_new_name(sample: Synthesized, mutated: Synthesized) -> None:
    """`mutated` edits the optional script; nothing about the team defaults changed."""
    before = {n for n in lifecycle_configs(sample) if "lab-extensions" in n}
    after = {n for n in lifecycle_configs(mutated) if "lab-extensions" in n}
    assert len(after) == 1
    assert before != after
    assert {n for n in lifecycle_configs(sample) if "lab-extensions" not in n} == {
        n for n in lifecycle_configs(mutated) if "lab-extensions" not in n
    }


def test_team_defaults_point_the_sdk_at_the_team_storage_and_network(sample: Synthesized) -> None:
    (config,) = [r for n, r in lifecycle_configs(sample).items() if n.startswith("mlexp-dev-vision-jl-")]
    rendered = str(config["Properties"]["StudioLifecycleConfigContent"])
    assert "DefaultS3ObjectKeyPrefix: vision" in rendered
    assert "ArtifactsBucket" in rendered
    assert "PlatformKey" in rendered
    assert "StudioSecurityGroup" in rendered
    assert "IsolatedSubnet" in rendered


def test_sdk_defaults_template_renders_to_valid_bash_and_yaml(tmp_path: Any) -> None:
    import yaml

    script = Template(TEMPLATE.read_text()).substitute(
        team="vision",
        artifacts_bucket="bucket-1",
        key_arn="arn:aws:kms:us-east-1:111122223333:key/abc",
        security_group="sg-1",
        subnets="subnet-1, subnet-2",
    )
    path = tmp_path / "defaults.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True, check=False).returncode == 0
    home = tmp_path / "home"
    result = subprocess.run(
        ["bash", str(path)],
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = yaml.safe_load((home / ".config" / "sagemaker" / "config.yaml").read_text())
    session = written["SageMaker"]["PythonSDK"]["Modules"]["Session"]
    assert session == {"DefaultS3Bucket": "bucket-1", "DefaultS3ObjectKeyPrefix": "vision"}
    assert written["SageMaker"]["TrainingJob"]["VpcConfig"] == {
        "SecurityGroupIds": ["sg-1"],
        "Subnets": ["subnet-1", "subnet-2"],
    }
    assert written["SageMaker"]["TrainingJob"]["ResourceConfig"]["VolumeKmsKeyId"].startswith("arn:aws:kms:")
