"""One strategy's hot path, timed in a process of its own, for ``tutorial bench``.

Every step is a Django project with the same package names, so each strategy gets
a process, ``python -m tutorial.measure.bench.hot_path``, started in the step's
folder with the server's environment. It sets Django up, authenticates until every
cache is warm, and prints ``ready``. Then each line on stdin asks for timings, one
by one; the answer is one line of JSON, their durations in nanoseconds:

* ``N``: N authentications of the same token, as a client sends it again and again;
* ``first N``: N authentications of tokens this process has not seen yet, the next
  N of those in the file ``TUTORIAL_BENCH_FIRST_SEEN``, one per line;
* ``bare N``: N bare ``jwt.decode`` calls with the key in hand (the floor's key,
  downloaded when asked first).

The bench asks the processes in turn, so that every strategy gets its share of the
machine's good and bad moments; end of input ends the process.

One authentication is what DRF does for a request: build the authenticators the
settings name (a new one per request), then ask the request for its user.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator

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


def timed(calls: list[Callable[[], object]]) -> list[int]:
    durations = []
    for call in calls:
        started = time.perf_counter_ns()
        call()
        durations.append(time.perf_counter_ns() - started)
    return durations


def request_with(token: str) -> HttpRequest:
    return RequestFactory().get(ME_PATH, HTTP_AUTHORIZATION=f"Bearer {token}")


def answer(line: str, repeated: HttpRequest, first_seen: Iterator[str]) -> list[int]:
    """The timings a line asks for (module docstring)."""
    kind, _, count = line.strip().rpartition(" ")
    if kind == "first":
        # Built before the clock starts: only the authentication is timed.
        requests = [request_with(next(first_seen)) for _ in range(int(count))]
        return timed([functools.partial(authenticate, r) for r in requests])
    if kind == "bare":
        from tutorial.measure.bench.bare_decode import decode_with_the_key

        token = repeated.headers["Authorization"].split()[1]
        return timed([functools.partial(decode_with_the_key, token)] * int(count))
    return timed([functools.partial(authenticate, repeated)] * int(count))


def main() -> int:
    django.setup()
    token, subject = (
        os.environ["TUTORIAL_BENCH_TOKEN"],
        os.environ["TUTORIAL_BENCH_SUB"],
    )
    http_request = request_with(token)
    with open(os.environ["TUTORIAL_BENCH_FIRST_SEEN"], encoding="utf-8") as lines:
        first_seen = iter([line.strip() for line in lines])
    for _ in range(WARM_UP_REQUESTS):
        user = authenticate(http_request)
        if getattr(user, "sub", None) != subject:
            print(f"The token was not accepted: the user is {user!r}", file=sys.stderr)
            return 1
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(answer(line, http_request, first_seen)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
