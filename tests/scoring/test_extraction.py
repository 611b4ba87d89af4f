"""extraction_f1: field-level triples, lenient parsing, value normalisation, failure modes."""

import json

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring.base import ScoringContext, scorers, undeclared
from pipeline.scoring.extraction import (
    extraction_f1,
    extraction_gold_in_text,
    parse_records,
    prf,
    value_matches,
)

CTX = ScoringContext()
PEOPLE = [
    {"name": "Imke Dallow", "role": "Head of Procurement", "company": "Veltrane GmbH"},
    {"name": "Tobias Quist", "role": "Legal Counsel", "company": "Orrisby Logistics Ltd"},
]
AMOUNTS = [
    {"amount": 12500, "currency": "EUR", "purpose": "license_fee"},
    {"amount": 3300.5, "currency": "EUR", "purpose": "late_penalty"},
]


def _case(expected=PEOPLE, key="name", fields=("name", "role", "company"), enums=None,
          text="Signed by Imke Dallow (Head of Procurement, Veltrane GmbH) and Tobias Quist, "
               "Legal Counsel at Orrisby Logistics Ltd. Witnessed by Noor Varga."):
    return Case(id="c1", input={"text": text, "key": key, "fields": list(fields),
                                "enums": enums or {}}, expected=expected)


def _amount_case():
    return _case(AMOUNTS, key="amount", fields=("amount", "currency", "purpose"),
                 enums={"currency": ["EUR", "USD"], "purpose": ["license_fee", "late_penalty"]},
                 text="The licence fee is EUR 12,500. Late delivery costs €3,300.50 a week.")


def test_registered_and_metrics_declared():
    assert scorers.get("extraction_f1") is extraction_f1
    score = extraction_f1(_case(), "[]", CTX)
    assert not undeclared(extraction_f1, score)
    assert {m.name for m in extraction_f1.metrics if not m.higher_is_better} == {"fp", "fn"}


def test_exact_answer_in_prose_and_fence_is_correct():
    out = "Here you go:\n```json\n" + json.dumps(PEOPLE) + "\n```\nHope this helps."
    s = extraction_f1(_case(), out, CTX)
    assert s.passed and s.failure_mode is None
    assert s.metrics == {"tp": 6.0, "fp": 0.0, "fn": 0.0, "precision": 1.0, "recall": 1.0,
                         "f1": 1.0, "parsed": 1.0, "correct": 1.0}
    assert s.parsed == PEOPLE


def test_normalised_strings_keys_order_and_extra_fields():
    out = json.dumps([
        {"Company": "orrisby  logistics ltd", "Name": "TOBIAS QUIST", "role": "legal counsel",
         "email": "ignored@x"},
        {"name": "Imke Dallow", "role": "Head of Procurement.", "company": "Veltrane GmbH"},
    ])
    s = extraction_f1(_case(), out, CTX)
    assert s.passed, s.detail


def test_distractor_added_is_spurious_only():
    out = json.dumps(PEOPLE + [{"name": "Noor Varga", "role": "witness", "company": None}])
    s = extraction_f1(_case(), out, CTX)
    assert s.metrics["tp"] == 6 and s.metrics["fp"] == 2 and s.metrics["fn"] == 0
    assert s.failure_mode == "spurious_fields" and not s.passed
    assert s.metrics["precision"] == pytest.approx(0.75) and s.metrics["recall"] == 1.0
    assert s.metrics["f1"] == pytest.approx(2 * 0.75 / 1.75)


def test_missing_record_is_missed_only():
    s = extraction_f1(_case(), json.dumps(PEOPLE[:1]), CTX)
    assert (s.metrics["tp"], s.metrics["fp"], s.metrics["fn"]) == (3, 0, 3)
    assert s.failure_mode == "missed_fields" and s.metrics["recall"] == 0.5
    assert ("Tobias Quist", "company", "Orrisby Logistics Ltd") in s.detail["missed"]


def test_wrong_value_counts_as_fp_and_fn():
    wrong = [dict(PEOPLE[0], company="Orrisby Logistics Ltd"), PEOPLE[1]]
    s = extraction_f1(_case(), json.dumps(wrong), CTX)
    assert (s.metrics["tp"], s.metrics["fp"], s.metrics["fn"]) == (5, 1, 1)
    assert s.failure_mode == "both" and s.metrics["correct"] == 0.0


