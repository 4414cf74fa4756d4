"""The floor, for ``tutorial bench``: the keys loaded once, at start-up.

Step 00's authenticator with no JWKS client at all, run on step 00's project
(``tutorial.bench_settings`` names the class). The keys are downloaded when this
module is imported, as a worker starts; a request then only parses the header and
decodes the token with the key in hand: what every strategy has to do at least.
It never sees a rotated key, so it is a yardstick, not a way to run an API.
"""

from __future__ import annotations

from django.conf import settings
from jwt import PyJWK, PyJWKClient
from rest_framework import exceptions

from core.authentication import JWKSAuthentication


def download_signing_keys() -> dict[str, PyJWK]:
    signing_keys = PyJWKClient(settings.JWKS_URL).get_signing_keys()
    return {key.key_id: key for key in signing_keys}


KEYS_BY_KID = download_signing_keys()


class KeyLoadedAtStartUp(JWKSAuthentication):
    def __init__(self) -> None:
        pass  # no client to build: the keys are in KEYS_BY_KID already

    def signing_key(self, kid: str) -> PyJWK:
        try:
            return KEYS_BY_KID[kid]
        except KeyError:
            raise exceptions.AuthenticationFailed(
                f"No published signing key has the token's kid {kid!r}."
            ) from None
