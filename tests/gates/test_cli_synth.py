"""End to end: the pinned CDK CLI, as a user runs it, with no AWS credentials at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devtools.synth_summary import stack_templates
from platform_config import PlatformConfig
from tests.stages import SAMPLE_STACK_KINDS
from tests.support.synth import ROOT, Synthesized

pytestmark = pytest.mark.cli
CDK = ROOT / "node_modules" / ".bin" / "cdk"


def offline_env(tmp: Path) -> dict[str, str]:
    """The caller's environment without any AWS credential source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DISABLE_CLI_TELEMETRY="true",
    )
    return env


def cdk_synth(outdir: Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    if not CDK.exists():
        pytest.fail(f"{CDK} is missing: run the tests through `make test`, which installs the pinned CLI")
    command = [str(CDK), "synth", "--quiet", "--no-notices", "-o", str(outdir)]
    if config:
        command += ["-c", f"config={config}"]
    return subprocess.run(
        command, cwd=ROOT, env=offline_env(outdir.parent), capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="session")
def cli_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, synthesized by the pinned CLI as a user runs it."""
    outdir = tmp_path_factory.mktemp("cli") / "cdk.out"
    result = cdk_synth(outdir)
    assert result.returncode == 0, result.stderr
    assert "end-of-life" not in result.stderr, "synthesis ran on an unsupported Node"
    assert "reserved context key" not in result.stderr
    return outdir


def test_every_expected_template_is_written(cli_output: Path, sample_config: PlatformConfig) -> None:
    found = {(display, name) for display, name, path in stack_templates(cli_output) if path.is_file()}
    kinds = SAMPLE_STACK_KINDS
    expected = {
        (f"{env.name}-{region.name}/{stack}", f"{sample_config.project}-{env.name}-{kind}")
        for env in sample_config.environments
        for region in env.regions
        for stack, kind in kinds.items()
    }
    assert found == expected


def test_the_cli_and_the_app_on_its_own_write_byte_identical_templates(cli_output: Path, sample: Synthesized) -> None:
    """Synthesis is deterministic, and the same with or without the CLI: the pool synthesized the
    sample in another process, through `stacks.platform_app`, without the CLI."""
    cli = {display: path.read_bytes() for display, _, path in stack_templates(cli_output)}
    app = {display: path.read_bytes() for display, _, path in stack_templates(sample.outdir)}
    assert len(cli) == 2 * len(SAMPLE_STACK_KINDS)
    assert sorted(cli) == sorted(app)
    assert [name for name in sorted(cli) if cli[name] != app[name]] == []


def test_summary_lists_each_stack_with_resources_and_size(cli_output: Path) -> None:
    result = subprocess.run(
        [sys.executable, "scripts/synth_summary.py", str(cli_output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.strip().splitlines()
    assert lines[0].split() == ["stack", "name", "resources", "template"]
    rows = {line.split()[0]: line.split() for line in lines[1:-2]}
    assert len(rows) == 2 * len(SAMPLE_STACK_KINDS)
    assert {"dev-us-east-1/Data", "dev-eu-west-1/Studio", "dev-eu-west-1/Users3"} <= set(rows)
    template = next(p for d, _, p in stack_templates(cli_output) if d == "dev-us-east-1/Data")
    assert int(rows["dev-us-east-1/Data"][2]) == len(json.loads(template.read_text())["Resources"])
    assert lines[-2].startswith(f"{2 * len(SAMPLE_STACK_KINDS)} stacks, ")
    assert lines[-1].startswith("fixed cost while idle, per month: dev-eu-west-1 $")


def test_bad_config_fails_the_cli_and_writes_no_template(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("project: mlexp\nenvironments:\n  - {name: dev, account: '1', regions: []}\nteams: []\n")
    outdir = tmp_path / "cdk.out"
    result = cdk_synth(outdir, bad)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert f"{bad}: environments[0].account: must be exactly 12 digits (got '1')" in result.stderr
    assert list(outdir.rglob("*.template.json")) == []


CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def cfn_lint(regions: tuple[str, ...], templates: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CFN_LINT), "--format", "parseable", "--regions", *regions, "--", *map(str, templates)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_cfn_lint_catches_a_broken_template(sample: Synthesized, tmp_path: Path) -> None:
    """The linter really runs: the same template with one misspelt property fails with E3002."""
    source = next(path for display, _, path in stack_templates(sample.outdir) if display.endswith("/Network"))
    template = json.loads(source.read_text())
    template["Resources"]["Vpc"]["Properties"]["CidrBlockk"] = "10.0.0.0/16"
    broken = tmp_path / "broken.template.json"
    broken.write_text(json.dumps(template))
    result = cfn_lint(("us-east-1",), [broken])
    assert result.returncode & 2, result.stdout + result.stderr
    assert ":E3002:" in result.stdout


def test_cfn_lint_finds_nothing_in_any_configured_region(sample: Synthesized, sample_config: PlatformConfig) -> None:
    """Each template in the region its stage deploys to (`<environment>-<region>`): a stack is
    never deployed elsewhere, and linting every template in every region doubled the work."""
    by_region: dict[str, list[Path]] = {region: [] for region in sample_config.all_regions}
    for display, _, path in stack_templates(sample.outdir):
        stage = display.split("/")[0]
        (region,) = (region for region in by_region if stage.endswith(f"-{region}"))
        by_region[region].append(path)
    assert all(by_region.values()), by_region
    with ThreadPoolExecutor(max_workers=len(by_region)) as pool:
        results = list(pool.map(lambda item: cfn_lint((item[0],), item[1]), by_region.items()))
    # 0: no error, warning or informational finding (the ignored CDK noise is in .cfnlintrc.yaml).
    assert [(result.returncode, result.stdout, result.stderr) for result in results] == [(0, "", "")] * len(results)
