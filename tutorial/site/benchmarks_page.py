"""``docs/benchmarks.md``, written from the results of ``tutorial bench``.

Every number on the page, and every sentence that compares strategies, is computed
here from the results, so the page says only what the run measured; the prose is
in ``templates/benchmarks.md.j2``. To change either, edit it and run
``uv run tutorial bench --page-only``: it writes the page again from
``docs/benchmarks.json`` without measuring anything.
"""

from __future__ import annotations

from typing import Any

from tutorial.console import count_of
from tutorial.measure.bench.plan import FLOOR, PYJWT_DEFAULT, shape_name
from tutorial.site.markdown import bar_chart, line_chart, table
from tutorial.site.templates import render
from tutorial.site.waits_and_hosts import WaitsAndHosts

STEP_00 = "00-starting-point"
# What the last step's authentication may cost at most, relative to the floor's.
LAST_STEP_GOAL = 1.15
# And with a token it has verified before, relative to a bare jwt.decode's.
REPEATED_TOKEN_GOAL = 0.25
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
    filters = {"minutes": minutes, "load": load, "shape_name": shape_name}
    page = Page(results)
    return render("benchmarks.md.j2", filters, page=page, r=results)


class Page:
    """The page's figures, tables and findings, each from the results."""

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
        self.apart = WaitsAndHosts(results, self.labels)

    # -- findings: sentences computed from the numbers ---------------------------------

    def in_short(self) -> list[str]:
        shape, latency = self.attack_shape, self.top_latency
        step_00 = self.fleet_run(STEP_00, shape, latency)
        last = self.fleet_run(self.last_step, shape, latency)
        floor = self.fleet_run(FLOOR, shape, latency)
        last_label = self.labels[self.last_step]
        return [
            f"With {shape_name(shape)} and the provider answering after {latency} "
            f"ms, {self.plan['requests']:,} requests from a cold start made "
            f"{count_of(step_00['downloads'], 'JWKS download')} in step 00 and "
            f"{count_of(last['downloads'], 'download')} in {last_label}.",
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

    def download_findings(self) -> list[str]:
        return [self.download_finding(latency) for latency in self.plan["latencies_ms"]]

    def throughput_findings(self) -> list[str]:
        latencies = self.plan["latencies_ms"]
        return [self.throughput_finding(latency) for latency in latencies]

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
            f"{count_of(step_00['downloads'], 'download')} and "
            f"{self.labels[self.last_step]} {count_of(last['downloads'], 'download')}."
        )

    # -- tables and charts -------------------------------------------------------------

    def strategies_table(self) -> str:
        rows = [[f"**{s['label']}**", s["how"]] for s in self.strategies]
        return table(["strategy", "how it finds the key"], rows, "ll")

    def hot_path_table(self) -> str:
        rows = [
            [
                self.labels[name],
                f"{self.hot[name]['median_us']:,.0f} µs",
                f"{self.hot[name]['p95_us']:,.0f} µs",
                times(self.hot[name]["ratio_to_floor"]),
                "–".join(times(r) for r in self.hot[name]["round_ratios_to_floor"]),
                times(self.hot[name]["ratio_to_bare_decode"]),
                *self.first_seen_cells(name),
            ]
            for name in self.ids
        ]
        headers = ["strategy", "median", "p95", "median × the floor's"]
        headers += ["the same, round by round (middle half)"]
        headers += ["median × a bare `jwt.decode`'s"]
        headers += ["a token seen for the first time: median", "× the floor's"]
        return table(headers, rows, "lrrrrrrr")

    def first_seen_cells(self, name: str) -> list[str]:
        row = self.hot[name]
        if "first_seen_median_us" not in row:  # see the run's notes
            return ["—", "—"]
        median = f"{row['first_seen_median_us']:,.0f} µs"
        return [median, times(row["first_seen_ratio_to_floor"])]

    def first_seen_findings(self) -> list[str]:
        """The last step against a bare decode, and against the step before it."""
        last = self.hot[self.last_step]
        steps = [name for name in self.ids if name not in {PYJWT_DEFAULT, FLOOR}]
        findings = [
            f"With a token it has seen before, {self.labels[self.last_step]} took "
            f"{times(last['ratio_to_bare_decode'])} a bare `jwt.decode`'s time, with "
            f"the key in hand; the tutorial aims for {times(REPEATED_TOKEN_GOAL)} at "
            "most."
        ]
        if len(steps) > 1 and "first_seen_median_us" in last:
            before = self.hot[steps[-2]]
            findings.append(
                f"With tokens seen for the first time, it took "
                f"{times(last['first_seen_ratio_to_floor'])} the floor's time, and "
                f"{self.labels[steps[-2]]} {times(before['first_seen_ratio_to_floor'])}"
                f" (round by round, "
                f"{span_of_times(*last['first_seen_round_ratios_to_floor'])} and "
                f"{span_of_times(*before['first_seen_round_ratios_to_floor'])})."
            )
        return findings

    def hot_path_chart(self) -> str:
        return bar_chart(
            "Authentication time, relative to the floor",
            [self.chart_labels[name] for name in self.ids],
            "× the floor's median",
            [self.hot[name]["ratio_to_floor"] for name in self.ids],
        )

    def attack_table(self) -> str:
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
        return table(headers, rows, "lrrrr")

    def longest_attack_seconds(self) -> float:
        return max(row["seconds"] for row in self.attack.values())

    def memory_table(self) -> str:
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
        return table(["strategy", "smallest worker", "largest worker"], rows, "lrr")

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
        return table(headers, rows, "lllrrrrrrr")

    def versions(self) -> str:
        versions = dict(self.results["versions"])
        server = versions.pop("redis_server")
        shown = [f"{SHOWN_NAMES.get(name, name)} {v}" for name, v in versions.items()]
        return ", ".join(shown) + f", {server}"


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