def test_missing_field_and_null_value_are_misses_not_claims():
    out = json.dumps([{"name": "Imke Dallow", "role": None, "company": "Veltrane GmbH"},
                      {"name": "Tobias Quist", "role": "Legal Counsel"}])
    s = extraction_f1(_case(), out, CTX)
    assert (s.metrics["tp"], s.metrics["fp"], s.metrics["fn"]) == (4, 0, 2)


def test_duplicate_record_is_spurious():
    s = extraction_f1(_case(), json.dumps(PEOPLE + PEOPLE[:1]), CTX)
    assert (s.metrics["tp"], s.metrics["fp"], s.metrics["fn"]) == (6, 3, 0)


def test_numbers_and_currencies_numerically():
    out = ('[{"amount": "EUR 12,500", "currency": "eur", "purpose": "License fee"}, '
           '{"amount": 3300.50, "currency": "EUR", "purpose": "late-penalty"}]')
    s = extraction_f1(_amount_case(), out, CTX)
    assert s.passed, s.detail
    off = '[{"amount": 12500.01, "currency": "EUR", "purpose": "license_fee"}]'
    s = extraction_f1(_amount_case(), off, CTX)
    assert s.metrics["tp"] == 0 and s.metrics["fp"] == 3 and s.metrics["fn"] == 6


def test_dates_in_any_written_form():
    gold = [{"date": "2025-03-14", "event": "delivery"}, {"date": "2025-04-30", "event": "go_live"}]
    case = _case(gold, key="date", fields=("date", "event"),
                 enums={"event": ["delivery", "go_live"]},
                 text="Delivery by 14 March 2025; go-live on 2025-04-30.")
    out = ('[{"date": "14 March 2025", "event": "delivery"}, '
           '{"date": "2025-04-30T00:00:00", "event": "go live"}]')
    assert extraction_f1(case, out, CTX).passed
    wrong_day = '[{"date": "2025-03-15", "event": "delivery"}]'
    assert extraction_f1(case, wrong_day, CTX).metrics["tp"] == 0


@pytest.mark.parametrize("out", [
    "", "I could not find anyone.", '[{"name": "Imke Dallow", "role": "Head of Proc',
    '{"name": "Imke Dallow", "role": ',
])
def test_unparseable(out):
    s = extraction_f1(_case(), out, CTX)
    assert s.failure_mode == "unparseable" and s.parsed is None
    assert s.metrics["parsed"] == 0 and s.metrics["fn"] == 6 and s.metrics["f1"] == 0


def test_wrapper_object_and_bare_objects_are_read():
    assert parse_records(json.dumps({"people": PEOPLE})) == PEOPLE
    jsonl = "\n".join(json.dumps(p) for p in PEOPLE)
    assert parse_records(jsonl) == PEOPLE
    assert parse_records(json.dumps(PEOPLE[0])) == [PEOPLE[0]]
    assert parse_records('[1, "x", {"name": "A"}]') == [{"name": "A"}]


def test_empty_list_parses_but_misses_everything():
    s = extraction_f1(_case(), "[]", CTX)
    assert s.metrics["parsed"] == 1 and s.failure_mode == "missed_fields"
    assert s.metrics["precision"] == 0 and s.metrics["f1"] == 0


def test_prf_edges():
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)
    assert prf(0, 2, 0) == (0.0, 0.0, 0.0)
    assert prf(1, 1, 1) == (0.5, 0.5, 0.5)


def test_value_matches_types():
    assert value_matches(40, "40") and value_matches(12.5, 12.50)
    assert not value_matches(40, True) and not value_matches("x", None)
    assert not value_matches("VX-4410", "VX-4411")
    assert value_matches("VX-4410", "vx 4410")


def test_case_check_accepts_and_names_the_bad_value():
    assert extraction_gold_in_text(_case()) is None
    assert extraction_gold_in_text(_amount_case()) is None
    bad = _case([dict(PEOPLE[0], company="Kestrel AG"), PEOPLE[1]])
    assert extraction_gold_in_text(bad) == (
        "expected[0].company 'Kestrel AG' does not occur in input.text")
    bad_enum = _case(AMOUNTS, key="amount", fields=("amount", "currency", "purpose"),
                     enums={"currency": ["USD"]},
                     text="The licence fee is EUR 12,500. Late delivery costs €3,300.50 a week.")
    assert "is not one of input.enums.currency" in extraction_gold_in_text(bad_enum)
    assert "repeats another record's key" in extraction_gold_in_text(
        _case([PEOPLE[0], PEOPLE[0]]))
    assert "input.key" in extraction_gold_in_text(_case(key="email"))
