"""Every step's suite passes, and every step has lesson tests of its own.

A step's own lessons are the tests marked ``@pytest.mark.lesson(step=N)``
(CONTRIBUTING.md); ``-m "lesson(step=N)"`` selects them. That each of them fails on
the step before, and passes on the step, is proven the way a learner meets it, in
exercise mode: tests/test_workspace.py.

docker-compose.yml pins redis:6.2.6-alpine, while the tests run a newer Valkey,
which would accept a command added since: when the suites share a Redis this run
started, Redis's own count of what it served (INFO commandstats) is checked
against the commands of Redis 6.2 after each suite.
"""

import os

import pytest
import redis

from tests.runner import assert_suite_passed, run_suite
from tutorial.course.steps import Step, discover_steps

STEPS = discover_steps()

# Commands of Redis 6.2 that the steps and their tests may use. Before adding one,
# check that Redis 6.2 has it (https://redis.io/commands, "Available since").
# fmt: off
REDIS_6_2_COMMANDS = {
    "auth", "client", "command", "config", "dbsize", "del", "echo", "eval", "exists",
    "expire", "flushdb", "get", "hello", "hget", "hgetall", "hincrby", "hset",
    "incr", "incrby", "info", "keys", "mget", "pexpire", "ping", "psetex", "pttl",
    "quit", "scan", "select", "set", "setex", "setnx", "shutdown", "ttl", "type",
    "unlink",
}
# fmt: on


def commands_served(url: str) -> set[str]:
    """The commands Redis served since it started; ``client|setname`` is client."""
    client = redis.Redis.from_url(url)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {name.removeprefix("cmdstat_").split("|")[0] for name in stats}


def step_ids(step: Step) -> str:
    return step.name


def own_lessons(step: Step) -> str:
    """The ``-m`` expression that selects the lesson tests ``step`` introduced."""
    return f"lesson(step={step.number})"


def test_the_tutorial_has_steps():
    assert STEPS, "no steps/NN-slug folders found"
    assert STEPS[0].name == "00-starting-point"


# The steps' test_cache_isolation.py runs its own suite a second time, nested,
# against a Redis it fills first, to prove that the suite leaves a shared Redis
# as it found it. Here the suite runs against a shared Redis anyway, so this
# test checks that itself, and the nested run (a second suite per step) skips.
KEYS_CHECKED_BY_THE_CALLER = {"TUTORIAL_SUITE_KEYS_CHECKED": "1"}


def all_keys(url: str) -> set[bytes]:
    client = redis.Redis.from_url(url)
    try:
        return set(client.scan_iter())
    finally:
        client.close()


@pytest.mark.parametrize("step", STEPS, ids=step_ids)
def test_step_suite_passes(step: Step, shared_redis_url: str, record_step_summary):
    keys_before = all_keys(shared_redis_url)
    run = run_suite(
        step.path, redis_url=shared_redis_url, env=KEYS_CHECKED_BY_THE_CALLER
    )

    record_step_summary(step.name, run.summary)
    assert_suite_passed(run, step.name)
    if not run.outcomes:
        pytest.fail(run.report(f"{step.name} ran no tests"), pytrace=False)
    left = all_keys(shared_redis_url) - keys_before
    assert not left, f"{step.name}'s suite left keys in a shared Redis: {sorted(left)}"
    if not os.environ.get("REDIS_URL"):  # this run's Redis: nobody else's commands
        newer = commands_served(shared_redis_url) - REDIS_6_2_COMMANDS
        assert not newer, f"Redis commands that Redis 6.2 lacks: {sorted(newer)}"


# That they fail on the step before is proven in exercise mode, for every step
# that has one before it (tests/test_workspace.py); this reads the marks alone.
@pytest.mark.parametrize("step", STEPS, ids=step_ids)
def test_step_has_lesson_tests_of_its_own(step: Step):
    mark = f"@pytest.mark.{own_lessons(step)}"
    marked = [
        path.name
        for path in sorted((step.path / "tests").glob("test_*.py"))
        if mark in path.read_text(encoding="utf-8")
    ]
    assert marked, f"{step.name} has no {mark} test"
