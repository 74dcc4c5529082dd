"""`smoke`: a deployed environment-region checked against the config, on a moto server.

The fixture builds what the sample's dev/eu-west-1 deploys (as far as moto emulates it) and
stands up its stacks with the outputs the platform publishes. ListUserProfiles, which moto lacks,
is answered by a botocore event hook on that one operation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from experiment_tools.clients import AwsClients
from platform_config import PlatformConfig
from platform_config.endpoint_catalog import service_name
from platform_config.naming import Naming, StackKind
from tests.support.aws import client
from tests.support.tooling import factory_for, moto_clients, run_cli, unique

pytestmark = pytest.mark.usefixtures("fake_aws_env")
ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/studio-default"
PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def aws(service: str, endpoint: str) -> Any:
    return client(service, endpoint, region=REGION)


def stack(endpoint: str, name: str, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    aws("cloudformation", endpoint).create_stack(StackName=name, TemplateBody=json.dumps(template))


@pytest.fixture(scope="module")
def deployed(moto_endpoint: str, sample_config: PlatformConfig) -> dict[str, str]:
    naming = Naming(sample_config.project, "dev")
    key = aws("kms", moto_endpoint).create_key()["KeyMetadata"]["Arn"]
    s3 = aws("s3", moto_endpoint)
    buckets = {"DatasetsBucketName": unique("mlexp-datasets"), "ArtifactsBucketName": unique("mlexp-artifacts")}
    for bucket in buckets.values():
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]
            },
        )
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration=dict.fromkeys(PUBLIC_ACCESS_FLAGS, True),
        )
    ec2 = aws("ec2", moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.21.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.21.{index}.0/24")["Subnet"]["SubnetId"] for index in range(2)
    ]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway")
    environment = sample_config.environments[0]
    region = next(item for item in environment.regions if item.name == REGION)
    for name in environment.endpoints_in(region):
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=service_name(name, REGION), VpcEndpointType="Interface", SubnetIds=subnets
        )
    sagemaker = aws("sagemaker", moto_endpoint)
    domain = sagemaker.create_domain(
        DomainName=naming.domain_name(),
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=subnets,
        VpcId=vpc,
        AppNetworkAccessType="VpcOnly",
        KmsKeyId=key,
    )["DomainArn"].rsplit("/", 1)[-1]
    for group in sample_config.model_groups:
        sagemaker.create_model_package_group(ModelPackageGroupName=naming.model_package_group_name(group.name))
    for team in sample_config.teams:
        for experiment in team.experiments:
            sagemaker.create_experiment(ExperimentName=naming.experiment_name(team.name, experiment.name))
        sagemaker.create_pipeline(
            PipelineName=naming.reference_pipeline_name(team.name),
            PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
            RoleArn=ROLE,
        )
    served = next(group for group in sample_config.model_groups if group.serving)
    assert served.serving is not None
    endpoint = naming.endpoint_name(served.name, "production")
    variants = []
    for variant in served.serving.variants:
        model = sagemaker.create_model(
            ModelName=f"{endpoint}-{variant.name}", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "image:1"}
        )["ModelArn"].rsplit("/", 1)[-1]
        variants.append(
            {
                "VariantName": variant.name,
                "ModelName": model,
                "InitialInstanceCount": 2,
                "InstanceType": served.serving.instance_type,
                "InitialVariantWeight": variant.weight,
            }
        )
    sagemaker.create_endpoint_config(EndpointConfigName=f"{endpoint}-config", ProductionVariants=variants)
    sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=f"{endpoint}-config")
    stack(moto_endpoint, naming.stack_name(StackKind.DATA), {"KeyArn": key, **buckets})
    stack(moto_endpoint, naming.stack_name(StackKind.NETWORK), {"VpcId": vpc, "IsolatedSubnetIds": ",".join(subnets)})
    stack(moto_endpoint, naming.stack_name(StackKind.REGISTRY), {})
    stack(moto_endpoint, naming.stack_name(StackKind.STUDIO), {"DomainId": domain})
    return {"vpc": vpc, "domain": domain, **buckets}


def with_user_profiles(clients: AwsClients, users: list[str]) -> AwsClients:
    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        profiles = [{"DomainId": "d", "UserProfileName": user, "Status": "InService"} for user in users]
        return AWSResponse("http://127.0.0.1", 200, HTTPHeaders(), None), {"UserProfiles": profiles}

    def schedules(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        # moto has no monitoring schedules: answer as AWS does for the served endpoint.
        endpoint = json.loads(kwargs["params"]["body"])["EndpointName"]
        found = [{"MonitoringScheduleName": f"{endpoint}-data", "MonitoringScheduleStatus": "Scheduled"}]
        return AWSResponse("http://127.0.0.1", 200, HTTPHeaders(), None), {"MonitoringScheduleSummaries": found}

    clients.sagemaker.meta.events.register("before-call.sagemaker.ListUserProfiles", answer)
    clients.sagemaker.meta.events.register("before-call.sagemaker.ListMonitoringSchedules", schedules)
    return clients


def smoke(endpoint: str, users: list[str], *extra: str) -> Any:
    clients = with_user_profiles(moto_clients(endpoint, region=REGION), users)
    return run_cli(
        endpoint,
        "smoke",
        *("--config", str(ROOT / "config/sample.yaml"), "--environment", "dev", *extra),
        region=REGION,
        clients_factory=factory_for(clients),
    )


SAMPLE_USERS = ["alice", "bruno", "chen", "dara", "emeka"]


def test_a_deployment_that_matches_the_config_passes(moto_endpoint: str, deployed: dict[str, str]) -> None:
    result = smoke(moto_endpoint, SAMPLE_USERS, "-o", "json")
    report = json.loads(result.out)
    failed = [check for check in report["checks"] if check["result"] != "PASS"]
    assert failed == []
    assert result.code == 0
    checks = [check["check"] for check in report["checks"]]
    assert "domain VpcOnly" in checks
    assert "datasets bucket on the platform key" in checks
    assert "model package group mlexp-dev-defect-detector" in checks
    assert "endpoint sagemaker-metrics" in checks
    assert "served endpoint mlexp-dev-defect-detector-production" in checks
    assert "schedule mlexp-dev-defect-detector-production-data" in checks
    assert len(checks) == 4 + 6 + 1 + 6 + 2 + 2 + 2 + 7 + 5


@pytest.fixture
def drifted(moto_endpoint: str, deployed: dict[str, str]) -> Iterator[dict[str, str]]:
    """Versioning suspended on the datasets bucket and the metrics endpoint removed; put back after."""
    s3, ec2 = aws("s3", moto_endpoint), aws("ec2", moto_endpoint)
    bucket = deployed["DatasetsBucketName"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    metrics = service_name("sagemaker-metrics", REGION)
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "service-name", "Values": [metrics]}])["VpcEndpoints"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[item["VpcEndpointId"] for item in endpoints])
    yield deployed
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ec2.create_vpc_endpoint(VpcId=deployed["vpc"], ServiceName=metrics, VpcEndpointType="Interface")


def test_drift_from_the_config_fails_with_one_row_per_problem(moto_endpoint: str, drifted: dict[str, str]) -> None:
    result = smoke(moto_endpoint, ["alice", "bruno", "chen"])
    assert result.code == 1
    failures = [line.split("  ")[0] for line in result.out.splitlines() if "FAIL" in line]
    assert failures == ["user profiles (5)", "datasets bucket versioned", "endpoint sagemaker-metrics"]
    assert "missing dara, emeka" in result.out


def test_a_missing_stack_fails_its_checks_without_stopping_the_others(
    moto_endpoint: str, deployed: dict[str, str]
) -> None:
    result = smoke(moto_endpoint, SAMPLE_USERS, "--environment", "dev", "-o", "json")
    assert result.code == 0
    aws("cloudformation", moto_endpoint).delete_stack(StackName="mlexp-dev-studio")
    try:
        broken = json.loads(smoke(moto_endpoint, SAMPLE_USERS, "-o", "json").out)["checks"]
    finally:
        stack(moto_endpoint, "mlexp-dev-studio", {"DomainId": deployed["domain"]})
    failed = {check["check"]: check["detail"] for check in broken if check["result"] == "FAIL"}
    assert set(failed) == {"stack mlexp-dev-studio", "domain", "user profiles"}
    assert failed["domain"] == "no output DomainId on stack mlexp-dev-studio"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--environment", "prod"], "error: --environment: 'prod' is not in the config (dev)"),
        (["--environment", "dev", "--config", "/nonexistent.yaml"], "error: /nonexistent.yaml: file not found"),
    ],
)
def test_bad_smoke_input_is_one_line_and_exit_2(moto_endpoint: str, arguments: list[str], message: str) -> None:
    result = run_cli(moto_endpoint, "smoke", *arguments, region=REGION)
    assert result.code == 2
    assert result.err.startswith(message)
    assert result.err.count("\n") == 1


def test_a_region_outside_the_environment_is_refused(moto_endpoint: str) -> None:
    result = run_cli(moto_endpoint, "smoke", "--environment", "dev", region="ap-south-1")
    assert result.code == 2
    assert result.err == "error: --region: 'ap-south-1' is not a region of environment 'dev' (us-east-1, eu-west-1)\n"
