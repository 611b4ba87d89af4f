"""Information extraction: every record of a kind from a text, scored field by field.

A case asks for a list of records (every signatory with role and company; every scheduled
date with its event; every agreed amount with currency and purpose). `expected` is the gold
list of records (objects); `input.key` names the field that identifies a record (`name`,
`date`, `amount`, `sku`) and `input.fields` the fields that are scored, in order.
`input.enums` (optional) maps a field to its allowed values (`event: [signing, ...]`).

Why triples and not whole records: a model that lists all four signatories but gets one
company wrong has done most of the job, and a model that lists a witness as a signatory has
added one wrong record, not ruined three right ones. So the unit is a (record key, field,
value) triple, and the metrics are the counts `tp`, `fp`, `fn` per case (summed in SQL for
micro precision/recall/F1 over a run) plus per-case `precision`, `recall`, `f1`.

Matching, step by step:

1. Parsing (`parsed`): the first JSON value in the output (a code fence or prose around it is
   fine, see `json_schema.extract_json`). A list is the answer; an object whose only value is
   a list (`{"people": [...]}`) is unwrapped; one bare record object, or several written one
   after another without a list, counts as those records. Items that are not objects are
   ignored. A list cut off by the token limit does not parse: `unparseable`, everything missed.
2. Field names are matched loosely (`Unit Price`, `unit-price` → `unit_price`); fields not in
   `input.fields` are ignored, and a null value is no claim (not counted).
3. Alignment: each predicted record goes to the gold record whose key it matches (values
   compared as in 4). A second predicted record with an already-taken key, or one with no or
   an unknown key, is spurious: all its non-null fields are false positives.
4. Values: strings casefolded with accents, punctuation and extra whitespace dropped
   (`payment due` = `payment_due`, `"Head of  procurement"` = `Head of Procurement`); numbers
   numerically (`"12,500"`, `"EUR 12,500"` and `12500.0` match 12500); an expected ISO date
   matches the same day in any written form the model uses (`14 March 2025`, `2025-03-14`).
5. Counting: per aligned gold field, a right value is a `tp`; a wrong value is both an `fp`
   and an `fn`; a missing one an `fn`. An unmatched gold record's fields are all `fn`.

`correct` is 1 when f1 is 1 (every gold triple found, nothing else claimed). Failure modes:
`unparseable`, `missed_fields` (fn only), `spurious_fields` (fp only), `both`.

The case check `extraction_gold_in_text` refuses, at load time, a case whose gold value is not
in its text (or, for a field with allowed values, not one of them): such a triple could only
be missed, and would lower every model's recall for a reason that is not the model's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pipeline.config.experiment import Case
from pipeline.scoring.answer_match import answer_in_text, normalize, parse_date, parse_number
from pipeline.scoring.base import Metric, Needs, Score, ScoringContext, scorer
from pipeline.scoring.case_checks import case_check
from pipeline.scoring.equality import numbers_equal
from pipeline.scoring.json_schema import _FENCE, extract_json

Triple = tuple[str, str, Any]  # (record key as given, field, value)


@dataclass(frozen=True)
class Spec:
    """What a case asks for: the key field, the scored fields, allowed values per field."""

    key: str
    fields: tuple[str, ...]
    enums: dict[str, tuple[str, ...]]

    @classmethod
    def from_case(cls, case: Case) -> Spec:
        """Read `input.key`, `input.fields`, `input.enums`; ValueError says what is wrong."""
        inp = case.input
        fields = inp.get("fields")
        if not isinstance(fields, list) or not fields or not all(
                isinstance(f, str) and f for f in fields):
            raise ValueError("input.fields must be a non-empty list of field names")
        key = inp.get("key")
        if not isinstance(key, str) or key not in fields:
            raise ValueError(f"input.key {key!r} must be one of input.fields ({', '.join(fields)})")
        enums = inp.get("enums", {})
        if not isinstance(enums, dict) or not all(
                f in fields and isinstance(v, list) and all(isinstance(x, str) for x in v)
                for f, v in enums.items()):
            raise ValueError("input.enums must map fields of input.fields to lists of strings")
        return cls(key, tuple(fields), {f: tuple(v) for f, v in enums.items()})


# --- parsing ----------------------------------------------------------------------------------

def parse_records(text: str) -> list[dict[str, Any]] | None:
    """The records in a model's reply, or None when it holds no JSON list of records (see the
    module doc, step 1)."""
    found, value = extract_json(text)
    if not found:
        return None
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(value) == 1 and len(lists) == 1:
            value = lists[0]
        else:
            value = _objects_in(text)
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, dict)]


def _objects_in(text: str) -> list[Any]:
    """Top-level JSON objects written one after another (JSON lines, or a list without its
    brackets), from the first fenced block when there is one."""
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    decoder = json.JSONDecoder()
    out: list[Any] = []
    pos = body.find("{")
    while pos != -1:
        try:
            value, end = decoder.raw_decode(body, pos)
        except json.JSONDecodeError:
            pos = body.find("{", pos + 1)
            continue
        out.append(value)
        pos = body.find("{", end)
    return out


# --- values ------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"[€$£]|\b(?:EUR|USD|GBP|CHF)\b", re.IGNORECASE)
_TIME_PART = re.compile(r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*$")


def value_matches(expected: Any, got: Any) -> bool:
    """Whether *got* (from the model) is the value *expected* (gold), per the module doc."""
    if got is None or isinstance(got, (bool, dict, list)):
        return expected is got if isinstance(got, bool) or got is None else False
    if isinstance(expected, bool) or expected is None:
        return False
    if isinstance(expected, (int, float)):
        number = got if isinstance(got, (int, float)) else parse_number(
            _CURRENCY.sub(" ", str(got)))
        return number is not None and numbers_equal(expected, number)
    expected_s, got_s = str(expected), str(got)
    if _ISO_DATE.match(expected_s):
        day = parse_date(_TIME_PART.sub("", got_s))
        return day is not None and day.isoformat() == expected_s
    return normalize(expected_s) == normalize(got_s)


def _field_of(name: str, fields: tuple[str, ...]) -> str | None:
    """The scored field a predicted key names (case, spaces, hyphens ignored), or None."""
    n = normalize(name).replace(" ", "")
    for f in fields:
        if normalize(f).replace(" ", "") == n:
            return f
    return None


def _claims(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A predicted record's non-null values under their scored field names."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        f = _field_of(str(name), fields)
        if f is not None and value is not None and f not in out:
            out[f] = value
    return out


# --- counting ------------------------------------------------------------------------------------

@dataclass
class Tally:
    """Triples found, claimed wrongly and missed, with examples for the cases pages."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __post_init__(self) -> None:
        self.missed: list[Triple] = []
        self.spurious: list[Triple] = []

    def miss(self, key: Any, field: str, value: Any) -> None:
        self.fn += 1
        self.missed.append((str(key), field, value))

    def spur(self, key: Any, field: str, value: Any) -> None:
        self.fp += 1
        self.spurious.append((str(key), field, value))


