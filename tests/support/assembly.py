"""A synthesized cloud assembly read as plain dicts: stacks by display name, their templates."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.acknowledgments import Acknowledged
from platform_config import PlatformConfig

Template = dict[str, Any]


@dataclass(frozen=True)
class StackOutput:
    display_name: str  # "dev-us-east-1/Network"
    stack_name: str
    termination_protection: bool
    template: Template
    dependencies: tuple[str, ...]  # display names of the stacks deployed first
    template_path: Path


@dataclass(frozen=True)
class Synthesized:
    config: PlatformConfig
    outdir: Path
    stacks: dict[str, StackOutput]
    acknowledgments: tuple[Acknowledged, ...] = field(default=())

    def template(self, stage_id: str, stack_id: str) -> Template:
        return self.stacks[f"{stage_id}/{stack_id}"].template


def read_assembly(assembly: Path) -> dict[str, StackOutput]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    artifacts = manifest.get("artifacts", {})
    names = {aid: a.get("displayName", aid) for aid, a in artifacts.items()}
    stacks: dict[str, StackOutput] = {}
    for artifact_id, artifact in artifacts.items():
        props = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            stacks.update(read_assembly(assembly / props["directoryName"]))
        elif artifact["type"] == "aws:cloudformation:stack":
            display = names[artifact_id]
            path = assembly / props["templateFile"]
            stacks[display] = StackOutput(
                display,
                props.get("stackName", artifact_id),
                bool(props.get("terminationProtection", False)),
                json.loads(path.read_text()),
                tuple(
                    names[d]
                    for d in artifact.get("dependencies", [])
                    if d in names and artifacts[d]["type"] == "aws:cloudformation:stack"
                ),
                path,
            )
    return stacks


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: res for lid, res in template["Resources"].items() if res["Type"] == resource_type}


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))
