"""``tutorial bench``: every way of finding the signing key, measured side by side.

The strategies: step 00 (a download per request), PyJWT's default (one client per
process, ``tutorial.bench_pyjwt_default``), every step from 03 on (steps 01 and 02
find the key exactly as step 00 does), and the floor (the keys loaded at start-up,
``tutorial.bench_floor``). Four measurements, one run, one machine:

* the hot path, in process: the time to authenticate one request, each strategy
  in a process of its own (``tutorial.bench_hot_path``), asked in turn;
* the fleet, over HTTP: each strategy under gunicorn, from a cold start, against a
  real Redis and the local provider, loaded by Locust (``tutorial.bench_load``);
* under attack: tokens with random ``kid``s sent to a fleet of 4 workers;
* memory: the peak RSS of each worker.

The results go to ``docs/benchmarks.json``, and ``docs/benchmarks.md`` is written
from them (``tutorial.bench_page``). Servers are started and stopped by
``tutorial.stack``; everything stops on exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from tutorial.arguments import add_count_option, add_page_only_option
from tutorial.bench_page import render_page, shape_name
from tutorial.idp import IdentityProvider
from tutorial.redis import (
    RedisUnavailable,
    delete_keys,
    redis_server,
    server_version,
)
from tutorial.stack import (
    RunningServer,
    Stack,
    provider_env,
    run_stack,
    stop_process,
)
from tutorial.steps import REPOSITORY, Step, discover_steps

OUTPUT_DIR = REPOSITORY / "docs"
RESULTS_NAME = "benchmarks.json"
PAGE_NAME = "benchmarks.md"
# Steps 01 and 02 find the key as step 00 does (Redis configured, a log line).
FIRST_CACHING_STEP = 3
FLOOR = "floor"
PYJWT_DEFAULT = "pyjwt-default"
CLIENTS = 16
LOAD_DEADLINE_SECONDS = 1800  # tutorial.bench_load's: a load that hangs still ends
STOP_SECONDS = 10
SUBJECT = "bench"
TOKEN_LIFETIME_SECONDS = 4 * 3600
MIB = 1024 * 1024
PROGRESS_WIDTH = 30


@dataclass(frozen=True)
class Strategy:
    """A way to the signing key: a step, or step 00 with another authenticator."""

    id: str
    label: str
    how: str
    step: Step
    authentication: str | None = None  # a class that replaces the step's


def strategies(steps: list[Step] | None = None) -> list[Strategy]:
    """Step 00, PyJWT's default, every step from 03 on, the floor: in that order."""
    steps = steps if steps is not None else discover_steps()
    first = steps[0]
    measured = [first] + [step for step in steps if step.number >= FIRST_CACHING_STEP]
    chosen = [step_strategy(step) for step in measured]
    pyjwt_default = Strategy(
        PYJWT_DEFAULT,
        "PyJWT's default",
        "one `PyJWKClient` per process, the parsed keys in its memory for 5 "
        "minutes; an unknown `kid` refreshes them, at most once per 30 seconds",
        first,
        "tutorial.bench_pyjwt_default.OneClientPerProcess",
    )
    floor = Strategy(
        FLOOR,
        "the floor",
        "the provider's key downloaded once, at start-up: a bare `jwt.decode` "
        "with the key in hand",
        first,
        "tutorial.bench_floor.KeyLoadedAtStartUp",
    )
    return [chosen[0], pyjwt_default, *chosen[1:], floor]


def step_strategy(step: Step) -> Strategy:
    return Strategy(step.name, f"step {step.number:02d}", step.title, step)


@dataclass(frozen=True)
class Shape:
    """How gunicorn runs: processes, and threads in each."""

    workers: int
    threads: int = 1


