"""The provider fails after a good key set was cached: it serves, stale, to a cap.

401 is for the token's faults, 503 with Retry-After for the provider's, and a
valid token never gets a 500. A bad answer from the provider never replaces a
good set; a slow one is given up on after JWKS_FETCH_TIMEOUT seconds.
"""

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.jwks import CachingJWKClient
from core.shared_cache import shared_cache
from tutorial.kit.idp import Fault
from tutorial.kit.net import ME_PATH, get_me_over_http
from tutorial.kit.stack import provider_env, run_gunicorn

STEP_DIR = Path(__file__).resolve().parents[1]
# Short, so the test sees the set go stale, then past the cap.
CACHE_SECONDS, STALE_SECONDS = 1, 5
PATIENCE_SECONDS = 120


def retry_after(port: int, token: str) -> str | None:
    """The Retry-After header of an answer of the API on ``port``."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{ME_PATH}",
        headers={"Authorization": f"Bearer {token}"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=60) as response:
            return response.headers.get("Retry-After")
    except urllib.error.HTTPError as error:
        return error.headers.get("Retry-After")


# --8<-- [start:lesson-stale]
@pytest.mark.lesson(step=7)
def test_a_failing_provider_is_covered_by_the_stale_set_up_to_a_cap(
    idp, mint_token, private_redis_url
):
    token = mint_token()
    env = {
        **provider_env(idp),
        "REDIS_URL": private_redis_url,
        "JWKS_CACHE_SECONDS": str(CACHE_SECONDS),
        "JWKS_STALE_SECONDS": str(STALE_SECONDS),
    }
    with run_gunicorn(STEP_DIR, env=env, workers=2) as server:
        assert get_me_over_http(server.port, token) == 200
        idp.fault = Fault.SERVER_ERROR
        downloads_while_healthy = idp.downloads

        # (status, whether the provider had failed a download by then), until a 503.
        answers: list[tuple[int, bool]] = []
        deadline = time.monotonic() + PATIENCE_SECONDS
        while time.monotonic() < deadline:
            status = get_me_over_http(server.port, token)
            answers.append((status, idp.downloads > downloads_while_healthy))
            if status != 200:
                break
            time.sleep(0.2)
        assert retry_after(server.port, token) is not None

    statuses = [status for status, _ in answers]
    assert statuses[-1] == 503, "the stale set was served past its cap"
    assert set(statuses[:-1]) == {200}
    # Some 200s came after the provider had failed: the stale set covered them.
    assert any(status == 200 and failed for status, failed in answers)
    assert "stale" in server.log_text()


# --8<-- [end:lesson-stale]


@pytest.mark.parametrize(
    "fault", [Fault.SERVER_ERROR, Fault.GARBAGE, Fault.EMPTY_KEY_SET]
)
def test_a_bad_answer_never_replaces_a_good_set(idp, mint_token, get_me, fault):
    assert get_me(mint_token()).status_code == 200
    client = CachingJWKClient(idp.jwks_url)
    good_entry = shared_cache.get(client.cache_key)
    idp.fault = fault

    # A kid the set lacks makes a refresh, which gets the bad answer: this token
    # cannot be checked (503), and the good set stays, in Redis and in use.
    assert get_me(mint_token(kid="maybe-a-new-key")).status_code == 503
    assert shared_cache.get(client.cache_key) == good_entry
    assert get_me(mint_token()).status_code == 200


def test_a_slow_provider_is_given_up_on(idp, mint_token, get_me, settings):
    settings.JWKS_FETCH_TIMEOUT = 1
    idp.delay_seconds = 3  # longer than the fetch timeout

    response = get_me(mint_token())

    assert response.status_code == 503, response.content
    assert int(response["Retry-After"]) > 0
