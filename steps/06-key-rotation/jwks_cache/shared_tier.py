"""The shared tier: the key set in Redis, through Django's cache, for every worker."""

from dataclasses import replace

from django.core.cache import cache

from jwks_cache.key_set import KeySet, KeySource, Need


class SharedTier:
    """A set in Redis that meets the need answers it; else the layer below, shared."""

    def __init__(self, source: KeySource, uri: str, seconds: float) -> None:
        self.source = source
        # Named after what it holds, this URL's key set: a test's provider, or a
        # staging one that shares the Redis, never overwrites it.
        self.name = f"jwks-set:{uri}"
        self.seconds = seconds

    def key_set(self, need: Need) -> KeySet:
        stored = self.read()
        if stored is not None and need.met_by(stored):
            return stored
        key_set = self.source.key_set(replace(need, in_hand=stored or need.in_hand))
        self.share(key_set, replacing=stored)
        return key_set

    def read(self) -> KeySet | None:
        stored = cache.get(self.name)  # (jwks, downloaded_at)
        return None if stored is None else KeySet.parse(*stored)

    def share(self, key_set: KeySet, replacing: KeySet | None) -> None:
        """Put ``key_set`` in Redis, unless what is there is as new."""
        entry = (key_set.jwks, key_set.downloaded_at)
        if replacing is None:
            # SET NX: a set another worker shared meanwhile is as new, and stays.
            cache.add(self.name, entry, timeout=self.seconds)
        elif key_set.downloaded_at > replacing.downloaded_at:
            cache.set(self.name, entry, timeout=self.seconds)
