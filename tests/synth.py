"""Synthesize platform apps the way app.py does, with cdk.json's flags and the committed context.

Each app is synthesized once per test session, in a process of its own (tests/synth_worker.py);
tests read the cloud assembly on disk as plain dicts.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from platform_config import PlatformConfig, parse_config
from scripts.acknowledgments import Acknowledged

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "config" / "sample.yaml"

Template = dict[str, Any]


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
    dependencies: tuple[str, ...]  # display names of the stacks deployed first


@dataclass(frozen=True)
class Synthesized:
    config: PlatformConfig
    outdir: Path
    stacks: dict[str, StackOutput]
    acknowledgments: tuple[Acknowledged, ...] = ()

    def template(self, stage_id: str, stack_id: str) -> Template:
        return self.stacks[f"{stage_id}/{stack_id}"].template


class SynthFailed(Exception):
    """Synthesis failed; the message is what the synthesizing process printed."""


def _read_assembly(assembly: Path, prefix: str = "") -> dict[str, StackOutput]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    artifacts = manifest.get("artifacts", {})
    names = {aid: a.get("displayName", aid) for aid, a in artifacts.items()}
    stacks: dict[str, StackOutput] = {}
    for artifact_id, artifact in artifacts.items():
        props = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            stacks.update(_read_assembly(assembly / props["directoryName"]))
        elif artifact["type"] == "aws:cloudformation:stack":
            display = names[artifact_id]
            stacks[display] = StackOutput(
                display,
                props.get("stackName", artifact_id),
                bool(props.get("terminationProtection", False)),
                json.loads((assembly / props["templateFile"]).read_text()),
                tuple(
                    names[d]
                    for d in artifact.get("dependencies", [])
                    if d in names and artifacts[d]["type"] == "aws:cloudformation:stack"
                ),
            )
    return stacks


def synthesize(config: PlatformConfig, outdir: Path, *, packs: bool = False) -> Synthesized:
    """Synthesize in a separate process (see tests/synth_worker.py) and read the assembly."""
    config_file = outdir.parent / f"{outdir.name}.config.yaml"
    config_file.write_text(yaml.safe_dump(config.model_dump(mode="json")))
    command = [sys.executable, "-m", "tests.synth_worker", str(config_file), str(outdir)]
    result = subprocess.run(
        [*command, *(["--packs"] if packs else [])], cwd=ROOT, capture_output=True, text=True, check=False, timeout=1800
    )
    if result.returncode != 0:
        raise SynthFailed(result.stderr[-20_000:])
    acknowledged: tuple[Acknowledged, ...] = ()
    if packs:
        acknowledged = tuple(Acknowledged(**item) for item in json.loads((outdir / "acknowledgments.json").read_text()))
    return Synthesized(config, outdir, _read_assembly(outdir), acknowledged)


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: res for lid, res in template["Resources"].items() if res["Type"] == resource_type}


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))
