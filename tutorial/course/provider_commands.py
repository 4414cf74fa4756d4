"""``tutorial idp``, ``token`` and ``idp-admin``: the provider, by hand.

``idp`` serves the local identity provider in the foreground, a line per download;
``token`` prints a token its keys sign (the same keys folder); ``idp-admin`` makes
the running provider rotate its key, withdraw one, fail, slow down, hold its
downloads or heal.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from tutorial.arguments import (
    add_command,
    add_count_option,
    add_port_option,
    number_between,
)
from tutorial.console import (
    POLL_SECONDS,
    Printer,
    clock,
    count_of,
    fail,
    stop_requested,
)
from tutorial.course.steps import (
    REPOSITORY,
)
from tutorial.kit.faults import FAULT_EFFECTS, MAX_DELAY_SECONDS, Fault
from tutorial.kit.idp import DEFAULT_PORT, JWKS_PATH, IdentityProvider
from tutorial.kit.idp_admin import (
    MAX_AGE_LIMIT,
    AdminCommandFailed,
    send_admin_command,
)
from tutorial.kit.keys import find_key, load_or_create_keys

DEFAULT_KEYS_DIR = REPOSITORY / ".idp-keys"


IDP_HELP = "serve the local identity provider in the foreground"
IDP_ABOUT = (
    "Serve the local identity provider on 127.0.0.1, printing a line per JWKS "
    "download, until Ctrl-C."
)


def add_provider_commands(commands: argparse._SubParsersAction) -> None:
    """``tutorial idp``, ``tutorial token`` and ``tutorial idp-admin``."""
    idp = add_command(commands, "idp", serve_idp, help=IDP_HELP, description=IDP_ABOUT)
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
    token.add_argument(
        "--kid",
        help="sign with this key of the keys folder, withdrawn ones too "
        "(default: the newest)",
    )

    add_idp_admin_commands(commands)


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
        help="make the running provider rotate, fail, slow down, hold downloads, heal",
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
    max_age = actions.add_parser(
        "max-age",
        help="send Cache-Control: max-age=SECONDS with the key set (heal stops it)",
    )
    max_age.add_argument(
        "seconds",
        type=number_between(0, MAX_AGE_LIMIT),
        help=f"from 0 to {MAX_AGE_LIMIT}",
    )
    max_age.set_defaults(admin_command=lambda args: f"max-age/{args.seconds}")
    hold = actions.add_parser(
        "hold", help="make each JWKS download wait until `idp-admin release`"
    )
    hold.set_defaults(admin_command=lambda args: "hold")
    release = actions.add_parser("release", help="answer the downloads that wait")
    release.set_defaults(admin_command=lambda args: "release")
    heal = actions.add_parser(
        "heal", help="no fault, no delay, no hold: back to normal"
    )
    heal.set_defaults(admin_command=lambda args: "heal")
    withdraw = actions.add_parser(
        "withdraw",
        help="stop publishing a key (not the one that signs): rotate first",
        description="Stop publishing the key KID, for good: its file moves to "
        "withdrawn/ in the keys folder, where `tutorial token --kid KID` still "
        "finds it, to sign a token that the API should refuse.",
    )
    withdraw.add_argument("kid", help="the key's id, as `rotate` printed it")
    withdraw.set_defaults(admin_command=lambda args: f"withdraw/{args.kid}")
    for action in (rotate, withdraw, fail, slow, max_age, hold, release, heal):
        add_port_option(
            action, default=DEFAULT_PORT, help="the running provider's port"
        )


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
    key = None
    if args.kid is not None:
        try:
            key = find_key(args.keys, args.kid)
        except (LookupError, OSError, ValueError) as error:
            return fail(f"Cannot sign with {args.kid}: {error}")
    print(idp.mint_token(sub=args.sub, expires_in=args.expires_in, key=key))
    return 0


def administer_idp(args: argparse.Namespace) -> int:
    try:
        print(send_admin_command(args.port, args.admin_command(args)))
    except AdminCommandFailed as error:
        return fail(str(error))
    return 0
