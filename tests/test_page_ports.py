"""The pages' default ports: one per server, and never the ones the tests use."""

from pathlib import Path

import pytest

from tests.docs_site import Block
from tests.page_commands import (
    API_PORT,
    DOCS_PORT,
    PROVIDER_PORT,
    REDIS_PORT,
    PagePorts,
    default_ports,
    replay_page,
)

TESTS_REDIS = "redis://:s3cret@127.0.0.1:41234/0"


def sh(text: str) -> Block:
    return Block(Path("page.md"), 1, "sh", "sh", text)


@pytest.fixture
def ports() -> PagePorts:
    return PagePorts.for_blocks(
        [sh("# Keeps running (port 8001): the provider\n")], TESTS_REDIS
    )


def test_each_server_has_a_default_port_of_its_own():
    ports = default_ports()

    assert ports == {
        "the API": 8000,
        "the identity provider": 8001,
        "Redis": 6379,
        "the docs site": 8008,
    }
    assert len(set(ports.values())) == len(ports)


def test_every_default_port_is_replaced_by_a_free_one(ports: PagePorts):
    mapped = [ports[port] for port in (API_PORT, PROVIDER_PORT, DOCS_PORT)]

    assert len(set(mapped)) == 3
    assert not set(mapped) & {API_PORT, PROVIDER_PORT, REDIS_PORT, DOCS_PORT}


def test_without_a_redis_of_its_own_a_page_uses_the_tests_redis(ports: PagePorts):
    assert ports[REDIS_PORT] == 41234
    assert ports.env()["REDIS_URL"] == TESTS_REDIS
    command = (
        "REDIS_URL=redis://:wrong@127.0.0.1:6379/0 uv run python manage.py ping_redis"
    )
    assert ports.command(command) == command.replace(":6379/", ":41234/")


def test_a_page_that_starts_redis_gets_it_on_a_free_port_with_the_compose_password():
    page_redis = sh(
        "# Keeps running (port 6379): Ctrl-C stops it.\nuv run tutorial redis\n"
    )
    ports = PagePorts.for_blocks([page_redis], TESTS_REDIS)

    port = ports[REDIS_PORT]
    assert port != 41234
    url = f"redis://:this-is-your-admin-password@127.0.0.1:{port}/0"
    assert ports.env()["REDIS_URL"] == url
    assert (
        ports.command("uv run tutorial redis\n")
        == f"uv run tutorial redis --port {port}\n"
    )
    assert ports.expected(
        "REDIS_URL=redis://:this-is-your-admin-password@127.0.0.1:6379/0"
    ) == (f"REDIS_URL={url}")


# What a page shows, and what its replay runs: {provider}, {docs} and {api} stand
# for the free ports that replace 8001, 8008 and 8000.
REPLAYED_COMMANDS = [
    ("uv run tutorial idp", "uv run tutorial idp --port {provider}"),
    ("uv run tutorial idp --port 8001", "uv run tutorial idp --port {provider}"),
    (
        'curl -H "Bearer $(uv run tutorial token --sub al)" URL',
        'curl -H "Bearer $(uv run tutorial token --sub al --port {provider})" URL',
    ),
    (
        "uv run tutorial idp-admin rotate  # a new key\n",
        "uv run tutorial idp-admin rotate --port {provider}  # a new key\n",
    ),
    (
        "uv run tutorial token | cut -c1-20",
        "uv run tutorial token --port {provider} | cut -c1-20",
    ),
    ("uv run mkdocs serve", "uv run mkdocs serve --dev-addr 127.0.0.1:{docs}"),
    (
        "uv run mkdocs serve --dev-addr 127.0.0.1:8008",
        "uv run mkdocs serve --dev-addr 127.0.0.1:{docs}",
    ),
    (
        "uv run gunicorn --chdir steps/00 jwks_demo.wsgi",
        "uv run gunicorn --chdir steps/00 jwks_demo.wsgi --bind 127.0.0.1:{api}",
    ),
    (
        "uv run gunicorn --workers 4 \\\n  jwks_demo.wsgi\n",
        "uv run gunicorn --workers 4 --bind 127.0.0.1:{api} \\\n  jwks_demo.wsgi\n",
    ),
    # Left alone: not a server's command, or not one of the tutorial's servers.
    ("uv run tutorial test 3", "uv run tutorial test 3"),
    ("uv run tutorial steps", "uv run tutorial steps"),
    ("uv run tutorial idps", "uv run tutorial idps"),
    (
        "uv run pytest steps/03-caching-subclass -k gunicorn",
        "uv run pytest steps/03-caching-subclass -k gunicorn",
    ),
]


@pytest.mark.parametrize(("shown", "replayed"), REPLAYED_COMMANDS)
def test_each_command_gets_its_servers_port(ports: PagePorts, shown, replayed):
    free = {
        "provider": ports[PROVIDER_PORT],
        "docs": ports[DOCS_PORT],
        "api": ports[API_PORT],
    }

    assert ports.command(shown) == replayed.format(**free)


def test_the_provider_settings_get_its_port(ports: PagePorts):
    port = ports[PROVIDER_PORT]

    env = ports.env()
    assert env["JWKS_URL"] == f"http://127.0.0.1:{port}/.well-known/jwks.json"
    assert env["JWT_ISSUER"] == f"http://127.0.0.1:{port}"


def test_expected_output_follows_the_servers(ports: PagePorts):
    expected = (
        "Downloaded the JWKS from http://127.0.0.1:8001/.well-known/jwks.json in ... ms"
    )

    assert ports.expected(expected) == expected.replace(
        "8001", str(ports[PROVIDER_PORT])
    )


TOGETHER = """\
# Everything at once

```sh
# Keeps running (port 8008): the site.
uv run mkdocs serve
```

```sh
# Keeps running (port 8001): the provider.
uv run tutorial idp
```

```text title="What you should see"
Identity provider on http://127.0.0.1:8001
```

```sh
# Keeps running (port 8000): the API.
uv run gunicorn --chdir steps/00-starting-point jwks_demo.wsgi
```

```sh
TOKEN=$(uv run tutorial token --sub erin)
curl -s http://127.0.0.1:8000/api/v1/me -H "Authorization: Bearer $TOKEN"
echo
curl -s http://127.0.0.1:8008/ | grep -o "<title>[^<]*"
```

```text title="What you should see"
{"sub":"erin",...}
<title>Caching JWKS using Redis with Django
```
"""


def test_the_site_the_provider_and_the_api_run_together(
    tmp_path: Path, private_redis: str
):
    """What a reader does: the local site open, and a step's commands beside it."""
    page = tmp_path / "together.md"
    page.write_text(TOGETHER)

    replay_page(page, private_redis)
