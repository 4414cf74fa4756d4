"""A fleet of hosts on one Redis: gunicorn masters on loopback addresses of their own.

On Linux all of 127.0.0.0/8 is this machine, so 127.0.0.11, .12 and .13 are three
"hosts", each a gunicorn master with its workers, all sharing one Redis and one
provider, as a fleet behind a load balancer does. The last step makes one download
from a cold start for the whole fleet, and one for a rotation.
"""

import sys
from contextlib import ExitStack

import pytest

from tutorial.course.steps import discover_steps
from tutorial.kit.idp import IdentityProvider
from tutorial.kit.net import http_status
from tutorial.kit.stack import run_gunicorn, stack_env
from tutorial.measure.bench.hosts import ask_every_host, host_address

LAST_STEP = discover_steps()[-1]
HOSTS = [host_address(index) for index in range(3)]
REQUESTS_PER_HOST = 8
# Django answers 400 to a Host header it was not told about.
ALLOWED = {"DJANGO_ALLOWED_HOSTS": ",".join(HOSTS)}

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="127.0.0.11 and the like are loopback on Linux only"
)


def get_me_everywhere(urls: list[str], token: str) -> list[int]:
    return ask_every_host(urls, token, requests_per_host=REQUESTS_PER_HOST)


def test_a_fleet_of_hosts_downloads_once_cold_and_once_for_a_rotation(private_redis):
    idp = IdentityProvider()
    idp.delay_seconds = 0.3  # a provider some way off: every host asks within it
    with idp, ExitStack() as fleet:
        servers = [
            fleet.enter_context(
                run_gunicorn(
                    LAST_STEP.path,
                    env=stack_env(idp, private_redis, ALLOWED),
                    workers=2,
                    host=host,
                    extra_args=("--preload",),
                )
            )
            for host in HOSTS
        ]
        urls = [server.me_url for server in servers]
        every_answer_200 = [200] * len(urls) * REQUESTS_PER_HOST

        assert get_me_everywhere(urls, idp.mint_token()) == every_answer_200
        assert idp.downloads == 1  # a cold fleet of 6 workers on 3 hosts

        idp.rotate()
        rotated = idp.mint_token()
        first = http_status(urls[0], headers={"Authorization": f"Bearer {rotated}"})
        assert first == 200  # this request's worker refreshes for the fleet
        assert get_me_everywhere(urls, rotated) == every_answer_200
        assert idp.downloads == 2  # the rotation, once for every host
