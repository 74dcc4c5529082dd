"""Build the platform app the way app.py does, with cdk.json's flags and the committed context.

Tests read templates from the synthesized cloud assembly on disk: one synth per app per test
session, and plain dicts instead of per-call round trips through jsii.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config import PlatformConfig, parse_config
from stacks.platform_app import build_platform, new_platform_app
from stacks.platform_stage import PlatformStage

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "config" / "sample.yaml"

Template = dict[str, Any]


def cdk_context() -> dict[str, Any]:
    """What the CDK CLI hands the app: cdk.json's context plus the committed lookups."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    context.update(json.loads((ROOT / "cdk.context.json").read_text()))
    return context


def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SAMPLE_CONFIG.read_text())
    return data


def config_variant(change: Callable[[dict[str, Any]], None]) -> PlatformConfig:
    """The sample config with `change` applied to its parsed YAML, validated like any config."""
    data = copy.deepcopy(sample_data())
    change(data)
    return parse_config(yaml.safe_dump(data), "variant.yaml", SAMPLE_CONFIG.parent)


@dataclass(frozen=True)
class StackOutput:
    display_name: str  # "dev-us-east-1/Network"
    stack_name: str
    termination_protection: bool
    template: Template


@dataclass(frozen=True)
class Synthesized:
    config: PlatformConfig
    stages: list[PlatformStage]
    stacks: dict[str, StackOutput]

    def template(self, stage_id: str, stack_id: str) -> Template:
        return self.stacks[f"{stage_id}/{stack_id}"].template

    @property
    def stage_ids(self) -> list[str]:
        return [stage.stage_name for stage in self.stages]


def synthesize(config: PlatformConfig, outdir: Path) -> Synthesized:
    app = new_platform_app(context=cdk_context(), outdir=str(outdir))
    stages = build_platform(app, config, "config/sample.yaml")
    assembly = app.synth()
    stacks = {}
    artifacts = [artifact for stage in stages for artifact in stage.synth().stacks] + list(assembly.stacks)
    for artifact in artifacts:
        template = json.loads(Path(artifact.template_full_path).read_text())
        stacks[artifact.hierarchical_id] = StackOutput(
            artifact.hierarchical_id, artifact.stack_name, artifact.termination_protection or False, template
        )
    return Synthesized(config, stages, stacks)


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: res for lid, res in template["Resources"].items() if res["Type"] == resource_type}


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))
