"""The load ``tutorial bench`` sends with Locust: N requests from many clients at once.

The bench runs ``python -m locust -f tutorial/bench_locustfile.py --headless`` with
``--users`` (the clients) and ``--host`` (the API), and says the rest in variables:

* ``TUTORIAL_BENCH_TOKENS``: a file of tokens, one a line, sent in turn;
* ``TUTORIAL_BENCH_REQUESTS``: how many requests in all;
* ``TUTORIAL_BENCH_EXPECTED_STATUS``: the answer every request should get (200, or
  401 for tokens whose ``kid`` no key has);
* ``TUTORIAL_BENCH_RESULTS``: the file where each answer's timing goes, as JSON.

Each client sends its next request as soon as its last one is answered, and Locust
stops once the last answer is in.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser

ME_PATH = "/api/v1/me"
TOKENS = Path(os.environ["TUTORIAL_BENCH_TOKENS"]).read_text().split()
REQUESTS = int(os.environ["TUTORIAL_BENCH_REQUESTS"])
EXPECTED_STATUS = int(os.environ["TUTORIAL_BENCH_EXPECTED_STATUS"])
RESULTS = Path(os.environ["TUTORIAL_BENCH_RESULTS"])

tickets = itertools.count()
# Per answer: when the request left (seconds since the epoch), how long it took
# (milliseconds), and whether the status was the expected one.
answers: list[tuple[float, float, bool]] = []
environments: list[Environment] = []


class ApiClient(FastHttpUser):
    wait_time = constant(0)

    @task
    def get_me(self) -> None:
        ticket = next(tickets)
        if ticket >= REQUESTS:
            raise StopUser()
        headers = {"Authorization": f"Bearer {TOKENS[ticket % len(TOKENS)]}"}
        with self.client.get(ME_PATH, headers=headers, catch_response=True) as answer:
            if answer.status_code == EXPECTED_STATUS:
                answer.success()
            else:
                answer.failure(f"{answer.status_code}, not {EXPECTED_STATUS}")


@events.init.add_listener
def remember_environment(environment: Environment, **kwargs: object) -> None:
    environments.append(environment)


@events.request.add_listener
def record_answer(
    start_time: float, response_time: float, exception: object, **kwargs: object
) -> None:
    answers.append((start_time, response_time, exception is None))
    if len(answers) == REQUESTS:
        RESULTS.write_text(json.dumps(answers))
        gevent.spawn(environments[0].runner.quit)
