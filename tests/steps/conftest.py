"""Fixtures of the step tier."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.step_process import StepProcesses


@pytest.fixture(scope="session")
def step_processes() -> Iterator[StepProcesses]:
    """Step scripts run as `python script.py ARGS`, forked from one process that has imported the
    step code's libraries once (tests/support/step_process.py)."""
    with StepProcesses() as processes:
        yield processes
