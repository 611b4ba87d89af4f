"""Structured JSON output, scored on three levels.

1. `parses`: the output contains a complete JSON value. We accept a Markdown code fence or
   prose around it and decode from the first `{` or `[` that starts a complete value. An
   object cut off by the token limit does not parse (nor does anything nested inside it).
2. `schema_valid`: that value validates against the case's JSON Schema (draft 2020-12).
3. `field_accuracy`: the share of expected top-level fields whose value is correct, and
   `field:<name>` (1.0 or 0.0) for each top-level expected field, so per-field accuracy is a
   plain query (`metric LIKE 'field:%'`); a nested object or array counts as one field.

A case passes only when all three hold completely. That is the seed post's point: output can
parse and validate and still be quietly wrong.

Field comparison: strings case-insensitive with whitespace collapsed (enum values too);
numbers numerically (1299 == 1299.0; float rounding only, `equality.numbers_equal`); booleans
and null exactly; lists element by element, in order; objects field by field, recursively,
extra keys ignored. An expected ISO date (YYYY-MM-DD) also matches the same day written
`2024-3-3` or with a time (`2024-03-03T00:00:00`); an expected HH:MM time matches `9:30` and
`09:30:00`. An expected null matches a missing key when the schema makes that key optional
(not `required`): leaving out an optional field is the schema's way of saying "not given".
Without a schema, or for a required key, a missing key is wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator

from pipeline.config.experiment import Case
from pipeline.scoring.base import PASSED, Metric, Needs, Outcome, Score, ScoringContext, scorer
from pipeline.scoring.equality import verdict_by_type

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


def values_equal(expected: Any, actual: Any, schema: dict[str, Any] | None = None) -> bool:
    """Whether *actual* is a correct value for *expected*; *schema* (the JSON Schema of this
    value, when known) only decides whether a missing key may stand for an expected null."""
    verdict = verdict_by_type(expected, actual)
    if verdict is not None:
        return verdict
    if isinstance(expected, str):
        if _norm(expected) == _norm(actual):
            return True
        return _same_date_or_time(expected, actual)
    if isinstance(expected, list):
        items = _sub(schema, "items")
        return all(values_equal(e, a, items) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict):
        return all(field_correct(k, v, actual, schema) for k, v in expected.items())
    return bool(expected == actual)


def field_correct(key: str, expected: Any, got: dict[str, Any],
                  schema: dict[str, Any] | None = None) -> bool:
    """Whether field *key* of the object *got* is right, *schema* being the object's schema."""
    if key in got:
        return values_equal(expected, got[key], _sub(schema, "properties", key))
    return expected is None and schema is not None and key not in schema.get("required", [])


def _sub(schema: dict[str, Any] | None, *path: str) -> dict[str, Any] | None:
    """The subschema at *path* (e.g. properties → key), or None when the schema says nothing."""
    node: Any = schema
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node if isinstance(node, dict) else None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_LIKE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
_HH_MM = re.compile(r"^\d{2}:\d{2}$")
_TIME_LIKE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::00)?\s*$")


def _same_date_or_time(expected: str, actual: str) -> bool:
    """An ISO date or HH:MM time written with other padding or a zero time part."""
    if _ISO_DATE.match(expected):
        m = _DATE_LIKE.match(actual)
        return bool(m) and tuple(map(int, m.groups())) == tuple(
            map(int, expected.split("-")))
    if _HH_MM.match(expected):
        m = _TIME_LIKE.match(actual)
        return bool(m) and tuple(map(int, m.groups())) == tuple(
            map(int, expected.split(":")))
    return False


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs("the gold JSON value (an object of the expected fields)")


@scorer(
    "json_fields",
    needs=NEEDS,
    metrics=[
        Metric("parses", "output contains a JSON value"),
        Metric("schema_valid", "that value validates against the case's JSON Schema"),
        Metric("field_accuracy", "share of expected fields with the correct value"),
        Metric("field:", "1 when this top-level expected field has the correct value",
               family=True),
    ],
    # stored only as `passed`: valid against the schema and every field right
    outcomes=[Outcome(PASSED, "fully correct")],
)
def json_fields(case: Case, output: str, ctx: ScoringContext) -> Score:
    expected = case.expected
    fields = list(expected) if isinstance(expected, dict) else []
    found, value = extract_json(output)
    if not found:
        metrics = {"parses": 0.0, "schema_valid": 0.0, "field_accuracy": 0.0}
        metrics.update({f"field:{k}": 0.0 for k in fields})
        return Score(False, metrics, failure_mode="no_json")
    valid = True
    schema_errors: list[str] = []
    if ctx.schema is not None:
        errors = sorted(Draft202012Validator(ctx.schema).iter_errors(value), key=str)
        valid = not errors
        schema_errors = [e.message for e in errors[:5]]
    if isinstance(expected, dict):
        got = value if isinstance(value, dict) else {}
        wrong = [k for k, v in expected.items() if not field_correct(k, v, got, ctx.schema)]
        accuracy = 1.0 - len(wrong) / len(expected) if expected else 1.0
    else:
        wrong = [] if values_equal(expected, value, ctx.schema) else ["(value)"]
        accuracy = 0.0 if wrong else 1.0
    if not valid:
        mode = "schema_invalid"
    elif wrong:
        mode = "wrong_content"
    else:
        mode = None
    metrics = {"parses": 1.0, "schema_valid": float(valid), "field_accuracy": accuracy}
    metrics.update({f"field:{k}": float(k not in wrong) for k in fields})
    return Score(
        passed=mode is None,
        metrics=metrics,
        failure_mode=mode,
        parsed=value,
        detail={"wrong_fields": wrong, "schema_errors": schema_errors},
    )
