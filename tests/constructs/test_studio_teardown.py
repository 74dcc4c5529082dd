"""The teardown custom resource and its provider (the handler's behaviour is tested elsewhere):
a provider whose role deletes only the domain's apps and spaces, logged and encrypted."""

from __future__ import annotations

import json

import pytest
from aws_cdk import aws_kms as kms

from compliance.acknowledgments import collect
from platform_constructs.stateful import Retention
from platform_constructs.studio_teardown import (
    HANDLER_BUDGET_SECONDS,
    LAMBDA_EXCEPTIONS,
    RESOURCE_TYPE,
    StudioTeardown,
    StudioTeardownProvider,
)
from tests.constructs.reading import Json, by_sid, only, resources, role_statements
from tests.support.stacks import ACCOUNT, new_stack, template

HERE = f"us-east-1:{ACCOUNT}"


@pytest.fixture(scope="module")
def built() -> tuple[Json, dict[tuple[str, str], str]]:
    stack = new_stack()
    provider = StudioTeardownProvider(
        stack, "Teardown", domain_id="d-abc", key=kms.Key(stack, "Key"), retention=Retention(retain=True)
    )
    StudioTeardown(
        stack,
        "DomainTeardown",
        service_token=provider.service_token,
        domain_id="d-abc",
        user_profile_name=None,
        retain=False,
    )
    acknowledged = {(a.path, a.rule_id): a.reason for a in collect(stack.node.root)}
    return dict(template(stack).to_json()), acknowledged


@pytest.fixture(scope="module")
def synthesized(built: tuple[Json, dict[tuple[str, str], str]]) -> Json:
    return built[0]


def handlers(synthesized: Json) -> dict[str, Json]:
    """Handler entry -> function properties (the platform's two Python handlers)."""
    found = resources(synthesized, "AWS::Lambda::Function").values()
    return {
        f["Properties"]["Handler"]: f["Properties"] for f in found if f["Properties"]["Runtime"].startswith("python")
    }


def handler_role(synthesized: Json) -> str:
    (lid,) = [k for k in resources(synthesized, "AWS::IAM::Role") if k.startswith("TeardownHandlerRole")]
    return lid


def test_the_handlers_are_the_teardown_entry_points(synthesized: Json) -> None:
    assert sorted(handlers(synthesized)) == ["index.is_complete", "index.on_event"]


def test_the_handlers_run_as_the_teardown_role_with_a_budget_inside_the_providers(synthesized: Json) -> None:
    for function in handlers(synthesized).values():
        assert function["Role"] == {"Fn::GetAtt": [handler_role(synthesized), "Arn"]}
        assert (function["Runtime"], function["Timeout"]) == ("python3.14", 120)
        assert function["Environment"] == {"Variables": {"TEARDOWN_BUDGET_SECONDS": str(int(HANDLER_BUDGET_SECONDS))}}


def test_the_handler_budget_ends_before_the_provider_gives_up(synthesized: Json) -> None:
    """The waiter retries every 30 s, 120 times: an hour; the handler stops five minutes sooner."""
    machine = only(synthesized, "AWS::StepFunctions::StateMachine")[1]["Properties"]
    definition = "".join(p if isinstance(p, str) else "x" for p in machine["DefinitionString"]["Fn::Join"][1])
    retry = json.loads(definition)["States"]["framework-isComplete-task"]["Retry"][0]
    assert (retry["IntervalSeconds"], retry["MaxAttempts"]) == (30, 120)
    assert HANDLER_BUDGET_SECONDS == 30 * 120 - 300


def test_the_role_finds_apps_and_spaces_with_the_calls_iam_offers_only_on_every_resource(synthesized: Json) -> None:
    statement = by_sid(role_statements(synthesized, handler_role(synthesized)), "FindAppsAndSpaces")
    assert (statement["Action"], statement["Resource"]) == (["sagemaker:ListApps", "sagemaker:ListSpaces"], "*")


def test_the_role_deletes_only_apps_and_spaces_of_its_domain(synthesized: Json) -> None:
    statement = by_sid(role_statements(synthesized, handler_role(synthesized)), "DeleteAppsAndSpacesOfThisDomain")
    assert statement["Action"] == ["sagemaker:DeleteApp", "sagemaker:DeleteSpace", "sagemaker:DescribeDomain"]
    assert statement["Resource"] == [
        f"arn:aws:sagemaker:{HERE}:app/d-abc/*",
        f"arn:aws:sagemaker:{HERE}:domain/d-abc",
        f"arn:aws:sagemaker:{HERE}:space/d-abc/*",
    ]


def test_the_role_never_deletes_profiles_or_the_domain(synthesized: Json) -> None:
    actions = str(role_statements(synthesized, handler_role(synthesized)))
    assert "DeleteUserProfile" not in actions
    assert "DeleteDomain" not in actions


def test_everything_logs_to_one_encrypted_log_group_kept_a_year(synthesized: Json) -> None:
    group_id, group = only(synthesized, "AWS::Logs::LogGroup")
    assert group["Properties"] == {
        "KmsKeyId": {"Fn::GetAtt": [only(synthesized, "AWS::KMS::Key")[0], "Arn"]},
        "RetentionInDays": 365,
    }
    functions = resources(synthesized, "AWS::Lambda::Function").values()
    assert {json.dumps(f["Properties"]["LoggingConfig"]["LogGroup"]) for f in functions} == {
        json.dumps({"Ref": group_id})
    }
    machine = only(synthesized, "AWS::StepFunctions::StateMachine")[1]["Properties"]
    assert machine["LoggingConfiguration"]["Level"] == "ALL"


def test_the_custom_resource_names_the_domain_and_whether_to_retain(synthesized: Json) -> None:
    (teardown,) = resources(synthesized, RESOURCE_TYPE).values()
    assert teardown["Properties"]["DomainId"] == "d-abc"
    assert teardown["Properties"]["Retain"] == "false"
    assert "UserProfileName" not in teardown["Properties"]


@pytest.mark.parametrize("rule", sorted(LAMBDA_EXCEPTIONS))
@pytest.mark.parametrize("pack", ["NIST.800.53.R5", "HIPAA.Security"])
def test_each_lambda_exception_is_acknowledged_on_the_provider(
    built: tuple[Json, dict[tuple[str, str], str]], rule: str, pack: str
) -> None:
    assert built[1][("Probe/Teardown", f"{pack}-{rule}")] == LAMBDA_EXCEPTIONS[rule]
