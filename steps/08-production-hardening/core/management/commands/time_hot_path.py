"""``python manage.py time_hot_path TOKEN``: a warm check, against its floor.

The floor is ``jwt.decode`` with the key already in hand, what a server that
loaded its key at start-up would pay. The hot path is what DRF does for each
request: a new authenticator, then ``verify``. The first check warms the process
(the keys come from Redis, or the provider); then the two are timed in turn,
round after round, and each round's ratio is taken, so that a machine busy with
other work slows both alike. Compare the ratios, not the microseconds.
"""

import statistics
import timeit
from collections.abc import Callable
from typing import Any

import jwt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.exceptions import APIException

from core.authentication import ALGORITHMS, JWKSAuthentication, trusted_header_kid

ROUNDS = 15
CHECKS_PER_ROUND = 200


class Command(BaseCommand):
    help = "Time a warm token check against jwt.decode with the key in hand."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", help='a valid token: "$(uv run tutorial token)"')
        parser.add_argument("--rounds", type=int, default=ROUNDS)
        parser.add_argument("--checks", type=int, default=CHECKS_PER_ROUND)

    def handle(self, *args: Any, **options: Any) -> None:
        token, rounds, checks = options["token"], options["rounds"], options["checks"]
        if rounds < 1 or checks < 1:
            raise CommandError("--rounds and --checks must be at least 1.")
        key = key_after_one_check(token)

        def floor() -> None:
            jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=settings.JWT_AUDIENCE,
                issuer=settings.JWT_ISSUER,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )

        def hot_path() -> None:
            JWKSAuthentication().verify(token)

        floor_times, hot_path_times = time_in_turn(floor, hot_path, rounds, checks)
        ratios = [h / f for h, f in zip(hot_path_times, floor_times, strict=True)]
        floor_us = statistics.median(floor_times) * 1e6
        hot_path_us = statistics.median(hot_path_times) * 1e6
        self.stdout.write(
            f"jwt.decode with the key in hand: {floor_us:.1f} µs per token"
        )
        self.stdout.write(
            f"this step's hot path: {hot_path_us:.1f} µs per token, "
            f"{statistics.median(ratios):.2f}× the floor"
        )
        self.stdout.write(f"(medians of {rounds} rounds of {checks} checks each)")


def key_after_one_check(token: str) -> Any:
    """Check ``token`` once, as a request would; the key that verified it."""
    authentication = JWKSAuthentication()
    try:
        authentication.verify(token)
    except APIException as error:
        raise CommandError(f"This token cannot be timed: {error.detail}") from error
    return authentication.signing_key(trusted_header_kid(token)).key


def time_in_turn(
    first: Callable[[], None], second: Callable[[], None], rounds: int, checks: int
) -> tuple[list[float], list[float]]:
    """Seconds per call of each, round after round, the two taking turns."""
    first_times, second_times = [], []
    for _ in range(rounds):
        first_times.append(timeit.timeit(first, number=checks) / checks)
        second_times.append(timeit.timeit(second, number=checks) / checks)
    return first_times, second_times
