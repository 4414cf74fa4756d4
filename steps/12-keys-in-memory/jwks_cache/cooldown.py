"""The fleet's cooldown: the provider left alone after a refresh, or a failure."""

import time

from jwt import PyJWKClientConnectionError

from jwks_cache.key_set import PROVIDER_ERRORS, KeySet, KeySource, Need
from jwks_cache.redis_store import RedisStore

# What the cooldown's key holds: why the provider is left alone.
REFRESHED, FAILED = "refreshed", "failed"


class Cooldown:
    """At most one refresh per cooldown, for the whole fleet.

    A kid the set lacks may be a rotation, or junk: the first refresh of the
    cooldown looks; the others get the set in hand, as new as that refresh made
    it. A key in Redis written with SET NX (Django's ``cache.add``): of many
    workers asking at once, exactly one refreshes. While Redis is down, each
    process keeps a cooldown of its own. A download that fails while there is a
    set in hand starts a cooldown too: no download at all until it ends.
    """

    def __init__(
        self, source: KeySource, store: RedisStore, uri: str, seconds: float
    ) -> None:
        self.source = source
        self.store = store
        self.name = f"jwks-cooldown:{uri}"
        self.seconds = seconds
        self.here = ("", 0.0)  # this process's own: why, until when (monotonic)

    def key_set(self, need: Need) -> KeySet:
        claimed = need.refresh and self.claim()
        if not claimed and self.reason() == FAILED:
            # A refresh too: its token may be valid, so not a 401 but a 503.
            raise PyJWKClientConnectionError(
                "The identity provider failed a moment ago: not asked again yet"
            )
        if need.refresh and not claimed and need.in_hand is not None:
            return need.in_hand
        try:
            return self.source.key_set(need)
        except PROVIDER_ERRORS:
            if need.in_hand is not None:  # the layers above serve it meanwhile
                self.remember(FAILED)
            raise

    def claim(self) -> bool:
        """True for the one caller, fleet-wide, that may refresh in this cooldown."""
        claimed = self.store.add(self.name, REFRESHED, self.seconds)
        if claimed is None:  # Redis is down
            claimed = self.reason() is None
        if claimed:
            self.here = (REFRESHED, time.monotonic() + self.seconds)
        return claimed

    def reason(self) -> str | None:
        """Why the provider is left alone now, if it is."""
        reason = self.store.get(self.name)
        if reason is None and self.store.is_down:
            why, until = self.here
            reason = why if time.monotonic() < until else None
        return reason

    def remember(self, reason: str) -> None:
        self.here = (reason, time.monotonic() + self.seconds)
        self.store.set(self.name, reason, self.seconds)
