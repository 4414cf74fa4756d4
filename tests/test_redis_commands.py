"""The steps send Redis only commands that Redis 6.2, the compose image, knows.

docker-compose.yml pins redis:6.2.6-alpine, while the tests run a newer Valkey,
which would accept a command added since. So the last step's whole suite runs
against a Redis of this test's own, and Redis's own count of the commands it
served (INFO commandstats) is checked against the commands of Redis 6.2.
"""

import redis

from tests.runner import assert_suite_passed, run_suite
from tutorial.redis import throwaway_redis_server
from tutorial.steps import discover_steps

# Commands of Redis 6.2 that the steps and their tests may use. Before adding one,
# check that Redis 6.2 has it (https://redis.io/commands, "Available since").
# fmt: off
REDIS_6_2_COMMANDS = {
    "auth", "client", "command", "config", "dbsize", "del", "echo", "exists",
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


def test_the_last_step_uses_only_commands_redis_6_2_knows():
    last = discover_steps()[-1]
    with throwaway_redis_server() as url:
        run = run_suite(last.path, redis_url=url)
        assert_suite_passed(run, last.name)
        used = commands_served(url)

    assert "get" in used and "set" in used  # the suite did talk to this Redis
    assert used <= REDIS_6_2_COMMANDS, (
        f"{last.name} sent Redis commands that are not in Redis 6.2's list: "
        f"{sorted(used - REDIS_6_2_COMMANDS)}"
    )
