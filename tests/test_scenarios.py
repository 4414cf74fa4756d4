"""What each step survives: every cell of the matrix, played on real servers.

Each cell starts a step under gunicorn with a Redis and a provider of its own,
plays one scenario and compares the outcome with ``EXPECTED``. A difference in
either direction fails: a trap that stopped happening breaks the story as much
as a fix that regressed. The page "What each step survives" shows a recorded run
(docs/scenarios.json); the last tests check that it agrees with the table too.

The suite plays the cells that tell the story: each scenario on the step where
its outcome changes, and on the last step. The public CI's matrix job plays every
cell (``uv run tutorial scenarios``), about a quarter of an hour on two cores.
"""

import json
import pickle

import pytest

from tutorial.cli.scenarios import PAGE_FILE, RESULTS_FILE
from tutorial.course.steps import Step, discover_steps
from tutorial.kit.net import Answer
from tutorial.measure.scenarios.catalogue import SCENARIOS
from tutorial.measure.scenarios.cells import Scenario, downloads, run_cell, statuses
from tutorial.measure.scenarios.expected import EXPECTED, expected_outcomes
from tutorial.measure.scenarios.hostile import pickle_that_runs_code
from tutorial.site.scenarios_page import render_page

STEPS = discover_steps()


def cells_that_tell_the_story() -> list[tuple[Scenario, Step]]:
    """Each scenario on the steps where its outcome changes, and on the last."""
    cells = []
    for name, scenario in SCENARIOS.items():
        outcomes = EXPECTED[name]
        for before, step in zip([None, *STEPS], STEPS, strict=False):
            changed = before is None or outcomes[before.number] != outcomes[step.number]
            if changed or step == STEPS[-1]:
                cells.append((scenario, step))
    return cells


PLAYED = cells_that_tell_the_story()


@pytest.mark.parametrize(
    ("scenario", "step"),
    PLAYED,
    ids=[f"{scenario.name}-{step.name[:2]}" for scenario, step in PLAYED],
)
def test_the_step_does_what_the_table_says(scenario, step):
    expected = EXPECTED[scenario.name][step.number]

    result = run_cell(step, scenario)

    assert result.outcome == expected, (
        f"{step.name}, {scenario.title}: the table says {expected!r}, "
        f"the servers did {result.outcome!r}"
    )


def test_answers_are_told_as_one_status_or_counted_by_status():
    assert statuses([Answer(200), Answer(200)]) == "200"
    assert statuses([Answer(500), Answer(200), Answer(None), Answer(200)]) == (
        "2×200, 1×500, 1×no answer"
    )
    assert (downloads(1), downloads(0)) == ("1 download", "0 downloads")


def test_the_planted_pickle_runs_its_code_and_then_loads_as_the_original(tmp_path):
    marker = tmp_path / "ran"
    original = pickle.dumps({"keys": ["the cached set"]})

    planted = pickle_that_runs_code(marker, original)

    assert not marker.exists()
    assert pickle.loads(planted) == {"keys": ["the cached set"]}
    assert marker.exists()


def test_a_span_of_steps_shares_an_outcome_and_no_step_has_two():
    table = '[rotation]\n"00-02" = "new key: 200"\n"03" = "new key: 401"\n'
    assert expected_outcomes(table) == {
        "rotation": {
            0: "new key: 200",
            1: "new key: 200",
            2: "new key: 200",
            3: "new key: 401",
        }
    }
    with pytest.raises(ValueError, match="step 3 twice"):
        expected_outcomes('[rotation]\n"00-03" = "a"\n"03" = "b"\n')


def test_the_table_has_a_cell_for_every_scenario_and_step():
    assert list(EXPECTED) == list(SCENARIOS)
    for scenario, cells in EXPECTED.items():
        assert sorted(cells) == [step.number for step in STEPS], scenario


def recorded_run() -> dict:
    return json.loads(RESULTS_FILE.read_text(encoding="utf-8"))


def test_the_recorded_run_agrees_with_the_table():
    run = recorded_run()

    recorded = {
        name: {
            int(step[:2]): cell["outcome"] for step, cell in scenario["cells"].items()
        }
        for name, scenario in run["scenarios"].items()
    }
    assert recorded == EXPECTED
    assert run["steps"] == [step.name for step in STEPS]


def test_the_recorded_run_tells_each_scenario_as_the_code_does():
    run = recorded_run()

    for name, scenario in SCENARIOS.items():
        told = run["scenarios"][name]
        assert (told["title"], told["demonstrates"]) == (
            scenario.title,
            scenario.demonstrates,
        ), f"{name}: run `uv run tutorial scenarios` again"


def test_the_page_is_the_recorded_run():
    assert PAGE_FILE.read_text(encoding="utf-8") == render_page(recorded_run()), (
        "docs/what-each-step-survives.md differs from docs/scenarios.json:"
        " run `uv run tutorial scenarios` again"
    )
