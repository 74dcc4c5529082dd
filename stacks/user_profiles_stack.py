"""A share of the domain's user profiles: which share is decided by platform_config.placement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from platform_constructs.studio_user_profile import StudioUserProfile


class UserProfilesStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        members: tuple[tuple[str, str], ...],
        domain_id: str,
        role_arns: Mapping[str, str],
        team_defaults: Mapping[str, Mapping[str, str]],
        optional_configs: Mapping[str, list[str]],
        teardown_token: str,
        security_group_id: str,
        retain: bool,
        **stack_props: Any,
    ) -> None:
        """`members`: (user, team) pairs placed in this stack; the mappings are keyed by team."""
        super().__init__(scope, construct_id, **stack_props)
        self.profiles = [
            StudioUserProfile(
                self,
                user,
                domain_id=domain_id,
                user=user,
                team=team,
                execution_role_arn=role_arns[team],
                security_group_id=security_group_id,
                team_defaults=dict(team_defaults[team]),
                optional_configs=dict(optional_configs),
                teardown_token=teardown_token,
                retain=retain,
            )
            for user, team in members
        ]
