"""The distribution installs the tooling's own packages only: nothing generic lands in site-packages
(a top-level `config` would shadow a training repository's own)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("experiment_tools", "platform_config")


@pytest.mark.cli
def test_the_wheel_holds_the_tooling_packages_its_entry_point_and_extras(tmp_path: Path) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    out.mkdir()
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    build = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-I", "-c", build, str(out)], cwd=source, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out / done.stdout.strip().splitlines()[-1]) as wheel:
        names = wheel.namelist()
        info = next(name.split("/")[0] for name in names if name.endswith(".dist-info/METADATA"))
        metadata = wheel.read(f"{info}/METADATA").decode()
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert {name.split("/")[0] for name in names} == {*PACKAGES, info}
    assert "experiment_tools/emulator.py" in names  # make sandbox runs it
    assert "platform_config/image_uris.json" in names  # platform_config/image_uris.py reads it
    assert "experiment-tools = experiment_tools.cli:main" in entry_points
    for extra, requirement in (("plot", "matplotlib"), ("analytics", "pandas"), ("emulator", "moto[server]")):
        assert f"Provides-Extra: {extra}" in metadata
        assert any(
            line.startswith(f"Requires-Dist: {requirement}") and f'extra == "{extra}"' in line
            for line in metadata.splitlines()
        )
    runtime = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert not [line for line in runtime if any(name in line for name in ("sagemaker", "moto", "matplotlib", "pandas"))]
