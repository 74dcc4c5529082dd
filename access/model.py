"""What one synthesized stage grants, as IAM documents the simulator can evaluate.

Principals are the stage's IAM roles with everything that decides for them: trust policy, inline
policies (the role's `Policies` and every `AWS::IAM::Policy` naming it), managed policies
(`ManagedPolicyArns`, `AWS::IAM::ManagedPolicy.Roles`) and the permissions boundary, found by its
ARN among the managed policies of the whole assembly (it lives in the Guardrails stack). Resource
policies are kept by resource: bucket, key, model package group (which also governs its
versions), topic, role trust, VPC endpoint. A missing policy means "no resource policy", except
for a VPC endpoint, whose missing policy is AWS's default full-access policy, written out here so
that the table shows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from access.assembly import Assembly, Stack
from access.aws_managed_policies import AWS_MANAGED_POLICIES
from access.documents import Document, NamedPolicy
from access.resolver import NO_VALUE, ResolutionError, Resolver, describe
from access.resource_types import TYPES
from platform_config.endpoint_catalog import SERVICE_SUFFIXES, service_name

# What AWS applies to an endpoint created without a policy: anyone, anything, any resource.
DEFAULT_ENDPOINT_POLICY: Document = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}
# What AWS applies to a key created without a key policy: the account decides through IAM.
_DEFAULT_KEY_POLICY_STATEMENT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Action": "kms:*"}
GATEWAY_S3 = "s3"
_ARN_ATTRIBUTES = ("Arn", "ModelPackageGroupArn", "DomainArn", "UserProfileArn", "TrackingServerArn", "SpaceArn")
_TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:setsourceidentity", "sts:tagsession"})


class ModelError(Exception):
    """The stage's IAM cannot be modeled exactly (the message says where)."""


@dataclass(frozen=True)
class Principal:
    arn: str
    name: str
    cdk_path: str
    trust_policy: Document
    identity_policies: tuple[NamedPolicy, ...]
    boundary: NamedPolicy | None
    tags: Mapping[str, str]
    # Managed policies the harness has no document for: a journey of this principal is an error.
    unknown_policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourcePolicy:
    kind: str  # bucket, key, model-package-group, topic, trust, endpoint
    name: str
    document: Document


@dataclass(frozen=True)
class Endpoint:
    catalog_name: str  # a name of platform_config.endpoint_catalog, or "s3" for the gateway
    endpoint_id: str
    vpc_id: str
    policy: ResourcePolicy
    has_own_policy: bool


@dataclass(frozen=True)
class Located:
    stack: Stack
    logical_id: str
    resource_type: str


