"""The download lock's owner: only the worker whose download holds the lock ends it.

A download may outlive its lock, which then expires, and another worker takes
it. When the first download ends, it must leave that worker's lock alone:
deleting it would let a third worker download beside the second.
"""

import threading
import time

import pytest

# Generous: how long a download may take to reach the provider on a busy laptop.
REACH_SECONDS = 30


def wait_for(condition, seconds: float = REACH_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the download never reached the provider"
        time.sleep(0.01)


# --8<-- [start:lesson-owner]
@pytest.mark.lesson(step=11)
def test_a_download_that_outlived_its_lock_leaves_the_next_owners_lock_alone(
    idp, plain_redis, test_key_prefix
):
    from core.jwks import CachingJWKClient

    idp.hold()  # the download reaches the provider, and waits there
    downloading = threading.Thread(
        target=CachingJWKClient(idp.jwks_url).get_jwk_set, daemon=True
    )
    downloading.start()
    wait_for(lambda: idp.downloads == 1)
    [lock] = plain_redis.scan_iter(match=f"{test_key_prefix}:*download*")
    # Its lock expired, and another worker took it: its token is in the lock.
    plain_redis.set(lock, "another-workers-token", ex=60)

    idp.release()  # the first download ends, late
    downloading.join()

    assert plain_redis.get(lock) == b"another-workers-token"


# --8<-- [end:lesson-owner]


def test_the_lock_is_gone_once_the_download_has_ended(
    idp, mint_token, get_me, plain_redis, test_key_prefix
):
    assert get_me(mint_token()).status_code == 200

    assert list(plain_redis.scan_iter(match=f"{test_key_prefix}:*download*")) == []
