"""Redis through a plain redis-py client, for callers that carry on without it.

No longer Django's cache (step 10): its Redis backend pickles what it stores and
unpickles what it reads, and unpickling runs whatever code the bytes name. Here
values are strings, stored and read as they are; the JWKS entry carries an
integrity tag of its own (core/jwks.py).

Redis spares the fleet downloads; it is not needed to check a token. When a
call fails (refused, reset, slower than the socket timeout in settings), it
answers as if Redis had nothing, and the caller falls back on what it has.
Redis is then left alone for RETRY_SECONDS, so that a dead or hanging Redis
costs a request an ``if``, not a timeout. The log says when an outage starts
and when it ends, not once per request.

A value that Redis serves but this code never wrote (a hash where a string
belongs) is no outage: Redis answered. It is deleted, and the caller sees a
miss.

A lock is ended, or kept alive, only by whoever holds it: the value it holds is
compared and acted on in one script, so a lock that expired and went to another
worker is never ended by the first.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger("jwks")

# --8<-- [start:plain-client]
# The keys keep the names Django's cache gives them (KEY_PREFIX, then a version),
# so whatever keeps two applications, or a test run, apart in one Redis still
# does. Version 2, for the new format: while a deploy replaces step 09, its
# workers never read a value they would try to unpickle.
FORMAT_VERSION = 2


def connect() -> redis.Redis:
    """A client for REDIS_URL, with the socket timeouts that CACHES sets."""
    options = settings.CACHES["default"].get("OPTIONS", {})
    return redis.Redis.from_url(settings.REDIS_URL, **options)


# --8<-- [end:plain-client]

# --8<-- [start:shared-cache]
# How long Redis is left alone after a failure, before the next call tries it.
RETRY_SECONDS = 5.0

# Compare, then act: Redis runs a script with nothing in between (EVAL, which the
# compose file's Redis 6.2 has, as every Redis since 2.6).
DELETE_IF_HOLDS = """
if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0
"""
SET_IF_HOLDS = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("set", KEYS[1], ARGV[2], "px", ARGV[3])
end
return 0
"""
EXPIRE_IF_HOLDS = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("pexpire", KEYS[1], ARGV[2])
end
return 0
"""


class SharedCache:
    """Strings in Redis, by name: ``get``, ``set``, ``add``, ``delete``, counters,
    and a lock's ``delete_if_holds``, ``set_if_holds`` and ``expire_if_holds``."""

    def __init__(self) -> None:
        self.down_since: float | None = None
        self.next_try = 0.0
        self._client: redis.Redis | None = None
        self._client_lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        """Whether the last call to Redis failed: the caller's fallbacks are in use."""
        return self.down_since is not None

    def key(self, name: str) -> str:
        return cache.make_key(name, version=FORMAT_VERSION)

    def get(self, name: str) -> str | None:
        # Bytes that are not UTF-8, a pickle say, become text that no check
        # accepts; decoding them never runs anything.
        value = self._call(name, lambda client: client.get(self.key(name)))
        return value.decode(errors="replace") if value is not None else None

    def set(self, name: str, value: str, timeout: float) -> None:
        self._call(
            name, lambda client: client.set(self.key(name), value, px=ms(timeout))
        )

    def add(self, name: str, value: str, timeout: float) -> bool | None:
        """True: this call wrote the key; False: it was there; None: Redis is down."""
        return self._call(
            name,
            lambda client: (
                client.set(self.key(name), value, px=ms(timeout), nx=True) is True
            ),
        )

    def delete(self, name: str) -> None:
        self._call(name, lambda client: client.delete(self.key(name)))

    def delete_if_holds(self, name: str, value: str) -> None:
        """Delete ``name`` only while it holds ``value``: a lock that its owner ends."""
        key = self.key(name)
        self._call(name, lambda client: client.eval(DELETE_IF_HOLDS, 1, key, value))

    def set_if_holds(self, name: str, value: str, new: str, timeout: float) -> None:
        """Set ``name`` to ``new`` for ``timeout`` s, only while it holds ``value``."""
        key, milliseconds = self.key(name), ms(timeout)
        self._call(
            name,
            lambda client: client.eval(SET_IF_HOLDS, 1, key, value, new, milliseconds),
        )

    def expire_if_holds(self, name: str, value: str, timeout: float) -> None:
        """Give ``name`` ``timeout`` more seconds, only while it holds ``value``."""
        key, milliseconds = self.key(name), ms(timeout)
        self._call(
            name,
            lambda client: client.eval(EXPIRE_IF_HOLDS, 1, key, value, milliseconds),
        )

    def add_to_hash(self, name: str, counts: dict[str, int]) -> bool:
        """Add ``counts`` to the numbers in a Redis hash, in one round trip."""

        def increment(client: redis.Redis) -> bool:
            pipeline = client.pipeline(transaction=False)
            for field, count in counts.items():
                pipeline.hincrby(self.key(name), field, count)
            pipeline.execute()
            return True

        return self._call(name, increment) is True

    def _call(self, name: str, operation: Callable[[redis.Redis], Any]) -> Any:
        if self.is_down and time.monotonic() < self.next_try:
            return None
        try:
            result = operation(self._connected())
        except redis.RedisError as error:
            if holds_another_type(error):
                self._refuse(name, error)
            else:
                self._failed(error)
            return None
        down_since, self.down_since = self.down_since, None
        if down_since is not None:
            down_for = time.monotonic() - down_since
            logger.warning("Redis answers again, after %.0f s down", down_for)
        return result

    def _connected(self) -> redis.Redis:
        # One client per process, made on first use: its pool of connections
        # serves every thread, where Django's cache made a client per call.
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = connect()
                client = self._client
        return client

    def forget_client(self) -> None:
        self._client = None

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


def ms(seconds: float) -> int:
    """Milliseconds for PX, at least 1: Redis refuses an expiry of 0."""
    return max(1, round(seconds * 1000))


# One per process: each worker notices an outage, and its end, once.
shared_cache = SharedCache()


@receiver(setting_changed)
def forget_the_client(**kwargs: Any) -> None:
    # Settings change only in tests: REDIS_URL may now name another server.
    shared_cache.forget_client()


# --8<-- [end:shared-cache]
