"""The shared tier: the key set in Redis, through Django's cache, for every worker."""

from dataclasses import replace

from jwks_cache.key_set import KeySet, KeySource, Need
from jwks_cache.redis_store import RedisStore


class SharedTier:
    """A set in Redis that meets the need answers it; else the layer below, shared."""

    def __init__(
        self, source: KeySource, store: RedisStore, uri: str, stale_seconds: float
    ) -> None:
        self.source = source
        self.store = store
        # Named after what it holds, this URL's key set: a test's provider, or a
        # staging one that shares the Redis, never overwrites it.
        self.name = f"jwks-set:{uri}"
        self.stale_seconds = stale_seconds
        # This process's copy of the set, for when Redis cannot answer.
        self.last: KeySet | None = None

    def key_set(self, need: Need) -> KeySet:
        stored = self.read()
        # Redis down, or restarted empty: this process's copy stands in.
        in_hand = stored or self.copy()
        if in_hand is not None and need.met_by(in_hand):
            key_set = in_hand
        else:
            key_set = self.source.key_set(replace(need, in_hand=in_hand))
        self.share(key_set, replacing=stored)
        self.last = key_set
        return key_set

    def copy(self) -> KeySet | None:
        """This process's copy, while it may be used: fresh, or stale to the cap."""
        last = self.last
        return last if last and last.fresh_left + self.stale_seconds > 0 else None

    def read(self) -> KeySet | None:
        stored = self.store.get(self.name)  # (jwks, downloaded_at, fresh_for)
        return None if stored is None else KeySet.parse(*stored)

    def share(self, key_set: KeySet, replacing: KeySet | None) -> None:
        """Put ``key_set`` in Redis, for as long as it may be used, fresh or stale."""
        entry = (key_set.jwks, key_set.downloaded_at, key_set.fresh_for)
        usable_for = key_set.fresh_left + self.stale_seconds
        if replacing is None:
            # SET NX: a set another worker shared meanwhile is as new, and stays.
            self.store.add(self.name, entry, usable_for)
        elif key_set.downloaded_at > replacing.downloaded_at:
            self.store.set(self.name, entry, usable_for)
