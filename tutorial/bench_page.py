"""``docs/benchmarks.md``, written from the results of ``tutorial bench``.

Every number on the page, and every sentence that compares strategies, is computed
from the results, so the page says only what the run measured. To change the text,
edit this module and run ``uv run tutorial bench --page-only``: it writes the page
again from ``docs/benchmarks.json`` without measuring anything.
"""

from __future__ import annotations

import json
from typing import Any

FLOOR = "floor"
STEP_00 = "00-starting-point"
PYJWT_DEFAULT = "pyjwt-default"
# What the last step's authentication may cost at most, relative to the floor's.
LAST_STEP_GOAL = 1.15
# The site's indigo for bars; for lines, colours told apart also by readers with a
# colour vision deficiency (Okabe and Ito's), and seen on a light or a dark page.
BAR_COLOR = "#3f51b5"
LINE_COLORS = (
    "#e69f00",
    "#56b4e9",
    "#009e73",
    "#0072b2",
    "#d55e00",
    "#cc79a7",
    "#999999",
    "#a6761d",
)
# How the page names what the JSON calls by its package name.
SHOWN_NAMES = {
    "django": "Django",
    "djangorestframework": "DRF",
    "pyjwt": "PyJWT",
    "cryptography": "cryptography",
    "redis": "redis-py",
    "gunicorn": "gunicorn",
    "locust": "Locust",
}


def render_page(results: dict[str, Any]) -> str:
    page = Page(results)
    sections = [
        page.introduction(),
        page.in_short(),
        page.strategies_section(),
        page.hot_path_section(),
        page.fleet_section(),
        page.attack_section(),
        page.memory_section(),
        page.reproduce_section(),
        page.method_section(),
    ]
    return "\n\n".join(section.strip("\n") for section in sections) + "\n"


class Page:
    """The page's sections, each from the results."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.plan = results["plan"]
        self.strategies = results["strategies"]
        self.ids = [strategy["id"] for strategy in self.strategies]
        self.labels = {s["id"]: s["label"] for s in self.strategies}
        # Nine bars side by side leave room for short names only.
        self.chart_labels = {**self.labels, PYJWT_DEFAULT: "PyJWT", FLOOR: "floor"}
        steps = [s["id"] for s in self.strategies if s["id"] == s["step"]]
        self.last_step = steps[-1]
        self.attack_shape = self.plan["attack_shape"]
        self.top_latency = max(self.plan["latencies_ms"])
        self.hot = {row["strategy"]: row for row in results["hot_path"]}
        self.attack = {row["strategy"]: row for row in results["attack"]}

    # -- the sections ------------------------------------------------------------------

    def introduction(self) -> str:
        machine = self.results["machine"]
        kind = "A quick run" if self.results["quick"] else "A full run"
        command = self.results.get("command", "uv run tutorial bench")
        quick_note = ""
        if self.results["quick"]:
            quick_note = (
                "\n\n    `--quick` measures every figure on a small load, with "
                f"{shape_name(self.attack_shape)} and the provider answering at "
                "once: enough to see the differences, not to quote them."
            )
        return f"""
# Benchmarks

<!-- Written by `uv run tutorial bench` from docs/benchmarks.json. To change the
text, edit tutorial/bench_page.py and run `uv run tutorial bench --page-only`. -->

Every way this tutorial finds the identity provider's signing key, measured side
by side in one run on one machine: the time one request's authentication takes,
what a gunicorn fleet does from a cold start, what tokens with made-up key ids
cost, and how much memory each worker holds.

Absolute numbers depend on the machine, and on whatever else it was doing; the
ratios between strategies, measured side by side in the same run, are the point.
Run the bench on your own machine to get your own.

!!! info "This run"

    {kind} on {self.results["date"][:10]}, {minutes(self.results["minutes"])},
    `{command}`. {machine["system"]}, {machine["processor"]},
    {machine["cpus"]} CPUs, {machine["memory_gib"]:g} GiB of memory. Load average
    (1, 5 and 15 minutes) {load(machine["load_average_at_start"])} at the start and
    {load(machine["load_average_at_end"])} at the end: above {machine["cpus"]},
    processes were waiting for a CPU. Python {machine["python"]},
    {self.versions()}.{quick_note}
