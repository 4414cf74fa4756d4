"""Verified tokens: a token this process has checked is not checked again.

The step's own counters tell a full check (``signature_checks``) from a token
recalled from memory (``tokens_recalled``): no mock, and no clock.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tutorial.kit.faults import Fault
from tutorial.kit.keys import SigningKey


def counted(name: str) -> int:
    from core.jwks import jwks_client

    return int(str(jwks_client().counters).split(f"{name}=")[1].split()[0])


def remembered() -> int:
    from core.verified_tokens import verified_tokens

    return len(verified_tokens)


# --8<-- [start:lesson-verified-tokens]
@pytest.mark.lesson(step=15)
def test_a_repeated_token_is_not_verified_again(mint_token, get_me):
    token = mint_token(sub="repeated")
    before = counted("signature_checks")

    answers = [get_me(token) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[-1].json()["sub"] == "repeated"
    assert counted("signature_checks") == before + 1  # the first request only


# --8<-- [end:lesson-verified-tokens]


def test_a_token_that_fails_is_not_remembered(idp, mint_token, get_me):
    token = mint_token(aud="another-api")
    before = counted("signature_checks")

    assert get_me(token).status_code == 401
    assert get_me(token).status_code == 401

    assert counted("signature_checks") == before + 2  # checked in full each time


def test_the_memory_stays_bounded_under_a_flood_of_distinct_tokens(
    mint_token, get_me, settings
):
    settings.JWT_VERIFIED_TOKENS = 5
    tokens = [mint_token(sub=f"user-{number}") for number in range(20)]

    for token in tokens:
        assert get_me(token).status_code == 200

    assert remembered() <= 5
    before = counted("signature_checks")
    assert get_me(tokens[0]).status_code == 200  # the oldest went first
    assert counted("signature_checks") == before + 1
    assert get_me(tokens[-1]).status_code == 200  # the newest is remembered
    assert counted("signature_checks") == before + 1


def test_a_kid_reused_for_another_key_misses(idp, mint_token, get_me, settings):
    # The process reads the set in Redis for every request, as after an expiry.
    settings.JWKS_IN_PROCESS_SECONDS = 0
    token = mint_token()
    assert get_me(token).status_code == 200
    # The provider replaces its key with another under the same kid.
    kid = idp.current_key.kid
    idp.keys = [SigningKey.generate(kid=kid)]
    from core.jwks import jwks_client

    jwks_client().refreshed_jwk_set()  # as the next refresh would
    response = get_me(token)

    assert response.status_code == 401  # checked in full: another key now
    assert "Signature verification failed" in response.json()["detail"]


def test_a_changed_audience_misses(idp, mint_token, get_me, settings):
    token = mint_token()
    assert get_me(token).status_code == 200

    settings.JWT_AUDIENCE = "https://another-api.test"

    assert get_me(token).status_code == 401  # checked again, with the new audience


def test_a_remembered_token_gets_the_503_past_the_stale_cap(
    idp, mint_token, get_me, settings
):
    settings.JWKS_CACHE_SECONDS, settings.JWKS_STALE_SECONDS = 1, 0
    settings.JWKS_MIN_CACHE_SECONDS = settings.JWKS_IN_PROCESS_SECONDS = 1
    token = mint_token()
    assert get_me(token).status_code == 200
    idp.fault = Fault.SERVER_ERROR

    time.sleep(1.5)  # past the set's freshness, and so past its cap
    response = get_me(token)

    assert response.status_code == 503


def test_a_token_longer_than_the_cap_is_never_remembered(mint_token, get_me):
    from core.verified_tokens import LONGEST_REMEMBERED_TOKEN

    token = mint_token(padding="x" * LONGEST_REMEMBERED_TOKEN)
    before = counted("signature_checks")

    assert get_me(token).status_code == 200
    assert get_me(token).status_code == 200

    assert counted("signature_checks") == before + 2


def test_each_caller_gets_a_copy_of_the_claims(mint_token):
    from core.authentication import JWKSAuthentication

    token = mint_token(roles=["reader"])
    JWKSAuthentication().verify(token)["roles"].append("admin")  # a careless view

    assert JWKSAuthentication().verify(token)["roles"] == ["reader"]


def test_threads_share_the_memory_safely(mint_token, get_me, settings):
    settings.JWT_VERIFIED_TOKENS = 8
    tokens = [mint_token(sub=f"user-{number}") for number in range(32)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda t: get_me(t).status_code, tokens * 4))

    assert statuses == [200] * len(tokens) * 4
    assert remembered() <= 8


def test_nothing_of_it_goes_to_redis(mint_token, get_me, redis_url, test_key_prefix):
    import redis

    token = mint_token()
    assert get_me(token).status_code == 200

    client = redis.Redis.from_url(redis_url)
    try:
        names = list(client.scan_iter(f"{test_key_prefix}:*"))
        strings = [client.get(name) for name in names if client.type(name) == b"string"]
    finally:
        client.close()
    assert names  # the key set, and its bookkeeping: nothing of the token
    assert not any(b"token" in name for name in names), names
    assert not any(token.encode() in value for value in strings)
