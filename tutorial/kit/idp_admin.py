"""Changing a provider that runs in another process: its admin paths, both sides.

``POST /_tutorial/rotate``, ``/_tutorial/fail/<fault>``, ``/_tutorial/slow/<s>``,
``/_tutorial/max-age/<s>``, ``/_tutorial/hold``, ``/_tutorial/release`` and
``/_tutorial/heal``, from loopback: ``carry_out`` is what the provider does,
``send_admin_command(port, "rotate")`` the client, ``tutorial idp-admin`` its
command line.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from typing import Any, Protocol

from tutorial.kit.faults import FAULT_EFFECTS, Fault, parse_delay, parse_fault

ADMIN_PATH = "/_tutorial/"


ADMIN_TIMEOUT_SECONDS = 10


ADMIN_USAGE = (
    "rotate, withdraw/<kid>, "
    f"fail/{{{','.join(fault.value for fault in FAULT_EFFECTS)}}}, "
    "slow/<seconds>, max-age/<seconds>, hold, release or heal"
)

# The longest Cache-Control max-age a provider may be told to send: a day.
MAX_AGE_LIMIT = 24 * 60 * 60


class AdminCommandFailed(RuntimeError):
    """A provider did not carry out an admin command; the message says why."""


def send_admin_command(port: int, command: str) -> str:
    """Send ``command`` to the provider on ``127.0.0.1:port``; return its one line."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=ADMIN_TIMEOUT_SECONDS
    )
    try:
        connection.request("POST", ADMIN_PATH + command)
        response = connection.getresponse()
        body = response.read()
    except OSError as error:
        raise AdminCommandFailed(
            f"No identity provider answers on 127.0.0.1:{port} ({error}). "
            f"Start one with: uv run tutorial idp --port {port}"
        ) from error
    finally:
        connection.close()
    try:
        message = json.loads(body)["message"]
    except (ValueError, KeyError, TypeError):
        raise AdminCommandFailed(
            f"What answers on 127.0.0.1:{port} (HTTP {response.status}) is not the "
            "tutorial's identity provider. Check --port."
        ) from None
    if response.status != 200:
        raise AdminCommandFailed(message)
    return message


class Administered(Protocol):
    """What the admin commands change: ``tutorial.kit.idp.IdentityProvider``."""

    keys: list[Any]
    fault: Fault
    delay_seconds: float
    cache_control: str | None
    on_change: Callable[[str], None] | None

    def rotate(self) -> Any: ...
    def withdraw(self, kid: str) -> None: ...
    def hold(self) -> None: ...
    def release(self) -> None: ...


def carry_out(idp: Administered, command: str) -> str:
    """Carry out an admin command on ``idp``: one line saying what changed.

    ``ValueError`` for a command it does not know.
    """
    action, _, argument = command.partition("/")
    if action == "rotate" and not argument:
        new_key = idp.rotate()
        published = ", ".join(key.kid for key in idp.keys)
        message = f"Rotated: signing with {new_key.kid}; published: {published}."
    elif action == "fail":
        idp.fault = parse_fault(argument)
        message = f"Failing: the JWKS endpoint {FAULT_EFFECTS[idp.fault]}."
    elif action == "slow":
        idp.delay_seconds = parse_delay(argument)
        message = f"Slow: the JWKS endpoint waits {idp.delay_seconds:g} s to answer."
    elif action == "max-age" and argument.isdigit() and int(argument) <= MAX_AGE_LIMIT:
        idp.cache_control = f"max-age={int(argument)}"
        message = f"Sending Cache-Control: {idp.cache_control} with the key set."
    elif action == "withdraw" and argument:
        idp.withdraw(argument)
        published = ", ".join(key.kid for key in idp.keys)
        message = f"Withdrew {argument}: published: {published}."
    elif action == "hold" and not argument:
        idp.hold()
        message = "Holding: each JWKS download waits until `idp-admin release`."
    elif action == "release" and not argument:
        idp.release()
        message = "Released: the JWKS downloads that waited are answered."
    elif action == "heal" and not argument:
        idp.fault, idp.delay_seconds, idp.cache_control = Fault.NONE, 0.0, None
        idp.release()
        message = "Healed: the JWKS endpoint answers at once with the key set."
    else:
        raise ValueError(f"Unknown command {command!r}: use {ADMIN_USAGE}")
    if idp.on_change is not None:
        idp.on_change(message)
    return message
