"""The shared tier: the key set in Redis, through Django's cache, for every worker."""

from dataclasses import replace

from jwks_cache.key_set import KeySet, KeySource, Need
from jwks_cache.redis_store import RedisStore


class SharedTier:
    """A set in Redis that meets the need answers it; else the layer below, shared."""

    def __init__(
        self, source: KeySource, store: RedisStore, uri: str, seconds: float
    ) -> None:
        self.source = source
        self.store = store
        # Named after what it holds, this URL's key set: a test's provider, or a
        # staging one that shares the Redis, never overwrites it.
        self.name = f"jwks-set:{uri}"
        self.seconds = seconds
        # This process's copy of the set, for when Redis cannot answer.
        self.last: KeySet | None = None

    def key_set(self, need: Need) -> KeySet:
        stored = self.read()
        if stored is None and self.store.is_down:
            stored = self.last
        if stored is not None and need.met_by(stored):
            return stored
        key_set = self.source.key_set(replace(need, in_hand=stored or need.in_hand))
        self.share(key_set, replacing=stored)
        self.last = key_set
        return key_set

    def read(self) -> KeySet | None:
        stored = self.store.get(self.name)  # (jwks, downloaded_at)
        if stored is None:
            return None
        self.last = KeySet.parse(*stored)
        return self.last

    def share(self, key_set: KeySet, replacing: KeySet | None) -> None:
        """Put ``key_set`` in Redis, unless what is there is as new."""
        entry = (key_set.jwks, key_set.downloaded_at)
        if replacing is None:
            # SET NX: a set another worker shared meanwhile is as new, and stays.
            self.store.add(self.name, entry, self.seconds)
        elif key_set.downloaded_at > replacing.downloaded_at:
            self.store.set(self.name, entry, self.seconds)
