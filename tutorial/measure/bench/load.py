"""The load ``tutorial bench`` sends: Locust as a library, in a process of its own.

Locust runs on gevent, which patches the standard library of the process that
imports it, so it gets a process to itself: ``python -m tutorial.measure.bench.load``,
started once per bench, which spares each load Locust's start-up. It prints
``ready``; then each line on stdin is one load, as JSON::

    {"host": "http://127.0.0.1:8000", "tokens": ["eyJ..."], "requests": 2000,
     "expected_status": 200, "clients": 16}

Every client sends its next request as soon as its last one is answered, the
tokens in turn, until ``requests`` have been sent, or, when the order has
``"seconds"``, until that many seconds have passed (``requests`` is then a
cap). The answer is one line of JSON, one entry per answer: when the request
was sent (seconds since the epoch), how long it took (milliseconds), and whether
the status was the expected one.
End of input ends the process.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from typing import Any

import gevent.event
from locust import FastHttpUser, constant, task
from locust.env import Environment
from locust.exception import StopUser

from tutorial.kit.net import ME_PATH

DEADLINE_SECONDS = 1800  # a load that hangs still ends


class Load:
    """One load: the tokens to send, and the answers so far."""

    def __init__(self, order: dict[str, Any]) -> None:
        self.tokens: list[str] = order["tokens"]
        self.requests: int = order["requests"]
        self.expected_status: int = order["expected_status"]
        seconds = order.get("seconds")
        self.ends_at = time.monotonic() + seconds if seconds else None
        self.tickets = itertools.count()
        self.sent = 0
        self.answers: list[tuple[float, float, bool]] = []
        self.finished = gevent.event.Event()

    def next_token(self) -> str | None:
        ticket = next(self.tickets)
        if ticket >= self.requests or self.out_of_time():
            self.finish_when_all_answered()
            return None
        self.sent += 1
        return self.tokens[ticket % len(self.tokens)]

    def out_of_time(self) -> bool:
        return self.ends_at is not None and time.monotonic() >= self.ends_at

    def record(
        self, start_time: float, response_time: float, exception: object, **_: object
    ) -> None:
        self.answers.append((start_time, response_time, exception is None))
        if len(self.answers) == self.requests:
            self.finished.set()

    def finish_when_all_answered(self) -> None:
        # A client that stops sends nothing more: once every request sent has
        # its answer, the load is over (a timed load ends here).
        if len(self.answers) == self.sent:
            self.finished.set()


class ApiClient(FastHttpUser):
    wait_time = constant(0)
    load: Load  # the load being sent, set before the clients start

    @task
    def get_me(self) -> None:
        token = self.load.next_token()
        if token is None:
            raise StopUser()
        headers = {"Authorization": f"Bearer {token}"}
        with self.client.get(ME_PATH, headers=headers, catch_response=True) as answer:
            if answer.status_code == self.load.expected_status:
                answer.success()
            else:
                answer.failure(f"{answer.status_code}, not {self.load.expected_status}")


def send(order: dict[str, Any]) -> list[tuple[float, float, bool]]:
    load = Load(order)
    ApiClient.load = load
    environment = Environment(user_classes=[ApiClient], host=order["host"])
    environment.events.request.add_listener(load.record)
    runner = environment.create_local_runner()
    # Every client at once: a cold start is many requests arriving together.
    runner.start(order["clients"], spawn_rate=order["clients"] * 1000)
    load.finished.wait(timeout=DEADLINE_SECONDS)
    runner.quit()
    return load.answers


def main() -> int:
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(send(json.loads(line))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
