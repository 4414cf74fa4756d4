"""Every kind of bad token gets 401, a reason, and a Bearer challenge (RFC 6750)."""

import math

import jwt
import pytest

from tutorial.kit.idp import SigningKey

CHALLENGE = 'Bearer realm="api"'
INVALID_TOKEN = f'{CHALLENGE}, error="invalid_token"'
INVALID_REQUEST = f'{CHALLENGE}, error="invalid_request"'


def assert_refused(response, reason: str, challenge: str = INVALID_TOKEN) -> None:
    assert response.status_code == 401, response.content
    assert reason in response.json()["detail"]
    assert response["WWW-Authenticate"] == challenge


def test_no_token(idp, get_me):
    assert_refused(get_me(), "not provided", challenge=CHALLENGE)


def test_not_a_jwt(idp, get_me):
    assert_refused(get_me("not-a-jwt"), "Malformed token")


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer one two"])
def test_a_malformed_bearer_header_is_an_invalid_request(idp, get_me, header):
    response = get_me(HTTP_AUTHORIZATION=header)

    assert_refused(response, "must be 'Bearer <token>'", challenge=INVALID_REQUEST)


def test_expired(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(expires_in=-60)), "expired")


def test_missing_expiry(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(exp=None)), '"exp"')


def test_wrong_audience(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(aud="https://another-api.test")), "Audience")


def test_wrong_issuer(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(iss="https://impostor.test")), "issuer")


def test_missing_subject(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(sub=None)), '"sub"')


def test_signed_by_a_stranger_under_a_known_kid(idp, mint_token, get_me):
    stranger = SigningKey.generate()
    token = mint_token(key=stranger, kid=idp.current_key.kid)

    assert_refused(get_me(token), "Signature verification failed")


def test_unknown_kid(idp, mint_token, get_me):
    token = mint_token(key=SigningKey.generate(kid="nobody-publishes-this"))

    assert_refused(get_me(token), "nobody-publishes-this")


def test_no_kid(idp, get_me):
    assert_refused(get_me(token_without_kid(idp)), "no kid")


def test_alg_none(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(algorithm="none")), "RS256")


def test_hs256_signed_with_the_public_key(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(algorithm="HS256")), "RS256")


@pytest.mark.parametrize("scheme", ["Basic dXNlcjpwYXNz", "Token abc"])
def test_another_scheme_is_not_ours(idp, get_me, scheme):
    assert_refused(get_me(HTTP_AUTHORIZATION=scheme), "not provided", CHALLENGE)


@pytest.mark.parametrize(
    "value", [math.inf, math.nan, "\ud800"], ids=["Infinity", "NaN", "lone surrogate"]
)
def test_a_claim_json_cannot_carry_back(idp, mint_token, get_me, value):
    # Signed by the provider itself: valid, but the answer could not be rendered.
    assert_refused(get_me(mint_token(note=value)), "not plain JSON")


def test_junk_tokens_cost_no_download(idp, mint_token, get_me):
    get_me("not-a-jwt")
    get_me(mint_token(algorithm="none"))
    get_me(token_without_kid(idp))

    assert idp.downloads == 0


def token_without_kid(idp) -> str:
    """A well-signed token whose header names no key, so none can verify it."""
    return jwt.encode(idp.claims(), idp.current_key.private_key, algorithm="RS256")
