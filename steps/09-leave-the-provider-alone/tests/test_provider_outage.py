"""The provider fails after a good key set was cached: it serves, stale, to a cap.

401 is for the token's faults, 503 with Retry-After for the provider's, and a
valid token never gets a 500. A bad answer from the provider never replaces a good
set; a slow one is given up on after JWKS_FETCH_TIMEOUT seconds.
"""

import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tutorial.kit.idp import Fault
from tutorial.kit.net import ME_PATH, get_me_over_http
from tutorial.kit.redis import delete_keys, keys_holding
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
@pytest.mark.lesson(step=8)
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


def stored_entry(idp, plain_redis, test_key_prefix) -> bytes:
    kid = idp.current_key.kid.encode()
    [key] = keys_holding(plain_redis, kid, match=f"{test_key_prefix}:*")
    return plain_redis.get(key)


# --8<-- [start:lesson-bad-answer]
def a_bad_answer_leaves_the_good_set(
    idp, mint_token, get_me, plain_redis, test_key_prefix, fault: Fault
) -> None:
    assert get_me(mint_token()).status_code == 200
    good_entry = stored_entry(idp, plain_redis, test_key_prefix)
    idp.fault = fault

    # A kid the set lacks makes a refresh, which gets the bad answer: this token
    # cannot be checked (503), and the good set stays, in Redis and in use.
    assert get_me(mint_token(kid="maybe-a-new-key")).status_code == 503
    assert stored_entry(idp, plain_redis, test_key_prefix) == good_entry
    assert get_me(mint_token()).status_code == 200


@pytest.mark.lesson(step=8)
def test_a_set_with_no_key_that_can_sign_never_replaces_a_good_set(
    idp, mint_token, get_me, plain_redis, test_key_prefix
):
    # Keys, but none with a kid: PyJWKSet parses it, and no token can name a key.
    fault = Fault.KEYS_WITHOUT_KID
    a_bad_answer_leaves_the_good_set(
        idp, mint_token, get_me, plain_redis, test_key_prefix, fault
    )


@pytest.mark.parametrize(
    "fault",
    [
        Fault.SERVER_ERROR,
        Fault.GARBAGE,
        Fault.DEEP,
        Fault.EMPTY_KEY_SET,
        Fault.EMPTY_OBJECT,
    ],
    ids=lambda fault: fault.value,
)
def test_an_answer_that_fails_to_parse_never_replaces_a_good_set(
    idp, mint_token, get_me, plain_redis, test_key_prefix, fault
):
    a_bad_answer_leaves_the_good_set(
        idp, mint_token, get_me, plain_redis, test_key_prefix, fault
    )


@pytest.mark.lesson(step=8)
def test_a_cold_worker_gets_the_stale_set_from_redis(idp, settings):
    from core.jwks import CachingJWKClient

    settings.JWKS_CACHE_SECONDS = 1
    CachingJWKClient(idp.jwks_url).get_signing_keys()  # a worker fills Redis
    idp.fault = Fault.SERVER_ERROR
    time.sleep(1.2)  # the set is stale from now on
    cold_worker = CachingJWKClient(idp.jwks_url)  # a worker started since

    # The provider fails, and this worker has nothing in memory: Redis has it.
    assert cold_worker.find_signing_key(idp.current_key.kid) is not None


# --8<-- [end:lesson-bad-answer]


@pytest.mark.parametrize("fault", [Fault.GARBAGE, Fault.DEEP], ids=lambda f: f.value)
def test_a_stale_set_covers_an_answer_that_is_not_json(idp, settings, fault):
    from core.jwks import CachingJWKClient

    settings.JWKS_CACHE_SECONDS = 1
    CachingJWKClient(idp.jwks_url).get_signing_keys()
    idp.fault = fault
    time.sleep(1.2)  # the set is stale from now on
    cold_worker = CachingJWKClient(idp.jwks_url)

    assert cold_worker.find_signing_key(idp.current_key.kid) is not None


# --8<-- [start:lesson-timeout]
@pytest.mark.lesson(step=8)
def test_a_provider_that_never_answers_is_given_up_on(
    idp, mint_token, get_me, settings
):
    settings.JWKS_FETCH_TIMEOUT = 1
    token = mint_token()
    idp.hold()  # every download waits, with no answer, until released
    answers: list = []
    request = threading.Thread(target=lambda: answers.append(get_me(token)))

    request.start()
    # Far more than the timeout, far less than PyJWT's 30 s default.
    request.join(timeout=15)
    idp.release()
    request.join()

    assert answers, "the request was still waiting after 15 s"
    assert answers[0].status_code == 503, answers[0].content
    assert int(answers[0]["Retry-After"]) > 0


# --8<-- [end:lesson-timeout]


@pytest.mark.lesson(step=8)
def test_redis_restarted_empty_while_the_provider_fails_is_no_503(
    idp, mint_token, get_me, redis_url, test_key_prefix
):
    token = mint_token()
    assert get_me(token).status_code == 200

    delete_keys(redis_url, f"{test_key_prefix}:*")  # what a restart loses
    idp.stop()

    # This worker still holds the set it used a moment ago.
    assert get_me(token).status_code == 200
