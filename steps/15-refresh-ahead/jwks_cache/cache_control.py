"""How long a key set is fresh: the provider's Cache-Control max-age, within bounds.

``max-age=0``, ``no-cache`` or ``no-store`` get the floor: obeyed, they would cost a
download per request. The ceiling bounds how long a key the provider withdraws,
say because it leaked, stays trusted, whatever the header says.
"""

import re
from dataclasses import dataclass

MAX_AGE_DIGITS = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class Freshness:
    default: float  # seconds, when the provider sends no max-age
    floor: float
    ceiling: float

    def of(self, cache_control: str | None, age: str | None) -> float:
        """Seconds a set is fresh for, from the response's Cache-Control and Age."""
        max_age = max_age_of(cache_control)
        if max_age is None:
            return self.default
        # A shared cache on the way (a CDN) may have held the answer for a while.
        already_old = int(age) if age and MAX_AGE_DIGITS.fullmatch(age) else 0
        return min(max(max_age - already_old, self.floor), self.ceiling)


def max_age_of(cache_control: str | None) -> int | None:
    """The seconds ``Cache-Control`` lets a cache keep the answer, if it says."""
    directives = {}
    for directive in (cache_control or "").split(","):
        name, _, value = directive.partition("=")
        directives[name.strip().lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return 0
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses. A
    # number too long to be a freshness is no max-age at all.
    max_age = directives.get("max-age", "")
    return int(max_age) if MAX_AGE_DIGITS.fullmatch(max_age) else None
