"""What the cache's layers pass to each other: a key set, parsed once, and a need."""

import time
from dataclasses import dataclass
from typing import Any, Protocol

from jwt import PyJWK, PyJWKClientError, PyJWKSet, PyJWKSetError

# No key set to be had: the provider failed, or its answer is none (not JSON, or
# JSON nested deeper than Python reads).
PROVIDER_ERRORS = (PyJWKClientError, PyJWKSetError, ValueError, RecursionError)


@dataclass(frozen=True, eq=False)
class KeySet:
    """A JWKS the provider served: its JSON, its keys as PyJWT parsed them, and when."""

    jwks: dict[str, Any]  # as the provider served it: what Redis keeps
    jwk_set: PyJWKSet  # what PyJWT's own methods return
    signing_keys: dict[str, PyJWK]  # what tokens are checked with, by kid
    downloaded_at: float  # time.time(), which every worker's clock agrees with
    fresh_for: float  # seconds
    cache_control: str | None = None  # what the provider said, for whoever looks

    @classmethod
    def parse(
        cls,
        jwks: Any,
        downloaded_at: float,
        fresh_for: float,
        cache_control: str | None = None,
    ) -> "KeySet":
        """Parsed here, once for each download or read; an error if no key can sign."""
        if not isinstance(jwks, dict):
            raise PyJWKClientError("The JWKS endpoint did not return a JSON object")
        jwk_set = PyJWKSet.from_dict(jwks)  # PyJWKSetError when no key is usable
        # The keys PyJWT's get_signing_keys picks: for signatures, with a kid.
        keys = [key for key in jwk_set.keys if key.public_key_use in {"sig", None}]
        signing_keys = {key.key_id: key for key in keys if key.key_id}
        if not signing_keys:  # a bad answer must never replace a good set
            raise PyJWKClientError("The JWKS endpoint did not contain any signing keys")
        return cls(jwks, jwk_set, signing_keys, downloaded_at, fresh_for, cache_control)

    @property
    def age(self) -> float:
        return time.time() - self.downloaded_at

    @property
    def fresh_left(self) -> float:
        """Seconds until the set is stale; below zero once it is."""
        return self.fresh_for - self.age


@dataclass(frozen=True)
class Need:
    """What a layer asks the layer it wraps for."""

    # The set the asker holds: what a layer below serves when it gets no newer.
    in_hand: KeySet | None = None
    # The set in hand lacks a token's kid (``kid``), or a caller of PyJWT's
    # methods asked for a refresh: a set downloaded after it is wanted.
    refresh: bool = False
    kid: str | None = None
    # A set with no more freshness left than this is due (below zero: stale by more).
    due_within: float = 0.0

    def met_by(self, key_set: KeySet) -> bool:
        """Whether ``key_set``, found on the way down, answers this need."""
        if key_set.fresh_left <= self.due_within:  # stale, or due: a download
            return False
        if self.kid is not None:
            return self.kid in key_set.signing_keys
        if self.refresh:  # a set newer than the one in hand, if any
            in_hand = self.in_hand
            return in_hand is not None and key_set.downloaded_at > in_hand.downloaded_at
        return True


ANY_SET = Need()


class KeySource(Protocol):
    """A layer of the cache: a key set for a need, or one of PyJWT's errors."""

    def key_set(self, need: Need) -> KeySet: ...
