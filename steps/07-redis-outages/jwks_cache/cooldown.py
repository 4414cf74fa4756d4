"""The fleet's cooldown: at most one refresh per JWKS_MIN_REFRESH_SECONDS."""

import time

from jwks_cache.key_set import KeySet, KeySource, Need
from jwks_cache.redis_store import RedisStore


class Cooldown:
    """At most one refresh per cooldown, for the whole fleet.

    A kid the set lacks may be a rotation, or junk: the first refresh of the
    cooldown looks; the others get the set in hand, as new as that refresh made
    it. A key in Redis written with SET NX (Django's ``cache.add``): of many
    workers asking at once, exactly one refreshes. While Redis is down, each
    process keeps a cooldown of its own.
    """

    def __init__(
        self, source: KeySource, store: RedisStore, uri: str, seconds: float
    ) -> None:
        self.source = source
        self.store = store
        self.name = f"jwks-cooldown:{uri}"
        self.seconds = seconds
        self.here_until = 0.0  # this process's own cooldown, by its monotonic clock

    def key_set(self, need: Need) -> KeySet:
        if need.refresh and need.in_hand is not None and not self.claim():
            return need.in_hand
        return self.source.key_set(need)

    def claim(self) -> bool:
        """True for the one caller, fleet-wide, that may refresh in this cooldown."""
        claimed = self.store.add(self.name, "refreshed", self.seconds)
        if claimed is None:  # Redis is down
            claimed = time.monotonic() >= self.here_until
        if claimed:
            self.here_until = time.monotonic() + self.seconds
        return claimed