"""

    def in_short(self) -> str:
        shape, latency = self.attack_shape, self.top_latency
        step_00 = self.fleet_run(STEP_00, shape, latency)
        last = self.fleet_run(self.last_step, shape, latency)
        floor = self.fleet_run(FLOOR, shape, latency)
        last_label = self.labels[self.last_step]
        findings = [
            f"With {shape_name(shape)} and the provider answering after {latency} "
            f"ms, {self.plan['requests']:,} requests from a cold start made "
            f"{count(step_00['downloads'], 'JWKS download')} in step 00 and "
            f"{count(last['downloads'], 'download')} in {last_label}.",
            f"{sentence(last_label)} served {times(ratio(last, floor))} the floor's "
            f"requests per second there, and {times(ratio(last, step_00))} step "
            f"00's (one run each: see the fleet section on how far that goes). Its "
            f"workers used {cpu(last)} of CPU per request; the floor's "
            f"{cpu(floor)}, step 00's {cpu(step_00)}.",
            f"Authenticating one request in process, {last_label} took "
            f"{times(self.hot[self.last_step]['ratio_to_floor'])} the floor's time, "
            f"step 00 {times(self.hot[STEP_00]['ratio_to_floor'])}.",
            f"{self.attack_shape_sentence()}",
        ]
        return f"""
## In short

{bullets(findings)}
"""

    def strategies_section(self) -> str:
        rows = [[f"**{s['label']}**", s["how"]] for s in self.strategies]
        return f"""
## The strategies

{table(["strategy", "how it finds the key"], rows, "ll")}

The steps are those in the repository when the bench ran, up to
`{self.last_step}`; a step added since is measured by running the bench again.
Steps 01 and 02 are left out: they find the key exactly as step 00 does (01
configures Redis without using it for the keys, 02 logs each download). PyJWT's
default and the floor are not steps: the bench runs them on step 00's project with
another authentication class. PyJWT's default
(`tutorial/bench_pyjwt_default.py`) is step 00's code with one client per process.
The floor (`tutorial/bench_floor.py`) reads the `Authorization` header as the steps
do, then decodes the token with the key it downloaded at start-up, and nothing
else: the least work that still checks the token.
"""

    def hot_path_section(self) -> str:
        rows = [
            [
                self.labels[name],
                f"{self.hot[name]['median_us']:,.0f} µs",
                f"{self.hot[name]['p95_us']:,.0f} µs",
                times(self.hot[name]["ratio_to_floor"]),
                "–".join(times(r) for r in self.hot[name]["round_ratios_to_floor"]),
            ]
            for name in self.ids
        ]
        headers = ["strategy", "median", "p95", "median × the floor's"]
        headers += ["the same, round by round (middle half)"]
        chart = bar_chart(
            "Authentication time, relative to the floor",
            [self.chart_labels[name] for name in self.ids],
            "× the floor's median",
            [self.hot[name]["ratio_to_floor"] for name in self.ids],
        )
        return f"""
## The hot path: authenticating one request

The time DRF takes to authenticate one request, in one process and without HTTP:
the authentication class built as DRF builds it, once per request, then the header
read, the key found and the token decoded. Each strategy runs in a process of its
own, against the same Redis and the same provider, answering at once;
{self.hot[FLOOR]["samples"]:,} timings each, taken {self.plan["hot_batch"]} at a
time and in turns, so that every strategy shares the machine's good and bad
moments. Each of the {self.plan["hot_rounds"]} rounds also gives a ratio of its own,
from timings taken moments apart: the last column is the middle half of those, from
the 25th to the 75th percentile, which shows how much the machine's ups and downs
move the overall ratio.

{table(headers, rows, "lrrrr")}

{chart}

{bullets(self.hot_path_findings())}
"""

    def fleet_section(self) -> str:
        latencies = self.plan["latencies_ms"]
        parts = [
            f"""
## The fleet over HTTP

