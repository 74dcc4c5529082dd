"""The test processes of a run share what is computed once (tests/support/shared.py)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from tests.support.shared import computed_once


def _slowly(log: Path) -> str:
    with log.open("a") as handle:
        handle.write("computed\n")
    time.sleep(0.2)  # long enough for the other process to ask meanwhile
    return "the result"


def _ask(folder: Path) -> None:
    assert computed_once(folder, "probe", lambda: _slowly(folder / "log")) == "the result"


def test_the_first_process_computes_and_the_others_read_its_result(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    processes = [context.Process(target=_ask, args=(tmp_path,)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    assert (tmp_path / "log").read_text() == "computed\n"
    assert computed_once(tmp_path, "probe", lambda: "never computed") == "the result"
