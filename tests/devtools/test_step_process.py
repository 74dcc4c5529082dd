"""The step tier's process server (tests/support/step_process.py) runs a script as `python
script.py` would: the step tests' results are only as good as this."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.step_process import StepProcesses


@pytest.fixture(scope="module")
def processes() -> Iterator[StepProcesses]:
    with StepProcesses(preload=("json",), timeout=5) as started:
        yield started


def test_a_script_runs_as_main_with_its_arguments_folder_and_environment(
    processes: StepProcesses, tmp_path: Path
) -> None:
    (tmp_path / "helper.py").write_text("VALUE = 'from the script folder'\n")
    script = tmp_path / "script.py"
    script.write_text(
        "import os, sys\n"
        "import helper\n"
        "if __name__ == '__main__':\n"
        "    print(sys.argv[1:], os.getcwd(), os.environ.get('STEP_VALUE'), helper.VALUE)\n"
        "    print('to stderr', file=sys.stderr)\n"
    )
    done = processes.run([script, "--a", "1"], env={"STEP_VALUE": "x"}, cwd=tmp_path)
    assert done.stdout == f"['--a', '1'] {tmp_path} x from the script folder\n"
    assert done.stderr == "to stderr\n"
    assert done.returncode == 0


def test_exit_codes_and_tracebacks_are_the_scripts(processes: StepProcesses, tmp_path: Path) -> None:
    exits = tmp_path / "exits.py"
    exits.write_text("import sys\nsys.exit(3)\n")
    assert processes.run([exits], check=False).returncode == 3
    with pytest.raises(subprocess.CalledProcessError):
        processes.run([exits])
    broken = tmp_path / "broken.py"
    broken.write_text("import not_a_module_anywhere\n")
    done = processes.run([broken], check=False)
    assert done.returncode == 1
    assert "ModuleNotFoundError: No module named 'not_a_module_anywhere'" in done.stderr
    message = tmp_path / "message.py"
    message.write_text("raise SystemExit('error: one line')\n")
    assert processes.run([message], check=False).stderr == "error: one line\n"


def test_a_script_cannot_change_the_next_ones_state(processes: StepProcesses, tmp_path: Path) -> None:
    first = tmp_path / "first.py"
    first.write_text("import json\njson.MARK = 'left behind'\nimport os\nos.environ['LEAK'] = '1'\n")
    second = tmp_path / "second.py"
    second.write_text("import json, os\nprint(getattr(json, 'MARK', None), os.environ.get('LEAK'))\n")
    processes.run([first])
    assert processes.run([second], env={}).stdout == "None None\n"


def test_a_script_that_never_ends_fails_within_the_timeout(tmp_path: Path) -> None:
    script = tmp_path / "forever.py"
    script.write_text("import time\nwhile True:\n    time.sleep(1)\n")
    done = tmp_path / "done.py"
    done.write_text("print('a new server')\n")
    with StepProcesses(preload=(), timeout=60) as processes:
        processes.run([done])  # the server is up: the short timeout below is the script's alone
        with pytest.raises(RuntimeError, match=r"forever\.py'\]: did not end within 0\.5 s$"):
            processes.run([script], timeout=0.5)
        assert processes.run([done]).stdout == "a new server\n"


def test_a_script_ends_through_pythons_shutdown(processes: StepProcesses, tmp_path: Path) -> None:
    """atexit handlers run, threads are joined and open files flushed, as when python exits."""
    written = tmp_path / "written.txt"
    script = tmp_path / "script.py"
    script.write_text(
        "import atexit, sys, threading, time\n"
        f"handle = open({str(written)!r}, 'w')\n"
        "handle.write('data')\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread ended'))).start()\n"
        "sys.exit(4)\n"
    )
    done = processes.run([script], check=False)
    assert (done.returncode, done.stdout) == (4, "thread ended\natexit ran\n")
    assert written.read_text() == "data"


def test_each_script_gets_a_new_random_state(tmp_path: Path) -> None:
    script = tmp_path / "draw.py"
    script.write_text("import random\nimport numpy\nprint(numpy.random.rand(), random.random())\n")
    with StepProcesses(preload=("numpy",), timeout=60) as processes:
        first, second = (processes.run([script]).stdout for _ in range(2))
    assert first.split()[0] != second.split()[0]
    assert first.split()[1] != second.split()[1]


def test_a_missing_working_directory_is_refused_before_anything_runs(processes: StepProcesses, tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text("print('ran')\n")
    with pytest.raises(FileNotFoundError, match="No such directory"):
        processes.run([script], cwd=tmp_path / "missing")
    assert processes.run([script]).stdout == "ran\n"  # and the next run reads its own output
