"""The download lock's owner: only it ends the lock, and it keeps the lock alive.

Until step 12, any worker deleted the lock when its download ended, even a lock
that had expired meanwhile and gone to another worker: a third worker could then
download beside the second. Now the lock holds its owner's token.
"""

import time

import pytest

from core.jwks import CachingJWKClient
from core.shared_cache import shared_cache


# --8<-- [start:lesson-locks-owner]
@pytest.mark.lesson(step=13)
def test_a_worker_ends_only_its_own_lock(idp):
    first, second = CachingJWKClient(idp.jwks_url), CachingJWKClient(idp.jwks_url)
    mine = first.claim_download()
    # The first download outlived its lock, which expired; another worker took it.
    shared_cache.delete(first.download_lock_key)
    theirs = second.claim_download()

    first.release_download(mine)  # the first download ends, late

    assert shared_cache.get(second.download_lock_key) == theirs


@pytest.mark.lesson(step=13)
def test_the_lock_outlives_a_download_that_is_still_alive(idp):
    client = CachingJWKClient(idp.jwks_url, timeout=0.5)  # a lock of one second
    token = client.claim_download()

    with client.keeping_lock(token):  # what a download runs in
        time.sleep(3 * client.download_lock_seconds / 2)
        assert shared_cache.get(client.download_lock_key) == token

    client.release_download(token)
    assert shared_cache.get(client.download_lock_key) is None


# --8<-- [end:lesson-locks-owner]


def test_the_lock_is_kept_a_few_times_at_most(idp):
    client = CachingJWKClient(idp.jwks_url, timeout=0.2)  # a lock of 0.4 s
    token = client.claim_download()

    with client.keeping_lock(token):
        # A download that trickles on for longer than its keeps loses the lock.
        deadline = time.monotonic() + 30  # generous, for a busy laptop
        while shared_cache.get(client.download_lock_key) is not None:
            assert time.monotonic() < deadline, "the lock was kept for ever"
            time.sleep(0.05)


def test_a_failed_download_marks_only_its_own_lock(idp):
    first, second = CachingJWKClient(idp.jwks_url), CachingJWKClient(idp.jwks_url)
    mine = first.claim_download()
    shared_cache.delete(first.download_lock_key)  # expired, as above
    theirs = second.claim_download()

    first.mark_download_failed(mine)  # the first download failed, late

    assert shared_cache.get(second.download_lock_key) == theirs
