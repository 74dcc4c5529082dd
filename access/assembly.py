"""Read a synthesized cloud assembly: every stack with its stage, stack name, account, region and template.

Stage assemblies are nested (`assembly-dev-us-east-1/`); a stack outside any stage (the delivery
stack) belongs to the stage "". Templates are read as plain JSON: nothing here imports the CDK.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_ENVIRONMENT = re.compile(r"^aws://(?P<account>\d{12})/(?P<region>[a-z0-9-]+)$")


class AssemblyError(Exception):
    """The folder is not a cloud assembly the harness can read; the message is one line."""


@dataclass(frozen=True)
class Stack:
    stage_id: str  # "dev-us-east-1"; "" for a stack outside any stage
    stack_id: str  # "Studio": the construct id inside its stage
    display_name: str  # "dev-us-east-1/Studio"
    stack_name: str  # "mlexp-dev-studio": the CloudFormation stack name
    account: str
    region: str
    template: Mapping[str, Any]

    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        resources: Mapping[str, Mapping[str, Any]] = self.template.get("Resources", {})
        return resources


@dataclass(frozen=True)
class Assembly:
    root: Path
    stacks: tuple[Stack, ...]

    def stage_ids(self) -> tuple[str, ...]:
        return tuple(sorted({stack.stage_id for stack in self.stacks if stack.stage_id}))

    def stage(self, stage_id: str) -> tuple[Stack, ...]:
        return tuple(stack for stack in self.stacks if stack.stage_id == stage_id)


def read_assembly(root: Path) -> Assembly:
    if not (root / "manifest.json").is_file():
        raise AssemblyError(f"{root}: no cloud assembly here (manifest.json missing); run make synth first")
    stacks = tuple(_read(root, stage_id=""))
    if not stacks:
        raise AssemblyError(f"{root}: the cloud assembly holds no stack")
    return Assembly(root, stacks)


def _read(folder: Path, *, stage_id: str) -> list[Stack]:
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise AssemblyError(f"{folder / 'manifest.json'}: unreadable ({error})") from error
    stacks: list[Stack] = []
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        properties = artifact.get("properties", {})
        if artifact.get("type") == "cdk:cloud-assembly":
            nested_stage = properties.get("displayName", artifact_id)
            stacks.extend(_read(folder / properties["directoryName"], stage_id=nested_stage))
        elif artifact.get("type") == "aws:cloudformation:stack":
            stacks.append(_stack(folder, artifact_id, artifact, stage_id))
    return stacks


def _stack(folder: Path, artifact_id: str, artifact: Mapping[str, Any], stage_id: str) -> Stack:
    properties = artifact.get("properties", {})
    display = artifact.get("displayName", artifact_id)
    environment = _ENVIRONMENT.match(artifact.get("environment", ""))
    if environment is None:
        # An environment-agnostic stack has no concrete account or region to resolve ARNs with.
        raise AssemblyError(f"{display}: environment {artifact.get('environment')!r} is not aws://ACCOUNT/REGION")
    template_file = folder / properties["templateFile"]
    try:
        template = json.loads(template_file.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise AssemblyError(f"{template_file}: unreadable template ({error})") from error
    prefix = f"{stage_id}/" if stage_id else ""
    stack_id = display[len(prefix) :] if display.startswith(prefix) else display
    return Stack(
        stage_id=stage_id,
        stack_id=stack_id,
        display_name=display,
        stack_name=properties.get("stackName", artifact_id),
        account=environment["account"],
        region=environment["region"],
        template=template,
    )
