"""The JWKS client: PyJWT's, with its key set from the cache's layers (jwks_cache)."""

from typing import Any

from jwt import PyJWKClient, PyJWKSet

from jwks_cache.stack import assemble


# --8<-- [start:caching-client]
class CachingJWKClient(PyJWKClient):
    """A ``PyJWKClient`` whose key set comes from the cache's layers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # PyJWT's own cache would answer without asking the layers.
        self.jwk_set_cache = None
        self.key_source = assemble(self)

    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        # A refresh is answered from the cache, as the article's fetch_data was.
        return self.key_source.key_set().jwk_set

    def fetch_data(self) -> Any:
        return self.key_source.key_set().jwks


# --8<-- [end:caching-client]
