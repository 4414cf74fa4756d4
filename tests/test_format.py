"""steps/, tutorial/ and tests/ are formatted and linted with ruff (pyproject.toml).

88 columns: what fits a code block on the site at a 1280-pixel window.
"""

import subprocess
import sys

import pytest

from tutorial.course.steps import REPOSITORY

CHECKED = ["steps", "tutorial", "tests"]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *CHECKED],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("command", "fix"),
    [
        (["format", "--check"], "uv run ruff format steps tutorial tests"),
        (["check"], "uv run ruff check --fix steps tutorial tests, then fix the rest"),
    ],
    ids=["format", "lint"],
)
def test_ruff_finds_nothing(command: list[str], fix: str):
    result = ruff(*command)

    assert result.returncode == 0, f"{fix}\n{result.stdout}{result.stderr}"
