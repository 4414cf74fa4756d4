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
