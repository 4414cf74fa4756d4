"""A soak: a minute of steady load on a step while its Redis dies and comes back,
and the provider rotates its key.

The scenario matrix plays one fault at a time. Production plays them together and
keeps going: requests arrive while Redis restarts, a rotation lands between two
restarts or during one, and a worker that was fine a second ago meets an empty
cache. A soak checks that the step holds up to that for a while, not just once::

    report = run_soak(find_step(8))
    report.answers        # {"200": 12345}: every valid token accepted
    report.downloads      # what the minute cost the provider

Every request carries a valid token (of the key the provider signs with at the
time), so every answer should be 200: a 401 refuses a valid token, a 5xx (or no
answer at all) is an outage the user sees. Nothing here depends on the machine's
speed: a slow machine sends fewer requests, and every one of them must succeed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tutorial.course.steps import Step
from tutorial.kit.idp import IdentityProvider
from tutorial.kit.net import Answer, get_me
from tutorial.kit.redis import RestartableRedis
from tutorial.kit.stack import run_stack

# Long enough for every worker to find Redis gone (a request or two each), short
# enough that most of the minute runs with Redis up, as in production.
REDIS_DOWN_SECONDS = 1.5
# Each client's pace: steady traffic that a laptop running other tests can
# serve, rather than as many requests as two cores can make. Some 80 a second
# from four clients still put a hundred requests into every Redis outage.
REQUEST_INTERVAL_SECONDS = 0.05
# A token outlives the soak: an expired token is refused, rightly.
TOKEN_LIFETIME_SECONDS = 3600
SUBJECT = "soak"
# The first and the last answers other than 200 are described, to say when things
# went wrong and for how long; the rest are counted.
UNEXPECTED_KEPT = 5
NO_ANSWER = "no answer"


@dataclass
class SoakReport:
    """What a soak did to a step and how the step answered."""

    step: str
    seconds: float
    clients: int
    workers: int
    requests: int
    answers: dict[str, int]  # "200" -> count; "no answer" when none came
    downloads: int  # JWKS downloads at the provider, over the whole soak
    redis_restarts: int
    rotated: bool
    # The first and last answers other than 200: what, when, and Redis's state.
    unexpected: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        """Answers a user sees as an outage: 5xx, or nothing at all."""
        return sum(
            count
            for status, count in self.answers.items()
            if status == NO_ANSWER or int(status) >= 500
        )

    @property
    def refused(self) -> int:
        """Valid tokens answered with a 4xx: every request carried a valid one."""
        return sum(
            count
            for status, count in self.answers.items()
            if status != NO_ANSWER and 400 <= int(status) < 500
        )

    @property
    def survived(self) -> bool:
        return self.requests > 0 and self.answers == {"200": self.requests}

    def summary(self) -> str:
        """One line, for a test's output or the page."""
        answers = ", ".join(
            f"{n}×{status}" for status, n in sorted(self.answers.items())
        )
        downloads = "download" if self.downloads == 1 else "downloads"
        return (
            f"{self.step}: {self.requests} requests in {self.seconds:g} s from"
            f" {self.clients} clients to {self.workers} workers: {answers};"
            f" Redis restarted {self.redis_restarts} times,"
            f" {'one rotation' if self.rotated else 'no rotation'},"
            f" {self.downloads} JWKS {downloads}"
        )


def run_soak(
    step: Step,
    seconds: float = 60,
    clients: int = 4,
    workers: int = 4,
    restart_every: float = 10,
    rotate_at: float | None = None,
) -> SoakReport:
    """Load ``step`` for ``seconds`` from ``clients`` threads, over gunicorn with
    ``workers`` workers; kill Redis every ``restart_every`` seconds (down for
    ``REDIS_DOWN_SECONDS``) and rotate the provider's key once, ``rotate_at``
    seconds in (at half time unless told).
    """
    with RestartableRedis() as redis_server:
        with run_stack(step.path, redis_url=redis_server.url, workers=workers) as stack:
            token = CurrentToken(stack.idp)
            started = time.monotonic()
            until = started + seconds
            chaos = Disturbances(redis_server, stack.idp, token, started)
            tally = Tally(chaos)
            with ThreadPoolExecutor(max_workers=clients) as pool:
                loads = [
                    pool.submit(keep_asking, stack.server.port, token, until, tally)
                    for _ in range(clients)
                ]
                chaos.play(timeline(seconds, restart_every, rotate_at))
                for load in loads:
                    # Each ends at ``until``; one that crashed is the soak's bug.
                    load.result()
            return SoakReport(
                step=step.name,
                seconds=seconds,
                clients=clients,
                workers=workers,
                requests=sum(tally.answers.values()),
                answers=dict(tally.answers),
                downloads=stack.idp.downloads,
                redis_restarts=chaos.redis_restarts,
                rotated=chaos.rotated,
                unexpected=tally.described(),
            )


