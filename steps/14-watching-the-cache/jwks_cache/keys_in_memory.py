"""The keys in memory: the set this process holds, which answers alone for a while."""

import time
from dataclasses import replace

from jwks_cache.counters import Counter, counts
from jwks_cache.key_set import KeySet, KeySource, Need


class KeysInMemory:
    """The set this process got last: it answers alone, then it is handed down.

    A fresh set answers for JWKS_IN_PROCESS_SECONDS, never past its freshness:
    memory must not keep a set that the fleet would download again. A stale set,
    which a layer below served because the provider fails, answers as long, never
    past the stale cap: an outage costs a request no more than a warm cache. Then
    the set goes down in hand, for whenever Redis or the provider cannot do better.
    """

    def __init__(self, source: KeySource, seconds: float, stale_seconds: float) -> None:
        self.source = source
        self.seconds = seconds
        self.stale_seconds = stale_seconds
        # The set, and until when it answers alone, by the monotonic clock: one
        # attribute, replaced whole, so that a thread never reads half an update.
        self.held: tuple[KeySet, float] | None = None

    def key_set(self, need: Need) -> KeySet:
        held = self.held
        if held is not None and need.in_hand is None:
            key_set, answers_until = held
            if not need.refresh and time.monotonic() < answers_until:
                counts.add(Counter.IN_PROCESS_HITS)
                return key_set
            if key_set.fresh_left + self.stale_seconds > 0:  # still usable
                need = replace(need, in_hand=key_set)
        key_set = self.source.key_set(need)
        fresh_left = key_set.fresh_left
        left = fresh_left if fresh_left > 0 else fresh_left + self.stale_seconds
        self.held = (key_set, time.monotonic() + min(self.seconds, left))
        return key_set
