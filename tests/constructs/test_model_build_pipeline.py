"""A team's model-build pipeline: Source -> Build, the build in the isolated subnets with a
buildspec that never runs the team's bundle, and a build role scoped to the team."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from compliance.acknowledgments import collect
from platform_constructs.model_build_pipeline import (
    BOTO3_VERSION,
    WORK_DIR,
    CodeSource,
    ModelBuildPipeline,
    buildspec,
)
from platform_constructs.package_mirror import PackageMirror
from platform_constructs.stateful import Retention
from tests.constructs.reading import Json, as_list, by_sid, resources, role_statements, sids
from tests.support.stacks import ACCOUNT, new_stack, template

HERE = f"us-east-1:{ACCOUNT}"
ROOT = Path(__file__).resolve().parents[2]
CONNECTION = f"arn:aws:codeconnections:us-east-1:{ACCOUNT}:connection/0a1b2c3d-1111-2222-3333"
PASS_ONLY_TO_SAGEMAKER = {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def commands() -> list[str]:
    return [command for phase in buildspec()["phases"].values() for command in phase["commands"]]


def python_commands() -> list[str]:
    return [c for c in commands() if "python3" in c]


# The buildspec: the team's bundle is data, never code


def test_every_python_runs_isolated() -> None:
    """`-I`: no current directory, no script directory, no PYTHON* variables, no user site."""
    runs = [m for c in commands() for m in re.findall(r"python3?(?: -\S+)*", c)]
    assert runs
    assert all(run.startswith("python3 -I") for run in runs), runs


def test_every_python_runs_from_the_work_dir() -> None:
    assert len(python_commands()) == 3
    assert all(command.startswith(f"cd {WORK_DIR} && python3 -I ") for command in python_commands())


def test_packages_are_installed_through_pip_after_logging_in_to_codeartifact() -> None:
    install = buildspec()["phases"]["install"]["commands"]
    login = next(i for i, c in enumerate(install) if c.startswith("aws codeartifact login --tool pip"))
    pip = next(i for i, c in enumerate(install) if " -m pip install " in c)
    assert login < pip
    assert install[pip] == (
        f"cd {WORK_DIR} && python3 -I -m pip install --quiet --disable-pip-version-check boto3=={BOTO3_VERSION}"
    )


def test_the_login_names_the_mirrors_domain_and_repository() -> None:
    login = next(c for c in commands() if c.startswith("aws codeartifact login"))
    assert shlex.split(login) == [
        "aws",
        "codeartifact",
        "login",
        "--tool",
        "pip",
        "--domain",
        "$PACKAGE_DOMAIN",
        "--domain-owner",
        "$PACKAGE_DOMAIN_OWNER",
        "--repository",
        "$PACKAGE_REPOSITORY",
    ]


def test_the_installed_boto3_is_the_one_the_platform_pins() -> None:
    assert f"boto3=={BOTO3_VERSION}\n" in (ROOT / "requirements.txt").read_text()


def test_the_platform_script_is_fetched_into_the_work_dir_and_run_from_there() -> None:
    pre_build = buildspec()["phases"]["pre_build"]["commands"]
    assert pre_build == [
        f'aws s3 cp "$BUILD_SCRIPT_URI" {WORK_DIR}/script.zip',
        f"cd {WORK_DIR} && python3 -I -m zipfile -e script.zip script",
    ]
    assert f"python3 -I {WORK_DIR}/script/run_pipeline.py " in buildspec()["phases"]["build"]["commands"][1]


def test_the_bundle_appears_only_as_arguments() -> None:
    """`$CODEBUILD_SRC_DIR` is a path handed to the platform's script or tested for a file;
    nothing is executed from it and it is never on a Python path."""
    for command in commands():
        for match in re.finditer(r"\S*\$CODEBUILD_SRC_DIR\S*", command):
            before = [t for t in re.split(r"[\s()=]+", command[: match.start()]) if t]
            assert before, command
            assert before[-1] in {"--code-dir", "--definition", "-f"}, command


def test_the_definition_is_passed_only_when_the_bundle_holds_one() -> None:
    build = buildspec()["phases"]["build"]["commands"]
    assert build[0] == (
        'definition=(); if [ -f "$CODEBUILD_SRC_DIR/pipeline.json" ]; then '
        'definition=(--definition "$CODEBUILD_SRC_DIR/pipeline.json" --role-arn "$PIPELINE_ROLE_ARN"); fi'
    )


# The construct


@pytest.fixture(scope="module")
def built() -> tuple[cdk.Stack, Json]:
    """Two teams' builds: vision from the S3 source object, forecasting from a connection."""
    stack = new_stack()
    key = kms.Key(stack, "Key")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    group = ec2.SecurityGroup(stack, "Studio", vpc=vpc, allow_all_outbound=False)
    artifacts = s3.Bucket(stack, "Artifacts", encryption_key=key)
    mirror = PackageMirror(stack, "Mirror", domain_name="mlexp-dev", key=key, retention=Retention(retain=True))
    for team, source in (
        ("vision", None),
        ("forecasting", CodeSource(connection_arn=CONNECTION, repository="acme/forecasting", branch="main")),
    ):
        team_role = iam.Role(stack, f"TeamRole-{team}", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))

        def grant_pass(grantee: iam.IGrantable, role: iam.Role = team_role) -> iam.Grant:
            return iam.Grant.add_to_principal(
                grantee=grantee,
                actions=["iam:PassRole"],
                resource_arns=[role.role_arn],
                conditions=PASS_ONLY_TO_SAGEMAKER,
            )

        ModelBuildPipeline(
            stack,
            f"ModelBuild-{team}",
            team=team,
            sagemaker_pipeline_name=f"mlexp-dev-{team}--reference",
            grant_pass_team_role=grant_pass,
            team_role_arn=team_role.role_arn,
            artifacts=artifacts,
            pipeline_artifacts=s3.Bucket(stack, f"PipelineArtifacts-{team}", encryption_key=key),
            key=key,
            vpc=vpc,
            security_group=group,
            mirror=mirror,
            source=source,
            timeout_minutes=120,
            retention=Retention(retain=True),
        )
    return stack, dict(template(stack).to_json())


