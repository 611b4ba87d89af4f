"""Structured JSON output, scored on three levels.

1. `parses`: the output contains a complete JSON value. We accept a Markdown code fence or
   prose around it and decode from the first `{` or `[` that starts a complete value. An
   object cut off by the token limit does not parse (nor does anything nested inside it).
2. `schema_valid`: that value validates against the case's JSON Schema (draft 2020-12).
3. `field_accuracy`: the share of expected top-level fields whose value is correct.

A case passes only when all three hold completely. That is the seed post's point: output can
parse and validate and still be quietly wrong.

Field comparison: strings case-insensitive with whitespace collapsed; numbers numerically
(1299 == 1299.0, relative tolerance 1e-6); booleans and null exactly; lists element by
element, in order; objects field by field, recursively.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from jsonschema import Draft202012Validator

from pipeline.config.experiment import Case
from pipeline.scoring.base import Metric, Score, ScoringContext, scorer

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.DOTALL)


def extract_json(text: str) -> tuple[bool, Any]:
    """Return (found, value): the first JSON value in *text*, fenced or bare.

    A value cut off by the token limit does not count, and neither does an object nested
    inside it: decoding stops at the first start whose value runs off the end of the text.
    """
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for cand in candidates:
        for start, ch in enumerate(cand):
            if ch in "{[":
                try:
                    value, _ = decoder.raw_decode(cand, start)
                except json.JSONDecodeError:
                    if _runs_off_end(cand, start):  # truncated: what follows is inside it
                        break
                    continue
                return True, value
    return False, None


def _runs_off_end(text: str, start: int) -> bool:
    """True when the bracket opened at *start* is never closed (strings respected)."""
    depth = 0
    in_string = escaped = False
    for ch in text[start:]:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return False
    return True


def values_equal(expected: Any, actual: Any) -> bool:
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, (int, float)):
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            return False
        return math.isclose(float(expected), float(actual), rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(expected, str):
        return isinstance(actual, str) and _norm(expected) == _norm(actual)
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(values_equal(e, a) for e, a in zip(expected, actual, strict=True)))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and values_equal(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


@scorer(
    "json_fields",
    metrics=[
        Metric("parses", "output contains a JSON value"),
        Metric("schema_valid", "that value validates against the case's JSON Schema"),
        Metric("field_accuracy", "share of expected fields with the correct value"),
    ],
)
def json_fields(case: Case, output: str, ctx: ScoringContext) -> Score:
    found, value = extract_json(output)
    if not found:
        return Score(False, {"parses": 0.0, "schema_valid": 0.0, "field_accuracy": 0.0},
                     failure_mode="no_json")
    valid = True
    schema_errors: list[str] = []
    if ctx.schema is not None:
        errors = sorted(Draft202012Validator(ctx.schema).iter_errors(value), key=str)
        valid = not errors
        schema_errors = [e.message for e in errors[:5]]
    expected = case.expected
    if isinstance(expected, dict):
        got = value if isinstance(value, dict) else {}
        wrong = [k for k, v in expected.items() if not (k in got and values_equal(v, got[k]))]
        accuracy = 1.0 - len(wrong) / len(expected) if expected else 1.0
    else:
        wrong = [] if values_equal(expected, value) else ["(value)"]
        accuracy = 0.0 if wrong else 1.0
    if not valid:
        mode = "schema_invalid"
    elif wrong:
        mode = "wrong_content"
    else:
        mode = None
    return Score(
        passed=mode is None,
        metrics={"parses": 1.0, "schema_valid": float(valid), "field_accuracy": accuracy},
        failure_mode=mode,
        parsed=value,
        detail={"wrong_fields": wrong, "schema_errors": schema_errors},
    )
