"""The tokens this process has verified, so that a repeated one is not verified again.

Each is kept by the SHA-256 of its exact bytes and the checks it passed, bound to
the key that verified it (by value), never used past its ``exp``, and in this
process only: in Redis, whoever could write an entry could log in as anyone.
"""

import functools
import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from jwt import PyJWK

# A token longer than this is checked every time: remembering it would let a
# flood of huge tokens hold on to memory.
LONGEST_REMEMBERED_TOKEN = 8 * 1024


class Checks(NamedTuple):
    """What a token must pass besides its signature: jwt.decode's arguments."""

    # A named tuple: built and hashed on every request, the cheapest to do both.

    audience: str
    issuer: str
    algorithms: tuple[str, ...]
    required: tuple[str, ...]
    leeway: float


@dataclass(frozen=True)
class VerifiedToken:
    key_thumbprint: str
    claims_json: str  # the claims as JSON text: each caller gets its own copy
    expires_at: int
    not_before: int  # nbf or iat, the later: jwt.decode refuses a token before either

    def still_valid(self, leeway: float) -> bool:
        """jwt.decode's own tests of the times, with the same leeway."""
        now = time.time()
        return self.not_before <= now + leeway and now - leeway < self.expires_at


# --8<-- [start:remembered-tokens]
class VerifiedTokens:
    """A bounded map from (token hash, checks) to what verifying the token found."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, Checks], VerifiedToken] = OrderedDict()
        # gthread's threads share the process, and so this map.
        self._lock = threading.Lock()

    def recall(
        self, token: str, signing_key: PyJWK, checks: Checks
    ) -> dict[str, Any] | None:
        """The claims of ``token`` if this key verified it with these checks."""
        entry_key = (token_hash(token), checks)
        with self._lock:
            entry = self._entries.get(entry_key)
            if entry is None:
                return None
            if entry.key_thumbprint != thumbprint(signing_key) or not (
                entry.still_valid(checks.leeway)
            ):
                del self._entries[entry_key]  # it can never be used again
                return None
            self._entries.move_to_end(entry_key)
        return json.loads(entry.claims_json)

    def remember(
        self, token: str, signing_key: PyJWK, checks: Checks, claims: dict[str, Any]
    ) -> None:
        """Keep what a full check of ``token`` found: it passed every check."""
        size = settings.JWT_VERIFIED_TOKENS
        if size <= 0 or len(token) > LONGEST_REMEMBERED_TOKEN:
            return
        entry = VerifiedToken(
            key_thumbprint=thumbprint(signing_key),
            claims_json=json.dumps(claims),
            # As jwt.decode reads them; it has checked that int() takes them.
            expires_at=int(claims["exp"]),
            not_before=max(int(claims.get("nbf", 0)), int(claims.get("iat", 0))),
        )
        entry_key = (token_hash(token), checks)
        with self._lock:
            self._entries[entry_key] = entry
            self._entries.move_to_end(entry_key)
            while len(self._entries) > size:
                self._entries.popitem(last=False)  # the least recently used

    def __len__(self) -> int:
        return len(self._entries)


# --8<-- [end:remembered-tokens]


def token_hash(token: str) -> str:
    # The whole token's bytes: a token that differs in any byte, its signature
    # included, is another token.
    return hashlib.sha256(token.encode("latin-1")).hexdigest()


@functools.lru_cache(maxsize=64)
def thumbprint(signing_key: PyJWK) -> str:
    """The SHA-256 of the public key itself: its value, whatever its kid says."""
    # Cached by key object: the cache holds each key, so none can take its place.
    der = signing_key.key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


verified_tokens = VerifiedTokens()
