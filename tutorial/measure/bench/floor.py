"""The floor, for ``tutorial bench``: the key loaded once, at start-up.

Step 00's authenticator (``tutorial.measure.bench.settings`` names this class instead,
on step 00's project), reading the ``Authorization`` header as every step does,
then only decoding the token with the key in hand: what every strategy has to do
at the very least. The provider's one key is downloaded when this module is
imported, as a worker starts. The floor never sees a rotated key, so it is a
yardstick, not a way to run an API.
"""

from __future__ import annotations

from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jwt import PyJWK, PyJWKClient
from rest_framework import exceptions

from core.authentication import ALGORITHMS, JWKSAuthentication


def download_the_signing_key() -> PyJWK:
    signing_keys = PyJWKClient(settings.JWKS_URL).get_signing_keys()
    if len(signing_keys) != 1:
        raise ImproperlyConfigured(
            f"The floor needs a provider with one signing key, not {len(signing_keys)}"
        )
    return signing_keys[0]


KEY = download_the_signing_key()


def decode_with_the_key(token: str) -> dict[str, Any]:
    """A bare ``jwt.decode`` with the key in hand: the header and the payload."""
    return jwt.decode_complete(
        token,
        KEY.key,
        algorithms=ALGORITHMS,
        audience=settings.JWT_AUDIENCE,
        issuer=settings.JWT_ISSUER,
        options={"require": ["exp", "iss", "aud", "sub"]},
    )


class KeyLoadedAtStartUp(JWKSAuthentication):
    def __init__(self) -> None:
        pass  # no client to build: the key is in KEY already

    def verify(self, token: str) -> dict[str, Any]:
        try:
            decoded = decode_with_the_key(token)
        except jwt.InvalidTokenError as error:
            raise exceptions.AuthenticationFailed(f"Invalid token: {error}.") from error
        # Signed by the key, but naming another: refused, as every step refuses it.
        if decoded["header"].get("kid") != KEY.key_id:
            raise exceptions.AuthenticationFailed("No published key has this kid.")
        return decoded["payload"]
