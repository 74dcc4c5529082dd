"""The configs the platform tier synthesizes: the sample and a few variants of it, by name."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from platform_config import PlatformConfig, parse_config

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CONFIG = ROOT / "config" / "sample.yaml"
Change = Callable[[dict[str, Any]], None]


def sample_data() -> dict[str, Any]:
    """The sample config's YAML, parsed: a copy of its own for each caller to change."""
    return copy.deepcopy(_parsed_sample())


@functools.cache
def _parsed_sample() -> dict[str, Any]:  # read once per process: tests build many variants of it
    data: dict[str, Any] = yaml.safe_load(SAMPLE_CONFIG.read_text())
    return data


# Lifecycle scripts of variants that change one (relative paths are resolved from here).
VARIANT_CONFIG_DIR = Path(__file__).resolve().parent / "config"


def config_variant(change: Change, base_dir: Path = SAMPLE_CONFIG.parent) -> PlatformConfig:
    """The sample config with `change` applied to its parsed YAML, validated like any config."""
    data = sample_data()
    change(data)
    return parse_config(yaml.safe_dump(data), "variant.yaml", base_dir)


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
    (approval first); `dev` in one region and `prod` in the sample's two, so that a wave holds two
    regions (delivery synthesizes every stage twice, so no more)."""
    dev = data["environments"][0]
    prod = copy.deepcopy(dev)
    prod.update(name="prod", retain_stateful=True)
    for r, region in enumerate(prod["regions"]):
        region["vpc_cidr"] = f"10.{30 + r}.0.0/16"
    dev["regions"] = dev["regions"][:1]
    dev["retain_stateful"] = False
    data["environments"].append(prod)
    data["mlflow"] = {
        "enabled": True,
        "size": "Medium",
        "weekly_maintenance_window": "Tue:02:30",
        "automatic_model_registration": True,
        "version": "2.16",
    }
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


def _mutated(data: dict[str, Any]) -> None:
    """The everyday edits a platform team makes, all at once, so that one synth shows what each
    changes and what it must leave alone: idle timeouts raised, a lifecycle script edited, a user
    joining vision and one leaving forecasting, a model group handed to another team with its
    description left to the default, artifact versions set to expire."""
    data["studio"]["idle_timeout_minutes"] = 120
    data["studio"]["max_idle_timeout_minutes"] = 600
    data["studio"]["lifecycle_configs"][0]["script"] = "lifecycle/jupyterlab-extensions-v2.sh"
    data["teams"][0]["users"] = [*data["teams"][0]["users"], "newcomer"]
    data["teams"][1]["users"] = data["teams"][1]["users"][1:]
    data["model_groups"][0]["team"] = "forecasting"
    data["teams"][1]["pipeline"] = {"drift_baselines": True}  # the served group's new team must monitor it
    data["model_groups"][0]["description"] = ""
    data["model_groups"][1]["description"] = ""
    data["data"]["artifacts"] = {"transition_days": 30, "expiration_days": 400}


def _served(data: dict[str, Any]) -> None:
    """The sample synthesized for a release of `defect-detector` in us-east-1, as the deploy
    pipeline's Release step does (`RELEASES`); the config itself is the sample's."""
    del data


VARIANTS: dict[str, Change] = {
    "sample": _unchanged,
    "served": _served,
    "disposable": _disposable,
    "extra_team": _extra_team,
    "everything_on": _everything_on,
    "mutated": _mutated,
}
BASE_DIRS = {"mutated": VARIANT_CONFIG_DIR}
# Variants synthesized with a release (`-c serving_release=<file>`).
RELEASES = {"served": Path(__file__).resolve().parent / "releases" / "defect-detector-us-east-1.json"}


def variant_config(name: str) -> PlatformConfig:
    return config_variant(VARIANTS[name], BASE_DIRS.get(name, SAMPLE_CONFIG.parent))
