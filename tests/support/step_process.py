"""Run a step's script as its container does (`python script.py ARGS`), in a fresh process forked
from a server that has already imported what the step code imports.

Why: a cold interpreter spends over a second importing NumPy and scikit-learn before a step does
anything, and the step tests run a dozen scripts. A forked child is still a process of its own:
its own memory, argv, environment, working directory, standard streams and exit code; the script
runs as `__main__` with its folder first on sys.path, as `python script.py` runs it. What it shares
with its siblings is only the modules imported before the fork, which a script imports again
(from sys.modules) exactly as it would in a cold interpreter, so an import it lacks still fails.

The server is one single-threaded process (OpenBLAS limited to one thread, so nothing is running
when it forks); requests and answers are JSON lines on its stdin and stdout. Every wait is bounded:
a script that does not end within the timeout kills the server and its child, and fails the test.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

# What pipelines/reference/code imports beyond the standard library.
STEP_IMPORTS = ("numpy", "joblib", "sklearn.linear_model", "sklearn.metrics")
TIMEOUT_SECONDS = 300.0

_SERVER = r"""
import importlib, io, json, os, runpy, sys, traceback

for name in sys.argv[1:]:
    importlib.import_module(name)
answers = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # only the answers reach the client


def child(request):
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False))
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
        script = request["argv"][0]
        sys.argv = list(request["argv"])
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or 0
        else:
            print(stop.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        child(json.loads(line))
    _, status = os.waitpid(pid, 0)
    answers.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")
    answers.flush()
"""


class StepProcesses:
    """`run(["script.py", *args])` like `subprocess.run([sys.executable, "script.py", *args],
    capture_output=True, text=True)`, one script at a time."""

    def __init__(self, preload: Sequence[str] = STEP_IMPORTS, timeout: float = TIMEOUT_SECONDS) -> None:
        self._preload = tuple(preload)
        self._timeout = timeout
        self._lock = threading.Lock()
        self._server: subprocess.Popen[str] | None = None
        self._scratch = Path(tempfile.mkdtemp(prefix="step-process-"))

    def __enter__(self) -> StepProcesses:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def run(
        self,
        argv: Sequence[str | Path],
        *,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        with self._lock:
            stdout, stderr = self._scratch / "stdout", self._scratch / "stderr"
            request = {
                "argv": [str(item) for item in argv],
                "cwd": str(cwd or Path.cwd()),
                "env": dict(os.environ if env is None else env),
                "stdout": str(stdout),
                "stderr": str(stderr),
            }
            returncode = self._ask(request)
            done = subprocess.CompletedProcess(
                [sys.executable, *request["argv"]], returncode, stdout.read_text(), stderr.read_text()
            )
        if check:
            done.check_returncode()
        return done

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._stop(self._server, grace=10.0)
                self._server = None
            shutil.rmtree(self._scratch, ignore_errors=True)

    def _ask(self, request: dict[str, Any]) -> int:
        server = self._start()
        assert server.stdin is not None
        assert server.stdout is not None
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        ready, _, _ = select.select([server.stdout], [], [], self._timeout)
        line = server.stdout.readline() if ready else ""
        if not line:
            self._stop(server)
            self._server = None
            why = f"did not end within {self._timeout:g} s" if not ready else "the step process server died"
            raise RuntimeError(f"{request['argv']}: {why}")
        answer: dict[str, int] = json.loads(line)
        return answer["returncode"]

    def _start(self) -> subprocess.Popen[str]:
        if self._server is None or self._server.poll() is not None:
            self._server = subprocess.Popen(
                [sys.executable, "-c", _SERVER, *self._preload],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
                start_new_session=True,  # its group holds the running script too: one kill stops both
            )
        return self._server

    @staticmethod
    def _stop(server: subprocess.Popen[str], grace: float = 0.0) -> None:
        """End of input ends the server; what does not end within `grace` seconds is killed."""
        for stream in (server.stdin, server.stdout):
            if stream is not None:
                stream.close()
        try:
            server.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