@dataclass
class StageModel:
    stage_id: str
    account: str
    region: str
    partition: str
    resolver: Resolver
    stacks: tuple[Stack, ...]
    principals: dict[str, Principal] = field(default_factory=dict)  # by role ARN
    buckets: dict[str, ResourcePolicy | None] = field(default_factory=dict)  # by bucket name
    keys: dict[str, ResourcePolicy] = field(default_factory=dict)  # by key ARN
    model_package_groups: dict[str, ResourcePolicy | None] = field(default_factory=dict)  # by ARN
    topics: dict[str, ResourcePolicy | None] = field(default_factory=dict)  # by topic ARN
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # by catalog name
    managed_policies: dict[str, NamedPolicy] = field(default_factory=dict)  # customer managed, by ARN
    tags_by_arn: dict[str, Mapping[str, str]] = field(default_factory=dict)
    by_path: dict[str, list[Located]] = field(default_factory=dict)  # stage-relative path, "/Resource" stripped

    # -- lookups used by the journeys -------------------------------------------------------------

    def stack(self, stack_id: str) -> Stack:
        for stack in self.stacks:
            if stack.stack_id == stack_id:
                return stack
        raise ModelError(f"{self.stage_id}: no stack {stack_id} (stacks: {', '.join(s.stack_id for s in self.stacks)})")

    def locate(self, path: str) -> Located:
        """The one resource whose `aws:cdk:path` is `<stage>/<path>`, trailing `/Resource` segments aside."""
        found = self.by_path.get(construct_path(path), [])
        if len(found) != 1:
            what = "no resource" if not found else f"{len(found)} resources"
            raise ModelError(f"{self.stage_id}: {what} at the construct path {path!r}")
        return found[0]

    def resource_policy(self, resource_arn: str, action: str) -> ResourcePolicy | None:
        """The resource-based policy AWS evaluates for `action` on `resource_arn`, if the platform made one."""
        if action.lower() in _TRUST_ACTIONS and ":role/" in resource_arn:
            principal = self.principals.get(resource_arn)
            if principal is None:
                raise ModelError(f"{self.stage_id}: no platform role {resource_arn} to read a trust policy from")
            label = construct_path(principal.cdk_path.removeprefix(f"{self.stage_id}/"))
            return ResourcePolicy("trust", f"trust policy of {label}", principal.trust_policy)
        bucket = bucket_of(resource_arn)
        if bucket is not None:
            return self.buckets.get(bucket)
        if resource_arn in self.keys:
            return self.keys[resource_arn]
        group = model_package_group_of(resource_arn)
        if group is not None and group in self.model_package_groups:
            return self.model_package_groups[group]
        return self.topics.get(resource_arn)

    def knows(self, resource_arn: str) -> bool:
        """Whether the resource is one of the platform's resources that can carry a resource policy."""
        bucket = bucket_of(resource_arn)
        if bucket is not None:
            return bucket in self.buckets
        group = model_package_group_of(resource_arn)
        return (
            resource_arn in self.keys
            or resource_arn in self.topics
            or resource_arn in self.principals
            or (group is not None and group in self.model_package_groups)
        )


def construct_path(path: str) -> str:
    """`Studio/Team-vision/Resource/Resource` -> `Studio/Team-vision`: the construct a person names."""
    parts = path.strip("/").split("/")
    while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
        parts.pop()
    return "/".join(parts)


def bucket_of(arn: str) -> str | None:
    if not arn.startswith("arn:") or arn.split(":")[2:3] != ["s3"]:
        return None
    return arn.split(":::", 1)[1].split("/", 1)[0] if ":::" in arn else None


_MODEL_PACKAGE = re.compile(r"^(arn:[^:]+:sagemaker:[^:]+:\d{12}:)model-package(?:-group)?/([^/]+)(?:/.*)?$")


def model_package_group_of(arn: str) -> str | None:
    """The group ARN that governs a group or one of its versions (model-package/<group>/<version>)."""
    match = _MODEL_PACKAGE.match(arn)
    return f"{match.group(1)}model-package-group/{match.group(2).lower()}" if match else None


def _tags(value: Any) -> dict[str, str]:
    if isinstance(value, list):
        return {str(tag["Key"]): str(tag["Value"]) for tag in value if isinstance(tag, Mapping) and "Key" in tag}
    if isinstance(value, Mapping):  # SSM-style and a few others write a plain map
        return {str(key): str(item) for key, item in value.items()}
    return {}


def resource_arn(resolver: Resolver, stack: Stack, logical_id: str, resource_type: str) -> str | None:
    """The ARN of a resource as AWS writes it, or None for a type whose ARN the harness does not know."""
    where = ("Resources", logical_id)
    if resource_type == "AWS::SageMaker::Pipeline":  # CloudFormation gives no Arn attribute for it
        name = str(resolver.ref(stack, logical_id, where))
        return f"arn:{resolver.partition}:sagemaker:{stack.region}:{stack.account}:pipeline/{name.lower()}"
    if resource_type in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"):  # Ref is the ARN
        return str(resolver.ref(stack, logical_id, where))
    spec = TYPES.get(resource_type)
    for attribute in _ARN_ATTRIBUTES:
        if spec is not None and attribute in spec.attributes:
            return str(resolver.get_att(stack, logical_id, attribute, where))
    return None


