"""Whole-platform synths for the platform tier: each config once per test run, in the background.

Synths run in worker processes (tests/support/synth_worker.py), one per pool thread, each serving
several synths in turn. The pool starts every synth the collected tests need as soon as
collection ends, at most `workers` at a time, so that they run while the in-process tiers
(constructs, config, tooling) run in the test process; a platform test waits only for the one it
uses.

Under pytest-xdist every test process collects the same tests and starts the same synths, in a
folder they share (tests/conftest.py hands it out): a lock file per synth lets whichever pool
thread of whichever process comes first claim it, and the others read its result from the
folder. So each variant is synthesized once per run however many processes read it, and a free
pool thread never waits for a synth another one has claimed while an unclaimed one is left.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

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
    def __init__(self, workers: int | None = None, folder: Path | None = None) -> None:
        """`folder`: where the synths go, shared with the other test processes of the run (a
        fresh private one by default); `workers`: how many synths this process runs at once."""
        self._dir = folder or Path(tempfile.mkdtemp(prefix="platform-synths-"))
        self._dir.mkdir(parents=True, exist_ok=True)
        self._size = workers or os.cpu_count() or 2
        self._futures: dict[str, Future[Synthesized]] = {}
        self._configs: dict[str, PlatformConfig | None] = {}
        self._queue: list[str] = []  # started here, not yet taken by a thread of this process
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._workers: list[_Worker] = []
        self._local = threading.local()
        self._closed = False

    def start(self, name: str, config: PlatformConfig | None = None) -> None:
        """Start synthesizing a named variant (tests/support/variants.py), or `config` under `name`."""
        with self._changed:
            if name in self._futures:
                return
            self._futures[name] = Future()
            self._configs[name] = config
            self._queue.append(name)
            if len(self._threads) < self._size:
                thread = threading.Thread(target=self._serve, name=f"synth-pool-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._changed.notify()

    def get(self, name: str, config: PlatformConfig | None = None) -> Synthesized:
        self.start(name, config)
        return self._futures[name].result()

    def findings(self, name: str) -> list[Finding]:
        return [Finding(**item) for item in json.loads((self.get(name).outdir / "findings.json").read_text())]

    def close(self) -> None:
        with self._changed:
            self._closed = True
            for name in self._queue:
                self._futures[name].cancel()
            self._changed.notify_all()
            workers = list(self._workers)
        for worker in workers:
            worker.stop()

    def _serve(self) -> None:
        """One pool thread: take synths from the queue until the pool closes."""
        while (taken := self._take()) is not None:
            name, lock = taken
            future = self._futures[name]
            try:
                result = self._obtain(name)
            except BaseException as error:  # handed to the test that reads it
                future.set_exception(error)
            else:
                future.set_result(result)
            finally:
                lock.close()  # releases the lock

    def _take(self) -> tuple[str, IO[str]] | None:
        """The next synth for this thread, locked: the first queued one that no other thread or
        process holds, else (all are held) the first one, once its holder lets go. None once closed."""
        with self._changed:
            while not self._queue and not self._closed:
                self._changed.wait()
            if self._closed:
                return None
            for name in self._queue:
                lock = (self._dir / f"{name}.lock").open("a")
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    lock.close()
                    continue
                self._queue.remove(name)
                return name, lock
            name = self._queue.pop(0)
        lock = (self._dir / f"{name}.lock").open("a")
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process synthesizes it: wait, then read its result
        return name, lock

    def _worker(self) -> _Worker:
        """This thread's worker process, started when the thread first has a synth to run."""
        worker: _Worker | None = getattr(self._local, "worker", None)
        if worker is None or not worker.alive:
            worker = self._local.worker = _Worker(self._dir / f"worker-{os.getpid()}-{threading.get_ident()}.log")
            with self._changed:
                self._workers.append(worker)
                if self._closed:
                    worker.stop()
        return worker

    def _obtain(self, name: str) -> Synthesized:
        """The synth of `name`, its lock held: read if some process made it already, else made."""
        status = self._dir / f"{name}.json"
        if not status.exists():
            reply = self._worker().synthesize(self._request(name))
            written = status.with_suffix(".tmp")
            written.write_text(json.dumps(reply))
            written.replace(status)  # whole or not there, for a reader in another process
        reply = json.loads(status.read_text())
        if not reply["ok"]:
            raise SynthFailed(f"synth of {name} failed:\n{reply['error']}")
        outdir = self._dir / name
        config = self._configs[name] or variant_config(name)
        acknowledged = tuple(Acknowledged(**item) for item in json.loads((outdir / "acknowledgments.json").read_text()))
        return Synthesized(config, outdir, read_assembly(outdir), acknowledged)

    def _request(self, name: str) -> dict[str, Any]:
        request: dict[str, Any] = {"outdir": str(self._dir / name)}
        config = self._configs[name]
        if config is None:
            request["variant"] = name
        else:
            config_file = self._dir / f"{name}.yaml"
            config_file.write_text(yaml.safe_dump(config.model_dump(mode="json")))
            request["config"] = str(config_file)
        return request
