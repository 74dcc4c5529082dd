"""One Studio user profile: the team's role and defaults, and its teardown."""

from __future__ import annotations

from aws_cdk import Tags
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_constructs.stateful import named_logical_id, pin_logical_id
from platform_constructs.studio_teardown import StudioTeardown


def profile_logical_id(user: str) -> str:
    return named_logical_id("Profile", user)


class StudioUserProfile(Construct):
    """The profile runs as its team's execution role in the Studio security group. Its IDEs start
    with the team's default lifecycle config (SDK defaults) and may choose the optional ones."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        user: str,
        team: str,
        execution_role_arn: str,
        security_group_id: str,
        team_defaults: dict[str, str],
        optional_configs: dict[str, list[str]],
        teardown_token: str,
        retain: bool,
    ) -> None:
        super().__init__(scope, construct_id)

        def spec(app_type: str) -> sagemaker.CfnUserProfile.ResourceSpecProperty:
            return sagemaker.CfnUserProfile.ResourceSpecProperty(lifecycle_config_arn=team_defaults[app_type])

        def configs(app_type: str) -> list[str]:
            return [team_defaults[app_type], *optional_configs.get(app_type, [])]

        self.resource = sagemaker.CfnUserProfile(
            self,
            "Resource",
            domain_id=domain_id,
            user_profile_name=user,
            user_settings=sagemaker.CfnUserProfile.UserSettingsProperty(
                execution_role=execution_role_arn,
                security_groups=[security_group_id],
                jupyter_lab_app_settings=sagemaker.CfnUserProfile.JupyterLabAppSettingsProperty(
                    default_resource_spec=spec("JupyterLab"), lifecycle_config_arns=configs("JupyterLab")
                ),
                code_editor_app_settings=sagemaker.CfnUserProfile.CodeEditorAppSettingsProperty(
                    default_resource_spec=spec("CodeEditor"), lifecycle_config_arns=configs("CodeEditor")
                ),
            ),
        )
        Tags.of(self.resource).add("Team", team)
        pin_logical_id(self.resource, profile_logical_id(user))
        self.teardown = StudioTeardown(
            self, "Teardown", service_token=teardown_token, domain_id=domain_id, user_profile_name=user, retain=retain
        )
        self.teardown.node.add_dependency(self.resource)