def build_stage_model(assembly: Assembly, stage_id: str, resolver: Resolver | None = None) -> StageModel:
    """Raises ModelError (ResolutionError included, as its message) on anything it cannot model exactly."""
    resolver = resolver or Resolver(assembly)
    stacks = assembly.stage(stage_id)
    if not stacks:
        raise ModelError(f"no stage {stage_id!r} in {assembly.root} (stages: {', '.join(assembly.stage_ids())})")
    first = stacks[0]
    model = StageModel(stage_id, first.account, first.region, resolver.partition, resolver, stacks)
    try:
        _Builder(model, assembly).build()
    except ResolutionError as error:
        raise ModelError(str(error)) from error
    return model


class _Builder:
    def __init__(self, model: StageModel, assembly: Assembly) -> None:
        self.model = model
        self.assembly = assembly
        self.resolver = model.resolver

    def build(self) -> None:
        self._index_paths()
        managed = self._managed_policies()
        self.model.managed_policies.update(managed)
        inline = self._inline_policies()
        for stack, logical_id, resource in self._resources(self.model.stacks):
            self._read_resource(stack, logical_id, resource, managed, inline)
        # Policies attach to resources that may sit anywhere in the stage: read them last.
        for stack, logical_id, resource in self._resources(self.model.stacks):
            self._read_policies_and_tags(stack, logical_id, resource)

    def _read_resource(
        self,
        stack: Stack,
        logical_id: str,
        resource: Mapping[str, Any],
        managed: dict[str, NamedPolicy],
        inline: dict[str, list[NamedPolicy]],
    ) -> None:
        kind = resource["Type"]
        if kind == "AWS::IAM::Role":
            self._role(stack, logical_id, resource, managed, inline)
        elif kind == "AWS::S3::Bucket":
            self.model.buckets.setdefault(self.resolver.ref(stack, logical_id, ("Resources", logical_id)), None)
        elif kind == "AWS::KMS::Key":
            self._key(stack, logical_id, resource)
        elif kind == "AWS::SageMaker::ModelPackageGroup":
            self._model_package_group(stack, logical_id, resource)
        elif kind == "AWS::SNS::Topic":
            self.model.topics.setdefault(self.resolver.ref(stack, logical_id, ("Resources", logical_id)), None)
        elif kind == "AWS::EC2::VPCEndpoint":
            self._endpoint(stack, logical_id, resource)

    def _read_policies_and_tags(self, stack: Stack, logical_id: str, resource: Mapping[str, Any]) -> None:
        if resource["Type"] == "AWS::S3::BucketPolicy":
            self._bucket_policy(stack, logical_id, resource)
        elif resource["Type"] in ("AWS::SNS::TopicPolicy", "AWS::SNS::TopicInlinePolicy"):
            self._topic_policy(stack, logical_id, resource)
        self._collect_tags(stack, logical_id, resource)

    # -- indexing ----------------------------------------------------------------------------------

    def _resources(self, stacks: tuple[Stack, ...]) -> list[tuple[Stack, str, Mapping[str, Any]]]:
        return [
            (stack, logical_id, resource)
            for stack in stacks
            for logical_id, resource in stack.resources().items()
            if self.resolver.resource_exists(stack, logical_id)
        ]

    def _index_paths(self) -> None:
        prefix = f"{self.model.stage_id}/"
        for stack, logical_id, resource in self._resources(self.model.stacks):
            path = resource.get("Metadata", {}).get("aws:cdk:path")
            if isinstance(path, str) and path.startswith(prefix):
                key = construct_path(path[len(prefix) :])
                self.model.by_path.setdefault(key, []).append(Located(stack, logical_id, resource["Type"]))

    def _properties(self, stack: Stack, logical_id: str, resource: Mapping[str, Any], key: str) -> Any:
        if key not in resource.get("Properties", {}):
            return NO_VALUE
        return self.resolver.resource_property(stack, logical_id, key)

    def _managed_policies(self) -> dict[str, NamedPolicy]:
        """Customer managed policies of the account, by ARN: boundaries may live in any stack of the assembly."""
        found: dict[str, NamedPolicy] = {}
        same_account = tuple(s for s in self.assembly.stacks if s.account == self.model.account)
        for stack, logical_id, resource in self._resources(same_account):
            if resource["Type"] == "AWS::IAM::ManagedPolicy":
                arn = self.resolver.ref(stack, logical_id, ("Resources", logical_id))
                document = self._properties(stack, logical_id, resource, "PolicyDocument")
                found[arn] = NamedPolicy(arn.rsplit("/", 1)[-1], document)
        return found

    def _inline_policies(self) -> dict[str, list[NamedPolicy]]:
        """`AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy.Roles` of this stage, by role name."""
        attached: dict[str, list[NamedPolicy]] = {}
        for stack, logical_id, resource in self._resources(self.model.stacks):
            if resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                continue
            roles = self._properties(stack, logical_id, resource, "Roles")
            if roles is NO_VALUE:
                continue
            document = self._properties(stack, logical_id, resource, "PolicyDocument")
            if resource["Type"] == "AWS::IAM::ManagedPolicy":
                name = self.resolver.ref(stack, logical_id, ("Resources", logical_id)).rsplit("/", 1)[-1]
            else:
                name = logical_id
            for role_name in roles:
                attached.setdefault(role_name, []).append(NamedPolicy(name, document))
        return attached

    # -- principals --------------------------------------------------------------------------------

    def _role(
        self,
        stack: Stack,
        logical_id: str,
        resource: Mapping[str, Any],
        managed: Mapping[str, NamedPolicy],
        inline: Mapping[str, list[NamedPolicy]],
    ) -> None:
        where = ("Resources", logical_id)
        arn = self.resolver.get_att(stack, logical_id, "Arn", where)
        name = self.resolver.ref(stack, logical_id, where)
        policies: list[NamedPolicy] = []
        own = self._properties(stack, logical_id, resource, "Policies")
        for policy in [] if own is NO_VALUE else own:
            policies.append(NamedPolicy(f"{logical_id}/{policy['PolicyName']}", policy["PolicyDocument"]))
        policies.extend(inline.get(name, []))
        unknown: list[str] = []
        arns = self._properties(stack, logical_id, resource, "ManagedPolicyArns")
        for policy_arn in [] if arns is NO_VALUE else arns:
            document = managed.get(policy_arn) or AWS_MANAGED_POLICIES.get(policy_arn)
            if document is None:
                unknown.append(policy_arn)
            else:
                policies.append(document)
        boundary = None
        boundary_arn = self._properties(stack, logical_id, resource, "PermissionsBoundary")
        if boundary_arn is not NO_VALUE:
            boundary = managed.get(boundary_arn)
            if boundary is None:
                path = (*where, "Properties", "PermissionsBoundary")
                problem = f"the boundary {boundary_arn} is no AWS::IAM::ManagedPolicy of this assembly"
                raise ModelError(f"{describe(stack, path)}: {problem}")
        self.model.principals[arn] = Principal(
            arn=arn,
            name=name,
            cdk_path=str(resource.get("Metadata", {}).get("aws:cdk:path", f"{stack.display_name}/{logical_id}")),
            trust_policy=self._properties(stack, logical_id, resource, "AssumeRolePolicyDocument"),
            identity_policies=tuple(policies),
            boundary=boundary,
            tags=_tags(self._properties(stack, logical_id, resource, "Tags")),
            unknown_policies=tuple(unknown),
        )

    # -- resource policies -------------------------------------------------------------------------

    def _key(self, stack: Stack, logical_id: str, resource: Mapping[str, Any]) -> None:
        arn = self.resolver.get_att(stack, logical_id, "Arn", ("Resources", logical_id))
        document = self._properties(stack, logical_id, resource, "KeyPolicy")
        if document is NO_VALUE:
            root = f"arn:{self.model.partition}:iam::{stack.account}:root"
            statement = {**_DEFAULT_KEY_POLICY_STATEMENT, "Principal": {"AWS": root}, "Resource": "*"}
            document = {"Version": "2012-10-17", "Statement": [statement]}
        self.model.keys[arn] = ResourcePolicy("key", f"key policy {logical_id}", document)

    def _model_package_group(self, stack: Stack, logical_id: str, resource: Mapping[str, Any]) -> None:
        arn = self.resolver.get_att(stack, logical_id, "ModelPackageGroupArn", ("Resources", logical_id))
        document = self._properties(stack, logical_id, resource, "ModelPackageGroupPolicy")
        self.model.model_package_groups[arn] = (
            None
            if document is NO_VALUE
            else ResourcePolicy("model-package-group", f"group policy {logical_id}", document)
        )

    def _bucket_policy(self, stack: Stack, logical_id: str, resource: Mapping[str, Any]) -> None:
        bucket = self._properties(stack, logical_id, resource, "Bucket")
        if bucket not in self.model.buckets:
            path = ("Resources", logical_id, "Properties", "Bucket")
            raise ModelError(f"{describe(stack, path)}: the bucket {bucket} is not a bucket of this stage")
        document = self._properties(stack, logical_id, resource, "PolicyDocument")
        self.model.buckets[bucket] = ResourcePolicy("bucket", f"bucket policy {logical_id}", document)

    def _topic_policy(self, stack: Stack, logical_id: str, resource: Mapping[str, Any]) -> None:
        if resource["Type"] == "AWS::SNS::TopicInlinePolicy":
            topics = [self._properties(stack, logical_id, resource, "TopicArn")]
        else:
            topics = self._properties(stack, logical_id, resource, "Topics")
        document = self._properties(stack, logical_id, resource, "PolicyDocument")
        for topic in topics:
            if topic not in self.model.topics:
                path = ("Resources", logical_id, "Properties")
                raise ModelError(f"{describe(stack, path)}: the topic {topic} is not a topic of this stage")
            self.model.topics[topic] = ResourcePolicy("topic", f"topic policy {logical_id}", document)

    def _endpoint(self, stack: Stack, logical_id: str, resource: Mapping[str, Any]) -> None:
        where = ("Resources", logical_id)
        service = self._properties(stack, logical_id, resource, "ServiceName")
        catalog_name = self._catalog_name(stack, service)
        if catalog_name is None:
            path = (*where, "Properties", "ServiceName")
            raise ModelError(f"{describe(stack, path)}: {service} is no endpoint of platform_config.endpoint_catalog")
        document = self._properties(stack, logical_id, resource, "PolicyDocument")
        has_own = document is not NO_VALUE
        policy = ResourcePolicy(
            "endpoint",
            f"endpoint policy of {catalog_name}" if has_own else f"AWS default policy of {catalog_name} (none set)",
            document if has_own else DEFAULT_ENDPOINT_POLICY,
        )
        self.model.endpoints[catalog_name] = Endpoint(
            catalog_name=catalog_name,
            endpoint_id=self.resolver.ref(stack, logical_id, where),
            vpc_id=self._properties(stack, logical_id, resource, "VpcId"),
            policy=policy,
            has_own_policy=has_own,
        )

    def _catalog_name(self, stack: Stack, service: str) -> str | None:
        if service == f"com.amazonaws.{stack.region}.s3":
            return GATEWAY_S3
        for name in SERVICE_SUFFIXES:
            if service_name(name, stack.region) == service:
                return name
        return None

    def _collect_tags(self, stack: Stack, logical_id: str, resource: Mapping[str, Any]) -> None:
        """Tags of every resource whose ARN the resolver knows: real requests carry them as aws:ResourceTag."""
        if "Tags" not in resource.get("Properties", {}):
            return
        arn = resource_arn(self.resolver, stack, logical_id, resource["Type"])
        if arn is not None:
            self.model.tags_by_arn[arn] = _tags(self._properties(stack, logical_id, resource, "Tags"))
