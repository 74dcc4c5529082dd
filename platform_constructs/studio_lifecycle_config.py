"""Studio lifecycle configurations whose name carries a digest of their content."""

from __future__ import annotations

import hashlib

from aws_cdk import Fn, RemovalPolicy
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct


def content_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class StudioLifecycleConfig(Construct):
    """One lifecycle configuration. Every property is create-only, so callers put a digest of
    the script in `name` (`Naming.lifecycle_config_name`): a changed script is a new resource
    under a new name, and CloudFormation moves the domain and profiles to it instead of failing
    to replace a resource under the same name.

    Retained (RETAIN): the previous version may still be attached to profiles in another stack
    while a deploy runs, and SageMaker refuses to delete an attached configuration.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        app_type: str,
        script: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.resource = sagemaker.CfnStudioLifecycleConfig(
            self,
            "Resource",
            studio_lifecycle_config_name=name,
            studio_lifecycle_config_app_type=app_type,
            studio_lifecycle_config_content=Fn.base64(script),
        )
        self.resource.apply_removal_policy(RemovalPolicy.RETAIN)
        self.arn = self.resource.attr_studio_lifecycle_config_arn
        self.app_type = app_type