@pytest.fixture(scope="module")
def synthesized(built: tuple[cdk.Stack, Json]) -> Json:
    return built[1]


def lid(template_json: Json, prefix: str, resource_type: str) -> str:
    (found,) = [k for k in resources(template_json, resource_type) if k.startswith(prefix)]
    return found


def project(template_json: Json, team: str) -> Json:
    key = lid(template_json, f"ModelBuild{team}Build", "AWS::CodeBuild::Project")
    found: Json = template_json["Resources"][key]["Properties"]
    return found


def pipeline(template_json: Json, team: str) -> Json:
    key = lid(template_json, f"ModelBuild{team}Pipeline", "AWS::CodePipeline::Pipeline")
    found: Json = template_json["Resources"][key]["Properties"]
    return found


def build_role_statements(template_json: Json, team: str) -> list[Json]:
    return role_statements(template_json, lid(template_json, f"ModelBuild{team}BuildRole", "AWS::IAM::Role"))


def test_the_build_runs_in_the_vpcs_isolated_subnets_with_the_given_group(synthesized: Json) -> None:
    subnets = sorted(({"Ref": k} for k in resources(synthesized, "AWS::EC2::Subnet")), key=str)
    config = project(synthesized, "vision")["VpcConfig"]
    assert sorted(config["Subnets"], key=str) == subnets
    assert config["SecurityGroupIds"] == [
        {"Fn::GetAtt": [lid(synthesized, "Studio", "AWS::EC2::SecurityGroup"), "GroupId"]}
    ]


def test_the_build_is_unprivileged_on_the_standard_image(synthesized: Json) -> None:
    environment = project(synthesized, "vision")["Environment"]
    assert (environment["Image"], environment["PrivilegedMode"], environment["ComputeType"]) == (
        "aws/codebuild/standard:7.0",
        False,
        "BUILD_GENERAL1_SMALL",
    )