@dataclass(frozen=True)
class Plan:
    quick: bool
    requests: int  # per fleet run
    attack_requests: int
    shapes: tuple[Shape, ...]
    latencies_ms: tuple[int, ...]
    hot_rounds: int  # the hot path: each strategy is asked this many times ...
    hot_batch: int  # ... for this many authentications
    clients: int = CLIENTS
    # The attack, and the memory figure, are measured on this fleet run.
    attack_shape: Shape = Shape(4)
    attack_latency_ms: int = 0


FULL_PLAN = Plan(
    quick=False,
    requests=2000,
    attack_requests=1000,
    shapes=(Shape(1), Shape(2), Shape(4), Shape(8), Shape(4, threads=4)),
    latencies_ms=(0, 100),
    hot_rounds=30,
    hot_batch=100,
)
QUICK_PLAN = Plan(
    quick=True,
    requests=200,
    attack_requests=200,
    shapes=(Shape(4),),
    latencies_ms=(0,),
    hot_rounds=5,
    hot_batch=40,
)


class MissingBenchTools(RuntimeError):
    """Locust or psutil is not installed: the dev dependencies are missing."""


# -- the whole run ---------------------------------------------------------------------


def run_bench(plan: Plan, chosen: list[Strategy] | None = None) -> dict[str, Any]:
    """Measure every strategy; the results, ready for ``json.dump``."""
    check_bench_tools()
    chosen = chosen or strategies()
    started = datetime.datetime.now(datetime.UTC)
    load_at_start = os.getloadavg()
    fleet_runs = len(plan.shapes) * len(plan.latencies_ms) * len(chosen)
    progress = Progress(plan.hot_rounds + fleet_runs)
    with shared_by_the_run() as shared:
        hot_path = measure_hot_paths(chosen, plan, shared, progress)
        fleet, attack = measure_fleets(chosen, plan, shared, progress)
        redis_version = server_version(shared.redis_url)
    progress.done()
    memory = [
        {key: run[key] for key in ("strategy", "workers", "peak_rss_mib")}
        for run in fleet
        if is_attack_run(run, plan)
    ]
    return {
        "format": 1,
        "date": started.isoformat(timespec="seconds"),
        "minutes": round((time.time() - started.timestamp()) / 60, 1),
        "quick": plan.quick,
        "machine": machine(load_at_start),
        "versions": versions(redis_version),
        "plan": plan_figures(plan),
        "strategies": [
            {"id": s.id, "label": s.label, "how": s.how, "step": s.step.name}
            for s in chosen
        ],
        "hot_path": hot_path,
        "fleet": fleet,
        "attack": attack,
        "memory": memory,
    }


def check_bench_tools() -> None:
    # Looked for, not imported: importing Locust patches this process for gevent.
    for package in ("locust", "psutil"):
        if importlib.util.find_spec(package) is None:
            raise MissingBenchTools(
                f"tutorial bench needs the dev dependencies ({package} is missing): "
                "run `uv sync`, then `uv run tutorial bench`."
            )


@dataclass(frozen=True)
class Shared:
    """What every process of one run shares: Redis, a key prefix, bytecode."""

    redis_url: str
    key_prefix: str
    bytecode_dir: str

    def python_env(self) -> dict[str, str]:
        # Python's bytecode cache on, in a folder of the run's own: the first
        # process to import a module compiles it for all, so no strategy pays
        # for compiling what it imports, whatever the environment says.
        return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": self.bytecode_dir}

    def server_env(self, strategy: Strategy, keys: str) -> dict[str, str]:
        """A strategy's settings, its Redis keys under ``<key_prefix>-<keys>``."""
        env = {
            **self.python_env(),
            "REDIS_URL": self.redis_url,
            "DJANGO_SETTINGS_MODULE": "tutorial.bench_settings",
            "TUTORIAL_DEMO_KEY_PREFIX": f"{self.key_prefix}-{keys}",
        }
        if strategy.authentication:
            env["TUTORIAL_BENCH_AUTHENTICATION"] = strategy.authentication
        return env


