"""Whole-platform synths for the platform tier: each config once per session, in the background.

Synths run in worker processes (tests/support/synth_worker.py), one per pool thread, each serving
several synths in turn. The pool starts every synth the collected tests need as soon as
collection ends, at most `workers` at a time, so that they run while the in-process tiers
(constructs, config, tooling) run in the test process; a platform test waits only for the one it
uses.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from compliance.acknowledgments import Acknowledged
from compliance.gate import Finding
from platform_config import PlatformConfig
from tests.support.assembly import Synthesized, read_assembly
from tests.support.variants import ROOT, variant_config

SYNTH_TIMEOUT_SECONDS = 600


class SynthFailed(Exception):
    """Synthesis failed; the message is what the synthesizing process printed."""


class _Worker:
    """One synth_worker process, used by one pool thread at a time."""

    def __init__(self, log: Path) -> None:
        # Its stderr (CDK's validation report, warnings) goes to a file: a pipe nobody reads
        # while it synthesizes would fill up and stop it.
        self._log = log
        with log.open("w") as stderr:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.synth_worker"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def synthesize(self, request: dict[str, Any]) -> dict[str, Any]:
        stdin, stdout = self._process.stdin, self._process.stdout
        if stdin is None or stdout is None:
            raise SynthFailed("the worker has no pipes")  # never: both are piped above
        try:
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
        except BrokenPipeError:
            self.stop()
            return {"ok": False, "error": f"the worker stopped:\n{self._log.read_text()[-20_000:]}"}
        deadline = time.monotonic() + SYNTH_TIMEOUT_SECONDS
        # One reply line per request; the worker writes nothing else there, so select() is exact.
        if not select.select([stdout], [], [], max(0.0, deadline - time.monotonic()))[0]:
            self.stop()
            return {"ok": False, "error": f"no answer in {SYNTH_TIMEOUT_SECONDS} s"}
        line = stdout.readline()
        if not line:
            self._process.wait()
            return {"ok": False, "error": f"the worker stopped:\n{self._log.read_text()[-20_000:]}"}
        reply: dict[str, Any] = json.loads(line)
        if reply.get("fatal"):
            self.stop()  # it exits after a fatal reply: the next request needs a new worker
        return reply

    def stop(self) -> None:
        if self.alive:
            self._process.kill()
        self._process.wait()


class SynthPool:
    def __init__(self, workers: int | None = None) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="platform-synths-"))
        self._executor = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2)
        self._futures: dict[str, Future[Synthesized]] = {}
        self._local = threading.local()
        self._workers: list[_Worker] = []

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
        for worker in self._workers:
            worker.stop()

    def _worker(self) -> _Worker:
        worker: _Worker | None = getattr(self._local, "worker", None)
        if worker is None or not worker.alive:
            worker = self._local.worker = _Worker(self._dir / f"worker-{threading.get_ident()}.log")
            self._workers.append(worker)
        return worker

    def _synthesize(self, name: str, config: PlatformConfig | None) -> Synthesized:
        outdir = self._dir / name
        request: dict[str, Any] = {"outdir": str(outdir)}
        if config is None:
            request["variant"] = name
            config = variant_config(name)
        else:
            config_file = self._dir / f"{name}.yaml"
            config_file.write_text(yaml.safe_dump(config.model_dump(mode="json")))
            request["config"] = str(config_file)
        reply = self._worker().synthesize(request)
        if not reply["ok"]:
            raise SynthFailed(f"synth of {name} failed:\n{reply['error']}")
        acknowledged = tuple(Acknowledged(**item) for item in json.loads((outdir / "acknowledgments.json").read_text()))
        return Synthesized(config, outdir, read_assembly(outdir), acknowledged)
