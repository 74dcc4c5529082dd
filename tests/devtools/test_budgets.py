"""The budget report (`make bench`): ratios to the empty app, medians over interleaved rounds."""

from __future__ import annotations

import os

import pytest

from devtools.budgets import CpuUse, Figure, machine_cpu_seconds, main, median_rounds


def test_rounds_interleave_and_each_figure_is_its_median() -> None:
    calls: list[str] = []
    empty_times = iter([4.0, 9.0, 5.0])
    sample_times = iter([8.0, 7.0, 30.0])

    def empty() -> float:
        calls.append("empty")
        return next(empty_times)

    def sample() -> float:
        calls.append("sample")
        return next(sample_times)

    assert median_rounds(3, [empty, sample]) == [5.0, 8.0]
    assert calls == ["empty", "sample"] * 3


@pytest.mark.parametrize(
    ("name", "seconds", "expected"),
    [
        ("sample synth with the packs", 8.0, "| sample synth with the packs | 8.0 s | 2.0x | 2x | within |"),
        ("sample synth with the packs", 8.4, "| sample synth with the packs | 8.4 s | 2.1x | 2x | OVER |"),
        ("make test-fast", 40.0, "| make test-fast | 40.0 s | 10.0x | 8x | OVER |"),
        ("make test", 120.0, "| make test | 120.0 s | 30.0x | 40x | within |"),
    ],
)
def test_a_figure_is_a_ratio_to_the_empty_app_against_its_budget(name: str, seconds: float, expected: str) -> None:
    assert Figure(name, seconds).line(empty=4.0) == expected


@pytest.mark.parametrize("rounds", ["0", "21"])
def test_rounds_out_of_range_are_one_line_and_exit_2(rounds: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rounds", rounds]) == 2
    assert capsys.readouterr().err == f"error: --rounds: {rounds} is not between 1 and 20\n"


def test_machine_cpu_is_every_state_but_idle_and_io_wait() -> None:
    tick = os.sysconf("SC_CLK_TCK")
    stat = f"cpu  {3 * tick} 0 {tick} {10 * tick} {2 * tick} 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"
    assert machine_cpu_seconds(stat) == (4.0, 16.0)
    with pytest.raises(ValueError, match="unexpected first line 'intr 1 2'"):
        machine_cpu_seconds("intr 1 2\n")


def test_cpu_use_says_how_busy_the_cores_were() -> None:
    assert CpuUse("make test", 240.0, 250.0).line() == (
        "make test: 240 CPU-seconds used on the machine, its cores 96% busy"
    )
