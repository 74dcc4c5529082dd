"""Build the simulator's request for one journey in one stage: principal, policies and request context.

Every request carries the keys a real one would, filled here and nowhere else:

- always: aws:SecureTransport, aws:RequestedRegion, aws:ResourceAccount;
- a role session (platform role, external role, boundary probe): aws:PrincipalArn (the role, not the
  session), aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalIsAWSService, aws:PrincipalTag/*;
- an AWS service: aws:PrincipalIsAWSService, aws:PrincipalServiceName (aws:SourceAccount and
  aws:SourceArn come from the journey: they name the service's resource acting);
- through an endpoint (`via`): aws:SourceVpce and aws:SourceVpc, and the endpoint's policy applies;
- a resource the templates tag: aws:ResourceTag/* with its tags.

A journey may not set a key the harness fills (one owner per key). The simulator drops the keys an
action does not support and says so: for a key the journey wrote, or one of the keys above except
aws:ResourceTag/*, that is an error of the journey (evaluate.py); resource tags are sent only by
the actions that support them, so dropping those is what AWS does too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from access.documents import Document
from access.journeys import Journey
from access.model import Endpoint, ResourcePolicy, StageModel, bucket_of, construct_path, model_package_group_of
from access.placeholders import PlaceholderError, StageValues

ALLOW_EVERYTHING: Document = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "AllowEverything", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
FOREIGN_OWNER_ADMITS_EVERYONE: Document = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "OwnerAdmitsEveryone", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}
# The IAM role a journey's external principal or boundary probe acts as, when only an account is given.
CALLER_ROLE = "journey-caller"
BOUNDARY_PROBE_ROLE = "journey-boundary-probe"
RESOURCE_TAG_PREFIX = "aws:resourcetag/"
_ROLE_ARN = re.compile(r"^arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[^/]+)$")
_TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:setsourceidentity", "sts:tagsession"})


class RequestError(Exception):
    """The journey cannot become a request in this stage; the message says why, in one line."""


@dataclass(frozen=True)
class Request:
    simulation: dict[str, Any]
    principal_label: str
    resource: str
    resource_policy: ResourcePolicy | None
    endpoint: Endpoint | None
    boundary_name: str | None
    journey_keys: frozenset[str]  # lower-case: keys the journey wrote


def build_request(journey: Journey, values: StageValues) -> Request:
    try:
        return _Builder(journey, values).build()
    except PlaceholderError as error:
        raise RequestError(str(error)) from error


class _Builder:
    def __init__(self, journey: Journey, values: StageValues) -> None:
        self.journey = journey
        self.values = values
        self.model: StageModel = values.model

    def build(self) -> Request:
        resource = self.values.fill(self.journey.resource)
        action = self.journey.action
        account = self._resource_account(resource)
        principal, label, identity, boundary, principal_keys = self._principal()
        endpoint = self._endpoint()
        resource_policy = self._resource_policy(resource, action, account)
        journey_context = {key: self._context_value(value) for key, value in self.journey.context.items()}
        harness_context = {
            "aws:SecureTransport": "true",
            "aws:RequestedRegion": "us-east-1" if action.lower().startswith("iam:") else self.model.region,
            "aws:ResourceAccount": account,
            **principal_keys,
        }
        if endpoint is not None:
            harness_context["aws:SourceVpce"] = endpoint.endpoint_id
            harness_context["aws:SourceVpc"] = endpoint.vpc_id
        for key, value in self.model.tags_by_arn.get(resource, {}).items():
            harness_context[f"aws:ResourceTag/{key}"] = value
        owned = {key.lower() for key in harness_context}
        clashes = sorted(key for key in journey_context if key.lower() in owned)
        if clashes:
            raise RequestError(f"context sets {', '.join(clashes)}, which the harness fills (access/requests.py)")
        simulation: dict[str, Any] = {
            "request": {
                "principal": principal,
                "action": action,
                "resource": {"resource": resource, "accountId": account},
                "contextVariables": {**harness_context, **journey_context},
            },
            "identityPolicies": [{"name": policy_name, "policy": document} for policy_name, document in identity],
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
        }
        if boundary is not None:
            simulation["permissionBoundaryPolicies"] = [{"name": boundary[0], "policy": boundary[1]}]
        if resource_policy is not None:
            simulation["resourcePolicy"] = resource_policy.document
        if endpoint is not None:
            simulation["vpcEndpointPolicies"] = [{"name": endpoint.policy.name, "policy": endpoint.policy.document}]
        return Request(
            simulation=simulation,
            principal_label=label,
            resource=resource,
            resource_policy=resource_policy,
            endpoint=endpoint,
            boundary_name=boundary[0] if boundary else None,
            journey_keys=frozenset(key.lower() for key in journey_context),
        )

    def _context_value(self, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            return [self.values.fill(item) for item in value]
        return self.values.fill_value(value)

    # -- principal ----------------------------------------------------------------------------------

    def _principal(
        self,
    ) -> tuple[str, str, list[tuple[str, Document]], tuple[str, Document] | None, dict[str, str]]:
        """(request principal, label, identity policies, boundary, context keys of the principal)."""
        spec = self.journey.principal
        value = self.values.fill(spec.value)
        if spec.kind == "service":
            keys = {"aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": value}
            return value, value, [], None, keys
        if spec.kind == "role":
            principal = self.model.principals.get(value)
            if principal is None:
                raise RequestError(f"principal.role: {value} is no role of the stage {self.model.stage_id}")
            if principal.unknown_policies:
                raise RequestError(
                    f"principal.role: {principal.name} has managed policies the harness has no document for: "
                    f"{', '.join(principal.unknown_policies)} (add them to access/aws_managed_policies.py)"
                )
            identity = [(policy.name, policy.document) for policy in principal.identity_policies]
            boundary = (principal.boundary.name, principal.boundary.document) if principal.boundary else None
            label = construct_path(principal.cdk_path.removeprefix(f"{self.model.stage_id}/"))
            session, keys = self._session(principal.arn, spec.session)
            keys.update({f"aws:PrincipalTag/{key}": tag for key, tag in principal.tags.items()})
            return session, label, identity, boundary, keys
        if spec.kind == "external":
            arn = f"arn:{self.model.partition}:iam::{value}:role/{CALLER_ROLE}" if value.isdigit() else value
            if not arn.startswith("arn:"):
                raise RequestError(f"principal.external: {value!r} is neither an account id nor an ARN")
            request_principal, keys = self._session(arn, spec.session)
            return request_principal, arn, [("allow-everything (outside the platform)", ALLOW_EVERYTHING)], None, keys
        policy = self.model.managed_policies.get(value)
        if policy is None:
            raise RequestError(f"principal.boundary: {value} is no managed policy of the account in this assembly")
        arn = f"arn:{self.model.partition}:iam::{self.model.account}:role/{BOUNDARY_PROBE_ROLE}"
        request_principal, keys = self._session(arn, "journey")
        label = f"any role bounded by {policy.name}"
        return (
            request_principal,
            label,
            [("allow-everything (probe)", ALLOW_EVERYTHING)],
            (policy.name, policy.document),
            keys,
        )

    def _session(self, arn: str, session: str) -> tuple[str, dict[str, str]]:
        role = _ROLE_ARN.match(arn)
        account = arn.split(":")[4]
        keys = {"aws:PrincipalArn": arn, "aws:PrincipalAccount": account, "aws:PrincipalIsAWSService": "false"}
        if role is None:  # a user or an account root acts as itself
            keys["aws:PrincipalType"] = "Account" if arn.endswith(":root") else "User"
            return arn, keys
        keys["aws:PrincipalType"] = "AssumedRole"
        return f"arn:{role['partition']}:sts::{account}:assumed-role/{role['name']}/{session}", keys

    # -- resource -----------------------------------------------------------------------------------

    def _resource_account(self, resource: str) -> str:
        declared = self.values.fill(self.journey.resource_account) if self.journey.resource_account else None
        parts = resource.split(":")
        if resource == "*":
            account = self.model.account
        elif len(parts) >= 6 and parts[4]:
            account = parts[4]
        elif bucket_of(resource) in self.model.buckets:
            account = self.model.account
        elif declared is None:
            raise RequestError(f"resource {resource}: its ARN names no account; set resource_account")
        else:
            account = declared
        if declared is not None and declared != account:
            raise RequestError(f"resource_account {declared} contradicts the resource {resource} (account {account})")
        return account

    def _resource_policy(self, resource: str, action: str, account: str) -> ResourcePolicy | None:
        if account != self.model.account:
            if self.journey.foreign_resource_policy == "allow-all":
                return ResourcePolicy(
                    "foreign", "the foreign owner's allow-everyone policy", FOREIGN_OWNER_ADMITS_EVERYONE
                )
            return None
        if self.journey.foreign_resource_policy is not None:
            raise RequestError("foreign_resource_policy: the resource is in the platform's account")
        can_have_policy = (
            bucket_of(resource) is not None
            or model_package_group_of(resource) is not None
            or ":kms:" in resource
            or ":sns:" in resource
            or (action.lower() in _TRUST_ACTIONS and ":role/" in resource)
        )
        if can_have_policy and not self.model.knows(resource):
            raise RequestError(f"resource {resource} is not a resource of the stage {self.model.stage_id}")
        return self.model.resource_policy(resource, action)

    def _endpoint(self) -> Endpoint | None:
        if self.journey.via is None:
            return None
        endpoint = self.model.endpoints.get(self.journey.via)
        if endpoint is None:
            raise RequestError(
                f"via: the stage {self.model.stage_id} has no endpoint {self.journey.via} "
                f"(it has {', '.join(sorted(self.model.endpoints))})"
            )
        return endpoint
