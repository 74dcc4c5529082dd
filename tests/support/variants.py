"""The configs the platform tier synthesizes: the sample and a few variants of it, by name."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from platform_config import PlatformConfig, parse_config

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CONFIG = ROOT / "config" / "sample.yaml"
Change = Callable[[dict[str, Any]], None]


def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE_CONFIG.read_text())
    return data


def config_variant(change: Change) -> PlatformConfig:
    """The sample config with `change` applied to its parsed YAML, validated like any config."""
    data = copy.deepcopy(sample_data())
    change(data)
    return parse_config(yaml.safe_dump(data), "variant.yaml", SAMPLE_CONFIG.parent)


def _unchanged(data: dict[str, Any]) -> None:
    del data


def _disposable(data: dict[str, Any]) -> None:
    """A throwaway environment: nothing retained."""
    data["environments"][0]["retain_stateful"] = False


def _extra_team(data: dict[str, Any]) -> None:
    """A team whose name starts with another team's name and a hyphen (`vision-x` beside
    `vision`), building from a CodeConnections repository. Name prefixes must never let one reach
    the other. One region is enough for its journeys and halves the synth."""
    data["environments"][0]["regions"] = data["environments"][0]["regions"][:1]
    data["teams"].append(
        {
            "name": "vision-x",
            "users": ["xena"],
            "model_build_source": {
                "connection_arn": f"arn:aws:codeconnections:us-east-1:{data['environments'][0]['account']}:connection/"
                "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                "repository": "acme/vision-x-models",
            },
        }
    )
    data["model_groups"].append({"name": "vision-x-detector", "team": "vision-x"})


def _everything_on(data: dict[str, Any]) -> None:
    """Every optional feature: MLflow (with automatic registration), a CodeConnections source,
    and the platform delivery pipeline deploying a throwaway `dev` and a retained `prod`
    (approval first), one region each (delivery synthesizes every stage twice)."""
    dev = data["environments"][0]
    dev["regions"] = dev["regions"][:1]
    dev["retain_stateful"] = False
    prod = copy.deepcopy(dev)
    prod.update(name="prod", retain_stateful=True)
    prod["regions"][0]["vpc_cidr"] = "10.30.0.0/16"
    data["environments"].append(prod)
    data["mlflow"]["enabled"] = True
    data["mlflow"]["automatic_model_registration"] = True
    data["teams"][0]["model_build_source"] = {
        "connection_arn": "arn:aws:codeconnections:us-east-1:111122223333:connection/0a1b2c3d-1111-2222-3333",
        "repository": "acme/vision",
        "branch": "main",
    }
    data["delivery"] = {
        "account": "999988887777",
        "region": "us-east-1",
        "source": {
            "connection_arn": "arn:aws:codeconnections:us-east-1:999988887777:connection/0a1b2c3d-1111-2222-3333",
            "repository": "acme/ml-platform",
        },
    }


VARIANTS: dict[str, Change] = {
    "sample": _unchanged,
    "disposable": _disposable,
    "extra_team": _extra_team,
    "everything_on": _everything_on,
}


def variant_config(name: str) -> PlatformConfig:
    return config_variant(VARIANTS[name])
