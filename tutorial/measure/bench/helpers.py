"""The bench's own processes, and what every process of one run shares.

A helper is ``python -m <module>`` in a step's folder that answers each line it is
given with one line of JSON (``hot_path`` and ``load``). ``Shared`` is the run's
Redis, its key prefix and its bytecode folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutorial.kit.processes import ServerDidNotStart, stop_process
from tutorial.kit.redis import (
    delete_keys,
    redis_server,
)
from tutorial.measure.bench.plan import Strategy

STOP_SECONDS = 10


class BenchCouldNotMeasure(RuntimeError):
    """A helper of the bench stopped, or a load got fewer answers than it sent."""


@dataclass
class Helper:
    """A process of the bench's own that answers each line it is given with one line."""

    name: str
    process: subprocess.Popen[str]
    log_path: Path

    def ask(self, question: str) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(question + "\n")
        self.process.stdin.flush()
        return json.loads(self.read_line())

    def read_line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            code = self.process.wait(timeout=STOP_SECONDS)
            log = self.log_path.read_text(encoding="utf-8", errors="replace")
            raise BenchCouldNotMeasure(
                f"{self.name} stopped (exit code {code}):\n{log}"
            )
        return line


@contextmanager
def helper_process(
    module: str, name: str, cwd: Path, env: dict[str, str]
) -> Iterator[Helper]:
    """``python -m <module>`` in ``cwd``, once it says ``ready``; stderr to a log."""
    descriptor, log_name = tempfile.mkstemp(prefix="bench-", suffix=".log")
    with os.fdopen(descriptor, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            start_new_session=True,
        )
    helper = Helper(name, process, Path(log_name))
    try:
        if helper.read_line() != "ready":
            raise ServerDidNotStart(f"{name} did not start")
        yield helper
    finally:
        if process.stdin:
            process.stdin.close()  # end of input: it ends
        stop_process(process, seconds=STOP_SECONDS)
        helper.log_path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Shared:
    """What every process of one run shares: Redis, a key prefix, bytecode."""

    redis_url: str
    key_prefix: str
    bytecode_dir: str

    def python_env(self) -> dict[str, str]:
        # Python's bytecode cache on, in a folder of the run's own: the first
        # process to import a module compiles it for all, so no strategy pays
        # for compiling what it imports, whatever the environment says.
        return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": self.bytecode_dir}

    def server_env(self, strategy: Strategy, keys: str) -> dict[str, str]:
        """A strategy's settings, its Redis keys under ``<key_prefix>-<keys>``."""
        env = {
            **self.python_env(),
            "REDIS_URL": self.redis_url,
            "DJANGO_SETTINGS_MODULE": "tutorial.measure.bench.settings",
            "TUTORIAL_DEMO_KEY_PREFIX": f"{self.key_prefix}-{keys}",
        }
        if strategy.authentication:
            env["TUTORIAL_BENCH_AUTHENTICATION"] = strategy.authentication
        return env


@contextmanager
def shared_by_the_run() -> Iterator[Shared]:
    """A real Redis, a key prefix whose keys go at the end, a bytecode folder."""
    prefix = f"tutorial-bench-{uuid.uuid4().hex[:8]}"
    with (
        redis_server() as url,
        tempfile.TemporaryDirectory(prefix="bench-bytecode-") as bytecode_dir,
    ):
        try:
            yield Shared(url, prefix, bytecode_dir)
        finally:
            delete_keys(url, f"{prefix}-*")
