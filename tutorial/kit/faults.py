"""The ways the local provider's JWKS endpoint can misbehave, on purpose.

A test sets ``idp.fault`` (or ``idp.delay_seconds``); ``tutorial idp-admin fail``
and ``slow`` name them on the command line.
"""

from __future__ import annotations

import enum
import math

# A learner's `slow` longer than this is a typo, not an experiment.
MAX_DELAY_SECONDS = 600


class Fault(enum.Enum):
    """Ways the JWKS endpoint can misbehave."""

    NONE = "none"
    SERVER_ERROR = "server-error"  # HTTP 500
    GARBAGE = "garbage"  # 200 with a body that is not JSON
    EMPTY_KEY_SET = "empty-key-set"  # 200 with {"keys": []}
    EMPTY_OBJECT = "empty-object"  # 200 with {}
    KEYS_WITHOUT_KID = "keys-without-kid"  # 200 with the keys, none named
    HUGE = "huge"  # 200 with a 10 MB JSON document that holds no key
    DEEP = "deep"  # 200 with JSON nested deeper than Python's json reads


FAULT_EFFECTS = {
    Fault.SERVER_ERROR: "answers HTTP 500",
    Fault.GARBAGE: "answers 200 with HTML instead of a key set",
    Fault.EMPTY_KEY_SET: 'answers 200 with an empty key set, {"keys": []}',
    Fault.EMPTY_OBJECT: "answers 200 with an empty JSON object, {}",
    Fault.KEYS_WITHOUT_KID: "answers 200 with the keys, but none has a kid",
    Fault.HUGE: "answers 200 with 10 MB of JSON that holds no key",
    Fault.DEEP: "answers 200 with JSON nested too deep to read",
}


HUGE_BODY_BYTES = 10 * 1024 * 1024


def huge_document() -> bytes:
    """``{"keys": [], "padding": "xxx..."}``, ``HUGE_BODY_BYTES`` long: valid JSON."""
    opening, closing = b'{"keys": [], "padding": "', b'"}'
    padding = HUGE_BODY_BYTES - len(opening) - len(closing)
    return opening + b"x" * padding + closing


# Python's json raises RecursionError at about a thousand levels, on every version.
DEEP_LEVELS = 100_000


def deep_document() -> bytes:
    """``{"keys": [[[...]]]}``, nested ``DEEP_LEVELS`` deep: valid JSON."""
    return b'{"keys": ' + b"[" * DEEP_LEVELS + b"]" * DEEP_LEVELS + b"}"


def parse_fault(name: str) -> Fault:
    """The fault called ``name``; ``ValueError`` naming the choices otherwise."""
    for fault in FAULT_EFFECTS:
        if fault.value == name:
            return fault
    choices = ", ".join(fault.value for fault in FAULT_EFFECTS)
    raise ValueError(f"Unknown fault {name!r}: choose one of {choices}")


def parse_delay(text: str) -> float:
    """Seconds from 0 to ``MAX_DELAY_SECONDS``; ``ValueError`` otherwise."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= MAX_DELAY_SECONDS:
        raise ValueError(
            f"Not a delay: {text!r}; give seconds from 0 to {MAX_DELAY_SECONDS}"
        )
    return seconds
