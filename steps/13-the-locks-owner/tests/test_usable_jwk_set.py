"""A key set PyJWT can use, or an error: checked before a download is shared."""

from typing import Any

import pytest
from jwt import PyJWKClientError, PyJWKSetError

from tutorial.kit.idp import SigningKey

# What these tests try is new in step 07, so each test imports it: on an
# earlier step, they fail one by one instead of stopping the whole run.


def a_public_key_without_a_kid() -> dict[str, Any]:
    jwk = SigningKey.generate().public_jwk()
    del jwk["kid"]
    return jwk


@pytest.mark.parametrize(
    "jwks",
    [
        [],
        {},
        {"keys": "not a list"},
        {"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]},
        {"keys": [a_public_key_without_a_kid()]},
    ],
    ids=["a list", "no keys", "keys not a list", "no usable key", "no kid"],
)
def test_a_key_set_no_token_could_use_is_refused(jwks):
    from core.jwks import usable_jwk_set

    with pytest.raises((PyJWKClientError, PyJWKSetError)):
        usable_jwk_set(jwks)


def test_a_real_key_set_is_usable(idp):
    from core.jwks import usable_jwk_set

    assert usable_jwk_set(idp.jwks()).keys[0].key_id == idp.current_key.kid
