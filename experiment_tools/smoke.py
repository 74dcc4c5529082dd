"""Smoke-check a deployed environment-region against what the platform config says.

Read-only describe calls: the stacks are complete, the Studio domain is in service, VpcOnly, on
the platform key and in the platform VPC, every configured user has a profile, the buckets are
versioned, KMS-encrypted and private, the model package groups, experiments and reference
pipelines exist, the VPC has the configured endpoints, and each served group's production
endpoint is in service with its variants (and weights, shown) and scheduled monitors. Each check is one
row, PASS or FAIL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from experiment_tools.clients import AwsClients
from experiment_tools.errors import UsageError, explain
from platform_config.endpoint_catalog import service_name
from platform_config.naming import Naming, StackKind
from platform_config.schema import EnvironmentConfig, PlatformConfig

COMPLETE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
OUTPUT_STACKS = (StackKind.DATA, StackKind.NETWORK, StackKind.REGISTRY, StackKind.STUDIO)


@dataclass(frozen=True)
class Check:
    check: str
    passed: bool
    detail: str = ""

    def row(self) -> dict[str, str]:
        return {"check": self.check, "result": "PASS" if self.passed else "FAIL", "detail": self.detail}


class _Outputs:
    """Stack outputs by stack kind; a missing one names the stack and key it should come from."""

    def __init__(self, naming: Naming) -> None:
        self.naming = naming
        self.values: dict[StackKind, dict[str, str]] = {}

    def get(self, kind: StackKind, key: str) -> str:
        value = self.values.get(kind, {}).get(key)
        if value is None:
            raise LookupError(f"no output {key} on stack {self.naming.stack_name(kind)}")
        return value


def find_environment(config: PlatformConfig, environment: str, region: str) -> EnvironmentConfig:
    for candidate in config.environments:
        if candidate.name == environment:
            if region not in [item.name for item in candidate.regions]:
                known = ", ".join(item.name for item in candidate.regions)
                raise UsageError(f"--region: {region!r} is not a region of environment {environment!r} ({known})")
            return candidate
    known = ", ".join(item.name for item in config.environments)
    raise UsageError(f"--environment: {environment!r} is not in the config ({known})")


def run_checks(clients: AwsClients, config: PlatformConfig, environment: str, region: str) -> list[Check]:
    env = find_environment(config, environment, region)
    naming = Naming(config.project, env.name)
    outputs = _Outputs(naming)
    checks = list(_stack_checks(clients, naming, outputs))
    suites: list[tuple[str, Callable[[], Iterator[Check]]]] = [
        ("domain", lambda: _domain_checks(clients, naming, outputs)),
        ("user profiles", lambda: _user_checks(clients, config, outputs)),
        ("buckets", lambda: _bucket_checks(clients, outputs)),
        ("model package groups", lambda: _registry_checks(clients, config, naming)),
        ("experiments", lambda: _experiment_checks(clients, config, naming)),
        ("reference pipelines", lambda: _pipeline_checks(clients, config, naming)),
        ("vpc endpoints", lambda: _endpoint_checks(clients, env, region, outputs)),
        ("served endpoints", lambda: _serving_checks(clients, config, naming)),
    ]
    for suite, checks_of in suites:
        try:
            checks.extend(checks_of())
        except LookupError as missing:
            checks.append(Check(suite, False, str(missing)))
        except ClientError as error:
            checks.append(Check(suite, False, str(explain(error, clients.max_attempts))))
    return checks


def _stack_checks(clients: AwsClients, naming: Naming, outputs: _Outputs) -> Iterator[Check]:
    for kind in OUTPUT_STACKS:
        name = naming.stack_name(kind)
        try:
            stack = clients.cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        except ClientError as error:
            yield Check(f"stack {name}", False, str(explain(error, clients.max_attempts)))
            continue
        status = stack["StackStatus"]
        outputs.values[kind] = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
        yield Check(f"stack {name}", status in COMPLETE, status)


def _key_id(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def _domain_checks(clients: AwsClients, naming: Naming, outputs: _Outputs) -> Iterator[Check]:
    domain_id = outputs.get(StackKind.STUDIO, "DomainId")
    key_arn = outputs.get(StackKind.DATA, "KeyArn")
    domain = clients.sagemaker.describe_domain(DomainId=domain_id)
    yield Check("domain in service", domain.get("Status") == "InService", f"{domain_id} {domain.get('Status')}")
    yield Check("domain name", domain.get("DomainName") == naming.domain_name(), str(domain.get("DomainName")))
    network = domain.get("AppNetworkAccessType")
    yield Check("domain VpcOnly", network == "VpcOnly", str(network))
    yield Check("domain IAM auth", domain.get("AuthMode") == "IAM", str(domain.get("AuthMode")))
    key = str(domain.get("KmsKeyId") or "")
    yield Check("domain on the platform key", bool(key) and _key_id(key) == _key_id(key_arn), key or "no key")
    vpc = outputs.get(StackKind.NETWORK, "VpcId")
    subnets = set(outputs.get(StackKind.NETWORK, "IsolatedSubnetIds").split(","))
    in_vpc = domain.get("VpcId") == vpc and set(domain.get("SubnetIds", [])) == subnets
    yield Check(
        "domain in the platform subnets", in_vpc, f"{domain.get('VpcId')} {','.join(domain.get('SubnetIds', []))}"
    )


def _user_checks(clients: AwsClients, config: PlatformConfig, outputs: _Outputs) -> Iterator[Check]:
    domain_id = outputs.get(StackKind.STUDIO, "DomainId")
    found: dict[str, str] = {}
    for page in clients.sagemaker.get_paginator("list_user_profiles").paginate(DomainIdEquals=domain_id):
        found.update({item["UserProfileName"]: item.get("Status", "") for item in page.get("UserProfiles", [])})
    expected = sorted(user for team in config.teams for user in team.users)
    missing = [user for user in expected if user not in found]
    unhealthy = [f"{user} {found[user]}" for user in expected if user in found and found[user] != "InService"]
    detail = "; ".join(filter(None, [f"missing {', '.join(missing)}" if missing else "", ", ".join(unhealthy)]))
    yield Check(f"user profiles ({len(expected)})", not missing and not unhealthy, detail or "all InService")


def _bucket_checks(clients: AwsClients, outputs: _Outputs) -> Iterator[Check]:
    key_arn = outputs.get(StackKind.DATA, "KeyArn")
    s3 = clients.s3
    for label in ("Datasets", "Artifacts"):
        bucket = outputs.get(StackKind.DATA, f"{label}BucketName")
        versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status", "Disabled")
        yield Check(f"{label.lower()} bucket versioned", versioning == "Enabled", f"{bucket} {versioning}")
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
        key = str(default.get("KMSMasterKeyID", ""))
        encrypted = default.get("SSEAlgorithm") == "aws:kms" and bool(key) and _key_id(key) == _key_id(key_arn)
        yield Check(f"{label.lower()} bucket on the platform key", encrypted, f"{default.get('SSEAlgorithm')} {key}")
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        private = all(
            block.get(flag)
            for flag in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        )
        yield Check(
            f"{label.lower()} bucket blocks public access", private, ", ".join(f for f, on in block.items() if not on)
        )


def _registry_checks(clients: AwsClients, config: PlatformConfig, naming: Naming) -> Iterator[Check]:
    for group in config.model_groups:
        name = naming.model_package_group_name(group.name)
        status = _status(clients, "describe_model_package_group", "ModelPackageGroupStatus", ModelPackageGroupName=name)
        yield Check(f"model package group {name}", status == "Completed", status)


def _experiment_checks(clients: AwsClients, config: PlatformConfig, naming: Naming) -> Iterator[Check]:
    for team in config.teams:
        for experiment in team.experiments:
            name = naming.experiment_name(team.name, experiment.name)
            found = _status(clients, "describe_experiment", "ExperimentName", ExperimentName=name)
            yield Check(f"experiment {name}", found == name, "present" if found == name else found)


def _pipeline_checks(clients: AwsClients, config: PlatformConfig, naming: Naming) -> Iterator[Check]:
    if not config.reference_pipeline.enabled:
        return
    for team in config.teams:
        name = naming.reference_pipeline_name(team.name)
        status = _status(clients, "describe_pipeline", "PipelineStatus", PipelineName=name)
        yield Check(f"pipeline {name}", status == "Active", status)


def _serving_checks(clients: AwsClients, config: PlatformConfig, naming: Naming) -> Iterator[Check]:
    """Each served group's production endpoint: in service, exactly the configured variants with the
    configured weights (a hand shift shows as a difference, not a failure), and its schedules
    scheduled. A group not deployed yet (no endpoint) is reported, never guessed."""
    for group in config.model_groups:
        if group.serving is None:
            continue
        name = naming.endpoint_name(group.name, "production")
        try:
            endpoint = clients.sagemaker.describe_endpoint(EndpointName=name)
        except ClientError as error:
            yield Check(f"served endpoint {name}", False, str(explain(error, clients.max_attempts)))
            continue
        status = str(endpoint.get("EndpointStatus", ""))
        yield Check(f"served endpoint {name}", status == "InService", status)
        variants = {v["VariantName"]: v for v in endpoint.get("ProductionVariants", [])}
        expected = {variant.name: variant.weight for variant in group.serving.variants}
        yield Check(f"{name} variants", set(variants) == set(expected), ", ".join(sorted(variants)) or "none")
        weights = {key: float(value.get("CurrentWeight", 0)) for key, value in variants.items()}
        differs = {key: weight for key, weight in weights.items() if key in expected and weight != expected[key]}
        detail = ", ".join(f"{key} {weights[key]:g}" for key in sorted(weights))
        yield Check(f"{name} weights", True, detail + (" (shifted from the config)" if differs else ""))
        yield from _schedule_checks(clients, name)


def _schedule_checks(clients: AwsClients, endpoint: str) -> Iterator[Check]:
    found = clients.sagemaker.list_monitoring_schedules(EndpointName=endpoint).get("MonitoringScheduleSummaries", [])
    yield Check(f"{endpoint} monitoring schedules", bool(found), f"{len(found)} schedule(s)")
    for schedule in found:
        status = str(schedule.get("MonitoringScheduleStatus", ""))
        yield Check(f"schedule {schedule['MonitoringScheduleName']}", status == "Scheduled", status)


def _status(clients: AwsClients, operation: str, field: str, **kwargs: str) -> str:
    """A field of a describe answer, or the one-line reason it could not be read."""
    try:
        answer: dict[str, Any] = getattr(clients.sagemaker, operation)(**kwargs)
    except ClientError as error:
        return str(explain(error, clients.max_attempts))
    return str(answer.get(field, ""))


def _endpoint_checks(clients: AwsClients, env: EnvironmentConfig, region: str, outputs: _Outputs) -> Iterator[Check]:
    vpc = outputs.get(StackKind.NETWORK, "VpcId")
    found: dict[str, str] = {}
    pages = clients.ec2.get_paginator("describe_vpc_endpoints").paginate(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    for page in pages:
        found.update({item["ServiceName"]: str(item.get("State", "")).lower() for item in page.get("VpcEndpoints", [])})
    region_config = next(item for item in env.regions if item.name == region)
    expected = {f"com.amazonaws.{region}.s3": "s3 (gateway)"}
    expected.update({service_name(name, region): name for name in env.endpoints_in(region_config)})
    for service, name in expected.items():
        state = found.get(service, "missing")
        yield Check(f"endpoint {name}", state == "available", f"{service} {state}")
    extra = sorted(set(found) - set(expected))
    if extra:
        yield Check("no endpoints beyond the config", False, ", ".join(extra))
