"""Redis through a plain redis-py client, for callers that carry on without it."""

import logging
import time
from collections.abc import Callable
from typing import Any

import redis

logger = logging.getLogger("jwks")

# How long Redis is left alone after a failure, before the next call tries it.
RETRY_SECONDS = 5.0

# Compare, then delete: Redis runs a script with nothing in between (EVAL, which
# Redis 6.2, the compose file's, has, as every Redis since 2.6).
DELETE_IF_HOLDS = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""


class RedisStore:
    """Strings in Redis, by name under a prefix: None while Redis is down.

    A call that fails (refused, reset, slower than the socket timeout in
    settings) answers as if Redis had nothing, and Redis is left alone for
    RETRY_SECONDS: a dead or hanging Redis costs a request an ``if``.
    """

    def __init__(self, url: str, key_prefix: str, timeout: float) -> None:
        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        self.key_prefix = key_prefix
        self.down_until = 0.0  # by the monotonic clock

    @property
    def is_down(self) -> bool:
        """Whether Redis failed a moment ago: the callers' fallbacks are in use."""
        return time.monotonic() < self.down_until

    def key(self, name: str) -> str:
        return f"{self.key_prefix}:{name}"

    def get(self, name: str) -> str | None:
        value = self._call(name, lambda: self.client.get(self.key(name)))
        # Bytes that are not UTF-8 become text that no check accepts.
        return value.decode(errors="replace") if value is not None else None

    def set(self, name: str, value: str, seconds: float) -> None:
        self._call(name, lambda: self.client.set(self.key(name), value, px=ms(seconds)))

    def add(self, name: str, value: str, seconds: float) -> bool | None:
        """True: this call wrote it; False: it was there; None: Redis is down."""
        key, milliseconds = self.key(name), ms(seconds)
        return self._call(
            name, lambda: self.client.set(key, value, px=milliseconds, nx=True) is True
        )

    def delete(self, name: str) -> None:
        self._call(name, lambda: self.client.delete(self.key(name)))

    def delete_if_holds(self, name: str, value: str) -> None:
        """Delete ``name`` only while it holds ``value``: a lock its owner ends."""
        key = self.key(name)
        self._call(name, lambda: self.client.eval(DELETE_IF_HOLDS, 1, key, value))

    def _call(self, name: str, operation: Callable[[], Any]) -> Any:
        if self.is_down:
            return None
        try:
            return operation()
        # Any error: what answers on Redis's port may be no Redis (a proxy gone
        # wrong, another service), and redis-py then raises what it runs into.
        except Exception as error:
            if str(error).startswith("WRONGTYPE"):  # Redis answered: no outage
                logger.warning("Redis holds a %r of another type: deleting it", name)
                self.delete(name)
                return None
            self.down_until = time.monotonic() + RETRY_SECONDS
            logger.warning(
                "Redis is unreachable (%s): carrying on without it for %g s",
                error,
                RETRY_SECONDS,
            )
            return None


def ms(seconds: float) -> int:
    """Milliseconds for PX, at least 1: Redis refuses an expiry of 0."""
    return max(1, round(seconds * 1000))
