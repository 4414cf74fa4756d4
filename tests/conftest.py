"""Repository-level fixtures: real Redis servers for the run, and the steps to check."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.docs_site import build_site
from tutorial.redis import redis_server, throwaway_redis_server

STEP_SUMMARIES = pytest.StashKey[dict[str, str]]()
BYTECODE_FOLDER = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Python's bytecode cache on for every process the run starts, in a folder of
    the run's own.

    The run starts hundreds of Python processes (step suites, gunicorn workers,
    ``manage.py``, ``tutorial``). With PYTHONDONTWRITEBYTECODE set, as on some
    machines, each would compile Django afresh; this way the first process to
    import a module compiles it for all, and nothing is written beside the sources.
    """
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: its controller did
        return
    folder = tempfile.mkdtemp(prefix="tests-bytecode-")
    config.stash[BYTECODE_FOLDER] = folder
    os.environ.update(PYTHONDONTWRITEBYTECODE="", PYTHONPYCACHEPREFIX=folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(BYTECODE_FOLDER, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_redis_url() -> Iterator[str]:
    """One real Redis that every step's suite shares, like a team's shared Redis."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def private_redis_url() -> Iterator[str]:
    """A Redis server of this run's own, for servers that write the application's keys.

    A step run under gunicorn caches under the application's real key, so it must
    never share a learner's development Redis.
    """
    with throwaway_redis_server() as url:
        yield url


@pytest.fixture
def private_redis(private_redis_url: str) -> Iterator[str]:
    """``private_redis_url``, emptied after each test: no step reads another's keys."""
    yield private_redis_url
    client = redis.Redis.from_url(private_redis_url)
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once (``mkdocs build --strict``) for every test that reads it."""
    site_dir = tmp_path_factory.mktemp("site")
    result = build_site(site_dir)
    assert result.returncode == 0, (
        f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    )
    return site_dir


@pytest.fixture
def record_step_summary(request: pytest.FixtureRequest):
    """Remember a step suite's closing line, to print it at the end of the run."""
    summaries = request.config.stash.setdefault(STEP_SUMMARIES, {})

    def record(name: str, line: str) -> None:
        summaries[name] = line

    return record


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    summaries = config.stash.get(STEP_SUMMARIES, {})
    if summaries:
        terminalreporter.section("step suites, each in its own process")
        for name, line in sorted(summaries.items()):
            terminalreporter.write_line(f"{name:<40} {line}")
