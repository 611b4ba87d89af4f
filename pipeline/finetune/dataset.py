"""Training sets for fine-tuning, and the one key that keeps them disjoint from test cases.

A fine-tuned adapter is only worth comparing with its base model on cases it never saw. A
training example and a test case count as *the same task* when their signature and prompt are
equal up to whitespace and case (:func:`case_key`); generators refuse to write files that
share a key, and :func:`overlap` lets a runner or a test check any case file against any
training set later, when one of them has changed.

Training sets are JSONL, one :class:`TrainExample` a line, read strictly like case files
(:func:`load_training_set`): a bad line is a :class:`pipeline.errors.ConfigError` naming the
file and the line, never a traceback halfway through a training run. A run records
:func:`training_set_sha256` so that a result can be traced to the exact bytes it learned from.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import Field

from pipeline.config.base import StrictModel
from pipeline.config.jsonl import load_jsonl
from pipeline.errors import ConfigError
from pipeline.hashing import file_sha256, sha256_hex

__all__ = ["TrainExample", "case_key", "load_training_set", "overlap", "training_set_sha256"]


def case_key(signature: str, prompt: str) -> str:
    """The identity of a code task: sha256 (hex) of ``signature + "\\n" + prompt`` with every
    run of whitespace made one space, the ends stripped, and lower-cased.

    Why normalised: a test case that differs from a training example only in line breaks,
    indentation or capitals is the same task to a model, and must count as a leak.
    """
    text = " ".join((signature + "\n" + prompt).split()).lower()
    return sha256_hex(text)


class TrainInput(StrictModel):
    """What the model is shown: the same two fields as a code_generation test case."""

    prompt: str = Field(min_length=1)
    signature: str = Field(min_length=1)


class TrainExpected(StrictModel):
    """The function's name and the asserts its solution passes (kept so the solutions can be
    checked in the sandbox, as test cases' reference solutions are)."""

    entry_point: str = Field(min_length=1)
    tests: list[str] = Field(min_length=1)


class TrainExample(StrictModel):
    """One training line: a task as a test case states it, plus the ``solution`` the model
    learns to write (complete Python source of the function, imports included)."""

    id: str = Field(min_length=1)
    input: TrainInput
    solution: str = Field(min_length=1)
    expected: TrainExpected
    tags: list[str] = []

    @property
    def key(self) -> str:
        """:func:`case_key` of this example's signature and prompt."""
        return case_key(self.input.signature, self.input.prompt)


def load_training_set(path: Path) -> list[TrainExample]:
    """Read a training set (JSONL) strictly: every line a valid :class:`TrainExample` whose
    entry point is the signature's function and whose solution compiles and defines it; no
    duplicate id, no duplicate :func:`case_key`. Raises ConfigError naming file and line.

    Why so strict: a training run that learns from a broken solution or from the same task
    twice still finishes, and the damage shows only as a worse adapter.
    """
    rows = load_jsonl(path, TrainExample, what="training set (JSONL)", noun="example",
                      empty="an empty training set", check=_named_problem)
    keys: dict[str, int] = {}
    for lineno, example in rows:
        if example.key in keys:
            raise ConfigError(f"{path}:{lineno}: example {example.id!r} is the same task as "
                              f"line {keys[example.key]} (same signature and prompt up to "
                              "whitespace and case)")
        keys[example.key] = lineno
    return [example for _, example in rows]


def _named_problem(example: TrainExample) -> str | None:
    problem = _problem(example)
    return f"example {example.id!r}: {problem}" if problem else None


def _problem(example: TrainExample) -> str | None:
    """What makes an otherwise well-formed example unusable, or None."""
    name = _signature_name(example.input.signature)
    if name is None:
        return f"input.signature {example.input.signature!r} is not one 'def name(...):' line"
    entry = example.expected.entry_point
    if entry != name:
        return (f"expected.entry_point {entry!r} does not match the function in "
                f"input.signature ({name!r})")
    try:
        tree = ast.parse(example.solution)
    except SyntaxError as exc:
        return f"solution does not compile ({exc.msg}, line {exc.lineno})"
    if not any(isinstance(node, ast.FunctionDef) and node.name == entry for node in tree.body):
        return f"solution does not define {entry}()"
    for i, test in enumerate(example.expected.tests):
        try:
            body = ast.parse(test).body
        except SyntaxError as exc:
            return f"expected.tests[{i}] does not compile ({exc.msg})"
        if not body or not isinstance(body[0], ast.Assert):
            return f"expected.tests[{i}] is not an assert statement"
    return None


def _signature_name(signature: str) -> str | None:
    """The function name of a one-line ``def name(...) -> T:`` signature, or None."""
    if "\n" in signature.strip():
        return None
    try:
        tree = ast.parse(signature.strip() + "\n    pass\n")
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    return tree.body[0].name


def training_set_sha256(path: Path) -> str:
    """sha256 (hex) of the training file's bytes, recorded with a run so that an adapter's
    results can be traced to exactly what it was trained on."""
    return file_sha256(path)


def overlap(train_keys: Iterable[str], cases: Iterable[Any]) -> list[str]:
    """The ids of *cases* whose :func:`case_key` is in *train_keys*, in case order. A case is
    anything with ``id`` and ``input`` holding ``signature`` and ``prompt``: a
    :class:`pipeline.config.experiment.Case` or a :class:`TrainExample`.

    Why: a test case the adapter was trained on measures memory, not skill; a non-empty
    answer means the comparison with the base model is unfair for those cases.
    """
    keys = set(train_keys)
    return [case.id for case in cases if _key_of(case.input) in keys]


def _key_of(task_input: Any) -> str:
    """:func:`case_key` of a case's ``input`` (a dict, as in a case file) or of a
    :class:`TrainInput`."""
    if isinstance(task_input, TrainInput):
        return case_key(task_input.signature, task_input.prompt)
    return case_key(task_input["signature"], task_input["prompt"])
