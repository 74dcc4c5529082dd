"""Fixtures shared by the construct tier."""

from __future__ import annotations

import pytest

from compliance.gate import Finding
from tests.constructs.packs import registered
from tests.support.stacks import probe_findings


@pytest.fixture(scope="session")
def pack_findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Finding]]:
    """Probe name -> unacknowledged findings, for every module's registered probes, from one synthesis."""
    return probe_findings(tmp_path_factory.mktemp("packs"), registered())
