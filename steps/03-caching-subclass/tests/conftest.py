from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tutorial.kit.redis import throwaway_redis_server

# The fixtures these tests use (idp, mint_token, get_me, ...) live in
# tutorial/kit/pytest_plugin.py, shared by every step of the tutorial.
pytest_plugins = ["tutorial.kit.pytest_plugin"]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server of this test run's own: started for it, stopped after it.

    Not the Redis in REDIS_URL, even when that is set: these tests write the
    application's own keys and empty the server after each test, which nobody
    may do to a Redis that holds someone else's keys.
    """
    with throwaway_redis_server() as url:
        yield url


@pytest.fixture(autouse=True)
def cache_in_our_own_redis(redis_url: str, settings: Any) -> Iterator[None]:
    """Every test's Redis (``REDIS_URL``, Django's cache) is ours, emptied afterwards.

    Emptied, so that nothing one test caches is found by the next. FLUSHDB
    empties the whole database: fine here, because the server is ours alone.
    """
    settings.REDIS_URL = redis_url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_url}}
    yield
    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()