def test_the_build_is_encrypted_logged_and_outlives_the_pipeline_timeout(synthesized: Json) -> None:
    props = project(synthesized, "vision")
    key = {"Fn::GetAtt": [lid(synthesized, "Key", "AWS::KMS::Key"), "Arn"]}
    logs_id = lid(synthesized, "ModelBuildvisionBuildLogs", "AWS::Logs::LogGroup")
    assert props["EncryptionKey"] == key
    assert props["TimeoutInMinutes"] == 130
    assert props["LogsConfig"] == {"CloudWatchLogs": {"GroupName": {"Ref": logs_id}, "Status": "ENABLED"}}
    assert synthesized["Resources"][logs_id]["Properties"] == {"KmsKeyId": key, "RetentionInDays": 365}


def test_the_buildspec_is_the_platforms(synthesized: Json) -> None:
    """The project holds the buildspec as JSON text."""
    assert json.loads(project(synthesized, "vision")["Source"]["BuildSpec"]) == buildspec()


def test_the_build_knows_its_pipeline_role_mirror_and_source(synthesized: Json) -> None:
    variables = {v["Name"]: v["Value"] for v in project(synthesized, "vision")["Environment"]["EnvironmentVariables"]}
    artifacts = {"Ref": lid(synthesized, "Artifacts", "AWS::S3::Bucket")}
    assert variables["PIPELINE_NAME"] == "mlexp-dev-vision--reference"
    assert variables["PIPELINE_ROLE_ARN"] == {
        "Fn::GetAtt": [lid(synthesized, "TeamRolevision", "AWS::IAM::Role"), "Arn"]
    }
    assert variables["CODE_URI_PREFIX"] == {"Fn::Join": ["", ["s3://", artifacts, "/vision/pipelines/reference/code"]]}
    assert variables["SOURCE_REPOSITORY"] == {"Fn::Join": ["", ["s3://", artifacts, "/vision/model-build/source.zip"]]}
    assert (variables["PACKAGE_DOMAIN"], variables["PACKAGE_REPOSITORY"], variables["TIMEOUT_MINUTES"]) == (
        "mlexp-dev",
        "pypi-mirror",
        "120",
    )


def test_a_connection_source_names_the_repository_and_branch(synthesized: Json) -> None:
    variables = {
        v["Name"]: v["Value"] for v in project(synthesized, "forecasting")["Environment"]["EnvironmentVariables"]
    }
    assert variables["SOURCE_REPOSITORY"] == "acme/forecasting@main"


def test_the_pipeline_is_v2_with_the_teams_own_artifact_bucket(synthesized: Json) -> None:
    props = pipeline(synthesized, "vision")
    assert props["PipelineType"] == "V2"
    assert props["RestartExecutionOnUpdate"] is False
    assert props["ArtifactStore"] == {
        "Type": "S3",
        "Location": {"Ref": lid(synthesized, "PipelineArtifactsvision", "AWS::S3::Bucket")},
        "EncryptionKey": {"Id": {"Fn::GetAtt": [lid(synthesized, "Key", "AWS::KMS::Key"), "Arn"]}, "Type": "KMS"},
    }
    assert [stage["Name"] for stage in props["Stages"]] == ["Source", "Build"]


def test_the_s3_source_is_the_teams_object_and_never_polled(synthesized: Json) -> None:
    source = pipeline(synthesized, "vision")["Stages"][0]["Actions"][0]
    assert source["ActionTypeId"]["Provider"] == "S3"
    assert source["Configuration"] == {
        "S3Bucket": {"Ref": lid(synthesized, "Artifacts", "AWS::S3::Bucket")},
        "S3ObjectKey": "vision/model-build/source.zip",
        "PollForSourceChanges": False,
    }


def test_an_upload_of_the_source_object_starts_the_pipeline(synthesized: Json) -> None:
    rule = synthesized["Resources"][lid(synthesized, "ModelBuildvisionSourceUploaded", "AWS::Events::Rule")]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [{"Ref": lid(synthesized, "Artifacts", "AWS::S3::Bucket")}]},
            "object": {"key": ["vision/model-build/source.zip"]},
        },
    }
    pipeline_id = lid(synthesized, "ModelBuildvisionPipeline", "AWS::CodePipeline::Pipeline")
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::Join": ["", [f"arn:aws:codepipeline:{HERE}:", {"Ref": pipeline_id}]]}


