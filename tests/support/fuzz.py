"""A random valid platform config, for the one fuzzed synth of a test session.

Whole synths are expensive, so the suite synthesizes one generated config per session; the seed
changes every day (or is FUZZ_SEED), so coverage grows from run to run within a fixed budget. A
failing test prints the seed and the config.
"""

from __future__ import annotations

import datetime
import os
import random
from typing import Any

import yaml

from platform_config import PlatformConfig, parse_config
from tests.support.variants import SAMPLE_CONFIG


def fuzz_seed() -> int:
    return int(os.environ.get("FUZZ_SEED") or datetime.date.today().strftime("%Y%m%d"))


def _name(rng: random.Random) -> str:
    return rng.choice("abcdefghijklmnopqrstuvwxyz") + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(2, 8))
    )


def generated_data(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible from its seed
    teams = sorted({_name(rng) for _ in range(rng.randint(1, 2))})
    users = sorted({_name(rng) for _ in range(rng.randint(len(teams), 5))} - set(teams))
    while len(users) < len(teams):
        users.append(f"user{len(users)}")
    return {
        "project": _name(rng),
        "environments": [
            {
                "name": _name(rng),
                "account": "111122223333",
                "retain_stateful": rng.random() < 0.5,
                "endpoints": {"profile": rng.choice(["minimal", "standard", "full"])},
                "regions": [
                    {
                        "name": rng.choice(["us-east-1", "eu-west-1"]),
                        "vpc_cidr": f"10.{rng.randint(0, 255)}.0.0/16",
                        "az_count": rng.choice([2, 3]),
                    }
                ],
            }
        ],
        "teams": [{"name": team, "users": users[i :: len(teams)]} for i, team in enumerate(teams)],
        "model_groups": [{"name": f"{team}-model", "team": team} for team in teams[: rng.randint(0, len(teams))]],
        "registry": {"approvers": ["arn:aws:iam::111122223333:role/approvers"]},
        "mlflow": {"enabled": rng.random() < 0.5},
    }


def generated_config(seed: int) -> PlatformConfig:
    return parse_config(yaml.safe_dump(generated_data(seed)), f"fuzz-{seed}.yaml", SAMPLE_CONFIG.parent)
