"""The endpoint catalog resolves in the pinned aws-cdk-lib and its profiles nest."""

from __future__ import annotations

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2

from platform_config.endpoint_catalog import ENDPOINT_CATALOG, PROFILES, SERVICE_SUFFIXES, endpoints_for, service_name


@pytest.mark.parametrize("name", sorted(ENDPOINT_CATALOG))
def test_every_entry_is_a_cdk_endpoint_service(name: str) -> None:
    service = getattr(ec2.InterfaceVpcEndpointAwsService, ENDPOINT_CATALOG[name].cdk_service, None)
    assert isinstance(service, ec2.InterfaceVpcEndpointAwsService)


def test_service_names_match_the_cdk_constants() -> None:
    """smoke looks endpoints up by these names: they must be the ones the templates create."""
    assert set(SERVICE_SUFFIXES) == set(ENDPOINT_CATALOG)
    stack = Stack(App(), "Probe", env=Environment(account="111122223333", region="eu-central-1"))
    for name, spec in ENDPOINT_CATALOG.items():
        constant = getattr(ec2.InterfaceVpcEndpointAwsService, spec.cdk_service)
        assert stack.resolve(constant.name) == service_name(name, "eu-central-1"), name


def test_profiles_nest() -> None:
    minimal, standard, full = (set(endpoints_for(profile)) for profile in PROFILES)
    assert minimal < standard < full
    assert full == set(ENDPOINT_CATALOG)


def test_vpc_only_studio_essentials_are_in_minimal() -> None:
    assert set(endpoints_for("minimal")) == {"sagemaker-api", "sagemaker-runtime", "sts", "logs", "kms"}


def test_overrides_add_and_remove_in_catalog_order() -> None:
    chosen = endpoints_for("minimal", include=("ecr-dkr", "ssm"), exclude=("sagemaker-runtime",))
    assert chosen == ("sagemaker-api", "sts", "logs", "kms", "ecr-dkr", "ssm")


def test_exclude_wins_over_include() -> None:
    assert "ssm" not in endpoints_for("standard", include=("ssm",), exclude=("ssm",))