def test_a_connection_source_is_the_repository_and_branch_with_no_upload_rule(synthesized: Json) -> None:
    source = pipeline(synthesized, "forecasting")["Stages"][0]["Actions"][0]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert {k: source["Configuration"][k] for k in ("ConnectionArn", "FullRepositoryId", "BranchName")} == {
        "ConnectionArn": CONNECTION,
        "FullRepositoryId": "acme/forecasting",
        "BranchName": "main",
    }
    assert not [k for k in resources(synthesized, "AWS::Events::Rule") if k.startswith("ModelBuildforecasting")]


def test_the_build_role_holds_the_platforms_statements(synthesized: Json) -> None:
    assert sids(build_role_statements(synthesized, "vision")) == [
        "ReadTheBuildScript",
        "PublishTheTeamCode",
        "EncryptThePublishedCode",
        "UpsertStartAndWatchTheTeamPipeline",
        "LogInToThePackageMirror",
        "InstallFromThePackageMirror",
        "BearerTokenForCodeArtifact",
    ]


def test_the_build_role_writes_only_the_teams_code_prefix(synthesized: Json) -> None:
    artifacts = {"Fn::GetAtt": [lid(synthesized, "Artifacts", "AWS::S3::Bucket"), "Arn"]}
    assert by_sid(build_role_statements(synthesized, "vision"), "PublishTheTeamCode") == {
        "Sid": "PublishTheTeamCode",
        "Effect": "Allow",
        "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
        "Resource": {"Fn::Join": ["", [artifacts, "/vision/pipelines/reference/code/*"]]},
    }


def test_the_build_role_encrypts_the_published_code_only_through_s3(synthesized: Json) -> None:
    statement = by_sid(build_role_statements(synthesized, "vision"), "EncryptThePublishedCode")
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_the_build_role_runs_only_the_teams_sagemaker_pipeline(synthesized: Json) -> None:
    statement = by_sid(build_role_statements(synthesized, "vision"), "UpsertStartAndWatchTheTeamPipeline")
    assert statement["Resource"] == [
        f"arn:aws:sagemaker:{HERE}:pipeline/mlexp-dev-vision--reference",
        f"arn:aws:sagemaker:{HERE}:pipeline/mlexp-dev-vision--reference/execution/*",
    ]


def test_the_build_role_passes_only_the_teams_role_only_to_sagemaker(synthesized: Json) -> None:
    passing = [s for s in build_role_statements(synthesized, "vision") if "iam:PassRole" in as_list(s["Action"])]
    assert passing == [
        {
            "Action": "iam:PassRole",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [lid(synthesized, "TeamRolevision", "AWS::IAM::Role"), "Arn"]},
            "Condition": PASS_ONLY_TO_SAGEMAKER,
        }
    ]


def test_the_build_role_reads_only_its_own_teams_pipeline_artifacts(synthesized: Json) -> None:
    """S3 reads reach the team's own pipeline-artifact bucket and the build script, nothing else."""
    own = lid(synthesized, "PipelineArtifactsvision", "AWS::S3::Bucket")
    reads = [
        s
        for s in build_role_statements(synthesized, "vision")
        if any(a.startswith(("s3:Get", "s3:List")) for a in as_list(s["Action"]))
    ]
    assert [s.get("Sid") for s in reads] == ["ReadTheBuildScript", None]
    assert own in str(reads[1]["Resource"])
    assert "PipelineArtifactsforecasting" not in str(reads)
    assert lid(synthesized, "Artifacts", "AWS::S3::Bucket") not in str(reads)


def test_the_build_script_is_read_from_its_asset_only(synthesized: Json) -> None:
    statement = by_sid(build_role_statements(synthesized, "vision"), "ReadTheBuildScript")
    assert statement["Action"] == "s3:GetObject"
    assert re.fullmatch(
        rf"arn:aws:s3:::cdk-[a-z0-9]+-assets-{ACCOUNT}-us-east-1/[0-9a-f]{{64}}\.zip", statement["Resource"]
    )


@pytest.mark.parametrize("pack", ["NIST.800.53.R5", "HIPAA.Security"])
def test_the_missing_repository_url_is_acknowledged_on_the_project(built: tuple[cdk.Stack, Json], pack: str) -> None:
    acknowledged = {(a.path, a.rule_id) for a in collect(built[0].node.root)}
    assert ("Probe/ModelBuild-vision/Build", f"{pack}-CodeBuildProjectSourceRepoUrl") in acknowledged
