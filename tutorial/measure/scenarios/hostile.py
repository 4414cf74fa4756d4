"""Hostile input: malformed and forged tokens, a provider that answers nonsense,
and a pickle planted in Redis.
"""

from __future__ import annotations

import operator
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from tutorial.kit.idp import Fault, IdentityProvider, SigningKey
from tutorial.kit.net import Authorization
from tutorial.kit.redis import keys_holding
from tutorial.measure.scenarios.cells import (
    Cell,
    Result,
    all_are,
    cold_workers,
    downloads,
    downloads_during,
    flush,
    statuses,
    warm_up,
)


def bad_tokens(cell: Cell) -> Result:
    warm_up(cell)
    headers = list(hostile_headers(cell.idp).values())
    answers, count = downloads_during(cell, lambda: [cell.get(h) for h in headers])
    outcome = f"{statuses(answers)}, {downloads(count)}"
    return Result(outcome, all_are(answers, 401) and count <= 1)


def hostile_headers(idp: IdentityProvider) -> dict[str, Authorization]:
    """The contract's bad tokens, and the headers an attacker would try next."""
    mint = idp.mint_token
    stranger = SigningKey.generate(kid=idp.current_key.kid)
    odd_kid = ("\"'\n\\<>{}\u2028" * 1024)[: 10 * 1024]
    return {
        "no header": None,
        "Bearer and no token": "Bearer",
        "not a JWT": "Bearer not-a-jwt",
        "expired": f"Bearer {mint(expires_in=-60)}",
        "signed by a stranger's key": f"Bearer {mint(key=stranger)}",
        "wrong audience": f"Bearer {mint(aud='https://someone-else.test')}",
        "wrong issuer": f"Bearer {mint(iss='https://evil.test')}",
        "unknown kid": f"Bearer {mint(kid='no-such-key')}",
        "alg none": f"Bearer {mint(algorithm='none')}",
        "HS256 with the public key": f"Bearer {mint(algorithm='HS256')}",
        "64 KiB token": f"Bearer {oversized_token(mint(), 64 * 1024)}",
        "10 KiB kid of odd characters": f"Bearer {mint(kid=odd_kid)}",
        "non-ASCII bytes": b"Bearer " + "clé-€".encode(),
    }


def oversized_token(token: str, size: int) -> str:
    """``token``'s header, a ``size``-long junk payload, its signature."""
    header, _, signature = token.split(".")
    return f"{header}.{'A' * size}.{signature}"


BAD_JWKS_FAULTS = (
    Fault.SERVER_ERROR,
    Fault.GARBAGE,
    Fault.EMPTY_OBJECT,
    Fault.KEYS_WITHOUT_KID,
    Fault.HUGE,
)


FAULT_NAMES = {
    Fault.SERVER_ERROR: "HTTP 500",
    Fault.GARBAGE: "HTML",
    Fault.EMPTY_OBJECT: "{}",
    Fault.KEYS_WITHOUT_KID: "no kid",
    Fault.HUGE: "10 MB",
}


# Each broken answer meets a process with nothing parsed in memory.
BAD_JWKS_ENV = {"JWKS_IN_PROCESS_SECONDS": "0"}


def bad_jwks(cell: Cell) -> Result:
    during: dict[Fault, str] = {}
    kept: list[str] = []
    errors = 0
    for fault in BAD_JWKS_FAULTS:
        # Cold: nothing in Redis and nothing in any worker's memory, so the broken
        # answer comes first. A copy kept from the fault before would rightly serve.
        flush(cell.redis.url)
        with cold_workers(cell, BAD_JWKS_ENV) as cold:
            cold.idp.fault = fault
            answers = cold.get_many([cold.valid()] * 3, concurrency=3)
            during[fault] = statuses(answers)
            errors += sum(1 for answer in answers if answer.status in (None, 500))
            cold.idp.fault = Fault.NONE
            if cold.get(cold.valid()).status != 200:
                kept.append(FAULT_NAMES[fault])  # the broken answer outlived the fault
    if len(set(during.values())) == 1:
        answered = f"{next(iter(during.values()))} to each"
    else:
        answered = ", ".join(f"{FAULT_NAMES[f]}: {s}" for f, s in during.items())
    outcome = f"{answered}; kept: {', '.join(kept) or 'none'}"
    return Result(outcome, errors == 0 and not kept)


def planted_pickle(cell: Cell) -> Result:
    warm_up(cell)
    client = redis.Redis.from_url(cell.redis.url)
    try:
        jwks_keys = keys_holding(client, cell.idp.current_key.kid.encode())
        if not jwks_keys:
            return Result("nothing cached in Redis", True)
        with tempfile.TemporaryDirectory(prefix="planted-") as folder:
            marker = Path(folder) / "the planted code ran"
            for key in jwks_keys:
                client.set(key, pickle_that_runs_code(marker, client.get(key)))
            answer = cell.get(cell.valid())
            ran = marker.exists()
    finally:
        client.close()
    said = "the planted code ran" if ran else "no code ran"
    return Result(
        f"{said}; valid token: {answer.status}", not ran and answer.status == 200
    )


class _Call:
    """Pickles as a call: unpickling it calls ``function(*args)``."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self.function, self.args = function, args

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return self.function, self.args


def pickle_that_runs_code(marker: Path, original: bytes | None) -> bytes:
    """A pickle that creates ``marker`` as it loads, then loads as ``original`` did.

    What an attacker with write access to Redis could plant: the step carries on
    as if nothing happened, and only the file says that code of theirs ran. A
    harmless file here; a shell command in real life.
    """
    touch = _Call(Path.touch, marker)
    original_value = _Call(pickle.loads, original)
    return pickle.dumps(_Call(operator.itemgetter(1), (touch, original_value)))