@contextmanager
def shared_by_the_run() -> Iterator[Shared]:
    """A real Redis, a key prefix whose keys go at the end, a bytecode folder."""
    prefix = f"tutorial-bench-{uuid.uuid4().hex[:8]}"
    with (
        redis_server() as url,
        tempfile.TemporaryDirectory(prefix="bench-bytecode-") as bytecode_dir,
    ):
        try:
            yield Shared(url, prefix, bytecode_dir)
        finally:
            delete_keys(url, f"{prefix}-*")


def is_attack_run(run: dict[str, Any], plan: Plan) -> bool:
    return (
        run["workers"] == plan.attack_shape.workers
        and run["threads"] == plan.attack_shape.threads
        and run["latency_ms"] == plan.attack_latency_ms
    )


# -- the hot path, in process ----------------------------------------------------------


def measure_hot_paths(
    chosen: list[Strategy], plan: Plan, shared: Shared, progress: Progress
) -> list[dict[str, Any]]:
    """Per strategy: median and p95 of one authentication, and the ratio to the floor.

    One process per strategy, started together and asked in turn, ``hot_batch``
    authentications at a time, for ``hot_rounds`` rounds; each round starts one
    strategy further on, so that none is always first.
    """
    rounds: dict[str, list[list[int]]] = {strategy.id: [] for strategy in chosen}
    with IdentityProvider() as idp, ExitStack() as running:
        token = idp.mint_token(sub=SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS)
        processes = {
            strategy.id: running.enter_context(
                hot_path_process(strategy, idp, token, shared)
            )
            for strategy in chosen
        }
        for round_number in range(plan.hot_rounds):
            progress.next(f"hot path, round {round_number + 1} of {plan.hot_rounds}")
            turn = round_number % len(chosen)
            for strategy in chosen[turn:] + chosen[:turn]:
                timings = processes[strategy.id].ask(str(plan.hot_batch))
                rounds[strategy.id].append(timings)
    return [hot_path_figures(strategy.id, rounds) for strategy in chosen]


def hot_path_figures(
    strategy: str, rounds: dict[str, list[list[int]]]
) -> dict[str, Any]:
    """Median and p95; the median's ratio to the floor's, overall and round by round.

    A round's ratio compares timings taken moments apart, so the spread of those
    ratios shows how much the machine's ups and downs move the overall one.
    """
    durations = [timing for batch in rounds[strategy] for timing in batch]
    floor = [timing for batch in rounds[FLOOR] for timing in batch]
    round_ratios = [
        statistics.median(own) / statistics.median(floors)
        for own, floors in zip(rounds[strategy], rounds[FLOOR], strict=True)
    ]
    return {
        "strategy": strategy,
        "samples": len(durations),
        "median_us": round(statistics.median(durations) / 1000, 1),
        "p95_us": round(percentile(durations, 95) / 1000, 1),
        "ratio_to_floor": round(
            statistics.median(durations) / statistics.median(floor), 2
        ),
        # The middle half of the rounds' ratios: from the 25th to the 75th percentile.
        "round_ratios_to_floor": [
            round(percentile(round_ratios, 25), 2),
            round(percentile(round_ratios, 75), 2),
        ],
    }


@contextmanager
def hot_path_process(
    strategy: Strategy, idp: IdentityProvider, token: str, shared: Shared
) -> Iterator[Helper]:
    """``python -m tutorial.bench_hot_path`` in the step's folder, once it is warm."""
    env = {
        **provider_env(idp),
        **shared.server_env(strategy, f"hot-{strategy.id}"),
        "TUTORIAL_BENCH_TOKEN": token,
        "TUTORIAL_BENCH_SUB": SUBJECT,
    }
    name = f"The hot path of {strategy.label} ({strategy.id})"
    with helper_process(
        "tutorial.bench_hot_path", name, strategy.step.path, env
    ) as hot:
        yield hot


