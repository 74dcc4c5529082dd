"""Results the test processes of one run compute once and share.

Under pytest-xdist the workers of a run share a folder (tests/conftest.py: `run_folder`); the
first process that asks for a result computes it while holding its lock, the others wait for the
lock and read what it wrote. Without xdist the only process computes it, as before.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path


def computed_once(folder: Path, name: str, compute: Callable[[], str]) -> str:
    """The text `compute()` returns, computed by whichever process of the run asks first."""
    result = folder / f"{name}.txt"
    with (folder / f"{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or its process dies
        if not result.exists():
            partial = folder / f"{name}.partial"
            partial.write_text(compute())
            partial.replace(result)  # whole or not there
        return result.read_text()
