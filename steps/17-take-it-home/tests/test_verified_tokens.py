"""Verified tokens: a token this process has checked is not checked again.

This process's counters tell a full check (``signature_checks``) from a token
recalled from memory (``tokens_recalled``): no mock, and no clock but the
token's own ``exp``. A remembered token is bound to what made it valid: the key
that verified it, the checks it passed, and its expiry.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tutorial.kit.faults import Fault
from tutorial.kit.keys import SigningKey


def counted(name: str) -> int:
    """This process's count, as its log line says it: ``signature_checks=3``."""
    from jwks_cache.counters import counts

    return int(str(counts).split(f"{name}=")[1].split()[0])


def wait_until_past(exp: int) -> None:
    """Until the clock has reached ``exp``: jwt.decode refuses a token from then."""
    while time.time() < exp:
        time.sleep(0.05)


# --8<-- [start:lesson-verified-tokens]
@pytest.mark.lesson(step=16)
def test_a_repeated_token_is_not_verified_again(mint_token, get_me):
    token = mint_token(sub="repeated")
    before = counted("signature_checks")

    answers = [get_me(token) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[-1].json()["sub"] == "repeated"
    assert counted("signature_checks") == before + 1  # the first request only


@pytest.mark.lesson(step=16)
def test_a_remembered_token_is_refused_once_it_expires(idp, mint_token, get_me):
    claims = idp.claims(expires_in=2)  # a whole second at least, with int() seconds
    token = mint_token(exp=claims["exp"], iat=claims["iat"])
    before = counted("signature_checks")
    assert get_me(token).status_code == 200
    assert get_me(token).status_code == 200
    assert counted("signature_checks") == before + 1  # remembered

    wait_until_past(claims["exp"])
    response = get_me(token)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.lesson(step=16)
def test_a_remembered_token_misses_once_its_kid_names_another_key(
    idp, mint_token, get_me, settings
):
    settings.JWKS_IN_PROCESS_SECONDS = 0  # every request reads the set in Redis
    token = mint_token()
    before = counted("signature_checks")
    assert get_me(token).status_code == 200
    assert get_me(token).status_code == 200
    assert counted("signature_checks") == before + 1  # remembered
    # The provider replaces its key with another under the same kid.
    idp.keys = [SigningKey.generate(kid=idp.current_key.kid)]
    from jwks_cache.client import jwks_client

    jwks_client().get_jwk_set(refresh=True)  # as the next refresh would

    response = get_me(token)

    assert response.status_code == 401  # checked in full: another key now
    assert "Signature verification failed" in response.json()["detail"]


@pytest.mark.lesson(step=16)
def test_a_remembered_token_misses_once_the_checks_change(mint_token, get_me, settings):
    token = mint_token()
    before = counted("signature_checks")
    assert get_me(token).status_code == 200
    assert get_me(token).status_code == 200
    assert counted("signature_checks") == before + 1  # remembered

    settings.JWT_AUDIENCE = "https://another-api.test"

    assert get_me(token).status_code == 401  # checked again, for another audience


# --8<-- [end:lesson-verified-tokens]


def test_a_token_that_fails_is_not_remembered(mint_token, get_me):
    token = mint_token(aud="another-api")
    before = counted("signature_checks")

    assert get_me(token).status_code == 401
    assert get_me(token).status_code == 401

    assert counted("signature_checks") == before + 2  # checked in full each time


@pytest.mark.lesson(step=16)
def test_the_first_remembered_goes_first(mint_token, get_me, settings):
    settings.JWT_VERIFIED_TOKENS = 5
    tokens = [mint_token(sub=f"user-{number}") for number in range(20)]
    for token in tokens:
        assert get_me(token).status_code == 200

    before = counted("signature_checks")
    assert get_me(tokens[0]).status_code == 200  # the oldest went first
    assert counted("signature_checks") == before + 1
    assert get_me(tokens[-1]).status_code == 200  # the newest is remembered
    assert counted("signature_checks") == before + 1


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
    from jwks_cache.verified_tokens import LONGEST_REMEMBERED_TOKEN

    token = mint_token(padding="x" * LONGEST_REMEMBERED_TOKEN)
    before = counted("signature_checks")

    assert get_me(token).status_code == 200
    assert get_me(token).status_code == 200

    assert counted("signature_checks") == before + 2


def test_each_caller_gets_a_copy_of_the_claims(mint_token):
    from jwks_cache.authentication import JWKSAuthentication

    token = mint_token(roles=["reader"])
    JWKSAuthentication().verify(token)["roles"].append("admin")  # a careless view

    assert JWKSAuthentication().verify(token)["roles"] == ["reader"]


def test_threads_share_the_memory_safely(mint_token, get_me, settings):
    settings.JWT_VERIFIED_TOKENS = 8
    tokens = [mint_token(sub=f"user-{number}") for number in range(32)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda t: get_me(t).status_code, tokens * 4))

    assert statuses == [200] * len(tokens) * 4


def test_nothing_of_it_goes_to_redis(mint_token, get_me, plain_redis, test_key_prefix):
    token = mint_token()
    assert get_me(token).status_code == 200

    names = list(plain_redis.scan_iter(f"{test_key_prefix}:*"))
    strings = [
        plain_redis.get(name) for name in names if plain_redis.type(name) == b"string"
    ]
    assert names  # the key set, and its bookkeeping: nothing of the token
    assert not any(token.encode() in value for value in strings)


def test_several_audiences_may_be_set(idp, mint_token, get_me, settings):
    # jwt.decode takes a list of audiences; a token for any of them passes.
    settings.JWT_AUDIENCE = ["https://another-api.example", idp.audience]
    token = mint_token()

    assert [get_me(token).status_code for _ in range(2)] == [200, 200]
    assert get_me(mint_token(aud="https://not-this-api.example")).status_code == 401