@dataclass
class Helper:
    """A process of the bench's own that answers each line it is given with one line."""

    name: str
    process: subprocess.Popen[str]
    log_path: Path

    def ask(self, question: str) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(question + "\n")
        self.process.stdin.flush()
        return json.loads(self.read_line())

    def read_line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            code = self.process.wait(timeout=STOP_SECONDS)
            log = self.log_path.read_text(encoding="utf-8", errors="replace")
            raise AssertionError(f"{self.name} stopped (exit code {code}):\n{log}")
        return line


@contextmanager
def helper_process(
    module: str, name: str, cwd: Path, env: dict[str, str]
) -> Iterator[Helper]:
    """``python -m <module>`` in ``cwd``, once it says ``ready``; stderr to a log."""
    descriptor, log_name = tempfile.mkstemp(prefix="bench-", suffix=".log")
    with os.fdopen(descriptor, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            start_new_session=True,
        )
    helper = Helper(name, process, Path(log_name))
    try:
        if helper.read_line() != "ready":
            raise AssertionError(f"{name} did not start")
        yield helper
    finally:
        if process.stdin:
            process.stdin.close()  # end of input: it ends
        stop_process(process, seconds=STOP_SECONDS)
        helper.log_path.unlink(missing_ok=True)


def percentile(values: list[float] | list[int], wanted: int) -> float:
    """The ``wanted``-th percentile (1 to 99); the value itself for one value."""
    if len(values) < 2:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[wanted - 1]


# -- the fleet, over HTTP --------------------------------------------------------------


def measure_fleets(
    chosen: list[Strategy], plan: Plan, shared: Shared, progress: Progress
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every shape at every latency, the strategies in turn; and the attacks."""
    fleet, attack = [], []
    with load_sender(shared) as sender:
        for latency_ms in plan.latencies_ms:
            for shape in plan.shapes:
                for strategy in chosen:
                    gunicorn = shape_name(asdict(shape))
                    progress.next(
                        f"fleet, {gunicorn}, provider {latency_ms} ms: {strategy.label}"
                    )
                    run, attacked = measure_fleet(
                        strategy, shape, latency_ms, plan, shared, sender
                    )
                    fleet.append(run)
                    if attacked:
                        attack.append(attacked)
    return fleet, attack


def measure_fleet(
    strategy: Strategy,
    shape: Shape,
    latency_ms: int,
    plan: Plan,
    shared: Shared,
    sender: Helper,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A cold fleet under load; on the attack's shape, the attack after it."""
    idp = IdentityProvider()
    idp.delay_seconds = latency_ms / 1000
    keys = f"{strategy.id}-{latency_ms}-{shape.workers}x{shape.threads}"
    with run_stack(
        strategy.step.path,
        redis_url=shared.redis_url,
        idp=idp,
        env=shared.server_env(strategy, keys),
        workers=shape.workers,
        threads=shape.threads,
    ) as stack:
        token = idp.mint_token(sub=SUBJECT, expires_in=TOKEN_LIFETIME_SECONDS)
        workers = worker_processes(stack.server)
        cpu_before = cpu_seconds(workers)
        load = send_load(
            sender, stack.server.url, [token], plan.requests, 200, plan.clients
        )
        cpu = cpu_seconds(workers) - cpu_before
        run = {
            "strategy": strategy.id,
            "latency_ms": latency_ms,
            "workers": shape.workers,
            "threads": shape.threads,
            "downloads": idp.downloads,
            **load.figures(),
            "cpu_ms_per_request": round(cpu * 1000 / plan.requests, 2),
            "peak_rss_mib": [round(peak_rss(worker) / MIB, 1) for worker in workers],
        }
        if not is_attack_run(run, plan):
            return run, None
        return run, measure_attack(strategy, stack, plan, sender)


def measure_attack(
    strategy: Strategy, stack: Stack, plan: Plan, sender: Helper
) -> dict[str, Any]:
    """Tokens signed by the provider's key whose ``kid`` names no key: downloads."""
    idp = stack.idp
    tokens = [
        idp.mint_token(sub=SUBJECT, kid=f"made-up-{secrets.token_hex(8)}")
        for _ in range(plan.attack_requests)
    ]
    before = idp.downloads
    attack = send_load(
        sender, stack.server.url, tokens, plan.attack_requests, 401, plan.clients
    )
    return {
        "strategy": strategy.id,
        "workers": stack.server.workers,
        "requests": attack.requests,
        "downloads": idp.downloads - before,
        "errors": attack.errors,
        "seconds": round(attack.seconds, 2),
    }


@dataclass(frozen=True)
class Load:
    """What Locust saw: each answer's time, and the answers that were not expected."""

    requests: int
    errors: int
    seconds: float  # from the first request sent to the last answer
    latencies_ms: list[float]

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(self.requests / self.seconds, 1),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
        }


