"""How stateful resources are kept or destroyed, decided once per environment."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from aws_cdk import CfnElement, Duration, RemovalPolicy
from constructs import Construct


@dataclass(frozen=True)
class Retention:
    """Whether an environment keeps its stateful resources when their stack goes away.

    Retained: RETAIN (DeletionPolicy and UpdateReplacePolicy) and never auto-delete objects.
    Not retained: DESTROY, and buckets empty themselves so a throwaway environment tears down.
    """

    retain: bool

    @property
    def removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self.retain else RemovalPolicy.DESTROY

    @property
    def auto_delete_objects(self) -> bool:
        return not self.retain

    @property
    def key_pending_window(self) -> Duration:
        # The longest window for keys that hold retained data: time to notice a scheduled deletion.
        return Duration.days(30 if self.retain else 7)


def pin_logical_id(construct: Construct, logical_id: str) -> None:
    """Fix the CloudFormation logical id of a construct's primary resource.

    A changed logical id means CloudFormation replaces the resource. Pinning makes refactoring of
    the construct tree safe for stateful resources; tests/platform/test_stateful_resources.py holds the contract.
    """
    resource = construct.node.default_child if not isinstance(construct, CfnElement) else construct
    if not isinstance(resource, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource to pin")
    resource.override_logical_id(logical_id)


def named_logical_id(prefix: str, name: str) -> str:
    """A logical id for one of many named resources (profiles, groups, experiments): readable,
    unique even for names that differ only in punctuation, and independent of the construct tree."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8].upper()
    return f"{prefix}{re.sub(r'[^A-Za-z0-9]', '', name)}{digest}"
