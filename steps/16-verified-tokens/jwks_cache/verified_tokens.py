"""The tokens this process has verified, so that a repeated one is not verified again.

Each is found by the SHA-256 of its exact bytes and the checks it passed, bound to
the key that verified it (its value, not its kid), never used past its ``exp``, and
kept in this process only: in Redis, whoever could write one could log in as anyone.
"""

import functools
import hashlib
import json
import threading
import time
from collections import OrderedDict
from typing import Any, NamedTuple

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from jwt import PyJWK

# A token longer than this is checked every time: remembering it would let a
# flood of huge tokens hold on to memory.
LONGEST_REMEMBERED_TOKEN = 8 * 1024
# The clock skew allowed on exp, nbf and iat, by jwt.decode and on every recall.
LEEWAY_SECONDS = 0


class Checks(NamedTuple):
    """What a token passed besides its signature: jwt.decode's settings."""

    audience: str | list[str]  # one, or any of several
    issuer: str | list[str]
    algorithms: tuple[str, ...]


class VerifiedToken(NamedTuple):
    key_thumbprint: str
    claims_json: str  # the claims as JSON text: each caller gets its own copy
    expires_at: int
    not_before: int  # nbf or iat, the later: jwt.decode refuses a token before either


EntryKey = tuple[bytes, str]


class VerifiedTokens:
    """At most JWT_VERIFIED_TOKENS of them; the first remembered goes first."""

    def __init__(self) -> None:
        # Ordered: a full plain dict that loses its first entry each time slows down.
        self._entries: OrderedDict[EntryKey, VerifiedToken] = OrderedDict()
        self._lock = threading.Lock()  # gthread's threads share the process

    def entry_key(self, token: str, checks: Checks) -> EntryKey | None:
        """Where ``token`` is remembered; None for a token too long to be."""
        if len(token) > LONGEST_REMEMBERED_TOKEN:
            return None
        # The checks by their repr: a list of audiences cannot be part of a key.
        return hashlib.sha256(token.encode("latin-1")).digest(), repr(checks)

    def recall(self, entry_key: EntryKey | None, key: PyJWK) -> dict[str, Any] | None:
        """The claims of the token, if this key verified it with these checks."""
        entry = self._entries.get(entry_key) if entry_key is not None else None
        if entry is None or entry.key_thumbprint != thumbprint(key):
            return None
        now = time.time()  # jwt.decode's own tests of the times, with its leeway
        if entry.not_before > now + LEEWAY_SECONDS:
            return None
        if now - LEEWAY_SECONDS >= entry.expires_at:
            return None
        return json.loads(entry.claims_json)

    def remember(
        self, entry_key: EntryKey | None, key: PyJWK, claims: dict[str, Any], text: str
    ) -> None:
        """Keep what a full check of a token found: it passed every check."""
        if entry_key is None or settings.JWT_VERIFIED_TOKENS <= 0:
            return
        # As jwt.decode reads them; it has checked that int() takes them.
        not_before = max(int(claims.get("nbf", 0)), int(claims.get("iat", 0)))
        entry = VerifiedToken(thumbprint(key), text, int(claims["exp"]), not_before)
        with self._lock:
            self._entries[entry_key] = entry
            while len(self._entries) > settings.JWT_VERIFIED_TOKENS:
                self._entries.popitem(last=False)  # the first remembered


@functools.lru_cache(maxsize=64)
def thumbprint(key: PyJWK) -> str:
    """The SHA-256 of the public key itself: its value, whatever its kid says."""
    # Cached by key object: the cache holds each key, so none can take its place.
    der = key.key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


verified_tokens = VerifiedTokens()
