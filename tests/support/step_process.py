"""Run a step's script as its container does (`python script.py ARGS`), in a fresh process forked
from a server that has already imported what the step code imports.

Why: a cold interpreter spends over a second importing NumPy and scikit-learn before a step does
anything, and the reference pipeline's step tests run a dozen scripts. A forked child is still a
process of its own: its own memory, argv, environment, working directory, standard streams, random
state (NumPy's global generator is reseeded, as the standard library's is) and exit code; the
script runs as `__main__` with its folder first on sys.path and ends through Python's normal
shutdown (atexit handlers, threads joined, open files flushed), as `python script.py` does.

What differs from a cold interpreter, and why it does not matter here:
- the modules imported before the fork are already in sys.modules, so a script that uses a
  submodule it never imported (`sklearn.utils` after `import sklearn`) would work here and fail in
  its container; the step code imports names (`from sklearn.metrics import log_loss`), not that;
- settings Python reads at start (PYTHONPATH, PYTHONHASHSEED, PYTHONWARNINGS) come from the test
  process, not from `env`, and every child of one server has the same hash seed: a test that
  compares two runs for reproducibility runs them on two servers;
- OpenBLAS runs one thread (so that nothing runs in the server when it forks).

Every wait is bounded: a script that does not end within the timeout kills the server and its
child and fails the test; on Linux both also die with the process that started them.
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
import ctypes, importlib, io, json, os, runpy, signal, sys, traceback


def die_with_parent():
    # Linux: the kernel kills this process when the one that started it ends (PR_SET_PDEATHSIG).
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)


def child(request):
    die_with_parent()
    if "numpy" in sys.modules:  # a new interpreter's random state (the stdlib's reseeds after fork)
        sys.modules["numpy"].random.seed()
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False))
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), errors="backslashreplace", line_buffering=True)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    script = request["argv"][0]
    sys.argv = list(request["argv"])
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


die_with_parent()
for name in sys.argv[1:]:
    importlib.import_module(name)
answers = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # only the answers reach the client
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        sys.exit(child(json.loads(line)))  # the child leaves the loop through Python's own shutdown
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
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        folder = cwd or Path.cwd()
        if not folder.is_dir():  # as subprocess.run refuses it, before anything runs
            raise FileNotFoundError(f"No such directory: {str(folder)!r}")
        with self._lock:
            stdout, stderr = self._scratch / "stdout", self._scratch / "stderr"
            for stale in (stdout, stderr):  # never read a previous script's output as this one's
                stale.unlink(missing_ok=True)
            request = {
                "argv": [str(item) for item in argv],
                "cwd": str(folder),
                "env": dict(os.environ if env is None else env),
                "stdout": str(stdout),
                "stderr": str(stderr),
            }
            returncode = self._ask(request, self._timeout if timeout is None else timeout)
            done = subprocess.CompletedProcess(
                [sys.executable, *request["argv"]], returncode, _read(stdout), _read(stderr)
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

    def _ask(self, request: dict[str, Any], timeout: float) -> int:
        server = self._start()
        assert server.stdin is not None
        assert server.stdout is not None
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        ready, _, _ = select.select([server.stdout], [], [], timeout)
        line = server.stdout.readline() if ready else ""
        if not line:
            self._stop(server)
            self._server = None
            why = f"did not end within {timeout:g} s" if not ready else "the step process server died"
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


def _read(path: Path) -> str:
    """What the script wrote; nothing if it died before its streams were set up."""
    return path.read_text(errors="backslashreplace") if path.exists() else ""
