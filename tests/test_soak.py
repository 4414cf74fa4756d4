"""The last step under a minute of load while Redis restarts and the key rotates.

Every request carries a valid token, so every answer must be 200: no 5xx, no
silence, no valid token refused. The downloads are reported, not judged: the
matrix counts them scenario by scenario.
"""

from collections.abc import Callable

from tutorial.course.steps import discover_steps
from tutorial.measure.soak import KILL_REDIS, ROTATE, START_REDIS, run_soak, timeline

LAST_STEP = discover_steps()[-1]
SECONDS, RESTART_EVERY = 60, 10  # a minute of load; Redis restarts every 10 s


def test_the_last_step_answers_every_valid_token_through_restarts_and_a_rotation(
    record_property: Callable[[str, object], None],
):
    report = run_soak(
        LAST_STEP, seconds=SECONDS, clients=4, workers=4, restart_every=RESTART_EVERY
    )
    print(report.summary())
    record_property("soak", report.summary())

    assert report.redis_restarts == 5
    assert report.rotated
    what_went_wrong = "\n".join([report.summary(), *report.unexpected])
    assert report.server_errors == 0, what_went_wrong
    assert report.refused == 0, what_went_wrong
    assert report.survived, what_went_wrong
    # The first fill, and the rotated key: each needs at least one download.
    assert report.downloads >= 2


def test_redis_is_back_before_the_end_and_the_rotation_comes_at_half_time():
    assert timeline(seconds=25, restart_every=10) == [
        (10, KILL_REDIS),
        (11.5, START_REDIS),
        (12.5, ROTATE),
        (20, KILL_REDIS),
        (21.5, START_REDIS),
    ]
    # At the same moment as a kill, the rotation comes second: while Redis is down.
    assert timeline(seconds=20, restart_every=10)[:2] == [
        (10, KILL_REDIS),
        (10, ROTATE),
    ]
