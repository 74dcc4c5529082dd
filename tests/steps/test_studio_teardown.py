"""The teardown handler, with real boto3 clients: moto for what it implements, Stubber for the rest."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from tests.support.aws import client, load_handler
from tests.support.synth import Synthesized, only, resources

teardown = load_handler("studio_teardown/index.py")
DOMAIN = "d-abc123"


def event(request: str, user: str | None = "alice", retain: str = "false", **extra: Any) -> dict[str, Any]:
    props = {"ServiceToken": "arn:token", "DomainId": DOMAIN, "Retain": retain}
    if user:
        props["UserProfileName"] = user
    return {"RequestType": request, "ResourceProperties": props, **extra}


def app(
    name: str, status: str, *, space: str | None = None, user: str | None = None, app_type: str = "JupyterLab"
) -> dict[str, Any]:
    found: dict[str, Any] = {"DomainId": DOMAIN, "AppType": app_type, "AppName": name, "Status": status}
    if space:
        found["SpaceName"] = space
    if user:
        found["UserProfileName"] = user
    return found


def space(name: str, status: str, owner: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"DomainId": DOMAIN, "SpaceName": name, "Status": status}
    if owner:
        found["OwnershipSettingsSummary"] = {"OwnerUserProfileName": owner}
    return found


class Script:
    """Expected SageMaker calls, in order, on a stubbed client."""

    def __init__(self) -> None:
        self.sagemaker = client("sagemaker")
        self.stub = Stubber(self.sagemaker)

    def domain(self, exists: bool = True) -> Script:
        if exists:
            self.stub.add_response("describe_domain", {"DomainId": DOMAIN}, {"DomainId": DOMAIN})
        else:
            self.stub.add_client_error(
                "describe_domain", "ResourceNotFound", "Domain not found", 400, expected_params={"DomainId": DOMAIN}
            )
        return self

    def spaces(self, *pages: list[dict[str, Any]]) -> Script:
        self._pages("list_spaces", "Spaces", pages)
        return self

    def apps(self, *pages: list[dict[str, Any]]) -> Script:
        self._pages("list_apps", "Apps", pages)
        return self

    def _pages(self, operation: str, key: str, pages: tuple[list[dict[str, Any]], ...]) -> None:
        for index, page in enumerate(pages):
            response: dict[str, Any] = {key: page}
            params: dict[str, Any] = {"DomainIdEquals": DOMAIN}
            if index:
                params["NextToken"] = f"page-{index}"
            if index < len(pages) - 1:
                response["NextToken"] = f"page-{index + 1}"
            self.stub.add_response(operation, response, params)

    def delete_app(self, name: str, error: str | None = None, **target: str) -> Script:
        params = {"DomainId": DOMAIN, "AppType": "JupyterLab", "AppName": name, **target}
        if error:
            self.stub.add_client_error("delete_app", error, f"{error} for {name}", 400, expected_params=params)
        else:
            self.stub.add_response("delete_app", {}, params)
        return self

    def delete_space(self, name: str) -> Script:
        self.stub.add_response("delete_space", {}, {"DomainId": DOMAIN, "SpaceName": name})
        return self


ALICE_SPACES = (
    [space("alice-lab", "InService", "alice"), space("bruno-lab", "InService", "bruno")],
    [space("alice-code", "Deleting", "alice")],
)


def test_create_and_update_do_nothing() -> None:
    script = Script()
    with script.stub:
        for request in ("Create", "Update"):
            result = teardown.on_event(event(request), sagemaker=script.sagemaker)
            assert result == {"PhysicalResourceId": f"studio-teardown:{DOMAIN}:alice"}
            assert teardown.is_complete(event(request), sagemaker=script.sagemaker) == {"IsComplete": True}
    script.stub.assert_no_pending_responses()


def test_retained_environment_deletes_nothing() -> None:
    script = Script()  # no expected calls: any call fails the test
    with script.stub:
        result = teardown.on_event(event("Delete", retain="true"), sagemaker=script.sagemaker)
        assert "Data" not in result
        assert teardown.is_complete(event("Delete", retain="true"), sagemaker=script.sagemaker) == {"IsComplete": True}


def test_profile_teardown_deletes_apps_then_spaces_across_pages() -> None:
    apps_page_1 = [
        app("default", "InService", space="alice-lab"),
        app("classic", "Deleted", user="alice"),
        app("bruno-app", "InService", space="bruno-lab"),
    ]
    apps_page_2 = [app("default", "Deleting", space="alice-code"), app("failed", "Failed", user="alice")]
    script = (
        Script()
        # on_event: two apps to delete; the one already deleting and bruno's are left alone
        .domain()
        .spaces(*ALICE_SPACES)
        .apps(apps_page_1, apps_page_2)
        .delete_app("default", SpaceName="alice-lab")
        .delete_app("failed", UserProfileName="alice")
        # is_complete, round 1: the deleted app is still listed as Deleting: wait
        .domain()
        .spaces(*ALICE_SPACES)
        .apps([app("default", "Deleting", space="alice-lab")])
        # round 2: apps gone, so spaces: delete the one in service, wait for the one deleting
        .domain()
        .spaces(*ALICE_SPACES)
        .apps([app("bruno-app", "InService", space="bruno-lab")])
        .delete_space("alice-lab")
        # round 3: nothing of alice's left
        .domain()
        .spaces([space("bruno-lab", "InService", "bruno")])
        .apps([])
    )
    with script.stub:
        started = teardown.on_event(event("Delete"), sagemaker=script.sagemaker, now=1000.0)
        assert started["Data"] == {"Deadline": str(1000 + teardown.DEFAULT_BUDGET_SECONDS)}
        polled = event("Delete", **started)
        assert teardown.is_complete(polled, sagemaker=script.sagemaker, now=1001.0) == {"IsComplete": False}
        assert teardown.is_complete(polled, sagemaker=script.sagemaker, now=1002.0) == {"IsComplete": False}
        assert teardown.is_complete(polled, sagemaker=script.sagemaker, now=1003.0) == {"IsComplete": True}
    script.stub.assert_no_pending_responses()


def test_domain_teardown_takes_every_app_and_space() -> None:
    script = (
        Script()
        .domain()
        .spaces([space("shared", "InService", None), space("bruno-lab", "Failed", "bruno")])
        .apps([app("a", "InService", space="shared")])
        .delete_app("a", SpaceName="shared")
        .domain()
        .spaces([space("shared", "InService", None), space("bruno-lab", "Failed", "bruno")])
        .apps([])
        .delete_space("shared")
        .delete_space("bruno-lab")
    )
    with script.stub:
        started = teardown.on_event(event("Delete", user=None), sagemaker=script.sagemaker)
        assert started["PhysicalResourceId"] == f"studio-teardown:{DOMAIN}:*"
        assert teardown.is_complete(event("Delete", user=None, **started), sagemaker=script.sagemaker) == {
            "IsComplete": False
        }
    script.stub.assert_no_pending_responses()


def test_an_app_already_gone_or_deleting_is_not_an_error() -> None:
    script = (
        Script()
        .domain()
        .spaces([space("alice-lab", "InService", "alice")])
        .apps([app("default", "InService", space="alice-lab")])
        .delete_app("default", error="ResourceInUse", SpaceName="alice-lab")
    )
    with script.stub:
        teardown.on_event(event("Delete"), sagemaker=script.sagemaker)
    script.stub.assert_no_pending_responses()


def test_a_real_error_fails_the_delete() -> None:
    script = (
        Script()
        .domain()
        .spaces([])
        .apps([app("default", "InService", user="alice")])
        .delete_app("default", error="AccessDeniedException", UserProfileName="alice")
    )
    with script.stub, pytest.raises(teardown.ClientError, match="AccessDeniedException"):
        teardown.on_event(event("Delete"), sagemaker=script.sagemaker)


def test_timeout_names_what_is_left() -> None:
    script = (
        Script()
        .domain()
        .spaces([space("alice-lab", "InService", "alice")])
        .apps([app("default", "Deleting", space="alice-lab")])
    )
    stuck = event("Delete", PhysicalResourceId="x", Data={"Deadline": "1000"})
    with script.stub, pytest.raises(teardown.TeardownTimeout) as caught:
        teardown.is_complete(stuck, sagemaker=script.sagemaker, now=1001.0)
    assert str(caught.value) == (
        f"teardown of user profile alice in {DOMAIN} timed out; still present: "
        "app JupyterLab/default of alice-lab (Deleting)"
    )


def test_a_missing_domain_is_already_torn_down(moto_endpoint: str) -> None:
    """moto implements DescribeDomain: the real not-found answer of a real client."""
    sagemaker = client("sagemaker", moto_endpoint)
    missing = {"RequestType": "Delete", "ResourceProperties": {"DomainId": "d-doesnotexist", "Retain": "false"}}
    assert "Data" in teardown.on_event(missing, sagemaker=sagemaker)
    assert teardown.is_complete(missing, sagemaker=sagemaker) == {"IsComplete": True}


def test_an_existing_domain_is_found(moto_endpoint: str) -> None:
    sagemaker = client("sagemaker", moto_endpoint)
    domain_id = sagemaker.create_domain(
        DomainName="teardown-test",
        AuthMode="IAM",
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/r"},
    )["DomainArn"].rsplit("/", 1)[1]
    assert teardown.domain_exists(sagemaker, domain_id) is True
    assert teardown.domain_exists(sagemaker, "d-doesnotexist") is False


def test_provider_waits_long_enough_and_the_handler_gives_up_first(sample: Synthesized) -> None:
    template = sample.template("dev-us-east-1", "Studio")
    functions = {f["Properties"].get("Handler"): f for f in resources(template, "AWS::Lambda::Function").values()}
    for entry in ("index.on_event", "index.is_complete"):
        props = functions[entry]["Properties"]
        assert props["Runtime"] == "python3.14"
        budget = int(props["Environment"]["Variables"]["TEARDOWN_BUDGET_SECONDS"])
        assert budget == 3300
    _, machine = only(template, "AWS::StepFunctions::StateMachine")
    definition = str(machine["Properties"]["DefinitionString"])
    assert '\\"IntervalSeconds\\":30' in definition or '"IntervalSeconds":30' in definition
    assert '"MaxAttempts":120' in definition.replace("\\", "")  # 60 minutes / 30 seconds > 3300 s budget


def test_handler_role_can_only_touch_this_domain(sample: Synthesized) -> None:
    template = sample.template("dev-us-east-1", "Studio")
    role_id = next(
        lid
        for lid, r in resources(template, "AWS::IAM::Role").items()
        if "Deletes the apps and spaces" in r["Properties"].get("Description", "")
    )
    statements = [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    deletes = next(s for s in statements if s.get("Sid") == "DeleteAppsAndSpacesOfThisDomain")
    assert "StudioDomain" in str(deletes["Resource"])
    wildcard = [s for s in statements if s["Resource"] == "*"]
    assert [s["Sid"] for s in wildcard] == ["FindAppsAndSpaces"]
