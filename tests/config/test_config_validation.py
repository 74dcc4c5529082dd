"""Every invalid input is rejected with one line that names the field path and the bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_config import ConfigError, load_config, parse_config
from tests.support.config_refusal import refusal
from tests.support.synth import ROOT, SAMPLE_CONFIG, config_variant, sample_data

Change = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Change:
    """A change that sets a dotted path like 'environments.0.regions.1.vpc_cidr'."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def _append(path: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path.split("."):
            node = node[int(part)] if part.isdigit() else node[part]
        node.append(value)

    return change


def _duplicate_environment(data: dict[str, Any]) -> None:
    data["environments"].append(dict(data["environments"][0], account="444455556666"))


def _duplicate_region(data: dict[str, Any]) -> None:
    regions = data["environments"][0]["regions"]
    regions[1] = dict(regions[0], vpc_cidr="10.99.0.0/16")


def _long_team_and_environment(data: dict[str, Any]) -> None:
    data["environments"][0]["name"] = "e" * 16
    data["teams"][1]["name"] = "t" * 32
    data["model_groups"][1]["team"] = "t" * 32


def _too_many_users(data: dict[str, Any]) -> None:
    data["studio"]["user_profile_stacks"] = 1
    data["teams"][0]["users"] = [f"user{i}" for i in range(198)]  # + the 3 of the other team = 201


ENV0 = "environments.0"
REGION0 = "environments.0.regions.0"
LONG_GROUP = "g" * 54  # "mlexp-dev-" + 54 = 64 characters, one over the limit

