"""Many cold workers, one slow provider: one download, not one per worker.

With an empty cache, every worker misses at once. A miss is a GET,
a download and a SET, with nothing between the workers: each one downloads. A
lock in Redis (SET NX EX) lets one worker download while the others wait for
its result; a lock whose worker died expires by itself.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from tutorial.kit.idp import Fault
from tutorial.kit.net import get_me_over_http
from tutorial.kit.stack import ANSWERING_WORKER, provider_env, run_gunicorn

STEP_DIR = Path(__file__).resolve().parents[1]
WORKERS = 4
REQUESTS = 50


# --8<-- [start:lesson-stampede]
@pytest.mark.lesson(step=11)
def test_a_cold_fleet_downloads_the_jwks_once(idp, mint_token, private_redis_url):
    # A provider that takes its time: every worker misses before any download ends.
    idp.delay_seconds = 0.3
    token = mint_token()
    env = {**provider_env(idp), "REDIS_URL": private_redis_url}

    with run_gunicorn(STEP_DIR, env=env, workers=WORKERS) as server:
        log_before = len(server.log_text())
        with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
            statuses = list(
                pool.map(
                    lambda _: get_me_over_http(server.port, token), range(REQUESTS)
                )
            )
        stampede_log = server.log_text()[log_before:]

    assert statuses == [200] * REQUESTS
    assert idp.downloads == 1
    # Cold workers missed at once, and still one download: the lock, not luck.
    # (Which workers the kernel hands the connections to is its business; on a
    # busy machine one of the four may get none.)
    assert len(set(ANSWERING_WORKER.findall(stampede_log))) >= 2


# --8<-- [end:lesson-stampede]


def string_keys(client: redis.Redis, prefix: str) -> list[bytes]:
    """The string keys under the test's prefix: what the cache wrote, counters aside."""
    keys = client.scan_iter(match=f"{prefix}:*")
    return [key for key in keys if client.type(key) == b"string"]


@pytest.mark.lesson(step=11)
def test_a_failed_download_frees_the_lock_at_once(
    idp, mint_token, get_me, settings, plain_redis, test_key_prefix
):
    settings.JWKS_FETCH_TIMEOUT = 30  # a lock of a minute, were it left to expire
    token = mint_token()
    idp.hold()  # the cold start's download waits, under its lock
    answers: list = []
    request = threading.Thread(target=lambda: answers.append(get_me(token)))
    request.start()
    deadline = time.monotonic() + 20
    while not string_keys(plain_redis, test_key_prefix):
        assert time.monotonic() < deadline, "no lock in Redis during the download"
        time.sleep(0.01)

    idp.fault = Fault.SERVER_ERROR
    idp.release()
    request.join(timeout=20)

    assert [answer.status_code for answer in answers] == [503]  # nothing to serve
    # The download failed, and its lock ended with it, not a minute later.
    assert string_keys(plain_redis, test_key_prefix) == []
    idp.fault = Fault.NONE
    assert get_me(token).status_code == 200


@pytest.mark.lesson(step=11)
def test_a_lock_whose_worker_died_expires(idp, mint_token, get_me, settings):
    from jwks_cache.download_lock import DownloadLock
    from jwks_cache.redis_store import RedisStore

    store = RedisStore(settings.JWKS_REDIS_URL, settings.JWKS_REDIS_KEY_PREFIX, 1)
    lock = DownloadLock(store, idp.jwks_url, seconds=1)
    # A worker took the download lock, and died before it downloaded anything.
    assert lock.claim() is not None

    # The request waits for that download; once the lock expires, it downloads.
    assert get_me(mint_token()).status_code == 200
    assert idp.downloads == 1
