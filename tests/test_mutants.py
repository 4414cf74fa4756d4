"""tutorial/course/mutants.py: every step beyond the article has mutants that
still apply to its code. Playing them all takes a quarter of an hour, so the
suite plays one, and the CI's mutation job plays the rest."""

import ast

import pytest

from tutorial.course.mutants import Mutant, MutantDoesNotApply, mutants_of, play
from tutorial.course.steps import discover_steps, find_step

# Steps 00-04 are the article's own, which the course does not mutate.
BEYOND_THE_ARTICLE = [step for step in discover_steps() if step.number >= 5]


@pytest.mark.parametrize("step", BEYOND_THE_ARTICLE, ids=lambda step: step.name)
def test_every_step_beyond_the_article_has_mutants_that_apply(step):
    mutants = mutants_of(step)

    assert len(mutants) >= 3, f"{step.name} needs mutants for each part of its idea"
    for mutant in mutants:
        mutated = mutant.mutated((step.path / mutant.file).read_text("utf-8"))
        if mutant.file.endswith(".py"):
            ast.parse(mutated, mutant.file)  # a syntax error proves nothing
    names = [mutant.name for mutant in mutants]
    assert len(set(names)) == len(names)


def test_a_mutant_whose_text_moved_says_what_to_update():
    step = find_step(5)
    mutant = Mutant(step, "gone", "core/jwks.py", "no such text\n", "")

    with pytest.raises(MutantDoesNotApply, match="Update tutorial/course/mutants/"):
        mutant.mutated("other text\n")


def test_a_mutant_is_played_as_a_learner_would_check_it():
    step = find_step(5)
    mutant = next(
        m
        for m in mutants_of(step)
        if m.name == "the shared tier keeps nothing in Redis"
    )

    verdict = play(mutant)

    assert verdict.valid, "the probe should still see a valid token accepted"
    assert verdict.killed, "step 05's lessons should notice that Redis keeps nothing"
