"""Redis through Django's cache, for callers that carry on without it: Redis spares
the fleet downloads, and is not needed to check a token."""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger("jwks")

# How long Redis is left alone after a failure, before the next call tries it.
RETRY_SECONDS = 5.0


class RedisStore:
    """``get``, ``set`` and ``add`` of Django's cache: None while Redis is down.

    A call that fails (refused, reset, slower than the socket timeout in
    settings) answers as if Redis had nothing, and Redis is left alone for
    RETRY_SECONDS: a dead or hanging Redis costs a request an ``if``.
    """

    def __init__(self) -> None:
        self.down_until = 0.0  # by the monotonic clock

    @property
    def is_down(self) -> bool:
        """Whether Redis failed a moment ago: the callers' fallbacks are in use."""
        return time.monotonic() < self.down_until

    def get(self, name: str) -> Any:
        return self._call(lambda: cache.get(name))

    def set(self, name: str, value: Any, seconds: float) -> None:
        self._call(lambda: cache.set(name, value, timeout=seconds))

    def add(self, name: str, value: Any, seconds: float) -> bool | None:
        """True: this call wrote it; False: it was there; None: Redis is down."""
        return self._call(lambda: cache.add(name, value, timeout=seconds))

    def _call(self, operation: Callable[[], Any]) -> Any:
        if self.is_down:
            return None
        try:
            return operation()
        # Any error: what answers on Redis's port may be no Redis (a proxy gone
        # wrong, another service), and redis-py then raises what it runs into.
        except Exception as error:
            self.down_until = time.monotonic() + RETRY_SECONDS
            logger.warning(
                "Redis is unreachable (%s): carrying on without it for %g s",
                error,
                RETRY_SECONDS,
            )
            return None