Each strategy under gunicorn, started cold: fresh workers, nothing cached in Redis.
A real Redis, and the local provider answering after
{" or ".join(f"{latency} ms" for latency in latencies)}.
{self.plan["requests"]:,} requests from {self.plan["clients"]} clients at once,
sent by Locust, each client sending its next request as soon as its last one is
answered. The provider counts the JWKS downloads.

### JWKS downloads from a cold start
"""
        ]
        for latency in latencies:
            parts.append(self.downloads_table(latency))
            if len(self.single_threaded_shapes()) > 1:
                parts.append(self.downloads_chart(latency))
                parts.append(
                    "Where lines overlap, the strategies made as many downloads; "
                    "the table has every number."
                )
        parts.append(bullets([self.download_finding(latency) for latency in latencies]))
        parts.append(f"### Throughput and latency, {shape_name(self.attack_shape)}")
        for latency in latencies:
            parts.append(self.throughput_table(latency))
            parts.append(self.throughput_chart(latency))
        parts.append(
            bullets([self.throughput_finding(latency) for latency in latencies])
        )
        parts.append(self.fleet_caution())
        parts.append(self.every_run())
        return "\n\n".join(part.strip("\n") for part in parts)

    def attack_section(self) -> str:
        rows = [
            [
                self.labels[name],
                f"{self.attack[name]['requests']:,}",
                f"{self.attack[name]['downloads']:,}",
                f"{self.attack[name]['errors']:,}",
                f"{self.attack[name]['seconds']:g} s",
            ]
            for name in self.ids
        ]
        headers = ["strategy", "tokens", "JWKS downloads", "answers not 401", "took"]
        longest = max(row["seconds"] for row in self.attack.values())
        return f"""
## Under attack: tokens with made-up key ids

Right after its fleet run ({shape_name(self.attack_shape)}, the provider answering
at once), each fleet gets {self.plan["attack_requests"]:,} well-formed tokens whose
`kid` no published key has, from {self.plan["clients"]} clients at once. Every
answer should be a 401. A strategy that looks past its cache for an unknown `kid`
downloads the JWKS again, as often as an attacker likes unless something limits it.

{table(headers, rows, "lrrrr")}

{bullets(self.attack_findings())}

From step 05 on, the fleet refreshes past the cache at most once per
`JWKS_MIN_REFRESH_SECONDS` (30 by default). PyJWT's client refreshes at most once
per 30 seconds in each process, counted from its last download: here every worker
had downloaded during the fleet run, moments before the attack. The longest attack
took {longest:g} seconds; one that lasts longer gets one more download per period.
"""

    def memory_section(self) -> str:
        rows = []
        for row in self.results["memory"]:
            peaks = row["peak_rss_mib"]
            rows.append(
                [
                    self.labels[row["strategy"]],
                    f"{min(peaks):.0f} MiB",
                    f"{max(peaks):.0f} MiB",
                ]
            )
        return f"""
## Memory

The peak resident memory of each worker at the end of the fleet run with
{shape_name(self.attack_shape)} and the provider answering at once: Python,
Django, DRF, PyJWT, the Redis client where there is one, and the keys.

{table(["strategy", "smallest worker", "largest worker"], rows, "lrr")}
"""

    def reproduce_section(self) -> str:
        return """
## Run it yourself

The full run, which rewrites `docs/benchmarks.json` and this page:

```sh
# Not run by the tests: it takes 20 to 30 minutes, and rewrites this page.
uv run tutorial bench
```

A quick look, in a minute or two, into a folder of your own so that this page
stays as it is (open `/tmp/jwks-bench/benchmarks.md` afterwards):

```sh
# Not run by the tests: tests/test_bench.py runs it, on a smaller load.
uv run tutorial bench --quick --output-dir /tmp/jwks-bench
```

The bench starts everything it measures on free ports: Redis (unless `REDIS_URL`
names one), the provider, gunicorn. It stops it all when it ends, Ctrl-C included,
and deletes the keys it wrote to Redis, all under a prefix of its own. Its options:

```sh
uv run tutorial bench --help
```

```text title="What you should see"
usage: tutorial bench [-h] [--quick] ...
...
--requests N ...
--attack-requests N ...
--output-dir DIR ...
--page-only ...
```
"""

    def method_section(self) -> str:
        return """
## How it is measured

