"""Repository-level fixtures: real Redis servers for the run, and the steps to check."""

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.docs_site import build_site
from tutorial.kit.redis import redis_server, throwaway_redis_server

STEP_SUMMARY = "step suite"  # a user property: (step, the suite's closing line)
# The longest tests, longest first (measured with --durations). Of a test run for
# each step or page, the later ones do more, so they go first.
LONGEST_FIRST = (
    "tests/test_bench.py::test_quick_bench_has_every_strategy_and_figure",
    "tests/test_steps.py::test_step_suite_passes",
    "tests/test_python_versions.py",
    "tests/test_soak.py::test_the_last_step_answers_every_valid_token",
    "tests/test_docs_browser.py::test_every_page_works_offline",
    "tests/test_workspace.py::test_a_started_step_fails_until_its_solution_is_written",
    "tests/test_docs_commands.py::test_the_commands_on_the_page_work",
    "tests/test_docs_browser.py",
    "tests/test_page_ports.py::test_the_site_the_provider_and_the_api_run_together",
    "tests/test_demo.py",
    "tests/test_branches.py::test_the_lesson_tests_of_the_last_step",
    "tests/test_scenarios.py::test_the_step_does_what_the_table_says[cold-stampede",
    "tests/test_scenarios.py::test_the_step_does_what_the_table_says[provider-down",
    "tests/test_fuzz_authorization.py",
)
BYTECODE_FOLDER = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Python's bytecode cache on for every process the run starts, in a folder of
    the run's own.

    The run starts hundreds of Python processes (step suites, gunicorn workers,
    ``manage.py``, ``tutorial``). With PYTHONDONTWRITEBYTECODE set, as on some
    machines, each would compile Django afresh; this way the first process to
    import a module compiles it for all, and nothing is written beside the sources.
    """
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: its controller did
        return
    if os.environ.get("PYTHONPYCACHEPREFIX"):  # yours, or an outer run's: shared
        os.environ["PYTHONDONTWRITEBYTECODE"] = ""
        return
    folder = tempfile.mkdtemp(prefix="tests-bytecode-")
    config.stash[BYTECODE_FOLDER] = folder
    os.environ.update(PYTHONDONTWRITEBYTECODE="", PYTHONPYCACHEPREFIX=folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(BYTECODE_FOLDER, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_redis_url() -> Iterator[str]:
    """One real Redis that the step suites share, like a team's shared Redis (one
    for each pytest-xdist worker: suites of one worker run one after the other)."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def private_redis_url() -> Iterator[str]:
    """A Redis server of this run's own, for servers that write the application's keys.

    A step run under gunicorn caches under the application's real key, so it must
    never share a learner's development Redis.
    """
    with throwaway_redis_server() as url:
        yield url


@pytest.fixture
def private_redis(private_redis_url: str) -> Iterator[str]:
    """``private_redis_url``, emptied after each test: no step reads another's keys."""
    yield private_redis_url
    client = redis.Redis.from_url(private_redis_url)
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def built_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The site, built once (``mkdocs build --strict``) for every test that reads it.

    Once for the whole run: the first pytest-xdist worker to need it builds it, in
    a folder the run's workers share, and the others wait for that build.
    """
    folder = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):
        folder = folder.parent  # the run's own, above each worker's
    site_dir, outcome = folder / "site", folder / "site-build.json"
    with open(folder / "site-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not outcome.exists():
            result = build_site(site_dir)
            output = f"{result.stdout}\n{result.stderr}"
            outcome.write_text(json.dumps([result.returncode, output]))
    returncode, output = json.loads(outcome.read_text())
    assert returncode == 0, f"mkdocs build --strict failed:\n{output}"
    return site_dir


@pytest.fixture
def record_step_summary(request: pytest.FixtureRequest):
    """Remember a step suite's closing line, to print it at the end of the run.

    It travels with the test's report, so that it reaches the terminal from a
    pytest-xdist worker too.
    """

    def record(name: str, line: str) -> None:
        request.node.user_properties.append((STEP_SUMMARY, (name, line)))

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    summaries = dict(
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        for key, value in getattr(report, "user_properties", ())
        if key == STEP_SUMMARY
    )
    if summaries:
        terminalreporter.section("step suites, each in its own process")
        for name, line in sorted(summaries.items()):
            terminalreporter.write_line(f"{name:<40} {line}")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: a pytest-xdist worker per CPU, and never fewer than six, since
    many tests wait on servers and subprocesses (the scenario matrix sleeps through
    its outages, 208 cells of it) rather than compute."""
    return max(6, os.cpu_count() or 1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest tests first: with pytest-xdist, a long test started last
    keeps the whole run waiting for it."""
    position = {item.nodeid: index for index, item in enumerate(items)}

    def run_order(item: pytest.Item) -> tuple[int, int]:
        rank = length_rank(item.nodeid)
        if rank < len(LONGEST_FIRST):
            return rank, -position[item.nodeid]  # the later steps and pages first
        return rank, position[item.nodeid]

    items.sort(key=run_order)


def length_rank(nodeid: str) -> int:
    """0 for the longest tests, then 1, 2, ...; everything else after them."""
    for rank, start in enumerate(LONGEST_FIRST):
        if nodeid.startswith(start):
            return rank
    return len(LONGEST_FIRST)