def compare(gold: list[dict[str, Any]], predicted: list[dict[str, Any]], spec: Spec) -> Tally:
    """Count (key, field, value) triples of *predicted* against *gold* (module doc, 3–5)."""
    tally = Tally()
    taken: dict[int, dict[str, Any]] = {}
    for record in predicted:
        claims = _claims(record, spec.fields)
        key = claims.get(spec.key)
        match = next((i for i, g in enumerate(gold)
                      if key is not None and value_matches(g.get(spec.key), key)), None)
        if match is None or match in taken:
            for f, v in claims.items():
                tally.spur(key, f, v)
        else:
            taken[match] = claims
    for i, g in enumerate(gold):
        claims = taken.get(i, {})
        for f in spec.fields:
            want, got = g.get(f), claims.get(f)
            if want is None:
                if got is not None:
                    tally.spur(g.get(spec.key), f, got)
            elif got is not None and value_matches(want, got):
                tally.tp += 1
            else:
                tally.miss(g.get(spec.key), f, want)
                if got is not None:
                    tally.spur(g.get(spec.key), f, got)
    return tally


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1; a side with nothing in it is 1.0 only when both are empty."""
    if tp + fp + fn == 0:
        return 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs("the gold records (an array of objects)", types=("array",), items="object")


@scorer(
    "extraction_f1",
    needs=NEEDS,
    metrics=[
        Metric("tp", "gold (key, field, value) triples the output states"),
        Metric("fp", "triples the output states that are not gold (wrong or extra)",
               higher_is_better=False),
        Metric("fn", "gold triples the output misses or gets wrong", higher_is_better=False),
        Metric("precision", "tp / (tp + fp) for this case"),
        Metric("recall", "tp / (tp + fn) for this case"),
        Metric("f1", "harmonic mean of this case's precision and recall"),
        Metric("parsed", "the output holds a JSON list of records"),
        Metric("correct", "every gold triple stated and nothing else (f1 == 1)"),
    ],
)
def extraction_f1(case: Case, output: str, ctx: ScoringContext) -> Score:
    spec = Spec.from_case(case)
    gold = case.expected if isinstance(case.expected, list) else []
    records = parse_records(output)
    parsed = records is not None
    tally = compare(gold, records or [], spec)
    precision, recall, f1 = prf(tally.tp, tally.fp, tally.fn)
    correct = parsed and tally.fp == 0 and tally.fn == 0
    if not parsed:
        mode: str | None = "unparseable"
    elif correct:
        mode = None
    elif tally.fp and tally.fn:
        mode = "both"
    else:
        mode = "spurious_fields" if tally.fp else "missed_fields"
    metrics = {"tp": float(tally.tp), "fp": float(tally.fp), "fn": float(tally.fn),
               "precision": precision, "recall": recall, "f1": f1,
               "parsed": float(parsed), "correct": float(correct)}
    return Score(passed=correct, metrics=metrics, failure_mode=mode, parsed=records,
                 detail={"missed": tally.missed[:20], "spurious": tally.spurious[:20]})


@case_check("extraction_gold_in_text")
def extraction_gold_in_text(case: Case) -> str | None:
    """Every gold value is in input.text (dates and numbers in any written form), or one of
    its field's allowed values; every record has the scored fields and a unique key."""
    try:
        spec = Spec.from_case(case)
    except ValueError as exc:
        return str(exc)
    text = case.input.get("text")
    if not isinstance(text, str) or not text.strip():
        return "input.text must be a non-empty string"
    gold = case.expected
    if not isinstance(gold, list) or not gold or not all(isinstance(g, dict) for g in gold):
        return "expected must be a non-empty list of records (objects)"
    keys: list[Any] = []
    for i, record in enumerate(gold):
        unknown = sorted(set(record) - set(spec.fields))
        if unknown:
            return f"expected[{i}] has field(s) not in input.fields: {', '.join(unknown)}"
        key = record.get(spec.key)
        if key is None:
            return f"expected[{i}].{spec.key} (the key field) is missing or null"
        if any(value_matches(k, key) for k in keys):
            return f"expected[{i}].{spec.key} {key!r} repeats another record's key"
        keys.append(key)
        for f in spec.fields:
            value = record.get(f)
            if value is None:
                continue
            if f in spec.enums:
                if value not in spec.enums[f]:
                    return (f"expected[{i}].{f} {value!r} is not one of input.enums.{f} "
                            f"({', '.join(spec.enums[f])})")
            elif isinstance(value, bool) or not answer_in_text(str(value), text):
                return f"expected[{i}].{f} {value!r} does not occur in input.text"
    return None
