"""The fleet's cooldown: at most one refresh per JWKS_MIN_REFRESH_SECONDS."""

from django.core.cache import cache

from jwks_cache.key_set import KeySet, KeySource, Need


class Cooldown:
    """At most one refresh per cooldown, for the whole fleet.

    A kid the set lacks may be a rotation, or junk: the first refresh of the
    cooldown looks; the others get the set in hand, as new as that refresh made
    it. A key in Redis written with SET NX (Django's ``cache.add``): of many
    workers asking at once, exactly one refreshes.
    """

    def __init__(self, source: KeySource, uri: str, seconds: float) -> None:
        self.source = source
        self.name = f"jwks-cooldown:{uri}"
        self.seconds = seconds

    def key_set(self, need: Need) -> KeySet:
        if need.refresh and need.in_hand is not None and not self.claim():
            return need.in_hand
        return self.source.key_set(need)

    def claim(self) -> bool:
        """True for the one caller, fleet-wide, that may refresh in this cooldown."""
        return cache.add(self.name, "refreshed", timeout=self.seconds)
