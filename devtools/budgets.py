"""The project's time budgets (`make bench`), each a ratio to an empty one-stack app measured in
the same run, so that a slow or busy machine does not move the figures much:

- the sample synth (app.py on config/sample.yaml with every policy gate), budget 2.0x;
- `make test-fast` (pytest without platform and CLI tests), budget 8x;
- `make test` (the whole suite), budget 40x.

The empty app and the sample synth alternate over --rounds rounds and each figure is the median,
because on a shared host one round can be delayed by seconds. The test suites run once each (with
--tests; they take minutes). It prints figures and never fails on a ratio: budgets are read by
people (README, "Time budgets"), tests assert behaviour.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devtools.synth_app import synth_config
from devtools.synth_benchmark import empty_app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "config" / "sample.yaml"
TEST_TIERS = {"make test-fast": ["-m", "not platform and not cli"], "make test": []}
BUDGETS = {"sample synth with the packs": 2.0, "make test-fast": 8.0, "make test": 40.0}


@dataclass(frozen=True)
class Figure:
    name: str
    seconds: float

    def line(self, empty: float) -> str:
        ratio = self.seconds / empty
        budget = BUDGETS[self.name]
        verdict = "within" if ratio <= budget else "OVER"
        return f"| {self.name} | {self.seconds:.1f} s | {ratio:.1f}x | {budget:g}x | {verdict} |"


def median_rounds(rounds: int, measures: list[Callable[[], float]]) -> list[float]:
    """Run each measure once per round, interleaved; the median of each."""
    seen: list[list[float]] = [[] for _ in measures]
    for _ in range(rounds):
        for index, measure in enumerate(measures):
            seen[index].append(measure())
    return [statistics.median(values) for values in seen]


PROC_STAT = Path("/proc/stat")


def machine_cpu_seconds(stat: str) -> tuple[float, float]:
    """(busy, all) CPU-seconds of every core since boot, from /proc/stat's first line. Busy is
    everything but idle and waiting for I/O: what every process on the machine used, plus time a
    hypervisor took (steal), which was not available to the tests either."""
    fields = stat.splitlines()[0].split()
    if fields[0] != "cpu" or len(fields) < 6:
        raise ValueError(f"/proc/stat: unexpected first line {stat.splitlines()[0]!r}")
    ticks = [int(value) for value in fields[1:9]]  # user nice system idle iowait irq softirq steal
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / tick, sum(ticks) / tick


@dataclass(frozen=True)
class CpuUse:
    """How busy the machine's cores were during one run (every process, not only the suite's)."""

    name: str
    busy: float  # CPU-seconds
    available: float  # CPU-seconds all cores had

    def line(self) -> str:
        share = self.busy / self.available if self.available else 0.0
        return f"{self.name}: {self.busy:.0f} CPU-seconds used on the machine, its cores {share:.0%} busy"


def _machine_cpu() -> tuple[float, float] | None:
    try:
        return machine_cpu_seconds(PROC_STAT.read_text())
    except (OSError, ValueError):  # not Linux: the figure is left out
        return None


def pytest_seconds(arguments: list[str], name: str = "", cpu: list[CpuUse] | None = None) -> float:
    """Wall time of one pytest run; a failing suite is an error, not a figure. With `cpu`, how busy
    the machine was meanwhile is appended to it (when /proc/stat can tell)."""
    before = _machine_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = [line for line in done.stdout.splitlines() if line.strip()]  # pytest's summary last
        last = lines[-1] if lines else "run it to see why"
        raise RuntimeError(f"pytest {' '.join(arguments)} failed (exit {done.returncode}): {last}")
    seconds = time.perf_counter() - started
    after = _machine_cpu()
    if cpu is not None and before and after:
        cpu.append(CpuUse(name, after[0] - before[0], after[1] - before[1]))
    return seconds


def main(argv: list[str] | None = None) -> int:
    try:
        return _report(argv)
    except RuntimeError as error:  # a synth or a suite that fails: no figure, one line
        print(f"error: {error}", file=sys.stderr)
        return 1


def _report(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(description="the time budgets, as ratios to an empty one-stack app")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved synth rounds (1-20, default 5)")
    parser.add_argument("--tests", action="store_true", help="also time make test-fast and make test (minutes)")
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 20:
        print(f"error: --rounds: {args.rounds} is not between 1 and 20", file=sys.stderr)
        return 2
    machine = f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}"
    print(f"time budgets, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}")
    with tempfile.TemporaryDirectory(prefix="budgets-") as name:
        scratch = Path(name)
        empty_app(scratch)  # warm the jsii and Python caches once, unmeasured
        synth_config(SAMPLE, scratch / "warm.out")
        empty, sample = median_rounds(
            args.rounds,
            [lambda: empty_app(scratch).seconds, lambda: synth_config(SAMPLE, scratch / "sample.out").seconds],
        )
    figures = [Figure("sample synth with the packs", sample)]
    cpu: list[CpuUse] = []
    if args.tests:
        figures += [Figure(tier, pytest_seconds(arguments, tier, cpu)) for tier, arguments in TEST_TIERS.items()]
    print(f"empty one-stack app: {empty:.1f} s (median of {args.rounds})\n")
    print("| what | time | x empty app | budget | |")
    print("|---|---|---|---|---|")
    for figure in figures:
        print(figure.line(empty))
    if cpu:
        print()
    for use in cpu:
        print(use.line())
    return 0
