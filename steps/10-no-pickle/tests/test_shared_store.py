"""No pickle in Redis: the JWKS is JSON with an integrity tag, or it is refused.

Until this step the JWKS was in Django's cache, which pickles what it stores and
unpickles what it reads: whoever could write to the Redis could make every
worker run code of theirs, or slip in a key set with a public key of theirs and
sign any token they liked. Here the entry is JSON followed by an HMAC tag; a
planted pickle, a tampered entry, or one without a usable key is refused,
logged, and replaced: by the set the worker holds, or by a download. Nothing in
it ever runs.
"""

import json
import logging
import pickle
import time
from pathlib import Path

import pytest
from django.core.signing import Signer

from tutorial.kit.idp import SigningKey
from tutorial.kit.redis import keys_holding

REFUSED = "Refused the JWKS entry in Redis"


class RunsCodeWhenUnpickled:
    """What an attacker plants: unpickling it calls ``Path.touch(marker)``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


@pytest.fixture
def entry_key(idp, mint_token, get_me, settings, plain_redis, test_key_prefix):
    """Where the API keeps the JWKS in Redis, once a first request has put it there.

    Found by what it holds, the provider's kid, so that the same test runs on
    the step before, whatever that step names its keys.
    """
    # Each request reads Redis: no process memory between the plant and us.
    settings.JWKS_IN_PROCESS_SECONDS = 0
    assert get_me(mint_token()).status_code == 200
    kid = idp.current_key.kid.encode()
    [key] = keys_holding(plain_redis, kid, match=f"{test_key_prefix}:*")
    return key


# --8<-- [start:lesson-pickle]
@pytest.mark.lesson(step=10)
def test_a_planted_pickle_never_runs_and_is_replaced(
    idp, mint_token, get_me, plain_redis, entry_key, tmp_path, caplog
):
    marker = tmp_path / "the-pickle-ran"
    planted = pickle.dumps(RunsCodeWhenUnpickled(marker))
    plain_redis.set(entry_key, planted, keepttl=True)

    response = get_me(mint_token(sub="after-the-plant"))

    assert not marker.exists(), "the API unpickled what it read from Redis"
    assert response.status_code == 200, response.content
    assert REFUSED in caplog.text
    # Refused, and replaced by the set this worker held: no download needed.
    assert idp.downloads == 1
    assert plain_redis.get(entry_key) != planted


# --8<-- [end:lesson-pickle]


# --8<-- [start:lesson-tampered]
@pytest.mark.lesson(step=10)
def test_a_key_slipped_into_the_entry_is_refused(
    idp, mint_token, get_me, plain_redis, entry_key, caplog
):
    # An attacker who can write to Redis, but lacks the integrity key, adds a
    # public key of theirs to the set, and keeps the tag that was there.
    stored, _, tag = plain_redis.get(entry_key).decode().rpartition(":")
    entry = json.loads(stored)  # the key set first, then when, and for how long
    attacker = SigningKey.generate(kid="attackers-key")
    entry[0]["keys"].append(attacker.public_jwk())
    plain_redis.set(entry_key, f"{json.dumps(entry)}:{tag}", keepttl=True)

    forged = get_me(mint_token(sub="mallory", key=attacker))

    assert forged.status_code == 401, forged.content
    assert REFUSED in caplog.text
    assert get_me(mint_token(sub="alice")).status_code == 200


# --8<-- [end:lesson-tampered]


def test_the_entry_is_json_with_a_tag(idp, plain_redis, entry_key):
    stored, _, tag = plain_redis.get(entry_key).decode().rpartition(":")

    jwks, *_ = json.loads(stored)
    assert jwks == idp.jwks()
    assert tag


def signed(entry: list) -> str:
    """``entry`` as JSON, tagged with the integrity key of the settings of now."""
    from jwks_cache.stack import integrity_signer

    return integrity_signer().sign(json.dumps(entry))


def test_a_signed_entry_without_a_usable_key_is_refused(
    idp, mint_token, get_me, plain_redis, entry_key, caplog
):
    empty = [{"keys": []}, time.time(), 3600]  # jwks, downloaded_at, fresh_for
    plain_redis.set(entry_key, signed(empty), keepttl=True)

    assert get_me(mint_token()).status_code == 200
    assert REFUSED in caplog.text
    assert idp.downloads == 1  # replaced by the set this worker held


def test_an_entry_tagged_with_another_key_is_refused(
    idp, mint_token, get_me, plain_redis, entry_key, caplog
):
    # Another deployment's entry, say, written with another JWKS_INTEGRITY_KEY.
    theirs = [idp.jwks(), time.time(), 3600]
    tagged = Signer(key="another-deployment").sign(json.dumps(theirs))
    plain_redis.set(entry_key, tagged, keepttl=True)

    caplog.set_level(logging.WARNING, logger="jwks")
    assert get_me(mint_token()).status_code == 200
    assert REFUSED in caplog.text
    assert idp.downloads == 1  # replaced by the set this worker held
