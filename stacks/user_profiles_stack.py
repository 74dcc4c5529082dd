"""A share of the domain's user profiles: which share is decided by platform_config.placement."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from platform_constructs.studio_user_profile import StudioUserProfile
from stacks.studio_stack import StudioStack


class UserProfilesStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        studio: StudioStack,
        members: list[tuple[str, str]],
        security_group_id: str,
        retain: bool,
        **stack_props: Any,
    ) -> None:
        """`members`: (user, team) pairs placed in this stack."""
        super().__init__(scope, construct_id, **stack_props)
        optional = studio.optional_config_arns()
        self.profiles = [
            StudioUserProfile(
                self,
                user,
                domain_id=studio.domain.domain_id,
                user=user,
                team=team,
                execution_role_arn=studio.team_roles[team].role_arn,
                security_group_id=security_group_id,
                team_defaults=studio.team_defaults[team],
                optional_configs=optional,
                teardown_token=studio.teardown_token,
                retain=retain,
            )
            for user, team in members
        ]
