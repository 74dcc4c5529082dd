"""Normalized JSON snapshots of every sample stack: a reviewable diff of what a change does.

They complement the fine-grained tests, never replace them. Asset hashes are masked (they move
with aws-cdk-lib and handler code). Update with `make snapshots` and review the diff.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.stages import SAMPLE_STACK_KINDS, SAMPLE_STAGES
from tests.support.synth import Synthesized

SNAPSHOTS = Path(__file__).parent / "snapshots"
ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
STACKS = [f"{stage}/{stack}" for stage in sorted(SAMPLE_STAGES) for stack in SAMPLE_STACK_KINDS]


def normalize(template: dict[str, Any]) -> str:
    template = _without_construct_paths(template)
    text = json.dumps(template, indent=1, sort_keys=True)
    return ASSET_HASH.sub("<asset-hash>", text) + "\n"


def _without_construct_paths(template: dict[str, Any]) -> dict[str, Any]:
    """The test synth writes `aws:cdk:path` (for the access journeys); a path is no change of a resource."""
    resources = {}
    for logical_id, resource in template.get("Resources", {}).items():
        metadata = {key: value for key, value in resource.get("Metadata", {}).items() if key != "aws:cdk:path"}
        resources[logical_id] = {key: value for key, value in resource.items() if key != "Metadata"}
        if metadata:
            resources[logical_id]["Metadata"] = metadata
    return {**template, "Resources": resources} if "Resources" in template else template


def test_normalize_masks_asset_hashes_only() -> None:
    digest = "a" * 64
    template = {"Code": {"S3Key": f"{digest}.zip"}, "Name": "b" * 63}
    assert normalize(template) == normalize({"Code": {"S3Key": "<asset-hash>.zip"}, "Name": "b" * 63})
    assert "b" * 63 in normalize(template)


@pytest.mark.parametrize("stack", STACKS)
def test_template_matches_snapshot(sample: Synthesized, update_snapshots: bool, stack: str) -> None:
    path = SNAPSHOTS / f"{stack.replace('/', '--')}.json"
    actual = normalize(sample.stacks[stack].template)
    if update_snapshots:
        path.write_text(actual)
    assert path.exists(), f"no snapshot for {stack}: run `make snapshots` and review it"
    assert actual == path.read_text(), f"{stack} differs from {path.name}: review, then `make snapshots`"


def test_no_stale_snapshots() -> None:
    expected = {f"{stack.replace('/', '--')}.json" for stack in STACKS}
    assert {path.name for path in SNAPSHOTS.glob("*.json")} == expected
