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
from rest_framework import exceptions

from core.authentication import JWKSAuthentication
from tutorial.measure.bench.bare_decode import KEY, decode_with_the_key


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
