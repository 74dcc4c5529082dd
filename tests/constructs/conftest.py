"""Fixtures shared by the construct tier."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from compliance.gate import Finding
from tests.constructs.packs import registered
from tests.support.shared import computed_once
from tests.support.stacks import probe_findings


@pytest.fixture(scope="session")
def pack_findings(tmp_path_factory: pytest.TempPathFactory, run_folder: Path) -> dict[str, list[Finding]]:
    """Probe name -> unacknowledged findings, for every module's registered probes, from one
    synthesis per run (the test processes of a run share it: every one registers the same probes)."""

    def synthesized() -> str:
        found = probe_findings(tmp_path_factory.mktemp("packs"), registered())
        return json.dumps({name: [dataclasses.asdict(finding) for finding in found[name]] for name in found})

    shared = json.loads(computed_once(run_folder, "pack-findings", synthesized))
    return {name: [Finding(**finding) for finding in findings] for name, findings in shared.items()}
