"""tests/runner.py: a failing step suite reads as its failed tests, not as a repr."""

import textwrap
from pathlib import Path

import pytest

from tests.runner import assert_suite_passed, run_suite

TINY_SUITE = """
import pytest


def test_that_passes():
    assert True


def test_that_fails():
    total = 1 + 1
    assert total == 3, "arithmetic is broken"


class TestGrouped:
    def test_that_raises(self):
        raise LookupError("no such key: jwks")


@pytest.fixture
def broken_fixture():
    raise RuntimeError("the fixture could not start Redis")


def test_with_a_broken_fixture(broken_fixture):
    pass
"""


@pytest.fixture
def failing_suite(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_tiny.py").write_text(textwrap.dedent(TINY_SUITE))
    return tmp_path


def test_each_failure_is_its_test_id_and_first_lines(failing_suite: Path):
    run = run_suite(failing_suite)

    assert run.outcomes == {
        "tests/test_tiny.py::test_that_passes": "passed",
        "tests/test_tiny.py::test_that_fails": "failed",
        "tests/test_tiny.py::TestGrouped::test_that_raises": "failed",
        "tests/test_tiny.py::test_with_a_broken_fixture": "error",
    }
    messages = {failure.test_id: failure.message for failure in run.failures}
    assert messages["tests/test_tiny.py::test_that_fails"].splitlines() == [
        "AssertionError: arithmetic is broken",
        "assert 2 == 3",
    ]
    assert (
        "LookupError: no such key: jwks"
        in messages["tests/test_tiny.py::TestGrouped::test_that_raises"]
    )
    assert (
        "the fixture could not start Redis"
        in messages["tests/test_tiny.py::test_with_a_broken_fixture"]
    )


def test_a_failed_suite_fails_the_repository_test_with_a_short_report(
    failing_suite: Path,
):
    run = run_suite(failing_suite)

    with pytest.raises(pytest.fail.Exception) as failure:
        assert_suite_passed(run, "99-tiny")

    assert failure.value.pytrace is False  # no traceback of the repository test
    report = str(failure.value)
    assert report.startswith("99-tiny: 2 failed, 1 passed, 1 error in ")
    assert "  FAILED tests/test_tiny.py::test_that_fails\n" in report
    assert "      AssertionError: arithmetic is broken\n      assert 2 == 3\n" in report
    assert "  ERROR tests/test_tiny.py::test_with_a_broken_fixture\n" in report
    assert "--- the last " in report
    assert "SuiteRun(" not in report and "output=" not in report
    assert len(report.splitlines()) < 50


def test_a_passing_suite_passes(tmp_path: Path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    pass\n")

    run = run_suite(tmp_path)

    assert_suite_passed(run, "ok")
    assert run.outcomes == {"test_ok.py::test_ok": "passed"}
    assert "output" not in repr(run)
