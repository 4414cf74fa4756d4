"""A flood of tokens with made-up kids, over several gunicorn workers: one download.

Each made-up kid is unknown, so each could be a rotation worth a refresh. A
cooldown kept in each process would still let every worker download; the
cooldown in Redis lets one refresh through for the whole fleet.
"""

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tutorial.kit.net import get_me_over_http
from tutorial.kit.stack import (
    ANSWERING_WORKER,
    RunningServer,
    provider_env,
    run_gunicorn,
)

STEP_DIR = Path(__file__).resolve().parents[1]
WORKERS = 2
REQUESTS = 200
# Long enough for the whole flood to fall within one cooldown on any machine.
COOLDOWN_SECONDS = 3600


@pytest.fixture
def gunicorn(idp, private_redis_url) -> Iterator[RunningServer]:
    env = {
        **provider_env(idp),
        "REDIS_URL": private_redis_url,
        "JWKS_MIN_REFRESH_SECONDS": str(COOLDOWN_SECONDS),
    }
    with run_gunicorn(STEP_DIR, env=env, workers=WORKERS) as server:
        yield server


# --8<-- [start:lesson-flood]
@pytest.mark.lesson(step=6)
def test_a_flood_of_random_kids_costs_one_download_per_cooldown(
    idp, mint_token, gunicorn
):
    assert get_me_over_http(gunicorn.port, mint_token()) == 200  # the set is cached
    downloads_before, log_before = idp.downloads, len(gunicorn.log_text())
    tokens = [mint_token(kid=f"made-up-{uuid.uuid4()}") for _ in range(REQUESTS)]

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda t: get_me_over_http(gunicorn.port, t), tokens))

    assert statuses == [401] * REQUESTS
    # One refresh for the whole fleet, then the cooldown...
    assert idp.downloads - downloads_before == 1
    # ...though every worker answered some of the flood.
    flood_log = gunicorn.log_text()[log_before:]
    assert len(set(ANSWERING_WORKER.findall(flood_log))) == WORKERS


# --8<-- [end:lesson-flood]
