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
from tutorial.site.markdown import (
    bar_chart,
    load,
    minutes,
    sentence,
    span,
    span_of_times,
    table,
    times,
)
from tutorial.site.templates import render
from tutorial.site.waits_and_hosts import WaitsAndHosts

STEP_00 = "00-starting-point"
ARTICLES_CACHE = "03-caching-subclass"
# The tutorial's goals for its last step, each against what it is measured by.
REPEATED_TOKEN_GOAL = 0.25  # a token it has verified before, × a bare jwt.decode
FIRST_SEEN_GOAL = 1.15  # a token seen for the first time, × the floor's
OUTAGE_GOAL = 1.2  # the provider down and the set stale, × the same step warm
# How the page names what the JSON calls by its package name; the rest as they are.
SHOWN_NAMES = {
    "django": "Django",
    "djangorestframework": "DRF",
    "pyjwt": "PyJWT",
    "redis": "redis-py",
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
        # Eighteen bars side by side leave room for two or three letters each.
        self.chart_labels = {
            **{name: name[:2] for name in self.ids},
            PYJWT_DEFAULT: "PyJWT",
            FLOOR: "floor",
        }
        steps = [s["id"] for s in self.strategies if s["id"] == s["step"]]
        self.last_step = steps[-1]
        self.attack_shape = self.plan["attack_shape"]
        self.top_latency = max(self.plan["latencies_ms"])
        self.hot = {row["strategy"]: row for row in results["hot_path"]}
        self.attack = {row["strategy"]: row for row in results["attack"]}
        self.apart = WaitsAndHosts(results, self.labels)

    # -- findings: sentences computed from the numbers ---------------------------------

    def goals(self) -> str:
        """The tutorial's goals for its last step, each said met or missed."""
        last = self.hot[self.last_step]
        rows = [
            self.goal_row(
                "a token it has verified before",
                "a bare `jwt.decode`",
                REPEATED_TOKEN_GOAL,
                last["ratio_to_bare_decode"],
                None,
            ),
            self.goal_row(
                "a token seen for the first time",
                "the floor",
                FIRST_SEEN_GOAL,
                last["first_seen_ratio_to_floor"],
                last["first_seen_round_ratios_to_floor"],
            ),
            self.goal_row(
                "the provider down, the set stale",
                "the same step, warm",
                OUTAGE_GOAL,
                last["outage_ratio_to_warm"],
                last["outage_round_ratios_to_warm"],
            ),
        ]
        headers = [f"{self.labels[self.last_step]}, one request", "against"]
        headers += ["goal", "measured", "round by round", "the goal"]
        return table(headers, rows, "llrrrl")

    def drf_share(self) -> str:
        """What DRF's handling of a request adds to every figure of the hot path."""
        floor, last = self.hot[FLOOR], self.hot[self.last_step]
        decode_us = floor["median_us"] / floor["ratio_to_bare_decode"]
        drf_us = floor["median_us"] - decode_us
        own_us = max(last["median_us"] - drf_us, 0)
        return (
            f"Each figure includes DRF's own handling of the request (a `Request`, "
            f"its authenticators, the header): the floor less a bare decode, "
            f"{drf_us:.0f} µs, which no cache can take away. Less that, "
            f"{self.labels[self.last_step]}'s own work on a token it has verified "
            f"before is {own_us:.0f} µs, {times(own_us / decode_us)} a bare decode."
        )

    @staticmethod
    def goal_row(
        what: str, against: str, goal: float, measured: float, rounds: list | None
    ) -> list[str]:
        spread = "–" if rounds is None else span_of_times(*rounds)
        verdict = "**met**" if measured <= goal else "**missed**"
        return [what, against, f"≤ {times(goal)}", times(measured), spread, verdict]

    def in_short(self) -> list[str]:
        shape, latency = self.attack_shape, self.top_latency
        runs = self.attack_shape_runs(latency)
        cold = ", ".join(
            f"{self.labels[name]} {runs[name]['downloads']:,}"
            for name in (STEP_00, PYJWT_DEFAULT, ARTICLES_CACHE, self.last_step)
        )
        hot = {name: self.hot[name]["ratio_to_floor"] for name in self.ids}
        return [
            f"Per request, in process: the article's cache (step 03) took "
            f"{times(hot[ARTICLES_CACHE])} the floor's time, a Redis round trip "
            f"and a parse of the whole set every time; PyJWT's own client, kept "
            f"once per process, {times(hot[PYJWT_DEFAULT])}; "
            f"{self.labels[self.last_step]} {times(hot[self.last_step])}; step 00 "
            f"{times(hot[STEP_00])}, a download every time.",
            f"JWKS downloads from a cold start, {self.plan['requests']:,} requests "
            f"to {shape_name(shape)}, the provider answering after {latency} ms: "
            f"{cold}. PyJWT's own client downloads once per worker; Redis makes it "
            f"once per fleet.",
            self.attack_shape_sentence(),
            "Requests per second are within the noise of one run each on a shared "
            "machine, and are not ranked here: the CPU per request, in the folded "
            "table, is the steadier figure.",
        ]

    def hot_path_findings(self) -> list[str]:
        level = [
            self.labels[name]
            for name in self.ids
            if name != FLOOR
            and self.hot[name]["round_ratios_to_floor"][0]
            <= 1
            <= self.hot[name]["round_ratios_to_floor"][1]
        ]
        findings = [
            f"Step 00 took {times(self.hot[STEP_00]['ratio_to_floor'])} the floor's "
            "time: each request downloads the JWKS and parses it."
        ]
        if level:
            findings.append(
                f"As cheap as the floor, within the spread of the rounds (their "
                f"middle half includes 1.00×): {', '.join(level)}."
            )
        return findings

    def download_findings(self) -> list[str]:
        return [self.download_finding(latency) for latency in self.plan["latencies_ms"]]

    def download_finding(self, latency: int) -> str:
        runs = self.attack_shape_runs(latency)
        others = [runs[name]["downloads"] for name in self.ids if name != STEP_00]
        return (
            f"{sentence(shape_name(self.attack_shape))}, provider at {latency} ms: "
            f"step 00 downloaded the JWKS {runs[STEP_00]['downloads']:,} times for "
            f"{runs[STEP_00]['requests']:,} requests; every other strategy "
            f"{span(min(others), max(others))} times."
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
                times(self.hot[name]["ratio_to_floor"]),
                "–".join(times(r) for r in self.hot[name]["round_ratios_to_floor"]),
                times(self.hot[name]["ratio_to_bare_decode"]),
                *self.first_seen_cells(name),
                *self.outage_cells(name),
            ]
            for name in self.ids
        ]
        # Short headers, so that the nine columns fit a laptop's window; the page says
        # what each means under the table.
        headers = ["strategy", "median", "× floor", "rounds", "× decode"]
        headers += ["first sight", "× floor", "outage", "× warm"]
        return table(headers, rows, "lrrrrrrrr")

    def first_seen_cells(self, name: str) -> list[str]:
        row = self.hot[name]
        median = f"{row['first_seen_median_us']:,.0f} µs"
        return [median, times(row["first_seen_ratio_to_floor"])]

    def outage_cells(self, name: str) -> list[str]:
        row = self.hot[name]
        if "outage_median_us" not in row:  # no stale set to serve, or not a step
            return ["–", "–"]
        return [
            f"{row['outage_median_us']:,.0f} µs",
            times(row["outage_ratio_to_warm"]),
        ]

    def first_seen_and_outage_findings(self) -> list[str]:
        """The last step's first sight of a token, and its cost in an outage."""
        last, label = self.hot[self.last_step], self.labels[self.last_step]
        rounds = span_of_times(*last["first_seen_round_ratios_to_floor"])
        findings = [
            f"A token seen for the first time cost {label} "
            f"{times(last['first_seen_ratio_to_floor'])} the floor's first sight "
            f"(round by round, {rounds}): its signature is checked, then it is "
            "remembered."
        ]
        outages = [
            name for name in self.ids if "outage_ratio_to_warm" in self.hot[name]
        ]
        if outages:
            each = ", ".join(
                f"{self.labels[name]} {times(self.hot[name]['outage_ratio_to_warm'])}"
                for name in outages
            )
            findings.append(
                f"With the provider down and the set stale, a request cost, against "
                f"the same step warm: {each}. Before the keys are kept in memory "
                f"(step 12), each request reads the stale set from Redis."
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

    def downloads_chart(self) -> str:
        runs = self.attack_shape_runs(self.top_latency)
        shown = [name for name in self.ids if name != STEP_00]
        return bar_chart(
            f"JWKS downloads from a cold start, {shape_name(self.attack_shape)}, "
            f"provider at {self.top_latency} ms (step 00 left out)",
            [self.chart_labels[name] for name in shown],
            "JWKS downloads",
            [runs[name]["downloads"] for name in shown],
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

    def versions(self) -> str:
        versions = dict(self.results["versions"])
        server = versions.pop("redis_server")
        shown = [f"{SHOWN_NAMES.get(name, name)} {v}" for name, v in versions.items()]
        return ", ".join(shown) + f", {server}"


def cpu(run: dict[str, Any]) -> str:
    return f"{run['cpu_ms_per_request']:.1f} ms"


def ratio(run: dict[str, Any], other: dict[str, Any]) -> float:
    return run["requests_per_second"] / other["requests_per_second"]