SCOPE_RULE = (
    "must be lower-case letters and digits in words joined by single hyphens (^[a-z0-9]+(-[a-z0-9]+)*$): "
    "IAM scopes by name prefix and a '--' or an upper-case letter could make one name a prefix of another"
)
INVALID: dict[str, tuple[Change, str]] = {
    "unknown region": (
        _set(f"{REGION0}.name", "us-east-9"),
        "environments[0].regions[0].name: is not a supported AWS region (see platform_config/regions.py) "
        "(got 'us-east-9')",
    ),
    "account too short": (
        _set(f"{ENV0}.account", "12345"),
        "environments[0].account: must be exactly 12 digits (got '12345')",
    ),
    "account with letters": (
        _set(f"{ENV0}.account", "11112222333a"),
        "environments[0].account: must be exactly 12 digits (got '11112222333a')",
    ),
    "account unquoted": (
        _set(f"{ENV0}.account", 111122223333),
        "environments[0].account: must be a string (quote it in YAML), got int (got 111122223333)",
    ),
    "cidr not a network": (
        _set(f"{REGION0}.vpc_cidr", "10.0.0.0/33"),
        "environments[0].regions[0].vpc_cidr: is not a valid IPv4 network",
    ),
    "cidr with host bits": (
        _set(f"{REGION0}.vpc_cidr", "10.0.0.1/16"),
        "environments[0].regions[0].vpc_cidr: is not a valid IPv4 network (10.0.0.1/16 has host bits set)",
    ),
    "cidr public": (
        _set(f"{REGION0}.vpc_cidr", "8.8.0.0/16"),
        "environments[0].regions[0].vpc_cidr: must be inside a private range",
    ),
    "cidr too large": (
        _set(f"{REGION0}.vpc_cidr", "10.0.0.0/15"),
        "environments[0].regions[0].vpc_cidr: must be a /16 to /22 network (got '10.0.0.0/15')",
    ),
    "cidr too small": (
        _set(f"{REGION0}.vpc_cidr", "10.0.0.0/23"),
        "environments[0].regions[0].vpc_cidr: must be a /16 to /22 network (got '10.0.0.0/23')",
    ),
    "cidr ipv6": (
        _set(f"{REGION0}.vpc_cidr", "fd00::/48"),
        "environments[0].regions[0].vpc_cidr: must be inside a private range",
    ),
    "overlapping cidrs": (
        _set("environments.0.regions.1.vpc_cidr", "10.20.128.0/17"),
        "environments[0].regions[1].vpc_cidr: overlaps environments[0].regions[0].vpc_cidr (10.20.0.0/16) "
        "in the same environment (got '10.20.128.0/17')",
    ),
    "az count": (
        _set(f"{REGION0}.az_count", 4),
        "environments[0].regions[0].az_count: Input should be less than or equal to 3 (got 4)",
    ),
    "duplicate environment": (
        _duplicate_environment,
        "environments[1].name: duplicate environment name, already used at environments[0].name (got 'dev')",
    ),
    "duplicate region": (
        _duplicate_region,
        "environments[0].regions[1].name: duplicate region in this environment, already used at "
        "environments[0].regions[0].name (got 'us-east-1')",
    ),
    "duplicate team": (
        _set("teams.1.name", "vision"),
        "teams[1].name: duplicate team name, already used at teams[0].name (got 'vision')",
    ),
    "duplicate user across teams": (
        _append("teams.1.users", "alice"),
        "teams[1].users[3]: duplicate user name (user names are unique across the domain), already used at "
        "teams[0].users[0] (got 'alice')",
    ),
    "duplicate model group": (
        _set("model_groups.1.name", "defect-detector"),
        "model_groups[1].name: duplicate model group name, already used at model_groups[0].name "
        "(got 'defect-detector')",
    ),
    "team name pattern": (
        _set("teams.0.name", "vision_team"),
        f"teams[0].name: {SCOPE_RULE} (got 'vision_team')",
    ),
    "team name with a double hyphen": (
        _set("teams.0.name", "vision--x"),
        f"teams[0].name: {SCOPE_RULE} (got 'vision--x')",
    ),
    "team name in upper case": (
        _set("teams.0.name", "Vision"),
        f"teams[0].name: {SCOPE_RULE} (got 'Vision')",
    ),
    "user name pattern": (
        _set("teams.0.users.0", "al.ice"),
        "teams[0].users[0]: must match the SageMaker name pattern",
    ),
    "model group name pattern": (
        _set("model_groups.0.name", "-defects"),
        "model_groups[0].name: must match the SageMaker name pattern",
    ),
    "environment name pattern": (
        _set(f"{ENV0}.name", "dev_1"),
        f"environments[0].name: {SCOPE_RULE} (got 'dev_1')",
    ),
    "derived name too long": (
        _set("model_groups.0.name", LONG_GROUP),
        f"model_groups[0].name: derived model package group name 'mlexp-dev-{LONG_GROUP}' is 64 characters, "
        f"over the limit of 63 (got '{LONG_GROUP}')",
    ),
    "too many model groups for one team": (
        lambda data: data["model_groups"].extend({"name": f"group-{i:02d}", "team": "vision"} for i in range(16)),
        "model_groups[17].team: team has more than 16 model groups: its registry policy would exceed IAM's "
        "6,144 characters for a managed policy (got 'vision')",
    ),
    "model group of unknown team": (
        _set("model_groups.0.team", "nobody"),
        "model_groups[0].team: is not a configured team (forecasting, vision) (got 'nobody')",
    ),
    "unknown key": (_set("bogus", 1), "bogus: unknown key (got 1)"),
    "unknown nested key": (
        _set(f"{REGION0}.vpc", "10.0.0.0/16"),
        "environments[0].regions[0].vpc: unknown key (got '10.0.0.0/16')",
    ),
    "missing key": (lambda data: data.pop("teams"), "teams: is required"),
    "no regions": (_set(f"{ENV0}.regions", []), "environments[0].regions: must have at least 1 item(s) (got [])"),
    "unknown endpoint": (
        _set(f"{ENV0}.endpoints.include", ["sagemaker-foo"]),
        "environments[0].endpoints.include[0]: is not in the endpoint catalog",
    ),
    "unknown endpoint profile": (
        _set(f"{ENV0}.endpoints.profile", "maximal"),
        "environments[0].endpoints.profile: Input should be 'minimal', 'standard' or 'full' (got 'maximal')",
    ),
    "log retention": (
        _set("network.flow_log_retention_days", 42),
        "network.flow_log_retention_days: must be one of the CloudWatch Logs periods",
    ),
    "expiration before transition": (
        _set("data.datasets.expiration_days", 30),
        "data.datasets.expiration_days: must be greater than transition_days (30) (got 30)",
    ),
    "retain as a string": (
        _set(f"{ENV0}.retain_stateful", "yes"),
        "environments[0].retain_stateful: Input should be a valid boolean (got 'yes')",
    ),
    "project pattern": (_set("project", "ML_Exp"), "project: String should match pattern"),
    "idle timeout too short": (
        _set("studio.idle_timeout_minutes", 30),
        "studio.idle_timeout_minutes: Input should be greater than or equal to 60 (got 30)",
    ),
    "idle timeout too long": (
        _set("studio.idle_timeout_minutes", 525601),
        "studio.idle_timeout_minutes: Input should be less than or equal to 525600 (got 525601)",
    ),
    "max idle below default": (
        _set("studio.max_idle_timeout_minutes", 59),
        "studio.max_idle_timeout_minutes: Input should be greater than or equal to 60 (got 59)",
    ),
    "max idle below idle": (
        lambda data: data["studio"].update(idle_timeout_minutes=120, max_idle_timeout_minutes=90),
        "studio.max_idle_timeout_minutes: must not be below idle_timeout_minutes (120) (got 90)",
    ),
    "lifecycle script missing": (
        _set("studio.lifecycle_configs.0.script", "lifecycle/nope.sh"),
        f"studio.lifecycle_configs[0].script: file not found at {SAMPLE_CONFIG.parent}/lifecycle/nope.sh "
        "(got 'lifecycle/nope.sh')",
    ),
    "lifecycle script outside repo": (
        _set("studio.lifecycle_configs.0.script", "../../etc/passwd.sh"),
        "studio.lifecycle_configs[0].script: must be a relative path to a .sh file inside the repository",
    ),
    "lifecycle app type": (
        _set("studio.lifecycle_configs.0.app_type", "JupyterServer"),
        "studio.lifecycle_configs[0].app_type: Input should be 'JupyterLab' or 'CodeEditor' (got 'JupyterServer')",
    ),
    "duplicate lifecycle config": (
        _append(
            "studio.lifecycle_configs",
            {"name": "lab-extensions", "app_type": "CodeEditor", "script": "lifecycle/jupyterlab-extensions.sh"},
        ),
        "studio.lifecycle_configs[1].name: duplicate lifecycle config name, already used at "
        "studio.lifecycle_configs[0].name (got 'lab-extensions')",
    ),
    "team name makes lifecycle name too long": (
        _long_team_and_environment,
        f"teams[1].name: derived Studio lifecycle config name 'mlexp-{'e' * 16}-{'t' * 32}-jl-00000000' is 67 "
        f"characters, over the limit of 63 (got '{'t' * 32}')",
    ),
    "approvers required with model groups": (
        _set("registry.approvers", []),
        "registry.approvers: at least one approver is required when model_groups exist",
    ),
    "approver not an IAM ARN": (
        _set("registry.approvers", ["ml-approvers"]),
        "registry.approvers[0]: must be an IAM role or user ARN",
    ),
    "notification e-mail": (
        _set("registry.notification_emails", ["not-an-email"]),
        "registry.notification_emails[0]: must be an e-mail address (got 'not-an-email')",
    ),
    "consumer account": (
        _set("model_groups.1.consumer_accounts", ["12345"]),
        "model_groups[1].consumer_accounts[0]: must be exactly 12 digits (got '12345')",
    ),
    "duplicate experiment in a team": (
        _append("teams.0.experiments", {"name": "defect-baselines"}),
        "teams[0].experiments[1].name: duplicate experiment name in this team",
    ),
    "mlflow size": (_set("mlflow.size", "Huge"), "mlflow.size: Input should be 'Small', 'Medium' or 'Large'"),
    "mlflow maintenance window": (
        _set("mlflow.weekly_maintenance_window", "Sunday 3am"),
        "mlflow.weekly_maintenance_window: String should match pattern",
    ),
    "pipeline image placeholder": (
        _set("reference_pipeline.image", "{account}.dkr.ecr.{zone}.amazonaws.com/x:1"),
        "reference_pipeline.image: may use only the placeholders {account} and {region}",
    ),
    "pipeline image not ecr": (
        _set("reference_pipeline.image", "docker.io/library/python:3.11"),
        "reference_pipeline.image: must be an ECR image URI",
    ),
    "pipeline threshold": (
        _set("reference_pipeline.accuracy_threshold", 1.5),
        "reference_pipeline.accuracy_threshold: Input should be less than or equal to 1",
    ),
    "pipeline instance type": (
        _set("reference_pipeline.training_instance_type", "m5.xlarge"),
        "reference_pipeline.training_instance_type: String should match pattern",
    ),
    "model build source connection": (
        _set("teams.0.model_build_source", {"connection_arn": "arn:aws:s3:::nope", "repository": "a/b"}),
        "teams[0].model_build_source.connection_arn: String should match pattern",
    ),
    "model build source repository": (
        _set(
            "teams.0.model_build_source",
            {
                "connection_arn": "arn:aws:codeconnections:us-east-1:111122223333:connection/0a1b2c3d-1111",
                "repository": "no-owner",
            },
        ),
        "teams[0].model_build_source.repository: String should match pattern",
    ),
    "delivery account": (
        _set(
            "delivery",
            {
                "account": "1",
                "region": "us-east-1",
                "source": {
                    "connection_arn": "arn:aws:codeconnections:us-east-1:111122223333:connection/0a1b2c3d-1111",
                    "repository": "a/b",
                },
            },
        ),
        "delivery.account: must be exactly 12 digits (got '1')",
    ),
    "delivery without source": (
        _set("delivery", {"account": "111122223333", "region": "us-east-1"}),
        "delivery.source: is required",
    ),
    "model build timeout": (
        _set("model_build", {"timeout_minutes": 1}),
        "model_build.timeout_minutes: Input should be greater than or equal to 5 (got 1)",
    ),
    "too many users for the user stacks": (
        _too_many_users,
        "studio.user_profile_stacks: user stack 0 would hold 201 profiles (2 resources each), over 200, 80% of "
        "the 500-resource quota; raise it (this moves profiles: see README) (got 1)",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_config_is_rejected_with_its_message(case: str) -> None:
    change, expected = INVALID[case]
    lines = refusal(change)
    assert any(line.startswith(f"variant.yaml: {expected}") for line in lines), "\n".join(lines)


def test_a_full_user_stack_is_accepted() -> None:
    def exactly_full(data: dict[str, Any]) -> None:
        data["studio"]["user_profile_stacks"] = 1
        data["teams"][0]["users"] = [f"user{i}" for i in range(197)]

    assert len(config_variant(exactly_full).all_users) == 200


def test_every_problem_is_reported_at_once() -> None:
    def three_problems(data: dict[str, Any]) -> None:
        data["environments"][0]["account"] = "1"
        data["environments"][0]["regions"][0]["name"] = "mars-1"
        data["teams"][0]["users"][0] = "bad name"

    with pytest.raises(ConfigError) as caught:
        config_variant(three_problems)
    assert [line.split(":")[1].strip() for line in str(caught.value).splitlines()] == [
        "environments[0].account",
        "environments[0].regions[0].name",
        "teams[0].users[0]",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty; see config/sample.yaml"),
        ("  \n# only a comment\n", "the file is empty; see config/sample.yaml"),
        ("project: [unclosed\n  x: y", "not valid YAML: expected ',' or ']', but got ':' at line 2, column 4"),
        ("\tproject: x", "not valid YAML: found character '\\t' that cannot start any token at line 1, column 1"),
        ("- a\n- b\n", "the top level must be a mapping of keys (got list)"),
        ("just a string", "the top level must be a mapping of keys (got str)"),
        ("project: a\nproject: b\n", "not valid YAML: duplicate key 'project' at line 2, column 1"),
    ],
)
def test_unreadable_files_are_rejected(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "bad.yaml")
    assert str(caught.value) == f"bad.yaml: {expected}"


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: file not found$"):
        load_config(tmp_path / "nope.yaml")


def test_config_is_frozen(sample_config: Any) -> None:
    with pytest.raises(ValueError, match="frozen"):
        sample_config.project = "other"


def test_sample_round_trips_through_yaml() -> None:
    assert parse_config(yaml.safe_dump(sample_data()), base_dir=SAMPLE_CONFIG.parent).project == "mlexp"


def test_app_exits_non_zero_without_traceback_or_output(tmp_path: Path) -> None:
    """app.py as the CDK CLI runs it: bad config means exit 1, one line per problem, no files."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("project: mlexp\nenvironments: []\nteams: [{name: a_b}]\n")
    outdir = tmp_path / "out"
    env = dict(os.environ, CDK_CONTEXT_JSON=f'{{"config": "{bad}"}}', CDK_OUTDIR=str(outdir))
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{bad}: environments: must have at least 1 item(s) (got [])",
        f"{bad}: teams[0].name: {SCOPE_RULE} (got 'a_b')",
        f"2 problem(s) in {bad}; nothing was synthesized.",
    ]
    assert not outdir.exists() or not any(outdir.iterdir())
