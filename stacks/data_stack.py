"""Stateful data of one environment-region: the platform key and the buckets."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from constructs import Construct

from platform_config.schema import DataSettings
from platform_constructs.access_logs_bucket import AccessLogsBucket
from platform_constructs.platform_key import PlatformKey
from platform_constructs.secure_bucket import SecureBucket
from platform_constructs.stateful import Retention, pin_logical_id

# The contract with CloudFormation: changing one of these replaces the resource.
LOGICAL_IDS = {
    "key": "PlatformKey",
    "access_logs": "AccessLogsBucket",
    "datasets": "DatasetsBucket",
    "artifacts": "ArtifactsBucket",
    "pipeline_artifacts": "PipelineArtifactsBucket",
}
PIPELINE_ARTIFACT_DAYS = 30


class DataStack(Stack):
    """Everything here outlives a redeploy: kept apart so compute stacks can come and go."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key_alias: str,
        retention: Retention,
        settings: DataSettings,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.platform_key = PlatformKey(self, "Key", alias=key_alias, retention=retention)
        self.key = self.platform_key.key
        self.access_logs = AccessLogsBucket(
            self, "AccessLogs", retention=retention, expiration=Duration.days(settings.access_logs_expiration_days)
        ).bucket
        buckets = {}
        for name, lifecycle in (("Datasets", settings.datasets), ("Artifacts", settings.artifacts)):
            expiration = lifecycle.expiration_days
            buckets[name] = SecureBucket(
                self,
                name,
                encryption_key=self.key,
                access_logs=self.access_logs,
                retention=retention,
                noncurrent_transition=Duration.days(lifecycle.transition_days),
                noncurrent_expiration=Duration.days(expiration) if expiration else None,
                # model-build pipelines start when a team's source object lands here
                event_bridge_enabled=name == "Artifacts",
            ).bucket
        # CodePipeline's own artifacts (source zips, build outputs): transient, so they expire.
        self.pipeline_artifacts = SecureBucket(
            self,
            "PipelineArtifacts",
            encryption_key=self.key,
            access_logs=self.access_logs,
            retention=retention,
            noncurrent_transition=Duration.days(PIPELINE_ARTIFACT_DAYS),
            noncurrent_expiration=Duration.days(PIPELINE_ARTIFACT_DAYS + 1),
            expiration=Duration.days(PIPELINE_ARTIFACT_DAYS),
        ).bucket
        self.datasets = buckets["Datasets"]
        self.artifacts = buckets["Artifacts"]

        pin_logical_id(self.key, LOGICAL_IDS["key"])
        pin_logical_id(self.access_logs, LOGICAL_IDS["access_logs"])
        pin_logical_id(self.datasets, LOGICAL_IDS["datasets"])
        pin_logical_id(self.artifacts, LOGICAL_IDS["artifacts"])
        pin_logical_id(self.pipeline_artifacts, LOGICAL_IDS["pipeline_artifacts"])

        CfnOutput(self, "KeyArn", value=self.key.key_arn, description="Platform KMS key")
        CfnOutput(self, "DatasetsBucketName", value=self.datasets.bucket_name, description="Versioned datasets")
        CfnOutput(self, "ArtifactsBucketName", value=self.artifacts.bucket_name, description="Experiment artifacts")
        CfnOutput(self, "AccessLogsBucketName", value=self.access_logs.bucket_name, description="S3 access logs")
