"""``tutorial demo``, with a small request count: the numbers the workshop shows.

Step 00 downloads the JWKS once per request, a caching step once in all; whatever
the demo started is stopped when it ends, Ctrl-C included.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import redis

from tutorial.course.steps import discover_steps
from tutorial.kit.net import port_is_open
from tutorial.measure.demo import default_steps

REQUESTS = 20
# A row of the table: step, requests, JWKS downloads, errors, median, p95.
ROW = re.compile(r"^(\d\d-[a-z0-9-]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+ ms\s+\d+ ms$")
URL_PORT = re.compile(r"http://127\.0\.0\.1:(\d+)")
REDIS_PORT = re.compile(r"^Redis: redis://\S*@127\.0\.0\.1:(\d+)/", re.MULTILINE)


def tutorial_demo(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tutorial.cli", "demo", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def table_rows(output: str) -> dict[str, tuple[int, int, int]]:
    """Step name -> (requests, JWKS downloads, errors)."""
    rows = {}
    for line in output.splitlines():
        if match := ROW.match(line.strip()):
            rows[match[1]] = (int(match[2]), int(match[3]), int(match[4]))
    return rows


def test_one_download_per_request_for_step_00_and_one_in_all_when_cached(
    shared_redis_url: str,
):
    options = ["--requests", str(REQUESTS), "--latency-ms", "0", "--workers", "2"]
    demo = tutorial_demo("0", "3", *options, env={"REDIS_URL": shared_redis_url})
    output, errors = demo.communicate(timeout=600)

    assert demo.returncode == 0, output + errors
    rows = table_rows(output)
    assert rows["00-starting-point"] == (REQUESTS, REQUESTS, 0), output
    assert rows["03-caching-subclass"] == (REQUESTS, 1, 0), output
    # The demo cached under a prefix of its own, and deleted what it cached.
    client = redis.Redis.from_url(shared_redis_url)
    assert not list(client.scan_iter(match="tutorial-demo-*"))
    assert not list(client.scan_iter(match=":1:jwks*"))
    client.close()


def test_ctrl_c_stops_everything_the_demo_started():
    # REDIS_URL unset: the demo starts a throwaway Redis of its own, and stops it.
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    demo = subprocess.Popen(
        [sys.executable, "-m", "tutorial.cli", "demo", "0", "--requests", "100000"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = ""
    while "on http://" not in seen:
        line = demo.stdout.readline()
        assert line, f"the demo ended before serving:\n{seen}{demo.stderr.read()}"
        seen += line
    demo.send_signal(signal.SIGINT)
    rest, errors = demo.communicate(timeout=120)

    assert demo.returncode == 130, seen + rest + errors
    assert "Stopped" in errors and "Traceback" not in errors
    ports = [int(port) for port in URL_PORT.findall(seen) + REDIS_PORT.findall(seen)]
    assert len(ports) == 3, seen  # gunicorn, the identity provider, Redis
    # A worker left behind would still hold gunicorn's listening socket.
    assert not [port for port in ports if port_is_open(port)]


def test_without_steps_it_shows_00_03_and_the_last_step():
    steps = discover_steps()

    assert [step.number for step in default_steps()] == [0, 3, steps[-1].number]


def test_wrong_input_is_one_line():
    for args in (["--requests", "0"], ["--latency-ms", "fast"]):
        demo = tutorial_demo(*args, env={})
        output, errors = demo.communicate(timeout=60)

        assert demo.returncode == 2, output + errors
        assert "Traceback" not in errors
        assert len(errors.splitlines()) == 1, errors


def test_a_wrong_step_says_which_steps_exist():
    demo = tutorial_demo("99", env={})
    output, errors = demo.communicate(timeout=60)

    assert demo.returncode == 2, output + errors
    first, *listed = errors.splitlines()
    assert first == "There is no step '99'. The steps are:"
    assert [line.split()[1] for line in listed] == [s.name for s in discover_steps()]


def test_demo_has_help():
    demo = tutorial_demo("--help", env={})
    output, _ = demo.communicate(timeout=60)

    assert demo.returncode == 0 and "--latency-ms" in output
