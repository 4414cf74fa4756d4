"""Every kind of bad token gets 401, a reason, and a Bearer challenge (RFC 6750)."""

import pytest

from tutorial.idp import SigningKey


def assert_refused(response, reason: str) -> None:
    assert response.status_code == 401, response.content
    assert reason in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_no_token(idp, get_me):
    assert_refused(get_me(), "not provided")


def test_not_a_jwt(idp, get_me):
    assert_refused(get_me("not-a-jwt"), "Malformed token")


def test_bearer_without_a_token(idp, get_me):
    assert_refused(get_me(HTTP_AUTHORIZATION="Bearer"), "must be 'Bearer <token>'")


def test_two_words_after_bearer(idp, get_me):
    assert_refused(
        get_me(HTTP_AUTHORIZATION="Bearer one two"), "must be 'Bearer <token>'"
    )


def test_expired(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(expires_in=-60)), "expired")


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


def test_alg_none(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(algorithm="none")), "RS256")


def test_hs256_signed_with_the_public_key(idp, mint_token, get_me):
    assert_refused(get_me(mint_token(algorithm="HS256")), "RS256")


@pytest.mark.parametrize("scheme", ["Basic dXNlcjpwYXNz", "Token abc"])
def test_another_scheme_is_not_ours(idp, get_me, scheme):
    assert_refused(get_me(HTTP_AUTHORIZATION=scheme), "not provided")


def test_junk_tokens_cost_no_download(idp, mint_token, get_me):
    get_me("not-a-jwt")
    get_me(mint_token(algorithm="none"))

    assert idp.downloads == 0
