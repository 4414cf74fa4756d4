"""Redis through Django's cache, for callers that carry on without it.

Redis spares the fleet downloads; it is not needed to check a token. When a
call fails (refused, reset, slower than the socket timeout in settings), it
answers as if Redis had nothing, and the caller falls back on what it has.
Redis is then left alone for RETRY_SECONDS, so that a dead or hanging Redis
costs a request an ``if``, not a timeout. The log says when an outage starts
and when it ends, not once per request.

A value that Redis serves but this code never wrote (a hash where a string
belongs, bytes that do not unpickle) is no outage: Redis answered. It is
deleted, and the caller sees a miss.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache import cache

logger = logging.getLogger("jwks")

# --8<-- [start:shared-cache]
# How long Redis is left alone after a failure, before the next call tries it.
RETRY_SECONDS = 5.0


class SharedCache:
    """``get``, ``set``, ``add`` and ``delete`` of Django's cache, minus the outages."""

    def __init__(self) -> None:
        self.down_since: float | None = None
        self.next_try = 0.0

    @property
    def is_down(self) -> bool:
        """Whether the last call to Redis failed: the caller's fallbacks are in use."""
        return self.down_since is not None

    def get(self, key: str) -> Any:
        try:
            return self._call(key, lambda: cache.get(key))
        except Exception as error:
            # Django's cache unpickles what it reads, and bytes that are no
            # pickle of ours can fail in any way at all: each is refused.
            self._refuse(key, error)
            return None

    def set(self, key: str, value: Any, timeout: float) -> None:
        self._call(key, lambda: cache.set(key, value, timeout=timeout))

    def add(self, key: str, value: Any, timeout: float) -> bool | None:
        """True: this call wrote the key; False: it was there; None: Redis is down."""
        return self._call(key, lambda: cache.add(key, value, timeout=timeout))

    def delete(self, key: str) -> None:
        self._call(key, lambda: cache.delete(key))

    def _call(self, key: str, operation: Callable[[], Any]) -> Any:
        if self.is_down and time.monotonic() < self.next_try:
            return None
        try:
            result = operation()
        except redis.RedisError as error:
            if holds_another_type(error):
                self._refuse(key, error)
            else:
                self._failed(error)
            return None
        down_since, self.down_since = self.down_since, None
        if down_since is not None:
            down_for = time.monotonic() - down_since
            logger.warning("Redis answers again, after %.0f s down", down_for)
        return result

    def _failed(self, error: redis.RedisError) -> None:
        now = time.monotonic()
        self.next_try = now + RETRY_SECONDS
        if self.down_since is None:
            self.down_since = now
            logger.warning(
                "Redis is unreachable (%s): carrying on without it, trying again "
                "every %g s",
                error,
                RETRY_SECONDS,
            )

    def _refuse(self, key: str, error: Exception) -> None:
        logger.warning(
            "Redis holds something under %r that this code did not write (%s): "
            "deleting it",
            key,
            error,
        )
        self.delete(key)


def holds_another_type(error: redis.RedisError) -> bool:
    """Redis answered that the key holds a hash, a list...: not what was asked for."""
    return isinstance(error, redis.ResponseError) and str(error).startswith("WRONGTYPE")


# One per process: each worker notices an outage, and its end, once.
shared_cache = SharedCache()
# --8<-- [end:shared-cache]
