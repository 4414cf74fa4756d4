"""Whatever Redis holds under the key set's name, a valid token gets 200.

A fault that is not an outage: Redis answers, but with a value of another type
under the key set's key (a hash, say). It may not pass for an outage, nor cost
a worker that holds a usable key set its answer.
"""

import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field

import pytest
import redis

from tutorial.kit.redis import keys_holding

OUTAGE_WARNING = "Redis is unreachable"


def key_holding(client: redis.Redis, pattern: str, kid: str) -> bytes:
    """The one key matching ``pattern`` whose value holds ``kid``: the key set's."""
    [key] = keys_holding(client, kid.encode(), match=pattern)
    return key


def plant_a_hash(client: redis.Redis, key: bytes) -> None:
    client.delete(key)
    client.hset(key, "planted", "not a key set")


@dataclass
class HangingRedis:
    """A Redis that accepts connections and never answers; it counts them."""

    url: str
    connections: list[socket.socket] = field(default_factory=list)


@pytest.fixture
def hanging_redis() -> Iterator[HangingRedis]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        hanging = HangingRedis(f"redis://:any-password@127.0.0.1:{port}/0")

        def accept() -> None:
            with suppress(OSError):  # the listener closed: the test is over
                while True:
                    hanging.connections.append(listener.accept()[0])

        threading.Thread(target=accept, daemon=True).start()
        yield hanging
    for connection in hanging.connections:
        connection.close()


@pytest.fixture
def every_request_reads_redis(settings):
    # From the two-tiers step on, a process answers from memory for a while.
    settings.JWKS_IN_PROCESS_SECONDS = 0


# --8<-- [start:lesson-hash]
@pytest.mark.lesson(step=10)
def test_a_hash_under_the_key_sets_key_is_no_outage(
    idp,
    mint_token,
    get_me,
    plain_redis,
    test_key_prefix,
    every_request_reads_redis,
    caplog,
):
    token = mint_token()
    assert get_me(token).status_code == 200
    key = key_holding(plain_redis, f"{test_key_prefix}:*", idp.current_key.kid)
    plant_a_hash(plain_redis, key)

    assert get_me(token).status_code == 200
    assert OUTAGE_WARNING not in caplog.text
    assert plain_redis.type(key) == b"string"  # refused, and replaced
    assert idp.downloads == 1  # by the set this worker held: no download


# --8<-- [end:lesson-hash]


@pytest.mark.lesson(step=10)
def test_the_plain_client_gives_redis_half_a_second(
    idp, mint_token, get_me, settings, hanging_redis
):
    settings.JWKS_REDIS_URL = hanging_redis.url  # accepts, and never answers
    settings.JWKS_REDIS_TIMEOUT = 0.25
    token = mint_token()
    answers: list = []
    requests = threading.Thread(
        target=lambda: answers.extend(get_me(token) for _ in range(3))
    )

    requests.start()
    # Far more than the setting, less than redis-py's own 5 s (for ever before 8).
    requests.join(timeout=3.5)

    assert hanging_redis.connections, "the cache never asked JWKS_REDIS_URL's Redis"
    assert len(answers) == 3, "a request was still waiting for Redis after 3.5 s"
    assert [answer.status_code for answer in answers] == [200, 200, 200]
