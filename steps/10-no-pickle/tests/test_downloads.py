"""How often the identity provider is asked for its JWKS: what the tutorial is about."""

import jwt
import pytest

REQUESTS = 5


def test_a_valid_token_is_accepted(idp, mint_token, get_me):
    token = mint_token(sub="ada-lovelace", name="Ada Lovelace", scope="profile:read")

    response = get_me(token)

    assert response.status_code == 200
    assert response.json() == {
        "sub": "ada-lovelace",
        "claims": jwt.decode(token, options={"verify_signature": False}),
    }


# --8<-- [start:lesson]
@pytest.mark.lesson(step=3)
def test_one_download_serves_every_request(idp, mint_token, get_me):
    token = mint_token()

    # Each request gets a new authenticator and a new JWKS client, as DRF does;
    # what they share is Redis.
    for _ in range(REQUESTS):
        assert get_me(token).status_code == 200

    assert idp.downloads == 1


# --8<-- [end:lesson]
