"""Run app.py the way the CDK CLI does (a child process with the context in its environment),
and measure its wall time and the peak memory of it and every process it starts (jsii's Node).

Used by the cost report (profile variants) and the synth benchmark; `make synth` uses the CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.project_context import project_context

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class SynthRun:
    seconds: float
    peak_rss_bytes: int


def assembly_problem(assembly: Path) -> str | None:
    """The one-line error for a folder that holds no synthesized cloud assembly."""
    if (assembly / "manifest.json").is_file():
        return None
    return f"error: {assembly} holds no cloud assembly (manifest.json missing): run make synth"


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except OSError:
        return []


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        pending.extend(_children(current))
    return total


def run_program(argv: list[str], env: dict[str, str], cwd: Path = ROOT, interval: float = 0.05) -> SynthRun:
    """Run argv to completion, sampling its process tree's memory; raise with its last error line."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        raise RuntimeError(
            f"{' '.join(argv)} failed (exit {process.returncode}): {lines[-1] if lines else 'no output'}"
        )
    return SynthRun(seconds=seconds, peak_rss_bytes=peak)


def synth_env(outdir: Path, context: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "CDK_OUTDIR": str(outdir),
            "CDK_CONTEXT_JSON": json.dumps(context),
            "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        }
    )
    return env


def synth_config(config: Path, outdir: Path, extra_context: dict[str, Any] | None = None) -> SynthRun:
    """app.py on one config file, every policy gate included, into outdir."""
    outdir.mkdir(parents=True, exist_ok=True)
    context = project_context({"config": str(config), **(extra_context or {})})
    return run_program([sys.executable, "app.py"], synth_env(outdir, context))
