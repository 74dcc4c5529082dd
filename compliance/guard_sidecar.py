"""The Guard rules' validation engine in a Node process of its own, started before the app is built.

CloudFormation Validate builds a WebAssembly engine (about 3 s of one core) before it validates
anything, and validating the platform's templates takes seconds more. In the app's jsii kernel
both happen one after the other, and in series with everything else. Started first thing in
app.py, the sidecar builds its engine on the other core while Python builds the app, and
validates the templates while cdk-nag checks them in the kernel (`docs/synth-speed.md`).

The sidecar runs aws-cdk-lib's own `CloudFormationValidatePlugin`, loaded from the package jsii
extracted (same version, rules and options as the in-process plugin), so its report is the
in-process plugin's report. When it cannot start (no Node, jsii's package cache not filled yet or
disabled), `start` returns None and the in-process plugin is used; when it fails later (the
engine does not build, the process dies or hangs), every method raises `SidecarError` and
`compliance.guard.SidecarGuardPlugin` validates in process instead, with one warning line.
tests/gates/test_guard_sidecar.py compares both reports and runs the fallback.

This module imports nothing from aws_cdk: importing it must not start the jsii kernel.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_suffix(".js")
GUARD_RULES = ROOT / "policy" / "sagemaker.guard"
RULE_SOURCE = "platform-sagemaker"
PLUGIN_FILE = Path("core", "lib", "validation", "cloudformation-validate-plugin.js")
TIMEOUT_SECONDS = 600  # a reply slower than this is a hung engine, never a slow one


class SidecarError(Exception):
    pass


def cdk_library() -> Path | None:
    """aws-cdk-lib as jsii extracted it into its package cache, if it did."""
    if os.environ.get("JSII_RUNTIME_PACKAGE_CACHE", "enabled").lower() != "enabled":
        return None
    root = Path(os.environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT") or Path.home() / ".cache/aws/jsii/package-cache")
    for candidate in sorted((root / "aws-cdk-lib" / metadata.version("aws-cdk-lib")).glob("*")):
        if (candidate / PLUGIN_FILE).is_file():
            return candidate
    return None


class GuardSidecar:
    """One Node process: `request` the templates once, then `report` waits for its answer."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._requested = False
        self._version: str | None = None
        self._ready = False
        self._buffer = b""

    @classmethod
    def start(cls) -> GuardSidecar | None:
        if os.environ.get("PLATFORM_GUARD_SIDECAR", "on") == "off":
            return None
        node = os.environ.get("JSII_NODE") or shutil.which("node")
        library = cdk_library()
        if node is None or library is None:
            return None
        try:
            process = subprocess.Popen(
                [node, str(SCRIPT), str(library / PLUGIN_FILE), RULE_SOURCE, str(GUARD_RULES)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # a JSII_NODE that does not run: the in-process plugin will
            return None
        return cls(process)

    @property
    def version(self) -> str | None:
        self._wait_ready()
        return self._version

    def request(self, stack_templates: list[dict[str, Any]]) -> None:
        """Send the templates to validate; only the first call of a synthesis sends."""
        if self._requested:
            return
        self._requested = True
        line = json.dumps({"stackTemplates": stack_templates}) + "\n"
        stdin = self._pipe(self._process.stdin)
        try:
            stdin.write(line.encode())
            stdin.flush()
        except OSError as error:  # BrokenPipeError: it stopped
            raise SidecarError(f"the Guard sidecar stopped: {self._exit()}") from error

    def report(self) -> dict[str, Any]:
        """The plugin report for the requested templates."""
        self._wait_ready()
        if not self._requested:
            raise SidecarError("the Guard sidecar was asked for a report before any templates were sent")
        reply = self._read()
        if "error" in reply:
            raise SidecarError(f"the Guard sidecar failed: {reply['error']}")
        return reply

    def close(self) -> None:
        """End the process: closing its input ends it; one that does not end in 10 s is killed."""
        if self._process.poll() is None:
            with contextlib.suppress(OSError):  # a broken pipe: it is stopping anyway
                self._pipe(self._process.stdin).close()
        self._exit()

    def _wait_ready(self) -> None:
        if self._ready:
            return
        reply = self._read()
        if "error" in reply:
            raise SidecarError(f"the Guard sidecar failed: {reply['error']}")
        self._ready, self._version = True, reply.get("version")

    def _read(self) -> dict[str, Any]:
        """The next line, read straight from the pipe: a buffered reader could hold a second
        line that select() would then never report."""
        descriptor = self._pipe(self._process.stdout).fileno()
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([descriptor], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                self._process.kill()
                raise SidecarError(f"the Guard sidecar gave no answer in {TIMEOUT_SECONDS} s")
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                raise SidecarError(f"the Guard sidecar stopped: {self._exit()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            reply: dict[str, Any] = json.loads(line)
        except ValueError as error:
            raise SidecarError(f"the Guard sidecar answered something that is not JSON: {line[:80]!r}") from error
        return reply

    def _exit(self) -> str:
        try:
            code = self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        return f"exit code {code}"

    @staticmethod
    def _pipe(pipe: IO[bytes] | None) -> IO[bytes]:
        if pipe is None:
            raise SidecarError("the Guard sidecar has no pipe")  # never: both pipes are requested
        return pipe