@dataclass(frozen=True)
class Bearer:
    """An ``Authorization`` header, and the key that signed its token."""

    header: str
    kid: str


class CurrentToken:
    """What every client sends: a token of the key the provider signs with now.

    After a rotation clients send the new key's tokens, as they do once the
    provider's login pages sign with it.
    """

    def __init__(self, idp: IdentityProvider) -> None:
        self.idp = idp
        self.renew()

    def renew(self) -> None:
        # One token per key: minting per request would load the client, not the API.
        # Clients read ``bearer`` whole: replacing an attribute is atomic.
        token = self.idp.mint_token(SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS)
        self.bearer = Bearer(f"Bearer {token}", self.idp.current_key.kid)


# What happens, and when (seconds from the start of the load).
KILL_REDIS, START_REDIS, ROTATE = "kill Redis", "start Redis", "rotate"


def timeline(
    seconds: float, restart_every: float, rotate_at: float | None = None
) -> list[tuple[float, str]]:
    """Redis killed every ``restart_every`` seconds and started again
    ``REDIS_DOWN_SECONDS`` later, always back before the end; one rotation at
    ``rotate_at``, by default half time. A rotation at the moment of a kill comes
    after it: a rotation while Redis is down is the harder case, and it happens in
    production as readily as the other."""
    events: list[tuple[float, str]] = []
    kill_at = restart_every
    while kill_at + REDIS_DOWN_SECONDS < seconds:
        events += [(kill_at, KILL_REDIS), (kill_at + REDIS_DOWN_SECONDS, START_REDIS)]
        kill_at += restart_every
    events.append((seconds / 2 if rotate_at is None else rotate_at, ROTATE))
    return sorted(events, key=lambda event: event[0])  # stable: kills stay first


class Disturbances:
    """Plays the timeline: Redis killed and started, the key rotated."""

    def __init__(
        self,
        redis_server: RestartableRedis,
        idp: IdentityProvider,
        token: CurrentToken,
        started: float,
    ) -> None:
        self.redis_server = redis_server
        self.idp = idp
        self.token = token
        self.started = started  # time.monotonic() when the load began
        self.redis_up = True
        self.redis_restarts = 0
        self.rotated = False

    def play(self, events: list[tuple[float, str]]) -> None:
        for at, event in events:
            time.sleep(max(0.0, self.started + at - time.monotonic()))
            if event == KILL_REDIS:
                self.redis_server.kill()
                self.redis_up = False
            elif event == START_REDIS:
                self.redis_server.start()
                self.redis_up = True
                self.redis_restarts += 1
            else:
                self.idp.rotate()
                self.token.renew()
                self.rotated = True

    def moment(self) -> str:
        """Now, for an unexpected answer: how far into the soak, and Redis's state."""
        redis_state = "up" if self.redis_up else "down"
        return f"at {time.monotonic() - self.started:.1f} s, Redis {redis_state}"


class Tally:
    """Every client's answers, counted by status; the first and last odd ones told."""

    def __init__(self, chaos: Disturbances) -> None:
        self.chaos = chaos
        self.answers: Counter[str] = Counter()
        self.first: list[str] = []
        self.last: deque[str] = deque(maxlen=UNEXPECTED_KEPT)
        self.unexpected = 0
        self._lock = threading.Lock()

    def add(self, answer: Answer, bearer: Bearer) -> None:
        status = str(answer.status) if answer.status is not None else NO_ANSWER
        with self._lock:
            self.answers[status] += 1
            if status != "200":
                self.unexpected += 1
                said = f"{status} {self.chaos.moment()}, a token of {bearer.kid}"
                if len(self.first) < UNEXPECTED_KEPT:
                    self.first.append(said)
                else:
                    self.last.append(said)

    def described(self) -> list[str]:
        skipped = self.unexpected - len(self.first) - len(self.last)
        return self.first + ([f"({skipped} more)"] if skipped else []) + [*self.last]


def keep_asking(port: int, token: CurrentToken, until: float, tally: Tally) -> None:
    """One client: a request every ``REQUEST_INTERVAL_SECONDS``, until ``until``.

    Or as soon as the last one is answered, when that took longer.
    """
    next_request = time.monotonic()
    while next_request < until:
        bearer = token.bearer
        tally.add(get_me(port, bearer.header), bearer)
        # A slow answer delays the next request; no burst catches up afterwards.
        next_request = max(next_request + REQUEST_INTERVAL_SECONDS, time.monotonic())
        time.sleep(max(0.0, next_request - time.monotonic()))
