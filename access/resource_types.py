"""What `Ref` and `Fn::GetAtt` return for the resource types the platform's templates refer to.

Each type names its explicit name property (used when the template sets it), the length limit of
its generated name, and how its ARN and other attributes are built from the physical name: the
ARN formats are AWS's, so that policy ARN patterns match the resolved values as they would once
deployed. A type or attribute missing here is an error of the resolver, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol


class Physical(Protocol):
    """One deployed resource as the table sees it (implemented by the resolver)."""

    partition: str
    account: str
    region: str

    @property
    def name(self) -> str:
        """The explicit name property when the template sets it, else a CloudFormation-style generated name."""
        ...

    def prop(self, key: str) -> str:
        """A string property of the resource, resolved; fails when it is absent."""
        ...

    def optional_prop(self, key: str, default: str) -> str: ...

    def fake_id(self, prefix: str, *, length: int = 17, alphabet: str = "hex") -> str: ...

    def fake_uuid(self) -> str: ...


Attribute = Callable[[Physical], str]


@dataclass(frozen=True)
class TypeSpec:
    ref: Attribute | None
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    name_property: str | None = None
    name_max: int = 64
    lowercase_name: bool = False


def _arn(service: str, resource: str, *, regional: bool = True, with_account: bool = True) -> Attribute:
    def build(r: Physical) -> str:
        region = r.region if regional else ""
        account = r.account if with_account else ""
        return f"arn:{r.partition}:{service}:{region}:{account}:{resource.format(name=r.name)}"

    return build


def _name(r: Physical) -> str:
    return r.name


def _role_arn(r: Physical) -> str:
    return f"arn:{r.partition}:iam::{r.account}:role{r.optional_prop('Path', '/')}{r.name}"


def _managed_policy_arn(r: Physical) -> str:
    return f"arn:{r.partition}:iam::{r.account}:policy{r.optional_prop('Path', '/')}{r.name}"


def _key_arn(r: Physical) -> str:
    return f"arn:{r.partition}:kms:{r.region}:{r.account}:key/{r.fake_uuid()}"


def _domain_id(r: Physical) -> str:
    return r.fake_id("d-", length=12, alphabet="base32")


def _sagemaker(resource: Callable[[Physical], str]) -> Attribute:
    return lambda r: f"arn:{r.partition}:sagemaker:{r.region}:{r.account}:{resource(r)}"


def _id(prefix: str) -> Attribute:
    return lambda r: r.fake_id(prefix)


# SageMaker writes names in lower case into its ARNs.
def _sagemaker_named(kind: str) -> Attribute:
    return _sagemaker(lambda r: f"{kind}/{r.name.lower()}")


TYPES: dict[str, TypeSpec] = {
    "AWS::IAM::Role": TypeSpec(
        ref=_name,
        attributes={"Arn": _role_arn, "RoleId": lambda r: r.fake_id("AROA", length=17, alphabet="base32").upper()},
        name_property="RoleName",
        name_max=64,
    ),
    "AWS::IAM::ManagedPolicy": TypeSpec(
        ref=_managed_policy_arn,
        attributes={"PolicyArn": _managed_policy_arn, "PolicyId": lambda r: r.fake_id("ANPA", alphabet="base32")},
        name_property="ManagedPolicyName",
        name_max=128,
    ),
    "AWS::S3::Bucket": TypeSpec(
        ref=_name,
        attributes={
            "Arn": _arn("s3", "{name}", regional=False, with_account=False),
            "DomainName": lambda r: f"{r.name}.s3.amazonaws.com",
            "RegionalDomainName": lambda r: f"{r.name}.s3.{r.region}.amazonaws.com",
        },
        name_property="BucketName",
        name_max=63,
        lowercase_name=True,
    ),
    "AWS::KMS::Key": TypeSpec(
        ref=lambda r: r.fake_uuid(), attributes={"Arn": _key_arn, "KeyId": lambda r: r.fake_uuid()}
    ),
    "AWS::KMS::Alias": TypeSpec(ref=_name, name_property="AliasName", name_max=256),
    "AWS::SNS::Topic": TypeSpec(
        ref=_arn("sns", "{name}"),
        attributes={"TopicArn": _arn("sns", "{name}"), "TopicName": _name},
        name_property="TopicName",
        name_max=256,
    ),
    "AWS::Lambda::Function": TypeSpec(
        ref=_name, attributes={"Arn": _arn("lambda", "function:{name}")}, name_property="FunctionName", name_max=64
    ),
    "AWS::StepFunctions::StateMachine": TypeSpec(
        ref=_arn("states", "stateMachine:{name}"),
        attributes={"Arn": _arn("states", "stateMachine:{name}"), "Name": _name},
        name_property="StateMachineName",
        name_max=80,
    ),
    "AWS::CodeBuild::Project": TypeSpec(
        ref=_name, attributes={"Arn": _arn("codebuild", "project/{name}")}, name_property="Name", name_max=255
    ),
    "AWS::CodePipeline::Pipeline": TypeSpec(
        ref=_name, attributes={"Arn": _arn("codepipeline", "{name}")}, name_property="Name", name_max=100
    ),
    "AWS::Events::Rule": TypeSpec(
        ref=_name, attributes={"Arn": _arn("events", "rule/{name}")}, name_property="Name", name_max=64
    ),
    "AWS::Logs::LogGroup": TypeSpec(
        ref=_name, attributes={"Arn": _arn("logs", "log-group:{name}:*")}, name_property="LogGroupName", name_max=512
    ),
    "AWS::SageMaker::Domain": TypeSpec(
        ref=_domain_id,
        attributes={
            "DomainId": _domain_id,
            "DomainArn": _sagemaker(lambda r: f"domain/{_domain_id(r)}"),
            "HomeEfsFileSystemId": lambda r: r.fake_id("fs-"),
            "SecurityGroupIdForDomainBoundary": lambda r: r.fake_id("sg-"),
        },
        name_property="DomainName",
        name_max=63,
    ),
    "AWS::SageMaker::UserProfile": TypeSpec(
        ref=None,
        attributes={
            "UserProfileArn": _sagemaker(lambda r: f"user-profile/{r.prop('DomainId')}/{r.prop('UserProfileName')}")
        },
    ),
    "AWS::SageMaker::Space": TypeSpec(
        ref=None, attributes={"SpaceArn": _sagemaker(lambda r: f"space/{r.prop('DomainId')}/{r.prop('SpaceName')}")}
    ),
    "AWS::SageMaker::Pipeline": TypeSpec(ref=_name, name_property="PipelineName", name_max=256),
    "AWS::SageMaker::ModelPackageGroup": TypeSpec(
        ref=_sagemaker_named("model-package-group"),
        attributes={"ModelPackageGroupArn": _sagemaker_named("model-package-group")},
        name_property="ModelPackageGroupName",
        name_max=63,
    ),
    "AWS::SageMaker::Experiment": TypeSpec(
        ref=_sagemaker_named("experiment"),
        attributes={"Arn": _sagemaker_named("experiment")},
        name_property="ExperimentName",
        name_max=120,
    ),
    "AWS::SageMaker::StudioLifecycleConfig": TypeSpec(
        ref=_name,
        attributes={"StudioLifecycleConfigArn": _sagemaker_named("studio-lifecycle-config")},
        name_property="StudioLifecycleConfigName",
        name_max=63,
    ),
    "AWS::SageMaker::MlflowTrackingServer": TypeSpec(
        ref=_name,
        attributes={"TrackingServerArn": _sagemaker_named("mlflow-tracking-server")},
        name_property="TrackingServerName",
        name_max=256,
    ),
    "AWS::CodeArtifact::Domain": TypeSpec(
        ref=_arn("codeartifact", "domain/{name}"),
        attributes={"Arn": _arn("codeartifact", "domain/{name}"), "Name": _name, "Owner": lambda r: r.account},
        name_property="DomainName",
    ),
    "AWS::CodeArtifact::Repository": TypeSpec(
        ref=lambda r: (
            f"arn:{r.partition}:codeartifact:{r.region}:{r.account}:repository/{r.prop('DomainName')}/{r.name}"
        ),
        attributes={
            "Arn": lambda r: (
                f"arn:{r.partition}:codeartifact:{r.region}:{r.account}:repository/{r.prop('DomainName')}/{r.name}"
            ),
            "Name": _name,
            "DomainName": lambda r: r.prop("DomainName"),
            "DomainOwner": lambda r: r.account,
        },
        name_property="RepositoryName",
    ),
    "AWS::EC2::VPC": TypeSpec(
        ref=_id("vpc-"),
        attributes={
            "VpcId": _id("vpc-"),
            "DefaultSecurityGroup": _id("sg-"),
            "DefaultNetworkAcl": _id("acl-"),
            "CidrBlock": lambda r: r.prop("CidrBlock"),
        },
    ),
    "AWS::EC2::Subnet": TypeSpec(ref=_id("subnet-"), attributes={"SubnetId": _id("subnet-")}),
    "AWS::EC2::SecurityGroup": TypeSpec(ref=_id("sg-"), attributes={"GroupId": _id("sg-")}),
    "AWS::EC2::RouteTable": TypeSpec(ref=_id("rtb-"), attributes={"RouteTableId": _id("rtb-")}),
    "AWS::EC2::VPCEndpoint": TypeSpec(ref=_id("vpce-"), attributes={"Id": _id("vpce-")}),
    "AWS::EC2::InternetGateway": TypeSpec(ref=_id("igw-"), attributes={"InternetGatewayId": _id("igw-")}),
    "AWS::EC2::NatGateway": TypeSpec(ref=_id("nat-"), attributes={"NatGatewayId": _id("nat-")}),
}
