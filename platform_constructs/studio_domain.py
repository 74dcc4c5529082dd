"""A SageMaker Studio domain in VPC-only mode, secure by default."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from platform_config.schema import MIN_IDLE_MINUTES
from platform_constructs.stateful import Retention
from platform_constructs.studio_lifecycle_config import StudioLifecycleConfig

# New Studio's home page; JupyterLab and Code Editor are its IDEs (no Studio Classic apps).
STUDIO_HOME = "studio::"


class StudioDomain(Construct):
    """IAM auth, VpcOnly in the given private subnets, home volumes encrypted with `key`.

    Create-only properties (name, auth mode, key, VPC, subnets, network access type) come only
    from stable inputs; everything that changes often (idle timeouts, lifecycle configs) lives in
    mutable settings, so editing them never replaces the domain. Defaults for every user and
    space: the Studio security group, notebook output sharing off, JupyterLab and Code Editor
    shut down when idle. Domain-wide: the user profile name is recorded as the STS source
    identity of every session (audit), Docker access off.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str,
        vpc: ec2.IVpc,
        subnets: list[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        key: kms.IKey,
        default_role: iam.IRole,
        idle_timeout_minutes: int,
        max_idle_timeout_minutes: int,
        lifecycle_configs: list[StudioLifecycleConfig],
        retention: Retention,
    ) -> None:
        super().__init__(scope, construct_id)
        idle = sagemaker.CfnDomain.AppLifecycleManagementProperty(
            idle_settings=sagemaker.CfnDomain.IdleSettingsProperty(
                lifecycle_management="ENABLED",
                idle_timeout_in_minutes=idle_timeout_minutes,
                min_idle_timeout_in_minutes=MIN_IDLE_MINUTES,
                max_idle_timeout_in_minutes=max_idle_timeout_minutes,
            )
        )

        def arns(app_type: str) -> list[str] | None:
            return [c.arn for c in lifecycle_configs if c.app_type == app_type] or None

        jupyter_lab = sagemaker.CfnDomain.JupyterLabAppSettingsProperty(
            app_lifecycle_management=idle, lifecycle_config_arns=arns("JupyterLab")
        )
        code_editor = sagemaker.CfnDomain.CodeEditorAppSettingsProperty(
            app_lifecycle_management=idle, lifecycle_config_arns=arns("CodeEditor")
        )
        security_groups = [security_group.security_group_id]
        self.resource = sagemaker.CfnDomain(
            self,
            "Resource",
            domain_name=domain_name,
            auth_mode="IAM",
            app_network_access_type="VpcOnly",
            vpc_id=vpc.vpc_id,
            subnet_ids=[subnet.subnet_id for subnet in subnets],
            kms_key_id=key.key_arn,
            default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
                execution_role=default_role.role_arn,
                security_groups=security_groups,
                default_landing_uri=STUDIO_HOME,
                studio_web_portal="ENABLED",
                sharing_settings=sagemaker.CfnDomain.SharingSettingsProperty(notebook_output_option="Disabled"),
                jupyter_lab_app_settings=jupyter_lab,
                code_editor_app_settings=code_editor,
            ),
            default_space_settings=sagemaker.CfnDomain.DefaultSpaceSettingsProperty(
                execution_role=default_role.role_arn,
                security_groups=security_groups,
                jupyter_lab_app_settings=jupyter_lab,
            ),
            domain_settings=sagemaker.CfnDomain.DomainSettingsProperty(
                execution_role_identity_config="USER_PROFILE_NAME",
                docker_settings=sagemaker.CfnDomain.DockerSettingsProperty(enable_docker_access="DISABLED"),
            ),
        )
        self.resource.apply_removal_policy(retention.removal_policy)
        self.domain_id = self.resource.attr_domain_id
        self.domain_arn = self.resource.attr_domain_arn
