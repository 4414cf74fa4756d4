"""What no cache of verified tokens may change: the same in steps 14 and 15.

Step 14 remembers no token, so these pass there trivially; from step 15 on, each
token below was remembered by an earlier request, and must still be refused.
"""

import gc
import time
import tracemalloc

from tutorial.kit.keys import SigningKey

FLOOD, FLOOD_MEMORY_BYTES = 1500, 400_000


def wait_until_past(exp: int) -> None:
    """Until the clock has reached ``exp``: jwt.decode refuses a token from then."""
    while time.time() < exp:
        time.sleep(0.05)


def test_a_token_that_expired_since_its_last_use_is_refused(idp, mint_token, get_me):
    claims = idp.claims(expires_in=2)  # a whole second at least, with int() seconds
    token = mint_token(exp=claims["exp"], iat=claims["iat"])
    assert get_me(token).status_code == 200  # checked, and perhaps remembered

    wait_until_past(claims["exp"])
    response = get_me(token)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_token_whose_key_was_withdrawn_is_refused_once_the_process_drops_it(
    idp, mint_token, get_me, settings
):
    # The process keeps the keys it parsed for JWKS_IN_PROCESS_SECONDS: at 0 it
    # reads the set in Redis again for every request, so it drops a withdrawn
    # key as soon as the shared set lacks it.
    settings.JWKS_IN_PROCESS_SECONDS = 0
    withdrawn = idp.current_key
    old_token = mint_token()
    assert get_me(old_token).status_code == 200

    idp.rotate()
    idp.retire(withdrawn.kid)  # the provider no longer vouches for that key
    # A token with the new key makes this process download the new set.
    assert get_me(mint_token()).status_code == 200
    response = get_me(old_token)

    assert response.status_code == 401
    assert withdrawn.kid in response.json()["detail"]


def test_a_token_signed_by_another_key_with_the_same_claims_is_refused(
    idp, mint_token, get_me
):
    claims = idp.claims()
    genuine = mint_token(iat=claims["iat"], exp=claims["exp"])
    assert get_me(genuine).status_code == 200
    # The same header and claims, signed by a stranger's key under the same kid.
    stranger = SigningKey.generate(kid=idp.current_key.kid)
    forged = mint_token(key=stranger, iat=claims["iat"], exp=claims["exp"])

    response = get_me(forged)

    assert response.status_code == 401
    assert "Signature verification failed" in response.json()["detail"]


def test_a_flood_of_distinct_valid_tokens_leaves_memory_bounded(mint_token, settings):
    # The authenticator itself, without the test client, whose signal receivers
    # leave a little memory behind for every request.
    from jwks_cache.authentication import JWKSAuthentication

    settings.JWT_VERIFIED_TOKENS = 50  # a step that remembers keeps this many
    tokens = [mint_token(sub=f"flood-{number}") for number in range(FLOOD)]
    JWKSAuthentication().verify(tokens[0])  # every cache warm
    gc.collect()
    tracemalloc.start()
    try:
        for token in tokens:
            JWKSAuthentication().verify(token)
        gc.collect()
        grown, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Remembering every token would hold well over a megabyte.
    assert grown < FLOOD_MEMORY_BYTES, f"{grown:,} bytes more after the flood"