@contextmanager
def load_sender(shared: Shared) -> Iterator[Helper]:
    """``python -m tutorial.bench_load``: Locust, ready to send loads."""
    with helper_process(
        "tutorial.bench_load", "Locust", REPOSITORY, shared.python_env()
    ) as sender:
        yield sender


def send_load(
    sender: Helper,
    url: str,
    tokens: list[str],
    requests: int,
    expected_status: int,
    clients: int,
) -> Load:
    """``requests`` GETs from ``clients`` Locust users at once, the tokens in turn."""
    order = {
        "host": url,
        "tokens": tokens,
        "requests": requests,
        "expected_status": expected_status,
        "clients": clients,
    }
    answers = sender.ask(json.dumps(order))
    if len(answers) < requests:
        raise AssertionError(
            f"Locust got {len(answers)} answers of {requests} from {url} within "
            f"{LOAD_DEADLINE_SECONDS} seconds"
        )
    first_sent = min(sent for sent, _, _ in answers)
    last_answer = max(sent + taken / 1000 for sent, taken, _ in answers)
    return Load(
        requests=len(answers),
        errors=sum(1 for _, _, expected in answers if not expected),
        seconds=last_answer - first_sent,
        latencies_ms=[taken for _, taken, _ in answers],
    )


def worker_processes(server: RunningServer) -> list[Any]:
    """gunicorn's workers, as ``psutil.Process`` objects."""
    import psutil

    return psutil.Process(server.process.pid).children()


