"""Repository-level fixtures: real Redis servers for the run, and the steps to check."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.docs_site import build_site
from tutorial.redis import redis_server, throwaway_redis_server

STEP_SUMMARIES = pytest.StashKey[dict[str, str]]()


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
