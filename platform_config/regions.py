"""The AWS regions a platform may be deployed to.

A static list rather than a lookup: synthesis is offline, and a typo in a region must fail
config validation, not a deploy. A region is supported when CloudFormation there offers every
resource type the platform creates; the other regions of the commercial partition (`aws`) that
offer SageMaker Studio are listed with what they lack, so that the config error can say why. Other
partitions (China, GovCloud, ISO, the European Sovereign Cloud) are not supported: their ARNs and
service principals differ. tests/platform/test_regions.py re-checks both
tables against cfn-lint's registry schemas for every resource type of the everything-on variant,
and the cfn-lint test re-checks every configured region.
"""

from __future__ import annotations

SUPPORTED_REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "eu-central-1",
        "eu-north-1",
        "eu-south-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "me-south-1",
        "ap-south-1",
        "ap-northeast-1",
        "ap-southeast-1",
        "ap-southeast-2",
    }
)

_MIRROR = "AWS::CodeArtifact (the model build's package mirror)"
_EXPERIMENTS = "AWS::SageMaker::Experiment"
_REGISTRY = "AWS::SageMaker::ModelPackageGroup"
_PROFILES = "AWS::SageMaker::UserProfile"
_MLFLOW = "AWS::SageMaker::MlflowTrackingServer"
_BUILD = "AWS::CodeBuild (the model build)"

# What CloudFormation lacks there, from cfn-lint's registry schemas (checked by a test).
MISSING_IN: dict[str, tuple[str, ...]] = {
    "us-west-1": (_MIRROR,),
    "ca-central-1": (_MIRROR,),
    "sa-east-1": (_MIRROR,),
    "ap-northeast-2": (_MIRROR,),
    "af-south-1": (_MIRROR,),
    "ap-east-1": (_MIRROR,),
    "ap-northeast-3": (_MIRROR,),
    "ap-southeast-3": (_MIRROR,),
    "eu-south-2": (_MIRROR,),
    "il-central-1": (_MIRROR,),
    "eu-central-2": (_MIRROR, _EXPERIMENTS),
    "me-central-1": (_MIRROR, _EXPERIMENTS),
    "ap-south-2": (_MIRROR, _EXPERIMENTS, _REGISTRY, _PROFILES),
    "ap-southeast-4": (_MIRROR, _EXPERIMENTS, _REGISTRY, _PROFILES),
    "ap-southeast-5": (_MIRROR, _EXPERIMENTS),
    "ap-southeast-7": (_MIRROR, _EXPERIMENTS),
    "ap-southeast-6": (_MIRROR, _EXPERIMENTS, _REGISTRY, _MLFLOW),
    "ap-east-2": (_MIRROR, _BUILD, _EXPERIMENTS, _REGISTRY),
}


def region_problem(region: str) -> str | None:
    """Why a region cannot hold the platform, or None when it can."""
    if region in SUPPORTED_REGIONS:
        return None
    if region in MISSING_IN:
        return f"CloudFormation in this region has no {', '.join(MISSING_IN[region])}, which the platform creates"
    return "is not a supported AWS region (see platform_config/regions.py)"
