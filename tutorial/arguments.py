"""Checking numbers on the command line: one line that says what was expected.

argparse prints an ``ArgumentTypeError``'s message after the command's usage and
exits with 2, so a wrong number never becomes a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def number_between(
    low: float, high: float | None = None, *, whole: bool = True, what: str = ""
) -> Callable[[str], float]:
    """An argparse ``type=`` that accepts a number from ``low`` to ``high``."""
    kind = "whole number" if whole else "number"
    expected = what or (
        f"a {kind} ≥ {low:g}" if high is None else f"a {kind} from {low:g} to {high:g}"
    )

    def number(text: str) -> float:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            value = None
        # Written as "within", not "outside": every comparison with NaN is False.
        within = value is not None and low <= value and (high is None or value <= high)
        if not within:
            raise argparse.ArgumentTypeError(f"expected {expected}, not {text!r}")
        return value

    return number


def at_least(minimum: int) -> Callable[[str], int]:
    """A whole number of at least ``minimum`` (requests, workers...)."""
    return number_between(minimum)


port_number = number_between(1, 65535, what="a port number")


def add_command(
    commands: argparse._SubParsersAction,
    name: str,
    run: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """``tutorial NAME``: a subcommand whose arguments go to ``run``."""
    command = commands.add_parser(name, help=help, description=description)
    command.set_defaults(command=run)
    return command


def add_count_option(
    command: argparse.ArgumentParser,
    flag: str,
    *,
    minimum: int,
    help: str,
    default: int | None = None,
    metavar: str = "N",
) -> None:
    """``FLAG N``: a whole number of at least ``minimum``; the help names a default."""
    if default is not None:
        help += " (default %(default)s)"
    command.add_argument(
        flag, metavar=metavar, type=at_least(minimum), default=default, help=help
    )


def add_port_option(
    command: argparse.ArgumentParser, *, default: int, help: str
) -> None:
    """``--port PORT``, from 1 to 65535; the help names the default."""
    command.add_argument(
        "--port",
        type=port_number,
        default=default,
        help=f"{help} (default %(default)s)",
    )


def add_page_only_option(
    command: argparse.ArgumentParser, *, page: str, data: str
) -> None:
    """``--page-only``: measure nothing, and write ``page`` again from ``data``."""
    command.add_argument(
        "--page-only",
        action="store_true",
        help=f"measure nothing: write {page} again from {data}",
    )
