"""Running the `tutorial` command in tests: in this process, or as a learner does.

The servers (`tutorial idp`, `tutorial redis`) are started as a learner starts
them, in a process of their own (``Foreground``), and stopped the way a learner
stops them: Ctrl-C (SIGINT) or `kill` (SIGTERM).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from tutorial.cli import main

START_SECONDS = 120
STOP_SECONDS = 30
DOWNLOAD_LINE = re.compile(
    r"^\d\d:\d\d:\d\d  GET /\.well-known/jwks\.json  \(download (\d+)[,)]"
)


def tutorial(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutorial.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


class Foreground:
    """A `tutorial` command that runs until stopped, its output read as it comes."""

    def __init__(self, *args: str, **kwargs) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tutorial.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )
        self.lines: list[str] = []
        self._new_line = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.stderr = ""

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._new_line:
                self.lines.append(line.rstrip("\n"))
                self._new_line.notify_all()

    def wait_for(self, pattern: str, seconds: float = START_SECONDS) -> str:
        """The first line matching ``pattern``, once printed; fails with the output."""
        deadline = time.monotonic() + seconds
        with self._new_line:
            while (line := self._first(pattern)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    break
                self._new_line.wait(min(remaining, 1))
        if line is None:
            self.stop(signal.SIGKILL)  # and read what is left of its output
            line = self._first(pattern)
        if line is None:
            output = "\n".join(self.lines)
            pytest.fail(
                f"no line matches {pattern!r} within {seconds} s:\n{output}\n"
                f"stderr:\n{self.stderr}"
            )
        return line

    def _first(self, pattern: str) -> str | None:
        return next((line for line in self.lines if re.search(pattern, line)), None)

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=STOP_SECONDS)
        if not self.process.stderr.closed:
            self.stderr = self.process.stderr.read()
            self.process.stderr.close()
        return self.process.returncode


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{text}"
    assert "Traceback" not in text
    return lines[0]


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """``tutorial *argv`` in this process: exit code, stdout, stderr."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err
