"""Custom resource: before CloudFormation deletes a Studio user profile or domain, delete its apps
and spaces and wait until they are gone (SageMaker refuses to delete either while they exist).

Runs under the CDK Provider framework: `on_event` starts the work, `is_complete` is polled until
it returns True or the provider's total timeout ends. Create and Update do nothing. In a retained
environment (`Retain` = "true") Delete deletes nothing either.

Resource properties: DomainId, UserProfileName (absent for the domain), Retain.
Plain Python with only boto3: the Lambda runtime provides it, so there is no bundling.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

# Apps in these states are deleted; apps still starting are waited for, then deleted.
DELETABLE_APP_STATES = {"InService", "Failed"}
DELETABLE_SPACE_STATES = {"InService", "Failed", "Update_Failed", "Delete_Failed"}
GONE_APP_STATES = {"Deleted"}
# Benign answers to a delete: it is already gone, or already being deleted.
BENIGN_DELETE_ERRORS = {"ResourceNotFound", "ResourceInUse"}
# Less than the provider's total timeout, so the failure names what is left.
DEFAULT_BUDGET_SECONDS = int(os.environ.get("TEARDOWN_BUDGET_SECONDS", "3300"))
RETRIES = Config(retries={"max_attempts": 10, "mode": "adaptive"})


class TeardownTimeout(Exception):
    """Apps or spaces were still there when the time budget ran out."""


def _client() -> Any:
    return boto3.client("sagemaker", config=RETRIES)


def _props(event: dict[str, Any]) -> tuple[str, str | None, bool]:
    props = event["ResourceProperties"]
    return props["DomainId"], props.get("UserProfileName") or None, props.get("Retain") == "true"


def _physical_id(domain_id: str, user: str | None) -> str:
    return f"studio-teardown:{domain_id}:{user or '*'}"


def _pages(sagemaker: Any, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    for page in sagemaker.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


def domain_exists(sagemaker: Any, domain_id: str) -> bool:
    try:
        sagemaker.describe_domain(DomainId=domain_id)
    except ClientError as error:
        if error.response["Error"]["Code"] in {"ResourceNotFound", "ValidationException"}:
            return False
        raise
    return True


def _spaces(sagemaker: Any, domain_id: str, user: str | None) -> list[dict[str, Any]]:
    spaces = list(_pages(sagemaker, "list_spaces", "Spaces", DomainIdEquals=domain_id))
    if user is None:
        return spaces
    return [s for s in spaces if s.get("OwnershipSettingsSummary", {}).get("OwnerUserProfileName") == user]


def _apps(sagemaker: Any, domain_id: str, user: str | None, space_names: set[str]) -> list[dict[str, Any]]:
    apps = [
        a
        for a in _pages(sagemaker, "list_apps", "Apps", DomainIdEquals=domain_id)
        if a.get("Status") not in GONE_APP_STATES
    ]
    if user is None:
        return apps
    return [a for a in apps if a.get("UserProfileName") == user or a.get("SpaceName") in space_names]


def _describe(resource: dict[str, Any], kind: str) -> str:
    if kind == "space":
        return f"space {resource['SpaceName']} ({resource.get('Status')})"
    owner = resource.get("SpaceName") or resource.get("UserProfileName")
    return f"app {resource['AppType']}/{resource['AppName']} of {owner} ({resource.get('Status')})"


def _delete(call: Any, **params: Any) -> None:
    try:
        call(**params)
    except ClientError as error:
        if error.response["Error"]["Code"] not in BENIGN_DELETE_ERRORS:
            raise
        LOG.info("already going: %s", error.response["Error"].get("Message"))


def teardown_step(sagemaker: Any, domain_id: str, user: str | None) -> list[str]:
    """Delete what can be deleted now; return what is still there. Spaces go after their apps."""
    spaces = _spaces(sagemaker, domain_id, user)
    apps = _apps(sagemaker, domain_id, user, {space["SpaceName"] for space in spaces})
    for app in apps:
        if app.get("Status") in DELETABLE_APP_STATES:
            target = (
                {"SpaceName": app["SpaceName"]} if app.get("SpaceName") else {"UserProfileName": app["UserProfileName"]}
            )
            _delete(sagemaker.delete_app, DomainId=domain_id, AppType=app["AppType"], AppName=app["AppName"], **target)
    if apps:
        return [_describe(app, "app") for app in apps]
    for space in spaces:
        if space.get("Status") in DELETABLE_SPACE_STATES:
            _delete(sagemaker.delete_space, DomainId=domain_id, SpaceName=space["SpaceName"])
    return [_describe(space, "space") for space in spaces]


def on_event(
    event: dict[str, Any], context: Any = None, sagemaker: Any = None, now: float | None = None
) -> dict[str, Any]:
    domain_id, user, retain = _props(event)
    LOG.info("%s %s", event["RequestType"], json.dumps({"DomainId": domain_id, "User": user, "Retain": retain}))
    result: dict[str, Any] = {"PhysicalResourceId": _physical_id(domain_id, user)}
    if event["RequestType"] != "Delete":
        return result
    if retain:
        LOG.info("retained environment: deleting nothing")
        return result
    sagemaker = sagemaker or _client()
    if domain_exists(sagemaker, domain_id):
        remaining = teardown_step(sagemaker, domain_id, user)
        LOG.info("started teardown, remaining: %s", remaining)
    deadline = (now if now is not None else time.time()) + DEFAULT_BUDGET_SECONDS
    result["Data"] = {"Deadline": str(int(deadline))}
    return result


def is_complete(
    event: dict[str, Any], context: Any = None, sagemaker: Any = None, now: float | None = None
) -> dict[str, Any]:
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    domain_id, user, retain = _props(event)
    if retain:
        return {"IsComplete": True}
    sagemaker = sagemaker or _client()
    if not domain_exists(sagemaker, domain_id):
        return {"IsComplete": True}
    remaining = teardown_step(sagemaker, domain_id, user)
    if not remaining:
        return {"IsComplete": True}
    deadline = float(event.get("Data", {}).get("Deadline", "inf"))
    if (now if now is not None else time.time()) > deadline:
        scope = f"user profile {user}" if user else "the domain"
        raise TeardownTimeout(f"teardown of {scope} in {domain_id} timed out; still present: {'; '.join(remaining)}")
    LOG.info("waiting for: %s", remaining)
    return {"IsComplete": False}
