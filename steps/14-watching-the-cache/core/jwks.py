"""The JWKS client: PyJWT's, with its key set from the cache's layers (jwks_cache)."""

import threading
from typing import Any

from django.conf import settings
from jwt import PyJWK, PyJWKClient, PyJWKSet

from jwks_cache.key_set import ANY_SET, Need
from jwks_cache.stack import assemble


# --8<-- [start:caching-client]
class CachingJWKClient(PyJWKClient):
    """A ``PyJWKClient`` whose key set comes from the cache's layers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # PyJWT's own cache would answer without asking the layers.
        self.jwk_set_cache = None
        self.key_source = assemble(self)

    def find_signing_key(self, kid: str) -> PyJWK | None:
        """The published key named ``kid``; None when the provider has none."""
        signing_key = self.key_source.key_set(ANY_SET).signing_keys.get(kid)
        if signing_key is None:  # a rotation, or junk: the cooldown decides
            refresh = Need(refresh=True, kid=kid)
            signing_key = self.key_source.key_set(refresh).signing_keys.get(kid)
        return signing_key

    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        # PyJWT's get_signing_key asks for refresh=True on any unknown kid: the
        # cooldown decides, not the caller.
        return self.key_source.key_set(Need(refresh=refresh)).jwk_set

    def fetch_data(self) -> Any:
        return self.key_source.key_set(ANY_SET).jwks


# --8<-- [end:caching-client]


# --8<-- [start:one-client-per-process]
_client: CachingJWKClient | None = None
_client_lock = threading.Lock()


def jwks_client() -> CachingJWKClient:
    """This process's one client: made on first use, then shared by its threads."""
    global _client
    with _client_lock:
        if _client is None:
            _client = CachingJWKClient(
                settings.JWKS_URL, timeout=settings.JWKS_FETCH_TIMEOUT
            )
        return _client


# --8<-- [end:one-client-per-process]
