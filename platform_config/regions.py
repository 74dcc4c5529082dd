"""The AWS regions a platform may be deployed to.

A static list rather than a lookup: synthesis is offline, and a typo in a region must fail
config validation, not a deploy. Regions where the platform's core resource types are missing
from CloudFormation (for example ca-west-1 has no AWS::SageMaker::Domain) are left out; the
cfn-lint test in tests/ re-checks every configured region against cfn-lint's registry schemas.
"""

from __future__ import annotations

SUPPORTED_REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "sa-east-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "af-south-1",
        "ap-east-1",
        "ap-south-1",
        "ap-south-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
    }
)
