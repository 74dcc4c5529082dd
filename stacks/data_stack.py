"""Stateful data of one environment-region: the platform key and the buckets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from constructs import Construct

from platform_constructs.access_logs_bucket import AccessLogsBucket
from platform_constructs.platform_key import PlatformKey
from platform_constructs.secure_bucket import SecureBucket
from platform_constructs.stateful import Retention, named_logical_id, pin_logical_id
from stacks.stage_plan import VersionLifecycle

# The contract with CloudFormation: changing one of these replaces the resource.
LOGICAL_IDS = {
    "key": "PlatformKey",
    "access_logs": "AccessLogsBucket",
    "datasets": "DatasetsBucket",
    "artifacts": "ArtifactsBucket",
}
PIPELINE_ARTIFACT_DAYS = 30


def pipeline_artifacts_logical_id(team: str) -> str:
    return named_logical_id("PipelineArtifacts", team)


class DataStack(Stack):
    """Everything here outlives a redeploy: kept apart so compute stacks can come and go.

    `build_teams`: teams with a model-build pipeline; each gets its own pipeline-artifact bucket,
    so that a team's build can read only its own sources and outputs. `model_readers`: per team,
    the accounts that may read the model artifacts its pipelines write (`<team>/pipelines/`),
    through S3 and the key. `eventbridge_topics`: EventBridge rules publish to key-encrypted topics.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key_alias: str,
        retention: Retention,
        datasets: VersionLifecycle,
        artifacts: VersionLifecycle,
        access_logs_expiration_days: int,
        build_teams: tuple[str, ...] = (),
        model_readers: Mapping[str, tuple[str, ...]] | None = None,
        eventbridge_topics: bool = False,
        **stack_props: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_props)
        self.platform_key = PlatformKey(self, "Key", alias=key_alias, retention=retention)
        self.key = self.platform_key.key
        if eventbridge_topics:
            self.platform_key.allow_eventbridge_rules()
        self.access_logs = AccessLogsBucket(
            self, "AccessLogs", retention=retention, expiration=Duration.days(access_logs_expiration_days)
        ).bucket

        def secure(name: str, **lifecycle: Any) -> SecureBucket:
            return SecureBucket(
                self, name, encryption_key=self.key, access_logs=self.access_logs, retention=retention, **lifecycle
            )

        def kept(lifecycle: VersionLifecycle) -> dict[str, Any]:
            expiration = lifecycle.expiration_days
            return {
                "noncurrent_transition": Duration.days(lifecycle.transition_days),
                "noncurrent_expiration": Duration.days(expiration) if expiration else None,
            }

        self.datasets_bucket = secure("Datasets", **kept(datasets))
        # model-build pipelines start when a team's source object lands here
        self.artifacts_bucket = secure("Artifacts", event_bridge_enabled=True, **kept(artifacts))
        self.datasets = self.datasets_bucket.bucket
        self.artifacts = self.artifacts_bucket.bucket
        for team, accounts in sorted((model_readers or {}).items()):
            sid = "ModelReaders" + "".join(part.capitalize() for part in team.split("-"))
            self.artifacts_bucket.grant_read_to_accounts(sid, accounts, f"{team}/pipelines/")
            self.platform_key.grant_decrypt_through_s3(sid, accounts)

        # CodePipeline's own artifacts (source zips, build outputs), one bucket per team: transient, so they expire.
        self.pipeline_artifacts = {}
        for team in build_teams:
            bucket = secure(
                f"PipelineArtifacts-{team}",
                noncurrent_transition=Duration.days(PIPELINE_ARTIFACT_DAYS),
                noncurrent_expiration=Duration.days(PIPELINE_ARTIFACT_DAYS + 1),
                expiration=Duration.days(PIPELINE_ARTIFACT_DAYS),
            ).bucket
            pin_logical_id(bucket, pipeline_artifacts_logical_id(team))
            self.pipeline_artifacts[team] = bucket

        pin_logical_id(self.key, LOGICAL_IDS["key"])
        pin_logical_id(self.access_logs, LOGICAL_IDS["access_logs"])
        pin_logical_id(self.datasets, LOGICAL_IDS["datasets"])
        pin_logical_id(self.artifacts, LOGICAL_IDS["artifacts"])

        CfnOutput(self, "KeyArn", value=self.key.key_arn, description="Platform KMS key")
        CfnOutput(self, "DatasetsBucketName", value=self.datasets.bucket_name, description="Versioned datasets")
        CfnOutput(self, "ArtifactsBucketName", value=self.artifacts.bucket_name, description="Experiment artifacts")
        CfnOutput(self, "AccessLogsBucketName", value=self.access_logs.bucket_name, description="S3 access logs")
