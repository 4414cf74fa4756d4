"""One client per process, made once even when threads ask at once; its memory."""

import threading
from concurrent.futures import ThreadPoolExecutor

from core.jwks import CachingJWKClient

THREADS = 16
REQUESTS = 5


def test_threads_asking_at_once_share_one_client(idp):
    # New in step 09, so imported here: the step before, with this step's
    # tests, still collects them.
    from core.jwks import jwks_client

    start_together = threading.Barrier(THREADS)

    def ask(_: int) -> CachingJWKClient:
        start_together.wait()
        return jwks_client()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        clients = list(pool.map(ask, range(THREADS)))

    assert len({id(client) for client in clients}) == 1


def test_a_key_another_worker_fetched_is_found_in_redis(idp, mint_token, get_me):
    assert get_me(mint_token()).status_code == 200  # this process keeps the set
    idp.rotate()
    another_worker = CachingJWKClient(idp.jwks_url)
    another_worker.get_jwk_set(refresh=True)  # downloads, and shares in Redis
    assert idp.downloads == 2

    response = get_me(mint_token(sub="after-the-rotation"))

    assert response.status_code == 200, response.content
    assert response.json()["sub"] == "after-the-rotation"
    assert idp.downloads == 2  # found in Redis: the provider was not asked


def test_keys_kept_too_long_are_read_again_from_redis(
    idp, mint_token, get_me, settings, mocker
):
    settings.JWKS_IN_PROCESS_SECONDS = 0  # memory answers for no time at all
    read_shared_tier = mocker.spy(CachingJWKClient, "fetch_data")
    token = mint_token()

    for _ in range(REQUESTS):
        assert get_me(token).status_code == 200

    assert read_shared_tier.call_count == REQUESTS
    assert idp.downloads == 1


def test_each_distinct_token_header_is_read_once(idp, mint_token, get_me):
    from core.authentication import kid_of_header

    kid_of_header.cache_clear()

    for sub in ("alice", "bob", "carol"):
        assert get_me(mint_token(sub=sub)).status_code == 200

    # Three tokens signed with one key: one header, read once.
    assert kid_of_header.cache_info().misses == 1
