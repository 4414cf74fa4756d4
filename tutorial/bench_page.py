"""``docs/benchmarks.md``, written from the results of ``tutorial bench``.

Every number and every sentence that compares strategies is computed from the
results, so the page says only what the run measured. Edit this module, then
``uv run tutorial bench --page-only`` writes the page again without measuring.
"""

from __future__ import annotations

from typing import Any

FLOOR = "floor"
STEP_00 = "00-starting-point"


def render_page(results: dict[str, Any]) -> str:
    page = Page(results)
    sections = [
        page.introduction(),
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
    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.plan = results["plan"]
        self.strategies = results["strategies"]
        self.labels = {s["id"]: s["label"] for s in self.strategies}
        self.last_step = [s for s in self.strategies if s["id"][:2].isdigit()][-1]

    # -- the sections --------------------------------------------------------

    def introduction(self) -> str:
        machine, versions = self.results["machine"], self.results["versions"]
        kind = "A quick run" if self.results["quick"] else "A full run"
        load_start = ", ".join(f"{x:g}" for x in machine["load_average_at_start"])
        load_end = ", ".join(f"{x:g}" for x in machine["load_average_at_end"])
        libraries = ", ".join(f"{name} {version}" for name, version in versions.items())
        quick_note = ""
        if self.results["quick"]:
            quick_note = (
                "\n\n    `--quick` measures every figure on a small load, with 4 "
                "workers and no provider latency only: enough to see the "
                "differences, not to quote them. `uv run tutorial bench` measures "
                "them all."
            )
        return f"""
# Benchmarks

<!-- Written by `uv run tutorial bench` from docs/benchmarks.json. To change the
text, edit tutorial/bench_page.py and run `uv run tutorial bench --page-only`. -->

Every way this tutorial finds the identity provider's signing key, measured side
by side in one run on one machine: the time one request's authentication takes,
what a gunicorn fleet does from a cold start, what an attack with made-up key ids
costs, and how much memory each worker holds.

Absolute numbers depend on the machine, and on whatever else it was doing; the
ratios between strategies, measured side by side in the same run, are the point.
Run the bench on your own machine to get your own.

!!! info "This run"

    {kind} on {self.results["date"][:10]}, {self.results["minutes"]:g} minutes:
    `{self.results.get("command", "uv run tutorial bench")}`.
    {machine["system"]}, {machine["processor"]}, {machine["cpus"]} CPUs,
    {machine["memory_gib"]:g} GiB; load average {load_start} at the start and
    {load_end} at the end. Python {machine["python"]}, {libraries}.{quick_note}
"""

    def strategies_section(self) -> str:
        rows = [[f"**{s['label']}**", s["how"]] for s in self.strategies]
        last = self.last_step["id"]
        return f"""
## The strategies

{table(["strategy", "how it finds the key"], rows, "ll")}

The steps are those present when the bench ran, up to `{last}`; a step added
since is measured by running the bench again. Steps 01 and 02 are left out: they
find the key exactly as step 00 does (01 configures Redis without using it for
the keys, 02 logs each download). PyJWT's default and the floor are not steps: the
bench runs them on step 00's project with another authenticator
(`tutorial/bench_pyjwt_default.py`, `tutorial/bench_floor.py`), so that the
header, the decoding and the 401s are the steps' own.
"""

    def hot_path_section(self) -> str:
        hot = {row["strategy"]: row for row in self.results["hot_path"]}
        rows = [
            [
                self.labels[s["id"]],
                f"{hot[s['id']]['median_us']:,.0f} µs",
                f"{hot[s['id']]['p95_us']:,.0f} µs",
                times(hot[s["id"]]["ratio_to_floor"]),
            ]
            for s in self.strategies
        ]
        samples = hot[FLOOR]["samples"]
        ratios = [hot[s["id"]]["ratio_to_floor"] for s in self.strategies]
        chart = bar_chart(
            "Authentication time, relative to the floor",
            [self.labels[s["id"]] for s in self.strategies],
            "× the floor's median",
            ratios,
        )
        findings = [
            f"Step 00 takes {times(hot[STEP_00]['ratio_to_floor'])} the floor's "
            "time: each request downloads and parses the JWKS.",
            f"{self.sentence_label(self.last_step['id'])} takes "
            f"{times(hot[self.last_step['id']]['ratio_to_floor'])} the floor's time "
            f"and PyJWT's default {times(hot['pyjwt-default']['ratio_to_floor'])}.",
        ]
        return f"""
## The hot path: authenticating one request

The time DRF takes to authenticate one request, in one process and without HTTP:
the authenticator built as DRF builds it for each request, the header read, the
key found, the token decoded. Each strategy runs in a process of its own, against
the same Redis and provider (answering at once); {samples:,} timings each, taken
{self.plan["hot_batch"]} at a time and in turns, so that every strategy shares the
machine's good and bad moments.

{table(["strategy", "median", "p95", "median × the floor"], rows, "lrrr")}

{chart}

{bullets(findings)}
"""

    def fleet_section(self) -> str:
        shapes = self.plan["shapes"]
        attack_shape = self.plan["attack_shape"]
        parts = [
            f"""
## The fleet over HTTP

Each strategy under gunicorn, started cold (fresh workers, nothing cached in
Redis), with a real Redis and the local provider answering after 0 ms or 100 ms;
{self.plan["requests"]:,} requests from {self.plan["clients"]} clients at once,
sent by Locust running on the same machine. The provider counts the JWKS
downloads.

### JWKS downloads from a cold start
"""
        ]
        for latency in self.plan["latencies_ms"]:
            headers = ["strategy"] + [shape_name(shape) for shape in shapes]
            rows = [
                [self.labels[s["id"]]]
                + [
                    f"{self.fleet_run(s['id'], shape, latency)['downloads']:,}"
                    for shape in shapes
                ]
                for s in self.strategies
            ]
            parts.append(f"Provider answering after {latency} ms:\n")
            parts.append(table(headers, rows, "l" + "r" * len(shapes)) + "\n")
            parts.append(self.downloads_chart(latency) + "\n")
        parts.append(bullets(self.download_findings()) + "\n")
        parts.append(f"### Throughput and latency at {shape_name(attack_shape)}\n")
        for latency in self.plan["latencies_ms"]:
            parts.append(self.throughput_table(attack_shape, latency) + "\n")
            parts.append(self.throughput_chart(attack_shape, latency) + "\n")
        parts.append(bullets(self.throughput_findings(attack_shape)) + "\n")
        parts.append(self.every_run())
        return "\n".join(parts)

    def attack_section(self) -> str:
        attack = {row["strategy"]: row for row in self.results["attack"]}
        rows = [
            [
                self.labels[s["id"]],
                f"{attack[s['id']]['requests']:,}",
                f"{attack[s['id']]['downloads']:,}",
                f"{attack[s['id']]['errors']:,}",
                f"{attack[s['id']]['seconds']:g} s",
            ]
            for s in self.strategies
        ]
        shape = self.plan["attack_shape"]
        most = max(self.strategies, key=lambda s: attack[s["id"]]["downloads"])
        named = {STEP_00, "pyjwt-default", self.last_step["id"], most["id"]}
        findings = [
            f"{self.sentence_label(s['id'])}: "
            f"{count(attack[s['id']]['downloads'], 'download')} for "
            f"{attack[s['id']]['requests']:,} made-up kids."
            for s in self.strategies
            if s["id"] in named
        ]
        return f"""
## Under attack: tokens with made-up key ids

Right after its fleet run ({shape_name(shape)}, provider answering at once), each
fleet gets {self.plan["attack_requests"]:,} well-formed tokens whose `kid` no key
has, from {self.plan["clients"]} clients at once. Every answer should be a 401; a
strategy that looks past its cache for an unknown `kid` downloads the JWKS again,
and an attacker chooses how often.

{table(["strategy", "tokens", "JWKS downloads", "not 401", "took"], rows, "lrrrr")}

{bullets(findings)}

A cooldown (30 seconds in step 05 for the whole fleet, and in PyJWT's client for
each process) allows one refresh per period: an attack that lasts longer than the
cooldown gets one more download per period.
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
        shape = self.plan["attack_shape"]
        return f"""
## Memory

The peak resident memory of each worker (Linux's high-water mark, `VmHWM`) at the
end of the fleet run with {shape_name(shape)} and the provider answering at once:
Python, Django, DRF, PyJWT and the cached keys.

{table(["strategy", "smallest worker", "largest worker"], rows, "lrr")}
"""

    def reproduce_section(self) -> str:
        return """
## Run it yourself

The full run, which rewrites `docs/benchmarks.json` and this page:

```sh
# Not run by the tests: it takes about half an hour, and rewrites this page.
uv run tutorial bench
```

A quick look (a minute or two), into a folder of your own so that this page stays
as it is:

```sh
# Not run by the tests: tests/test_bench.py runs it, on a smaller load.
uv run tutorial bench --quick --output-dir /tmp/jwks-bench
```

The options, and how long each part takes:

```sh
uv run tutorial bench --help
```

```text title="What you should see"
usage: tutorial bench [-h] [--quick] [--requests N] [--attack-requests N]
...
```

The bench starts everything it measures (Redis, unless `REDIS_URL` names one; the
provider; gunicorn) on free ports, and stops it all when it ends, Ctrl-C included.
It writes to Redis only under a key prefix of its own, and deletes those keys.
"""

    def method_section(self) -> str:
        return """
## How it is measured

- **Downloads**: JWKS requests the provider served, from the moment the fleet
  started (the floor downloads once per worker, at start-up).
- **Requests per second**: requests divided by the time from the first request
  sent to the last answer. **p50, p95, p99**: of each request's time as Locust saw
  it. **Errors**: answers other than 200 (other than 401 under attack).
- **CPU per request**: the user and system time gunicorn's workers used during
  the load, divided by the requests; Redis, the provider and Locust not counted.
- Everything runs on one machine: Locust, Redis and the provider take their share
  of the processors, alike for every strategy.
- `tutorial/bench.py` runs it all; `tutorial/bench_page.py` writes this page.
"""

    # -- pieces ---------------------------------------------------------------

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

    def sentence_label(self, strategy: str) -> str:
        label = self.labels[strategy]
        return label[0].upper() + label[1:]

    def single_threaded_shapes(self) -> list[dict[str, int]]:
        return [shape for shape in self.plan["shapes"] if shape["threads"] == 1]

    def downloads_chart(self, latency: int) -> str:
        shapes = self.single_threaded_shapes()
        charted = [s for s in self.strategies if s["id"] != STEP_00]
        lines = [
            (
                self.labels[s["id"]],
                [
                    self.fleet_run(s["id"], shape, latency)["downloads"]
                    for shape in shapes
                ],
            )
            for s in charted
        ]
        return line_chart(
            f"JWKS downloads against workers, provider at {latency} ms "
            "(step 00: one per request, left out)",
            "gunicorn workers",
            [str(shape["workers"]) for shape in shapes],
            "JWKS downloads",
            lines,
        )

    def download_findings(self) -> list[str]:
        findings = []
        requests = self.plan["requests"]
        for latency in self.plan["latencies_ms"]:
            for shape in self.plan["shapes"]:
                if shape != self.plan["attack_shape"]:
                    continue
                step_00 = self.fleet_run(STEP_00, shape, latency)["downloads"]
                others = {
                    s["id"]: self.fleet_run(s["id"], shape, latency)["downloads"]
                    for s in self.strategies
                    if s["id"] != STEP_00
                }
                fewest, most = min(others.values()), max(others.values())
                findings.append(
                    f"At {shape_name(shape)}, provider at {latency} ms: step 00 "
                    f"downloaded the JWKS {step_00:,} times for {requests:,} "
                    f"requests; every other strategy from {fewest} to {most} times."
                )
        return findings

    def throughput_table(self, shape: dict[str, int], latency: int) -> str:
        floor = self.fleet_run(FLOOR, shape, latency)["requests_per_second"]
        rows = []
        for s in self.strategies:
            run = self.fleet_run(s["id"], shape, latency)
            rows.append(
                [
                    self.labels[s["id"]],
                    f"{run['requests_per_second']:,.0f}",
                    times(run["requests_per_second"] / floor),
                    f"{run['p50_ms']:,.0f} ms",
                    f"{run['p95_ms']:,.0f} ms",
                    f"{run['p99_ms']:,.0f} ms",
                    f"{run['errors']:,}",
                    f"{run['cpu_ms_per_request']:.1f} ms",
                ]
            )
        headers = ["strategy", "requests/s", "× the floor", "p50", "p95", "p99"]
        headers += ["errors", "CPU per request"]
        caption = f"Provider answering after {latency} ms:\n\n"
        return caption + table(headers, rows, "lrrrrrrr")

    def throughput_chart(self, shape: dict[str, int], latency: int) -> str:
        floor = self.fleet_run(FLOOR, shape, latency)["requests_per_second"]
        ratios = [
            round(
                self.fleet_run(s["id"], shape, latency)["requests_per_second"] / floor,
                2,
            )
            for s in self.strategies
        ]
        return bar_chart(
            f"Requests per second relative to the floor, {shape_name(shape)}, "
            f"provider at {latency} ms",
            [self.labels[s["id"]] for s in self.strategies],
            "× the floor's requests/s",
            ratios,
        )

    def throughput_findings(self, shape: dict[str, int]) -> list[str]:
        findings = []
        last = self.last_step["id"]
        for latency in self.plan["latencies_ms"]:
            floor = self.fleet_run(FLOOR, shape, latency)["requests_per_second"]
            best = self.fleet_run(last, shape, latency)["requests_per_second"]
            step_00 = self.fleet_run(STEP_00, shape, latency)["requests_per_second"]
            findings.append(
                f"Provider at {latency} ms: {self.labels[last]} served "
                f"{times(best / floor)} the floor's requests per second, and "
                f"{times(best / step_00)} step 00's."
            )
        return findings

    def every_run(self) -> str:
        headers = ["strategy", "provider", "gunicorn", "downloads", "requests/s"]
        headers += ["p50", "p95", "p99", "errors", "CPU per request"]
        rows = []
        for run in self.results["fleet"]:
            shape = {"workers": run["workers"], "threads": run["threads"]}
            rows.append(
                [
                    self.labels[run["strategy"]],
                    f"{run['latency_ms']} ms",
                    shape_name(shape),
                    f"{run['downloads']:,}",
                    f"{run['requests_per_second']:,.0f}",
                    f"{run['p50_ms']:,.0f} ms",
                    f"{run['p95_ms']:,.0f} ms",
                    f"{run['p99_ms']:,.0f} ms",
                    f"{run['errors']:,}",
                    f"{run['cpu_ms_per_request']:.1f} ms",
                ]
            )
        rendered = table(headers, rows, "lllrrrrrrr")
        indented = "\n".join("    " + line for line in rendered.splitlines())
        return f'??? note "Every fleet run"\n\n{indented}\n'


# -- Markdown and Mermaid --------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]], align: str) -> str:
    """A Markdown table; ``align`` has an ``l`` or an ``r`` per column."""
    rule = ["---:" if side == "r" else "---" for side in align]
    lines = [headers, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def bar_chart(title: str, labels: list[str], y_title: str, values: list[float]) -> str:
    top = nice_top(max(values))
    return f"""```mermaid
xychart-beta
    title "{title}"
    x-axis [{", ".join(quoted(label) for label in labels)}]
    y-axis "{y_title}" 0 --> {top:g}
    bar [{", ".join(f"{value:g}" for value in values)}]
```"""


def line_chart(
    title: str,
    x_title: str,
    x_labels: list[str],
    y_title: str,
    lines: list[tuple[str, list[int]]],
) -> str:
    top = nice_top(max(max(values) for _, values in lines))
    plotted = "\n".join(
        f"    line {quoted(label)} [{', '.join(str(v) for v in values)}]"
        for label, values in lines
    )
    return f"""```mermaid
xychart-beta
    title "{title}"
    x-axis "{x_title}" [{", ".join(quoted(label) for label in x_labels)}]
    y-axis "{y_title}" 0 --> {top:g}
{plotted}
```"""


def nice_top(value: float) -> float:
    """A round number a little above ``value``, for the top of a chart's axis."""
    for top in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        scale = 10 ** (len(str(int(value))) - 1) if value >= 10 else 1
        if value * 1.05 <= top * scale:
            return top * scale
    return value * 1.1


def quoted(label: str) -> str:
    return '"' + label.replace('"', "'") + '"'


def times(ratio: float | None) -> str:
    if ratio is None:
        return "–"
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:,.0f}×"


def shape_name(shape: dict[str, int]) -> str:
    workers = count(shape["workers"], "worker")
    return (
        workers if shape["threads"] == 1 else f"{workers} × {shape['threads']} threads"
    )


def count(number: int, thing: str) -> str:
    return f"{number:,} {thing}" + ("" if number == 1 else "s")
