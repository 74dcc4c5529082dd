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


def pytest_seconds(arguments: list[str]) -> float:
    """Wall time of one pytest run; a failing suite is an error, not a figure."""
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
    return time.perf_counter() - started


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
    if args.tests:
        figures += [Figure(tier, pytest_seconds(arguments)) for tier, arguments in TEST_TIERS.items()]
    print(f"empty one-stack app: {empty:.1f} s (median of {args.rounds})\n")
    print("| what | time | x empty app | budget | |")
    print("|---|---|---|---|---|")
    for figure in figures:
        print(figure.line(empty))
    return 0
