"""Step 00's lesson, still true: Redis is configured, nothing caches the JWKS yet."""

REQUESTS = 5


def test_a_valid_token_is_accepted(idp, mint_token, get_me):
    response = get_me(mint_token(sub="alice"))

    assert response.status_code == 200
    assert response.json()["sub"] == "alice"


def test_every_request_downloads_the_jwks(idp, mint_token, get_me):
    token = mint_token()

    for _ in range(REQUESTS):
        assert get_me(token).status_code == 200

    assert idp.downloads == REQUESTS
