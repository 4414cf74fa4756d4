"""One client per process: made once, even when threads ask for it at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

THREADS = 16


def test_threads_asking_at_once_share_one_client(idp):
    from core.jwks import jwks_client

    start_together = threading.Barrier(THREADS)

    def ask(_: int) -> object:
        start_together.wait()
        return jwks_client()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        clients = list(pool.map(ask, range(THREADS)))

    assert len({id(client) for client in clients}) == 1
