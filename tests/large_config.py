"""A large platform: 5 regions and 600 users, for quota headroom tests and the benchmark."""

from __future__ import annotations

from typing import Any

from config import PlatformConfig
from tests.synth import config_variant

LARGE_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1")


def large(data: dict[str, Any], regions: int = 5, users: int = 600) -> None:
    data["environments"][0]["regions"] = [
        {"name": name, "vpc_cidr": f"10.{30 + i}.0.0/16", "az_count": 3}
        for i, name in enumerate(LARGE_REGIONS[:regions])
    ]
    half = users // 2
    data["teams"][0]["users"] = [f"scientist-{i:03d}" for i in range(half)]
    data["teams"][1]["users"] = [f"analyst-{i:03d}" for i in range(users - half)]


def large_config(regions: int = 5, users: int = 600) -> PlatformConfig:
    return config_variant(lambda data: large(data, regions, users))
