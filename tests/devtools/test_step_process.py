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
    with StepProcesses(preload=(), timeout=0.5) as processes:
        with pytest.raises(RuntimeError, match=r"forever\.py'\]: did not end within 0\.5 s$"):
            processes.run([script])
        done = tmp_path / "done.py"
        done.write_text("print('a new server')\n")
        assert processes.run([done]).stdout == "a new server\n"
