"""The cache as a stack of layers: each answers what it can, and asks the one it wraps.

The client's ``key_source`` is the top of the stack. What a layer needs to know
about a key set travels with the set: its keys, parsed once, and when it was
downloaded, which a set read back from Redis still knows.
"""

import pickle
import time

import pytest
from jwt import PyJWKSetError

from core.jwks import CachingJWKClient
from tutorial.kit.idp import SigningKey
from tutorial.kit.redis import keys_holding


# --8<-- [start:lesson-layers]
@pytest.mark.lesson(step=5)
def test_the_key_source_downloads_once_then_answers_from_redis(idp):
    client = CachingJWKClient(idp.jwks_url)

    first = client.key_source.key_set()
    again = client.key_source.key_set()

    assert idp.downloads == 1
    assert idp.current_key.kid in first.signing_keys  # parsed: the keys by kid
    assert again.downloaded_at == first.downloaded_at  # the same set


@pytest.mark.lesson(step=5)
def test_another_worker_reads_the_set_and_when_it_was_downloaded(idp):
    first = CachingJWKClient(idp.jwks_url).key_source.key_set()
    another_worker = CachingJWKClient(idp.jwks_url)

    key_set = another_worker.key_source.key_set()

    assert idp.downloads == 1  # from Redis
    assert key_set.downloaded_at == first.downloaded_at  # it travelled with the set
    assert key_set.signing_keys[idp.current_key.kid].key_id == idp.current_key.kid


@pytest.mark.lesson(step=5)
def test_requests_get_their_keys_from_the_stack(
    idp, mint_token, get_me, plain_redis, test_key_prefix
):
    token = mint_token()

    statuses = [get_me(token).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert idp.downloads == 1
    # What Redis holds is what the shared tier writes: the set, and when.
    kid = idp.current_key.kid.encode()
    [key] = keys_holding(plain_redis, kid, match=f"{test_key_prefix}:*")
    jwks, downloaded_at, *_ = pickle.loads(plain_redis.get(key))
    assert jwks == idp.jwks()
    assert abs(time.time() - downloaded_at) < 3600


# --8<-- [end:lesson-layers]


def test_a_key_set_is_parsed_into_its_signing_keys(idp):
    from jwks_cache.key_set import KeySet

    key_set = KeySet.parse(idp.jwks(), downloaded_at=0)

    assert list(key_set.signing_keys) == [idp.current_key.kid]
    assert key_set.jwks == idp.jwks()


def test_keys_that_cannot_sign_a_token_are_left_out(idp):
    from jwks_cache.key_set import KeySet

    no_kid = SigningKey.generate().public_jwk()
    del no_kid["kid"]
    encryption = {**SigningKey.generate(kid="for-encryption").public_jwk()}
    encryption["use"] = "enc"
    jwks = {"keys": [*idp.jwks()["keys"], no_kid, encryption]}

    assert list(KeySet.parse(jwks, 0).signing_keys) == [idp.current_key.kid]


def test_a_key_set_without_a_usable_key_is_pyjwts_error():
    from jwks_cache.key_set import KeySet

    with pytest.raises(PyJWKSetError):
        KeySet.parse({"keys": []}, downloaded_at=0)
