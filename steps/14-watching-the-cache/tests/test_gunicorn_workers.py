"""Several gunicorn workers, one Redis: fifty requests, one download.

This is the claim of the step made on a real server: separate worker processes
share nothing in memory, so only Redis can spare them the download.
"""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tutorial.kit.net import get_me_over_http
from tutorial.kit.stack import provider_env, run_gunicorn

STEP_DIR = Path(__file__).resolve().parents[1]
WORKERS = 3
REQUESTS = 50
# run_gunicorn's access log: a line per request, naming the worker that answered.
#     <4242> "GET /api/v1/me HTTP/1.1" 200 123
ACCEPTED_BY_WORKER = re.compile(r'^<(\d+)> "GET \S+ HTTP/1\.1" 200 ', re.MULTILINE)


def test_fifty_requests_to_three_workers_download_the_jwks_once(
    idp, mint_token, private_redis_url
):
    token = mint_token()
    env = {**provider_env(idp), "REDIS_URL": private_redis_url}

    with run_gunicorn(STEP_DIR, env=env, workers=WORKERS) as server:
        # The first request fills the cache; the rest find it there.
        assert get_me_over_http(server.port, token) == 200
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(
                pool.map(
                    lambda _: get_me_over_http(server.port, token), range(REQUESTS - 1)
                )
            )

    assert statuses == [200] * (REQUESTS - 1)
    assert idp.downloads == 1
    workers = set(ACCEPTED_BY_WORKER.findall(server.log_text()))
    assert len(workers) > 1, f"only worker {workers} accepted a token"
