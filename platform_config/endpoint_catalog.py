"""The interface VPC endpoints a VPC-only Studio may need, and the profiles that pick them.

Pure data so that config validation needs no CDK import. Each entry names the
`aws_ec2.InterfaceVpcEndpointAwsService` constant it resolves to; a test checks that every
constant exists in the pinned aws-cdk-lib. Profiles nest: minimal < standard < full. The S3
gateway endpoint is not listed: it is free and always created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Profile = Literal["minimal", "standard", "full"]
PROFILES: tuple[Profile, ...] = ("minimal", "standard", "full")


# Which endpoint policy an endpoint carries (platform_constructs/service_endpoints.py):
# "account": only principals of this account, acting on resources of this account where the
#   request names one (aws:ResourceAccount);
# "principals": only principals of this account, on any resource: ECR pulls reach the AWS
#   accounts that publish SageMaker images;
# None: no policy. The Studio UI, notebook and MLflow endpoints front browser and tracking-server
#   sessions authorized by presigned URLs and the server's own IAM checks; the platform does not
#   rely on an endpoint policy there, and SageMaker documents none for them.
PolicyScope = Literal["account", "principals"] | None


@dataclass(frozen=True)
class EndpointSpec:
    cdk_service: str
    profile: Profile
    why: str
    policy: PolicyScope = "account"


ENDPOINT_CATALOG: dict[str, EndpointSpec] = {
    "sagemaker-api": EndpointSpec("SAGEMAKER_API", "minimal", "SageMaker control plane: jobs, registry, Studio"),
    "sagemaker-runtime": EndpointSpec("SAGEMAKER_RUNTIME", "minimal", "invoke endpoints from notebooks"),
    "sts": EndpointSpec("STS", "minimal", "role sessions for Studio apps and jobs"),
    "logs": EndpointSpec("CLOUDWATCH_LOGS", "minimal", "job and app logs"),
    "kms": EndpointSpec("KMS", "minimal", "the platform's customer-managed key"),
    "sagemaker-studio": EndpointSpec("SAGEMAKER_STUDIO", "standard", "Studio UI over PrivateLink", None),
    "sagemaker-notebook": EndpointSpec(
        "SAGEMAKER_NOTEBOOK", "standard", "presigned Studio URLs over PrivateLink", None
    ),
    "sagemaker-metrics": EndpointSpec("SAGEMAKER_METRICS", "standard", "Experiments metrics from training code"),
    "monitoring": EndpointSpec("CLOUDWATCH_MONITORING", "standard", "CloudWatch metrics"),
    "ecr-api": EndpointSpec("ECR", "standard", "custom images for Studio and jobs", "principals"),
    "ecr-dkr": EndpointSpec("ECR_DOCKER", "standard", "image layer pulls", "principals"),
    "ssm": EndpointSpec("SSM", "standard", "parameters read by lifecycle configs"),
    "sagemaker-experiments": EndpointSpec("SAGEMAKER_EXPERIMENTS", "full", "managed MLflow tracking servers", None),
    "featurestore-runtime": EndpointSpec("SAGEMAKER_FEATURESTORE_RUNTIME", "full", "Feature Store online reads"),
    "servicecatalog": EndpointSpec("SERVICE_CATALOG", "full", "SageMaker Projects templates"),
    "codeartifact-api": EndpointSpec("CODEARTIFACT_API", "full", "pip through CodeArtifact, no internet"),
    "codeartifact-repositories": EndpointSpec("CODEARTIFACT_REPOSITORIES", "full", "pip package downloads"),
}


# The VPC endpoint service each entry creates, as EC2 names it; a test checks these against the
# pinned aws-cdk-lib constants, and `experiment_tools smoke` looks for them in a deployed VPC.
PRIVATE_STUDIO_SERVICES = frozenset({"sagemaker-studio", "sagemaker-notebook", "sagemaker-experiments"})
SERVICE_SUFFIXES: dict[str, str] = {
    "sagemaker-api": "sagemaker.api",
    "sagemaker-runtime": "sagemaker.runtime",
    "sts": "sts",
    "logs": "logs",
    "kms": "kms",
    "sagemaker-studio": "studio",
    "sagemaker-notebook": "notebook",
    "sagemaker-metrics": "sagemaker.metrics",
    "monitoring": "monitoring",
    "ecr-api": "ecr.api",
    "ecr-dkr": "ecr.dkr",
    "ssm": "ssm",
    "sagemaker-experiments": "experiments",
    "featurestore-runtime": "sagemaker.featurestore-runtime",
    "servicecatalog": "servicecatalog",
    "codeartifact-api": "codeartifact.api",
    "codeartifact-repositories": "codeartifact.repositories",
}


def service_name(name: str, region: str) -> str:
    """The endpoint service name in a region: `aws.sagemaker.<region>.*` for the Studio UI family."""
    prefix = f"aws.sagemaker.{region}" if name in PRIVATE_STUDIO_SERVICES else f"com.amazonaws.{region}"
    return f"{prefix}.{SERVICE_SUFFIXES[name]}"


def endpoints_for(profile: Profile, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The endpoint names a profile selects, with overrides, in catalog order (stable ids)."""
    rank = PROFILES.index(profile)
    chosen = {name for name, spec in ENDPOINT_CATALOG.items() if PROFILES.index(spec.profile) <= rank}
    return endpoints_for_names(tuple((chosen | set(include)) - set(exclude)))


def endpoints_for_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """The given catalog names in catalog order (stable construct ids)."""
    return tuple(name for name in ENDPOINT_CATALOG if name in set(names))
