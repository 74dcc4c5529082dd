"""app.py reads the CLI's context without building an App, merged as `cdk.App` merges it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.project_context import cli_context, run_by_cli


def test_a_context_split_between_environment_and_overflow_file_is_merged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"big": ["x"] * 3, "shared": "from the file"}))
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"config": "teams.yaml", "shared": "from the environment"}))
    monkeypatch.setenv("CONTEXT_OVERFLOW_LOCATION_ENV", str(overflow))
    assert run_by_cli()
    assert cli_context() == {"config": "teams.yaml", "shared": "from the file", "big": ["x", "x", "x"]}


def test_without_the_cli_there_is_no_cli_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_CONTEXT_JSON", raising=False)
    monkeypatch.delenv("CONTEXT_OVERFLOW_LOCATION_ENV", raising=False)
    assert not run_by_cli()
    assert cli_context() == {}
