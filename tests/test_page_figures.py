"""The figures the pages name are the code's and the bench's, not remembered ones.

A setting's default named as `` `JWKS_NAME` (default) `` is the app's own default
(``jwks_cache/conf.py`` of the last step), and a ratio written with two decimals,
such as "5.57×", is a figure of the committed bench run (docs/benchmarks.json).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from tests.docs_site import DOCS, doc_pages
from tutorial.course.steps import discover_steps
from tutorial.site.markdown import times

LAST_STEP = discover_steps()[-1]
NAMED_DEFAULT = re.compile(r"`(?P<name>(?:JWKS|JWT)_[A-Z_]+)` \((?P<value>[^)]+)\)")
BENCH_RATIO = re.compile(r"\b\d+\.\d\d×")
WRITTEN_BY_THE_BENCH = {DOCS / "benchmarks.md"}


def app_defaults() -> dict[str, object]:
    """``DEFAULTS`` of the last step's ``jwks_cache/conf.py``, read, not imported."""
    tree = ast.parse((LAST_STEP.path / "jwks_cache" / "conf.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "DEFAULTS":
            # Literals and arithmetic (5 * 60): evaluated with nothing else in reach.
            code = compile(ast.Expression(node.value), "conf.py", "eval")
            return eval(code, {"__builtins__": {}})  # noqa: S307
    raise AssertionError("jwks_cache/conf.py has no DEFAULTS")


FIRST_VALUE = re.compile(
    r"^(?:default:? )?(?:`(?P<code>[^`]+)`|(?P<number>\d[\d,]*(?:\.\d+)?)\b"
    r"|(?P<empty>empty)\b|\"(?P<text>[^\"]+)\")"
)


def disagrees(said: str, default: object) -> bool:
    """Whether what a page says in a setting's parentheses contradicts its default;
    words that name no value ("step 08") contradict nothing."""
    found = FIRST_VALUE.match(said.strip())
    if found is None:
        return False
    if found["code"]:  # `0.5`, `"jwks-cache"`, `["RS256"]`: JSON, or bare text
        try:
            value = json.loads(found["code"])
        except ValueError:
            value = found["code"]
        return value != default
    if found["number"]:
        return float(found["number"].replace(",", "")) != default
    if found["empty"]:
        return default != ""
    return found["text"] != default


def bench_figures() -> set[str]:
    """Every ratio of the committed run, as the pages write it."""
    results = json.loads((DOCS / "benchmarks.json").read_text(encoding="utf-8"))
    figures: set[str] = set()
    for row in results["hot_path"]:
        for name, value in row.items():
            if "ratio" in name:
                values = value if isinstance(value, list) else [value]
                figures.update(times(v) for v in values)
    return figures


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_a_default_named_on_a_page_is_the_apps(page: Path):
    defaults = app_defaults()
    text = page.read_text(encoding="utf-8")

    wrong = []
    for match in NAMED_DEFAULT.finditer(text):
        name, said = match["name"], match["value"]
        if name in defaults and disagrees(said, defaults[name]):
            wrong.append(f"{name}: the page says {said}, the app {defaults[name]!r}")

    assert not wrong, wrong


@pytest.mark.parametrize(
    "page",
    [page for page in doc_pages() if page not in WRITTEN_BY_THE_BENCH],
    ids=lambda p: str(p.relative_to(DOCS)),
)
def test_a_bench_ratio_on_a_page_is_the_committed_runs(page: Path):
    figures = bench_figures()

    named = BENCH_RATIO.findall(page.read_text(encoding="utf-8"))

    assert set(named) <= figures, (
        f"{sorted(set(named) - figures)} are not figures of docs/benchmarks.json: "
        "quote the committed run, or run the bench again"
    )