def cpu_seconds(processes: list[Any]) -> float:
    """User and system time the processes have used so far."""
    total = 0.0
    for process in processes:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def peak_rss(process: Any) -> int:
    """The most memory the process has held, in bytes.

    Linux keeps the high-water mark (``VmHWM``); elsewhere the RSS right now.
    """
    status = Path(f"/proc/{process.pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return process.memory_info().rss


# -- what the results say about the run ------------------------------------------------


def machine(load_at_start: tuple[float, float, float]) -> dict[str, Any]:
    import psutil

    return {
        "system": platform.platform(terse=True),
        "processor": processor_name(),
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "load_average_at_start": [round(load, 2) for load in load_at_start],
        "load_average_at_end": [round(load, 2) for load in os.getloadavg()],
    }


def processor_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def versions(redis_version: str) -> dict[str, str]:
    packages = ["django", "djangorestframework", "pyjwt", "cryptography"]
    packages += ["redis", "gunicorn", "locust"]
    return {name: metadata.version(name) for name in packages} | {
        "redis_server": redis_version
    }


def plan_figures(plan: Plan) -> dict[str, Any]:
    figures = asdict(plan)
    del figures["quick"]
    return figures


# -- progress --------------------------------------------------------------------------


class Progress:
    """Where a long run is: a bar redrawn in place on a terminal, else a line a task."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done_count = 0
        self.started = time.monotonic()
        self.on_terminal = sys.stderr.isatty()

    def next(self, task: str) -> None:
        elapsed = int(time.monotonic() - self.started)
        count = f"{self.done_count}/{self.total}"
        clock = f"{elapsed // 60}:{elapsed % 60:02d}"
        if self.on_terminal:
            filled = PROGRESS_WIDTH * self.done_count // self.total
            bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
            # \x1b[K clears what a longer task name left on the line.
            sys.stderr.write(f"\r[{bar}] {count} {clock}  {task}\x1b[K")
        else:
            sys.stderr.write(f"[{count} {clock}] {task}\n")
        sys.stderr.flush()
        self.done_count += 1

    def done(self) -> None:
        self.done_count = self.total
        self.next("done")
        if self.on_terminal:
            sys.stderr.write("\n")


# -- files -----------------------------------------------------------------------------


def write_results(results: dict[str, Any], output_dir: Path) -> tuple[Path, Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    results_path = output_dir / RESULTS_NAME
    results_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results_path, write_page(results, output_dir)


def write_page(results: dict[str, Any], output_dir: Path) -> Path:
    page_path = output_dir / PAGE_NAME
    page_path.write_text(render_page(results), encoding="utf-8")
    return page_path


# -- command line ----------------------------------------------------------------------


def add_bench_options(command: argparse.ArgumentParser) -> None:
    """``tutorial bench [--quick] [--requests N] ...``."""
    command.add_argument(
        "--quick",
        action="store_true",
        help="4 workers only, no provider latency, small loads: every figure, fast",
    )
    # No default: left out, the plan (full or --quick) decides.
    add_count_option(
        command,
        "--requests",
        minimum=16,
        help=f"requests per fleet run (default {FULL_PLAN.requests}, "
        f"--quick {QUICK_PLAN.requests})",
    )
    add_count_option(
        command,
        "--attack-requests",
        minimum=1,
        help=f"tokens with random kids (default {FULL_PLAN.attack_requests}, "
        f"--quick {QUICK_PLAN.attack_requests})",
    )
    command.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        default=OUTPUT_DIR,
        help="where benchmarks.json and benchmarks.md go (default: docs/)",
    )
    add_page_only_option(command, page="benchmarks.md", data="benchmarks.json")


def run_bench_command(args: argparse.Namespace) -> int:
    if args.page_only:
        return rewrite_page(args.output_dir)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    plan = replace(
        plan,
        requests=args.requests or plan.requests,
        attack_requests=args.attack_requests or plan.attack_requests,
    )
    # A service manager's stop (SIGTERM) stops everything, as Ctrl-C does.
    signal.signal(signal.SIGTERM, stop_as_ctrl_c_would)
    try:
        results = run_bench(plan)
    except KeyboardInterrupt:
        print("\nStopped: the servers the bench started are stopped.", file=sys.stderr)
        return 130
    except (MissingBenchTools, RedisUnavailable) as error:
        print(error, file=sys.stderr)
        return 1
    except AssertionError as error:  # a server that did not start: its log says why
        print(f"\nThe bench could not measure: {error}", file=sys.stderr)
        return 1
    results["command"] = bench_command_line(args)
    results_path, page_path = write_results(results, args.output_dir)
    print(f"Wrote {shown(results_path)} and {shown(page_path)}.")
    return 0


def stop_as_ctrl_c_would(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def rewrite_page(output_dir: Path) -> int:
    results_path = output_dir / RESULTS_NAME
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(
            f"Cannot read {shown(results_path)} ({error}): run `uv run tutorial "
            "bench` to measure first.",
            file=sys.stderr,
        )
        return 1
    print(f"Wrote {shown(write_page(results, output_dir))}.")
    return 0


def bench_command_line(args: argparse.Namespace) -> str:
    words = ["uv run tutorial bench"]
    if args.quick:
        words.append("--quick")
    if args.requests:
        words.append(f"--requests {args.requests}")
    if args.attack_requests:
        words.append(f"--attack-requests {args.attack_requests}")
    return " ".join(words)


def shown(path: Path) -> str:
    path = path.resolve()
    return str(
        path.relative_to(REPOSITORY) if path.is_relative_to(REPOSITORY) else path
    )
