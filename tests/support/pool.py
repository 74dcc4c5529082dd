"""Whole-platform synths for the platform tier: each config once per session, in the background.

A synth runs in a process of its own (tests/support/synth_worker.py). The pool starts every
synth the collected tests need as soon as collection ends, at most `workers` at a time, so that
they run while the in-process tiers (constructs, config, tooling) run in the test process; a
platform test waits only for the one it uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import yaml

from compliance.acknowledgments import Acknowledged
from compliance.gate import Finding
from platform_config import PlatformConfig
from tests.support.assembly import Synthesized, read_assembly
from tests.support.variants import ROOT, variant_config

SYNTH_TIMEOUT_SECONDS = 600


class SynthFailed(Exception):
    """Synthesis failed; the message is what the synthesizing process printed."""


class SynthPool:
    def __init__(self, workers: int | None = None) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="platform-synths-"))
        self._executor = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2)
        self._futures: dict[str, Future[Synthesized]] = {}

    def start(self, name: str, config: PlatformConfig | None = None) -> None:
        """Start synthesizing a named variant (tests/support/variants.py), or `config` under `name`."""
        if name not in self._futures:
            self._futures[name] = self._executor.submit(self._synthesize, name, config)

    def get(self, name: str, config: PlatformConfig | None = None) -> Synthesized:
        self.start(name, config)
        return self._futures[name].result()

    def findings(self, name: str) -> list[Finding]:
        return [Finding(**item) for item in json.loads((self.get(name).outdir / "findings.json").read_text())]

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _synthesize(self, name: str, config: PlatformConfig | None) -> Synthesized:
        outdir = self._dir / name
        if config is None:
            source = ["--variant", name]
            config = variant_config(name)
        else:
            config_file = self._dir / f"{name}.yaml"
            config_file.write_text(yaml.safe_dump(config.model_dump(mode="json")))
            source = ["--config", str(config_file)]
        result = subprocess.run(
            [sys.executable, "-m", "tests.support.synth_worker", str(outdir), *source],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=SYNTH_TIMEOUT_SECONDS,
        )
        if result.returncode != 0:
            raise SynthFailed(f"synth of {name} failed:\n{result.stderr[-20_000:]}")
        acknowledged = tuple(Acknowledged(**item) for item in json.loads((outdir / "acknowledgments.json").read_text()))
        return Synthesized(config, outdir, read_assembly(outdir), acknowledged)
