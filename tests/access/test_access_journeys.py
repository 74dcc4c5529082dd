"""The journey schema, the placeholders and the request each journey becomes (no simulator, no synth)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from access.assembly import read_assembly
from access.journeys import CatalogueError, Journey, load_catalogue
from access.model import build_stage_model
from access.placeholders import FOREIGN_ACCOUNT, PlaceholderError, StageValues
from access.requests import RequestError, build_request
from platform_config import PlatformConfig
from tests.access.access_assembly import ACCOUNT, STAGE, write_assembly

ROLE = "{arn:Studio/Team-vision}"


def journey(**fields: Any) -> Journey:
    base: dict[str, Any] = {
        "id": "j",
        "title": "someone does something",
        "principal": {"role": ROLE},
        "action": "s3:GetObject",
        "resource": "{arn:Data/Datasets}/vision/a.csv",
        "expect": "allowed",
        "proves": "what the test needs",
    }
    return Journey.model_validate({**base, **fields})


@pytest.fixture(scope="module")
def values(sample_config: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> StageValues:
    assembly = read_assembly(write_assembly(tmp_path_factory.mktemp("tiny")))
    return StageValues.for_stage(build_stage_model(assembly, STAGE), sample_config)


# -- the schema --------------------------------------------------------------------------------


def write_catalogue(folder: Path, files: dict[str, Any]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(CatalogueError) as error:
        load_catalogue(folder)
    return error.value.problems


GOOD = {
    "id": "good",
    "title": "a vision data scientist reads",
    "principal": {"role": ROLE},
    "action": "s3:GetObject",
    "resource": "r",
    "expect": "allowed",
    "proves": "walkthrough step 1",
}


def test_every_problem_is_one_line_naming_file_journey_and_field(tmp_path: Path) -> None:
    bad = [
        {**GOOD, "id": "two-kinds", "principal": {"role": ROLE, "service": "events.amazonaws.com"}},
        {**GOOD, "id": "bad-expect", "expect": "maybe"},
        {**GOOD, "id": "wild", "action": "s3:Get*"},
        {**GOOD, "id": "extra", "colour": "red"},
        {**{k: v for k, v in GOOD.items() if k != "proves"}, "id": "no-proof"},
    ]
    found = problems(write_catalogue(tmp_path / "c", {"a.yaml": bad}))
    assert found == [
        "a.yaml: two-kinds: principal: Value error, give exactly one of role, service, external, boundary "
        "(got role, service)",
        "a.yaml: bad-expect: expect: Input should be 'allowed' or 'denied'",
        "a.yaml: wild: action: Value error, must be service:Action without wildcards (got 's3:Get*')",
        "a.yaml: extra: colour: Extra inputs are not permitted",
        "a.yaml: no-proof: proves: Field required",
    ]


def test_ids_are_unique_across_files(tmp_path: Path) -> None:
    folder = write_catalogue(tmp_path / "c", {"a.yaml": [GOOD], "b.yaml": [GOOD]})
    assert problems(folder) == ["b.yaml: good: id: already used in a.yaml"]


def test_a_file_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    assert problems(write_catalogue(tmp_path / "c", {"a.yaml": "journeys: {}"})) == [
        f"{tmp_path / 'c' / 'a.yaml'}: must be a list of journeys"
    ]


def test_the_catalogue_loads() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) > 50
    assert {j.expect for j in catalogue} == {"allowed", "denied"}
    assert {j.area for j in catalogue} == {
        "studio",
        "isolation",
        "model_build",
        "registry",
        "perimeter",
        "tuning",
        "serving",
    }


# -- placeholders ------------------------------------------------------------------------------


def test_placeholders_resolve_against_the_stage_and_the_config(values: StageValues) -> None:
    assert values.fill("arn:{partition}:x:{region}:{account}:{stage}") == f"arn:aws:x:us-east-1:{ACCOUNT}:{STAGE}"
    assert values.fill("{project}-{environment}") == "mlexp-dev"
    assert values.fill("{foreign_account}") == FOREIGN_ACCOUNT
    assert values.fill("{consumer_account:demand-forecast}") == "444455556666"
    assert values.fill("{approver:0}") == f"arn:aws:iam::{ACCOUNT}:role/ml-model-approvers"
    assert values.fill("{arn:Studio/Team-vision}") == values.fill("{output:Studio/ExecutionRoleArnvision}")
    assert values.fill("{arn:Data/Datasets}") == "arn:aws:s3:::" + values.fill("{name:Data/Datasets}")
    assert values.fill("{name:Data/Datasets|head:8}") == "mlexp-de"
    assert values.fill("{ref:Network/Network}").startswith("vpc-")
    assert values.fill("{endpoint:sagemaker-api}").startswith("vpce-")


def test_a_list_placeholder_fills_a_whole_context_value(values: StageValues) -> None:
    subnets = values.fill_value("{output:Network/IsolatedSubnetIds|list}")
    assert isinstance(subnets, list)
    assert len(subnets) == 2
    assert all(subnet.startswith("subnet-") for subnet in subnets)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope}", "{nope} is no placeholder"),
        ("{account:x}", "{account} takes no argument"),
        ("{arn}", "{arn} needs argument"),
        ("{arn:Studio/Team-x}", "no resource at the construct path 'Studio/Team-x'"),
        ("{output:Studio/Nope}", "has no output Nope"),
        ("{consumer_account:defect-detector}", "the model group has no consumer account"),
        ("{approver:3}", "the config lists 1 approver(s)"),
        ("{endpoint:ssm}", "has no such endpoint"),
        ("{source_connection:vision}", "builds from the S3 source object"),
        ("x{output:Network/IsolatedSubnetIds|list}", "|list fills a whole context value"),
        ("{account|upper}", "no filter |upper"),
        ("{account", "a brace that is no placeholder"),
    ],
)
def test_a_placeholder_that_names_nothing_fails(values: StageValues, text: str, message: str) -> None:
    with pytest.raises(PlaceholderError, match=re.escape(message)):
        values.fill_value(text)


# -- requests ----------------------------------------------------------------------------------


def test_a_role_journey_is_its_session_with_every_policy_and_the_context_a_request_carries(values: StageValues) -> None:
    request = build_request(journey(context={"aws:SourceIdentity": "alice"}, via="s3"), values)
    sim = request.simulation
    role_arn = values.fill(ROLE)
    role_name = role_arn.rsplit("/", 1)[1]
    assert sim["request"]["principal"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/journey"
    assert [p["name"] for p in sim["identityPolicies"]] == ["TeamPolicy"]
    assert sim["permissionBoundaryPolicies"][0]["name"] == "mlexp-dev-us-east-1-boundary"
    assert sim["resourcePolicy"]["Statement"][0]["Sid"] == "TlsOnly"
    assert sim["vpcEndpointPolicies"][0]["name"] == "AWS default policy of s3 (none set)"
    assert sim["request"]["contextVariables"] == {
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": "us-east-1",
        "aws:ResourceAccount": ACCOUNT,
        "aws:PrincipalArn": role_arn,
        "aws:PrincipalAccount": ACCOUNT,
        "aws:PrincipalIsAWSService": "false",
        "aws:PrincipalType": "AssumedRole",
        "aws:PrincipalTag/Team": "vision",
        "aws:SourceVpce": values.model.endpoints["s3"].endpoint_id,
        "aws:SourceVpc": values.fill("{ref:Network/Network}"),
        "aws:SourceIdentity": "alice",
    }
    assert request.journey_keys == frozenset({"aws:sourceidentity"})


def test_a_service_journey_has_no_identity_policy(values: StageValues) -> None:
    request = build_request(
        journey(principal={"service": "sagemaker.amazonaws.com"}, action="sts:AssumeRole", resource=ROLE), values
    )
    assert request.simulation["identityPolicies"] == []
    assert request.resource_policy is not None
    assert request.resource_policy.kind == "trust"
    assert request.simulation["request"]["contextVariables"]["aws:PrincipalServiceName"] == "sagemaker.amazonaws.com"


def test_an_external_principal_may_do_anything_in_its_own_account(values: StageValues) -> None:
    request = build_request(journey(principal={"external": "{foreign_account}", "session": "x"}), values)
    context = request.simulation["request"]["contextVariables"]
    assert request.simulation["request"]["principal"] == f"arn:aws:sts::{FOREIGN_ACCOUNT}:assumed-role/journey-caller/x"
    assert context["aws:PrincipalAccount"] == FOREIGN_ACCOUNT
    assert request.simulation["identityPolicies"][0]["policy"]["Statement"][0]["Action"] == "*"


def test_a_boundary_probe_carries_only_the_boundary(values: StageValues) -> None:
    request = build_request(journey(principal={"boundary": "{arn:Guardrails/PermissionsBoundary}"}), values)
    assert request.principal_label == "any role bounded by mlexp-dev-us-east-1-boundary"
    assert request.simulation["permissionBoundaryPolicies"][0]["policy"]["Statement"][1]["Sid"] == "NoBucketPolicies"


def test_resources_of_the_templates_carry_their_tags(values: StageValues) -> None:
    request = build_request(journey(action="iam:PassRole", resource=ROLE), values)
    assert request.simulation["request"]["contextVariables"]["aws:ResourceTag/Team"] == "vision"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"context": {"aws:PrincipalArn": "x"}}, "context sets aws:PrincipalArn, which the harness fills"),
        ({"principal": {"role": "arn:aws:iam::111122223333:role/nobody"}}, "is no role of the stage"),
        ({"resource": "arn:aws:s3:::elsewhere/a"}, "names no account; set resource_account"),
        (
            {"resource": "arn:aws:s3:::mlexp-nope-bucket/a", "resource_account": "{account}"},
            "is not a resource of the stage",
        ),
        ({"foreign_resource_policy": "allow-all"}, "the resource is in the platform's account"),
        ({"via": "ssm"}, "has no endpoint ssm"),
        ({"resource": "{arn:Nope/Thing}"}, "no resource at the construct path"),
        ({"principal": {"boundary": "arn:aws:iam::111122223333:policy/other"}}, "is no managed policy"),
    ],
)
def test_a_journey_that_cannot_become_a_request_says_why(
    values: StageValues, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(RequestError, match=re.escape(message)):
        build_request(journey(**fields), values)


def test_the_foreign_account_is_none_of_the_config(values: StageValues, sample_config: PlatformConfig) -> None:
    environment = sample_config.environments[0].model_copy(update={"account": FOREIGN_ACCOUNT})
    config = sample_config.model_copy(update={"environments": (environment,)})
    with pytest.raises(PlaceholderError, match=f"the config uses {FOREIGN_ACCOUNT}"):
        StageValues.for_stage(values.model, config)
