"""One strategy's hot path, timed in a process of its own, for ``tutorial bench``.

Every step is a Django project with the same package names, so each strategy gets
a process, ``python -m tutorial.measure.bench.hot_path``, started in the step's
folder with the server's environment. It sets Django up, authenticates until every
cache is warm, and prints ``ready``. Then each line ``N`` on stdin asks for N
authentications, timed one by one; the answer is one line of JSON, their durations
in nanoseconds. The bench asks the processes in turn, so that every strategy gets
its share of the machine's good and bad moments; end of input ends the process.

One authentication is what DRF does for a request: build the authenticators the
settings name (a new one per request), then ask the request for its user.
"""

from __future__ import annotations

import json
import os
import sys
import time

import django
from django.http import HttpRequest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.settings import api_settings

from tutorial.kit.net import ME_PATH

WARM_UP_REQUESTS = 20


def authenticate(http_request: HttpRequest) -> object:
    authenticators = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    return Request(http_request, authenticators=authenticators).user


def timed_authentications(http_request: HttpRequest, count: int) -> list[int]:
    durations = []
    for _ in range(count):
        started = time.perf_counter_ns()
        authenticate(http_request)
        durations.append(time.perf_counter_ns() - started)
    return durations


def main() -> int:
    django.setup()
    token, subject = (
        os.environ["TUTORIAL_BENCH_TOKEN"],
        os.environ["TUTORIAL_BENCH_SUB"],
    )
    http_request = RequestFactory().get(ME_PATH, HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(WARM_UP_REQUESTS):
        user = authenticate(http_request)
        if getattr(user, "sub", None) != subject:
            print(f"The token was not accepted: the user is {user!r}", file=sys.stderr)
            return 1
    print("ready", flush=True)
    for line in sys.stdin:
        durations = timed_authentications(http_request, int(line))
        print(json.dumps(durations), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
