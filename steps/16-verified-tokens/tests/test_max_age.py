"""The provider's Cache-Control max-age: how long the set is fresh, within bounds.

A provider knows when it will rotate, and says so in Cache-Control. Its word is
taken, but no less than JWKS_MIN_CACHE_SECONDS (a max-age of 0 would cost a
download per request) and no more than JWKS_MAX_CACHE_SECONDS (a key it
withdraws must not stay trusted for a year). Without the header, the set is
fresh for JWKS_CACHE_SECONDS, as before.
"""

import time

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from tutorial.kit.redis import keys_holding

FLOOR, CEILING, STALE, CACHE_SECONDS = 60, 3600, 1000, 300
# Seconds a slow machine may take between storing the entry and asking its TTL.
LEEWAY = 30


@pytest.fixture
def bounds(settings) -> None:
    settings.JWKS_MIN_CACHE_SECONDS = FLOOR
    settings.JWKS_MAX_CACHE_SECONDS = CEILING
    settings.JWKS_STALE_SECONDS = STALE


def seconds_redis_keeps_the_set(client: redis.Redis, prefix: str, kid: str) -> int:
    """The TTL of the one key of ours whose value holds ``kid``: the cached set's."""
    [key] = keys_holding(client, kid.encode(), match=f"{prefix}:*")
    return client.ttl(key)


# --8<-- [start:lesson-max-age]
@pytest.mark.lesson(step=13)
@pytest.mark.parametrize(
    ("cache_control", "fresh_for"),
    [
        ("public, max-age=600", 600),  # honoured
        ("max-age=5", FLOOR),  # raised to the floor
        ("max-age=31536000", CEILING),  # a year: lowered to the ceiling
        ("no-store", FLOOR),  # "do not keep it": kept for the floor, no less
    ],
)
def test_max_age_is_honoured_within_bounds(
    idp,
    mint_token,
    get_me,
    bounds,
    plain_redis,
    test_key_prefix,
    cache_control,
    fresh_for,
):
    idp.cache_control = cache_control

    assert get_me(mint_token()).status_code == 200

    # Redis keeps the set while it is fresh, then JWKS_STALE_SECONDS more.
    kept = seconds_redis_keeps_the_set(
        plain_redis, test_key_prefix, idp.current_key.kid
    )
    assert fresh_for + STALE - LEEWAY < kept <= fresh_for + STALE


# --8<-- [end:lesson-max-age]


def test_without_the_header_the_set_is_fresh_for_jwks_cache_seconds(
    idp, mint_token, get_me, bounds, settings, plain_redis, test_key_prefix
):
    assert get_me(mint_token()).status_code == 200

    kept = seconds_redis_keeps_the_set(
        plain_redis, test_key_prefix, idp.current_key.kid
    )
    expected = settings.JWKS_CACHE_SECONDS + STALE
    assert expected - LEEWAY < kept <= expected


def test_the_set_is_downloaded_again_once_max_age_has_passed(
    idp, mint_token, get_me, settings
):
    settings.JWKS_MIN_CACHE_SECONDS = 0  # no floor: a one-second max-age, honoured
    settings.JWKS_IN_PROCESS_SECONDS = 0  # every request asks Redis
    idp.cache_control = "max-age=1"
    token = mint_token()
    assert get_me(token).status_code == 200
    assert idp.downloads == 1

    time.sleep(1.5)  # past max-age, however slow the machine: no upper bound
    assert get_me(token).status_code == 200
    # With refresh ahead, the download may run in the background.
    deadline = time.monotonic() + 60
    while idp.downloads < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert idp.downloads == 2


@pytest.mark.parametrize(
    ("cache_control", "max_age"),
    [
        ("max-age=300", 300),
        ('public, MAX-AGE="120", must-revalidate', 120),
        ("max-age=300, no-cache", 0),
        ("no-store", 0),
        ("max-age=soon", None),
        ("public", None),
        (None, None),
        # Shapes seen from providers, or from whoever stands in front of one.
        ("max-age=\u00b2", None),  # "²": str.isdigit() says yes, int() says no
        ("max-age=\u0663", None),  # an Arabic-Indic three
        ("max-age=-5", None),
        ("max-age=1e3", None),
        ("max-age=" + "9" * 5000, None),  # past the digits int() may read
        ("max-age", None),
        ("max-age=", None),
        (",,,=,", None),
        ("", None),
    ],
)
def test_reading_cache_control(cache_control, max_age):
    from jwks_cache.cache_control import max_age_of

    assert max_age_of(cache_control) == max_age


def freshness_of(cache_control: str | None, age: str | None = None) -> float:
    from jwks_cache.cache_control import Freshness

    freshness = Freshness(default=CACHE_SECONDS, floor=FLOOR, ceiling=CEILING)
    return freshness.of(cache_control, age)


@pytest.mark.lesson(step=13)
def test_a_max_age_counts_from_when_the_answer_was_made():
    # A cache on the way (a CDN) kept the answer for 100 s already: Age says so.
    assert freshness_of("max-age=600", age="100") == 500
    assert freshness_of("max-age=600", age="not a number") == 600


@given(st.text(), st.one_of(st.none(), st.text()))
def test_any_header_gives_a_freshness_within_the_bounds(cache_control, age):
    fresh_for = freshness_of(cache_control, age)

    assert fresh_for == CACHE_SECONDS or FLOOR <= fresh_for <= CEILING


@given(
    st.from_regex(r"(max-age|no-store|public)(=.{0,12})?(, ?.{0,12})*", fullmatch=True),
    st.from_regex(r"[0-9]{0,12}", fullmatch=True),
)
def test_any_max_age_gives_a_freshness_within_the_bounds(cache_control, age):
    fresh_for = freshness_of(cache_control, age)

    assert fresh_for == CACHE_SECONDS or FLOOR <= fresh_for <= CEILING