- **JWKS downloads**: requests for the JWKS that the provider served, from the
  moment the fleet started. The floor downloads once per worker, at start-up.
- **Requests per second**: the requests, divided by the time from the first
  request sent to the last answer. **p50, p95, p99**: percentiles of each
  request's time, as Locust saw it. **Errors**: answers other than 200, or no
  answer (under attack: other than 401).
- **CPU per request**: the user and system time gunicorn's workers used during
  the load, divided by the requests. Redis, the provider and Locust are not
  counted.
- **Peak memory**: Linux's high-water mark of each worker's resident memory
  (`VmHWM`); elsewhere, the resident memory at the end of the run.
- **From a cold start** means no JWKS anywhere, not cold processes: every worker
  has answered one request without a token before the load starts, so that
  importing Django is not measured. What a worker imports on first use, such as
  the Redis client, is.
- Python's bytecode cache is on for every process, in a folder of the run's own,
  so that no strategy pays for compiling the modules it imports first.
- Everything runs on one machine: Locust, Redis and the provider take their share
  of its processors, alike for every strategy.
- `tutorial/bench.py` measures; `tutorial/bench_page.py` writes this page.
"""

    # -- findings: sentences computed from the numbers ---------------------------------

    def hot_path_findings(self) -> list[str]:
        ratios = {name: self.hot[name]["ratio_to_floor"] for name in self.ids}
        later_steps = [
            name for name in self.ids if name not in {STEP_00, PYJWT_DEFAULT, FLOOR}
        ]
        findings = [
            f"Step 00 took {times(ratios[STEP_00])} the floor's time: each request "
            "downloads the JWKS and parses it.",
            f"PyJWT's default took {times(ratios[PYJWT_DEFAULT])} the floor's time.",
        ]
        if later_steps:
            each = ", ".join(
                f"{name[:2]} {times(ratios[name])}" for name in later_steps
            )
            findings.append(f"The steps from 03 on: {each} the floor's time.")
        level = [
            self.labels[name]
            for name in self.ids
            if name != FLOOR
            and self.hot[name]["round_ratios_to_floor"][0]
            <= 1
            <= self.hot[name]["round_ratios_to_floor"][1]
        ]
        if level:
            findings.append(
                f"As cheap as the floor, within the spread of the rounds (their "
                f"middle half includes 1.00×): {', '.join(level)}."
            )
        last = ratios[self.last_step]
        verdict = "within it" if last <= LAST_STEP_GOAL else "above it"
        findings.append(
            f"The tutorial aims for its last step at {times(LAST_STEP_GOAL)} the "
            f"floor's time at most: {self.labels[self.last_step]} took "
            f"{times(last)}, {verdict}."
        )
        return findings

    def download_finding(self, latency: int) -> str:
        runs = self.attack_shape_runs(latency)
        others = [runs[name]["downloads"] for name in self.ids if name != STEP_00]
        return (
            f"{shape_name(self.attack_shape)}, provider at {latency} ms: step 00 "
            f"downloaded the JWKS {runs[STEP_00]['downloads']:,} times for "
            f"{runs[STEP_00]['requests']:,} requests; every other strategy "
            f"{span(min(others), max(others))} times."
        )

    def throughput_finding(self, latency: int) -> str:
        runs = self.attack_shape_runs(latency)
        floor, step_00, last = runs[FLOOR], runs[STEP_00], runs[self.last_step]
        return (
            f"Provider at {latency} ms: {self.labels[self.last_step]} served "
            f"{times(ratio(last, floor))} the floor's requests per second and "
            f"{times(ratio(last, step_00))} step 00's; step 00 "
            f"{times(ratio(step_00, floor))} the floor's. CPU per request: "
            f"{cpu(last)}, the floor {cpu(floor)}, step 00 {cpu(step_00)}."
        )

    def attack_findings(self) -> list[str]:
        downloaded = [name for name in self.ids if self.attack[name]["downloads"]]
        none = [name for name in self.ids if not self.attack[name]["downloads"]]
        findings = []
        if downloaded:
            findings.append(
                "Downloaded during the attack: "
                + ", ".join(
                    f"{self.labels[name]} ({self.attack[name]['downloads']:,})"
                    for name in downloaded
                )
                + "."
            )
        if none:
            findings.append(
                "No download: " + ", ".join(self.labels[name] for name in none) + "."
            )
        return findings

    def attack_shape_sentence(self) -> str:
        step_00 = self.attack[STEP_00]
        last = self.attack[self.last_step]
        return (
            f"{step_00['requests']:,} tokens with made-up key ids cost step 00 "
            f"{count(step_00['downloads'], 'download')} and "
            f"{self.labels[self.last_step]} {count(last['downloads'], 'download')}."
        )

    # -- tables and charts -------------------------------------------------------------

    def fleet_run(
        self, strategy: str, shape: dict[str, int], latency: int
    ) -> dict[str, Any]:
        for run in self.results["fleet"]:
            if (
                run["strategy"] == strategy
                and run["workers"] == shape["workers"]
                and run["threads"] == shape["threads"]
                and run["latency_ms"] == latency
            ):
                return run
        raise KeyError(f"no fleet run of {strategy} for {shape} at {latency} ms")

    def attack_shape_runs(self, latency: int) -> dict[str, dict[str, Any]]:
        """Every strategy's fleet run on the attack's shape, at ``latency`` ms."""
        return {
            name: self.fleet_run(name, self.attack_shape, latency) for name in self.ids
        }

    def single_threaded_shapes(self) -> list[dict[str, int]]:
        return [shape for shape in self.plan["shapes"] if shape["threads"] == 1]

    def downloads_table(self, latency: int) -> str:
        shapes = self.plan["shapes"]
        rows = [
            [self.labels[name]]
            + [
                f"{self.fleet_run(name, shape, latency)['downloads']:,}"
                for shape in shapes
            ]
            for name in self.ids
        ]
        headers = ["strategy"] + [shape_name(shape) for shape in shapes]
        return (
            f"Provider answering after {latency} ms, JWKS downloads for "
            f"{self.plan['requests']:,} requests:\n\n"
            + table(headers, rows, "l" + "r" * len(shapes))
        )

    def downloads_chart(self, latency: int) -> str:
        shapes = self.single_threaded_shapes()
        lines = [
            (
                self.labels[name],
                [self.fleet_run(name, shape, latency)["downloads"] for shape in shapes],
            )
            for name in self.ids
            if name != STEP_00
        ]
        return line_chart(
            f"JWKS downloads, provider at {latency} ms (step 00 left out)",
            "gunicorn workers",
            [str(shape["workers"]) for shape in shapes],
            "JWKS downloads",
            lines,
        )

    def throughput_table(self, latency: int) -> str:
        runs = self.attack_shape_runs(latency)
        rows = [
            [
                self.labels[name],
                f"{runs[name]['requests_per_second']:,.0f}",
                times(ratio(runs[name], runs[FLOOR])),
                f"{runs[name]['p50_ms']:,.0f} ms",
                f"{runs[name]['p95_ms']:,.0f} ms",
                f"{runs[name]['p99_ms']:,.0f} ms",
                f"{runs[name]['errors']:,}",
                cpu(runs[name]),
            ]
            for name in self.ids
        ]
        headers = ["strategy", "requests/s", "× the floor", "p50", "p95", "p99"]
        headers += ["errors", "CPU per request"]
        return f"Provider answering after {latency} ms:\n\n" + table(
            headers, rows, "lrrrrrrr"
        )

    def throughput_chart(self, latency: int) -> str:
        runs = self.attack_shape_runs(latency)
        return bar_chart(
            f"Requests per second relative to the floor, provider at {latency} ms",
            [self.chart_labels[name] for name in self.ids],
            "× the floor's requests/s",
            [round(ratio(runs[name], runs[FLOOR]), 2) for name in self.ids],
        )

    def fleet_caution(self) -> str:
        return """
