"""Two sections of ``docs/benchmarks.md``: the requests that waited, a fleet of hosts.

Their tables and findings, computed from ``waits`` and ``hosts`` in the results
(``tutorial.measure.bench.waits`` and ``tutorial.measure.bench.hosts``). A run
from before these sections has neither: the page then says so.
"""

from __future__ import annotations

from typing import Any

from tutorial.console import count_of
from tutorial.site.markdown import table


class WaitsAndHosts:
    def __init__(self, results: dict[str, Any], labels: dict[str, str]) -> None:
        self.waits: list[dict[str, Any]] = results.get("waits", [])
        self.hosts: list[dict[str, Any]] = results.get("hosts", [])
        self.labels = labels

    def waits_table(self) -> str:
        rows = [
            [
                self.labels[run["strategy"]],
                f"{run['requests']:,}",
                str(run["expiries"]),
                f"**{run['slow']:,}**",
                "—" if run["counted_waits"] is None else str(run["counted_waits"]),
                str(run["downloads"]),
                str(run["errors"]),
            ]
            for run in self.waits
        ]
        header = [
            "strategy",
            "requests",
            "expiries",
            "waited over 0.5 s",
            "waits the workers counted",
            "downloads",
            "errors",
        ]
        return table(header, rows, align="lrrrrrr")

    def first_to_count_waits(self) -> str:
        """The first strategy whose workers count the requests that waited."""
        counting = [run for run in self.waits if run["counted_waits"] is not None]
        return self.labels[counting[0]["strategy"]] if counting else "no step"

    def waits_findings(self) -> list[str]:
        if not self.waits:
            return []
        last = self.waits[-1]
        findings = [
            f"{self.labels[last['strategy']]}: {last['slow']:,} of "
            f"{last['requests']:,} requests waited over half a second, across "
            f"{last['expiries']} expiries of the set."
        ]
        earlier = [run for run in self.waits[:-1] if run["expiries"]]
        if earlier:
            each = ", ".join(
                f"{self.labels[run['strategy']]} {run['slow']:,}" for run in earlier
            )
            findings.append(f"The steps before it: {each}.")
        if last["counted_waits"] is not None:
            findings.append(
                f"Its workers counted {count_of(last['counted_waits'], 'request')} "
                "that waited for a download (`waited_for_download`, which counts "
                "the cold start's too): a slow answer that the counter does not "
                "explain queued for a CPU, not for the provider."
            )
        return findings

    def hosts_table(self) -> str:
        counts = sorted({run["hosts"] for run in self.hosts})
        strategies = list(dict.fromkeys(run["strategy"] for run in self.hosts))
        by = {(run["strategy"], run["hosts"]): run for run in self.hosts}
        header = ["strategy"] + [
            f"{count_of(hosts, 'host')}: cold, rotation" for hosts in counts
        ]
        rows = [
            [self.labels[strategy]]
            + [host_cell(by[strategy, hosts]) for hosts in counts]
            for strategy in strategies
        ]
        return table(header, rows, align="l" + "r" * len(counts))

    def hosts_findings(self) -> list[str]:
        if not self.hosts:
            return []
        largest = max(run["hosts"] for run in self.hosts)
        at_largest = [run for run in self.hosts if run["hosts"] == largest]
        once = [
            self.labels[run["strategy"]]
            for run in at_largest
            if run["cold_downloads"] == 1 and run["rotation_downloads"] == 1
        ]
        refused = [
            self.labels[run["strategy"]]
            for run in at_largest
            if run["rotation_first"] != 200
            or run["rotation_accepted"] < run["requests"]
        ]
        findings = [
            f"With {count_of(largest, 'host')}: one download from a cold start and "
            f"one for the rotation in {', '.join(once) or 'no step'}."
        ]
        if refused:
            findings.append(
                "Some requests with the new key were refused (401) in "
                f"{', '.join(refused)}: the cache keeps the old set."
            )
        return findings


def host_cell(run: dict[str, Any]) -> str:
    """``1, 1`` downloads; a rotation some requests of which were refused, marked."""
    rotation = str(run["rotation_downloads"])
    if refused := refused_after_rotation(run):
        rotation += f" ({refused} refused)"
    return f"{run['cold_downloads']}, {rotation}"


def refused_after_rotation(run: dict[str, Any]) -> int:
    """Requests with the new key not answered 200: the first, and those after it."""
    first_refused = 0 if run["rotation_first"] == 200 else 1
    return first_refused + run["requests"] - run["rotation_accepted"]
