"""A bare ``jwt.decode`` with the key in hand: the least work that checks a token.

The floor decodes with it, and every hot path process times it beside its own
authentications, for a ratio from timings taken alike. Nothing here comes from a
step, so any step's process can import it. The provider's one key is downloaded
when the module is imported.
"""

from __future__ import annotations

from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jwt import PyJWK, PyJWKClient

# What every step accepts by default.
ALGORITHMS = ["RS256"]


def download_the_signing_key() -> PyJWK:
    signing_keys = PyJWKClient(settings.JWKS_URL).get_signing_keys()
    if len(signing_keys) != 1:
        raise ImproperlyConfigured(
            f"The floor needs a provider with one signing key, not {len(signing_keys)}"
        )
    return signing_keys[0]


KEY = download_the_signing_key()


def decode_with_the_key(token: str) -> dict[str, Any]:
    """The header and the payload, checked as the steps check them."""
    return jwt.decode_complete(
        token,
        KEY.key,
        algorithms=ALGORITHMS,
        audience=settings.JWT_AUDIENCE,
        issuer=settings.JWT_ISSUER,
        options={"require": ["exp", "iss", "aud", "sub"]},
    )