Each fleet figure is one run, and the runs come one after the other: a run that met
a busy moment of the machine (see the load average above) is slower for it, and the
others are not, so requests per second close to each other make no ranking. The CPU
per request counts the workers' own work, not the time they spent waiting for a
CPU.
"""

    def every_run(self) -> str:
        headers = ["strategy", "provider", "gunicorn", "downloads", "requests/s"]
        headers += ["p50", "p95", "p99", "errors", "CPU per request"]
        rows = [
            [
                self.labels[run["strategy"]],
                f"{run['latency_ms']} ms",
                shape_name(run),
                f"{run['downloads']:,}",
                f"{run['requests_per_second']:,.0f}",
                f"{run['p50_ms']:,.0f} ms",
                f"{run['p95_ms']:,.0f} ms",
                f"{run['p99_ms']:,.0f} ms",
                f"{run['errors']:,}",
                cpu(run),
            ]
            for run in self.results["fleet"]
        ]
        rendered = table(headers, rows, "lllrrrrrrr")
        indented = "\n".join("    " + line for line in rendered.splitlines())
        return f'??? note "Every fleet run"\n\n{indented}'

    def versions(self) -> str:
        versions = dict(self.results["versions"])
        server = versions.pop("redis_server")
        shown = [f"{SHOWN_NAMES.get(name, name)} {v}" for name, v in versions.items()]
        return ", ".join(shown) + f", {server}"


# -- Markdown and Mermaid --------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]], align: str) -> str:
    """A Markdown table; ``align`` has an ``l`` or an ``r`` per column."""
    rule = ["---:" if side == "r" else "---" for side in align]
    return "\n".join(
        "| " + " | ".join(cells) + " |" for cells in [headers, rule, *rows]
    )


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def bar_chart(title: str, labels: list[str], y_title: str, values: list[float]) -> str:
    return f"""```mermaid
{palette(BAR_COLOR)}
xychart-beta
    title "{title}"
    x-axis [{", ".join(quoted(label) for label in labels)}]
    y-axis "{y_title}" 0 --> {axis_top(max(values)):g}
    bar [{", ".join(f"{value:g}" for value in values)}]
```"""


def line_chart(
    title: str,
    x_title: str,
    x_labels: list[str],
    y_title: str,
    lines: list[tuple[str, list[int]]],
) -> str:
    top = axis_top(max(max(values) for _, values in lines))
    plotted = "\n".join(
        f"    line {quoted(label)} [{', '.join(str(value) for value in values)}]"
        for label, values in lines
    )
    return f"""```mermaid
{palette(*LINE_COLORS)}
xychart-beta
    title "{title}"
    x-axis "{x_title}" [{", ".join(quoted(label) for label in x_labels)}]
    y-axis "{y_title}" 0 --> {top:g}
{plotted}
```"""


def palette(*colors: str) -> str:
    """Mermaid's directive for the colours of a chart's bars or lines, in order."""
    variables = {"xyChart": {"plotColorPalette": ", ".join(colors)}}
    return "%%{init: " + json.dumps({"themeVariables": variables}) + "}%%"


def axis_top(value: float) -> float:
    """A round number above ``value``, for the top of a chart's axis."""
    scale = 1.0
    while value >= 10 * scale:
        scale *= 10
    for step in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        if value * 1.05 <= step * scale:
            return step * scale
    return 10 * scale


def quoted(label: str) -> str:
    return '"' + label.replace('"', "'") + '"'


def cpu(run: dict[str, Any]) -> str:
    return f"{run['cpu_ms_per_request']:.1f} ms"


def ratio(run: dict[str, Any], other: dict[str, Any]) -> float:
    return run["requests_per_second"] / other["requests_per_second"]


def times(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}×" if value < 10 else f"{value:,.0f}×"


def span_of_times(low: float, high: float) -> str:
    return times(low) if low == high else f"from {times(low)} to {times(high)}"


def span(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"from {low:,} to {high:,}"


def minutes(value: float) -> str:
    return f"{value:g} minute" + ("" if value == 1 else "s")


def load(averages: list[float]) -> str:
    return " / ".join(f"{average:.1f}" for average in averages)


def sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def shape_name(shape: dict[str, int]) -> str:
    workers = count(shape["workers"], "worker")
    if shape["threads"] == 1:
        return workers
    return f"{workers} × {shape['threads']} threads"


def count(number: int, thing: str) -> str:
    return f"{number:,} {thing}" + ("" if number == 1 else "s")
