"""``tutorial``: the command line of the tutorial.

    tutorial steps                 list the steps
    tutorial test [STEP]           run one step's tests (every step's without STEP)
    tutorial idp                   serve the local identity provider on port 8001
    tutorial token [--sub NAME]    print a token that provider's keys sign
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from tutorial.idp import DEFAULT_PORT, IdentityProvider, load_or_create_keys
from tutorial.steps import REPOSITORY, Step, UnknownStep, describe, discover_steps, find_step

DEFAULT_KEYS_DIR = REPOSITORY / ".idp-keys"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.command(args)
    except UnknownStep as error:
        print(error, file=sys.stderr)
        return 2


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="tutorial", description="Caching JWKS using Redis with Django, step by step.")
    commands = root.add_subparsers(required=True, metavar="COMMAND")

    steps = commands.add_parser("steps", help="list the steps")
    steps.set_defaults(command=list_steps)

    test = commands.add_parser("test", help="run a step's tests")
    test.add_argument("step", nargs="?", help="a step number or folder name; every step when left out")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    test.set_defaults(command=run_tests)

    idp = commands.add_parser("idp", help="serve the local identity provider")
    add_provider_options(idp)
    idp.set_defaults(command=serve_idp)

    token = commands.add_parser("token", help="print a token signed by the local identity provider's key")
    add_provider_options(token)
    token.add_argument("--sub", default="alice", help="the token's subject (default %(default)s)")
    token.add_argument("--expires-in", type=int, default=3600, help="seconds (default %(default)s)")
    token.set_defaults(command=print_token)
    return root


def add_provider_options(command: argparse.ArgumentParser) -> None:
    # `idp` and `token` must agree on both, or the token's issuer and key won't match.
    command.add_argument("--port", type=int, default=DEFAULT_PORT, help="the provider's port (default %(default)s)")
    command.add_argument("--keys", type=Path, default=DEFAULT_KEYS_DIR, help="folder of the provider's private keys")


def list_steps(args: argparse.Namespace) -> int:
    print(describe(discover_steps()))
    return 0


def run_tests(args: argparse.Namespace) -> int:
    steps = [find_step(args.step)] if args.step else discover_steps()
    failed = [step.name for step in steps if run_step_tests(step, args.pytest_args) != 0]
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def run_step_tests(step: Step, pytest_args: Sequence[str] = ()) -> int:
    print(f"== {step.name}: {step.title}", flush=True)
    # Each step is its own Django project, so it gets its own process.
    return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], cwd=step.path)


def serve_idp(args: argparse.Namespace) -> int:
    idp = IdentityProvider(load_or_create_keys(args.keys), port=args.port)
    try:
        idp.start()
    except OSError as error:
        print(f"Cannot listen on 127.0.0.1:{args.port} ({error}). Is another provider running? Try --port.", file=sys.stderr)
        return 1
    print(f"Identity provider on {idp.issuer}")
    print(f"  JWKS:   {idp.jwks_url}")
    print(f"  issuer: {idp.issuer}   audience: {idp.audience}")
    print(f"  keys:   {args.keys} (signing with {idp.current_key.kid})")
    print("Get a token with: uv run tutorial token   (Ctrl-C stops the provider)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        idp.stop()
        print(f"\nStopped after {idp.downloads} JWKS downloads.")
    return 0


def print_token(args: argparse.Namespace) -> int:
    idp = IdentityProvider(load_or_create_keys(args.keys), port=args.port)
    print(idp.mint_token(sub=args.sub, expires_in=args.expires_in))
    return 0


if __name__ == "__main__":
    sys.exit(main())
