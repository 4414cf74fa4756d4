"""Changing a provider that runs in another process: the client of its admin paths.

``POST /_tutorial/rotate``, ``/_tutorial/fail/<fault>``, ``/_tutorial/slow/<s>``,
``/_tutorial/hold``, ``/_tutorial/release`` and ``/_tutorial/heal``, from loopback:
``send_admin_command(port, "rotate")`` is the client, ``tutorial idp-admin`` its
command line.
"""

from __future__ import annotations

import http.client
import json

from tutorial.kit.faults import FAULT_EFFECTS

ADMIN_PATH = "/_tutorial/"


ADMIN_TIMEOUT_SECONDS = 10


ADMIN_USAGE = (
    "rotate, withdraw/<kid>, "
    f"fail/{{{','.join(fault.value for fault in FAULT_EFFECTS)}}}, "
    "slow/<seconds>, hold, release or heal"
)


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
