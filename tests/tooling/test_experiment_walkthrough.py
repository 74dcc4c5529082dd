"""The README's experiment walkthrough, run line by line against the emulator, and `make sandbox`.

The commands are read from the README, so the README and this test cannot drift apart: every
line of the walkthrough's block is an `experiment-tools` command or a comment, every variable it
uses is one the sandbox exports, and comment lines right under a command are that command's
expected output.
"""

from __future__ import annotations

import io
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from experiment_tools import emulator
from experiment_tools.cli import main
from experiment_tools.clients import new_session

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
WALKTHROUGH = "### Walkthrough: record, compare, trace, clean up"
PICTURE = ROOT / "docs" / "experiment-walkthrough-rmse.png"
REGION = "eu-west-3"  # the session's emulator is shared: the walkthrough's fixed names live apart
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def readme_section(title: str) -> str:
    text = README.read_text()
    start = text.index("## Experiment tooling")
    return text[text.index(title, start) :]


def walkthrough_steps() -> list[Step]:
    block = readme_section(WALKTHROUGH).split("```bash\n", 1)[1].split("```", 1)[0]
    steps: list[Step] = []
    pending = ""
    after_command = False
    for line in block.splitlines():
        if pending or line.startswith("experiment-tools "):
            pending += line.removesuffix("\\")
            if not line.endswith("\\"):
                steps.append(Step(pending))
                pending, after_command = "", True
            continue
        if line.startswith("#") and after_command:
            steps[-1].expected.append(line.removeprefix("# ").removeprefix("#"))
            continue
        assert not line.strip() or line.startswith("#"), f"the walkthrough runs only experiment-tools: {line!r}"
        after_command = False
    return steps


def expand(word: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        assert name in variables, f"the walkthrough uses ${name}, which make sandbox does not export"
        return variables[name]

    return VARIABLE.sub(value, word)


def training_repository(path: Path) -> Path:
    """A git work tree with config/sample.yaml, as the README's run from this repository has."""
    (path / "config").mkdir(parents=True)
    shutil.copy(ROOT / "config" / "sample.yaml", path / "config" / "sample.yaml")
    git = ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "config"]):
        subprocess.run([*git, *args], check=True)
    return path


def test_the_walkthrough_uses_only_experiment_tools_and_the_sandboxs_variables() -> None:
    steps = walkthrough_steps()
    assert [step.command.split()[1] for step in steps] == [
        *["track"] * 5, *["compare"] * 3, "lineage", "cleanup", "cleanup",
    ]  # fmt: skip
    exported = emulator.exports("http://127.0.0.1:1")
    for step in steps:
        expand(step.command, exported)


@pytest.mark.usefixtures("fake_aws_env")
def test_the_readme_walkthrough_runs_against_the_emulator(
    moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variables = emulator.seed_walkthrough(moto_endpoint, REGION)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PLATFORM_TEAM", raising=False)
    monkeypatch.chdir(training_repository(tmp_path / "training"))
    for step in walkthrough_steps():
        argv = [expand(word, variables) for word in shlex.split(step.command)]
        out, err = io.StringIO(), io.StringIO()
        code = main(argv[1:], stdin=io.StringIO(), stdout=out, stderr=err)
        assert code == 0, f"{step.command}\n{err.getvalue()}"
        if step.expected:
            assert out.getvalue().splitlines() == step.expected, step.command
    drawn = Path("churn-rmse.png").read_bytes()
    assert drawn[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path("churn-rmse-curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The README's picture is this walkthrough's: after a change, run the walkthrough against
    # `make sandbox` and copy its churn-rmse.png there.
    assert PICTURE.is_file()
    assert drawn == PICTURE.read_bytes(), f"{PICTURE.relative_to(ROOT)} is not what the walkthrough draws"


def test_the_readme_lists_every_emulator_shim() -> None:
    table = readme_section("| shim | operation | released moto |").split("\n\n", 1)[0]
    assert re.findall(r"^\| `([a-z-]+)` \|", table, flags=re.MULTILINE) == [shim.name for shim in emulator.SHIMS]


def lines_until(stream: IO[str], marker: str, timeout: float) -> list[str]:
    """Lines up to the marker, or fail after timeout seconds: a stuck emulator fails, never hangs."""
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            found.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    lines: list[str] = []
    while not lines or not lines[-1].startswith(marker):
        try:
            lines.append(found.get(timeout=timeout))
        except queue.Empty:
            pytest.fail(f"no {marker!r} line within {timeout} s; got {lines}")
    return lines


@pytest.mark.cli
def test_the_sandbox_prints_its_variables_serves_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "experiment_tools.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        lines = lines_until(process.stdout, "# Ctrl-C", timeout=60)
        exported = dict(line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export "))
        assert set(exported) == set(emulator.exports("http://127.0.0.1:1"))
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", exported["AWS_ENDPOINT_URL"])
        session = new_session(
            region=exported["AWS_REGION"],
            aws_access_key_id=exported["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exported["AWS_SECRET_ACCESS_KEY"],
        )
        make: Any = session.client
        s3 = make("s3", endpoint_url=exported["AWS_ENDPOINT_URL"])
        listed = s3.list_object_versions(Bucket=exported["DATASETS"])["Versions"]
        assert [version["Key"] for version in listed] == [emulator.WALKTHROUGH_DATASET]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
