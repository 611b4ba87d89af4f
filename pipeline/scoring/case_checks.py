"""Case checks: data rules an experiment's cases must meet, run when the experiment loads.

An experiment YAML names one (`case_check: answer_in_passage`); the loading step
(`pipeline.loading`) runs it on every case before any model loads, so a broken case costs a
second, not a run whose scores are quietly wrong (a question whose answer is not in its
context can only be failed). A check is a function `(case) -> problem | None`, registered by
name like scorers; the problem is a short sentence naming the input key, and the error names
the case file and line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pipeline.config.cases import Case, load_cases_with_lines
from pipeline.errors import ConfigError, located
from pipeline.registry import Registry
from pipeline.scoring.answer_match import Target, answer_in_text

CaseCheck = Callable[[Case], "str | None"]

case_checks: Registry[CaseCheck] = Registry("case check")


def case_check(name: str) -> Callable[[CaseCheck], CaseCheck]:
    """Register a case check under *name*."""
    return case_checks.register(name)


def run_case_check(name: str, path: Path, cases: Sequence[Case],
                   lines: Mapping[str, int] | None = None) -> None:
    """Run check *name* on *cases* (loaded from *path*, each id on its line in *lines*; read
    again from *path* when not given); raise ConfigError on the first failing case as
    `path:line: case 'id': problem`."""
    check = case_checks.get(name)
    if lines is None:
        lines = load_cases_with_lines(path)[1]
    for case in cases:
        problem = check(case)
        if problem:
            raise ConfigError(located(path, lines.get(case.id), None,
                                      f"case {case.id!r}: {problem}"))


@case_check("answer_in_passage")
def answer_in_passage(case: Case) -> str | None:
    """A reading question: input.passages[position - 1] states the expected answer and no
    other passage does, so the answer is in the context exactly once (the position-bias
    design: where the one answer sits is what varies)."""
    inp = case.input
    passages = inp.get("passages")
    if not isinstance(passages, list) or not passages or not all(
            isinstance(p, str) for p in passages):
        return "input.passages must be a non-empty list of strings"
    position = inp.get("position")
    if isinstance(position, bool) or not isinstance(position, int) or not (
            1 <= position <= len(passages)):
        return f"input.position {position!r} is not between 1 and {len(passages)}"
    n_passages = inp.get("n_passages", len(passages))
    if n_passages != len(passages):
        return f"input.n_passages is {n_passages!r} but input.passages has {len(passages)}"
    try:
        target = Target.from_expected(case.expected)
    except ValueError as exc:
        return str(exc)
    if not answer_in_text(target.answer, passages[position - 1]):
        return (f"input.passages[{position - 1}] (position {position}) does not contain the "
                f"answer {target.answer!r}")
    for i, passage in enumerate(passages):
        if i != position - 1 and answer_in_text(target.answer, passage):
            return (f"input.passages[{i}] (position {i + 1}) also contains the answer "
                    f"{target.answer!r}; only position {position} should")
    return None
