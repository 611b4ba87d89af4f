"""json_fields' per-field metrics and the normalization rules version 2's cases rely on:
ISO dates and HH:MM times, enums case-insensitively, an expected null against a missing
optional key, nested objects and arrays of objects compared as one field, in order."""

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring import ScoringContext, scorers
from pipeline.scoring.base import Metric, undeclared
from pipeline.scoring.json_schema import values_equal

ISO = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "date": {"type": "string", "pattern": ISO},
        "start_time": {"type": "string"},
        "status": {"enum": ["in_transit", "delivered"]},
        "room": {"type": ["string", "null"]},
        "salary": {"type": ["object", "null"],
                   "properties": {"min": {"type": "number"}, "bonus": {"type": ["number", "null"]}},
                   "required": ["min"]},
        "items": {"type": "array", "items": {
            "type": "object", "properties": {"sku": {"type": "string"},
                                             "qty": {"type": "integer"}},
            "required": ["sku", "qty"]}},
    },
    "required": ["title", "date", "start_time", "status", "salary", "items"],
}
EXPECTED = {"title": "Budget review", "date": "2025-03-03", "start_time": "09:30",
            "status": "in_transit", "room": None, "salary": {"min": 55000, "bonus": None},
            "items": [{"sku": "AB-1", "qty": 2}, {"sku": "CD-2", "qty": 12}]}
CASE = Case(id="m", input={"schema": "meeting"}, expected=EXPECTED)
RIGHT = ('{"title": "budget  Review", "date": "2025-03-03", "start_time": "09:30", '
         '"status": "in_transit", "salary": {"min": 55000.0}, '
         '"items": [{"sku": "ab-1", "qty": 2}, {"sku": "CD-2", "qty": 12}]}')


def score(text, schema=SCHEMA):
    return scorers.get("json_fields")(CASE, text, ScoringContext(schema=schema))


def test_every_top_level_field_gets_its_own_metric():
    s = score(RIGHT)
    assert s.passed, s.detail
    fields = {k: v for k, v in s.metrics.items() if k.startswith("field:")}
    assert fields == {f"field:{k}": 1.0 for k in EXPECTED}
    assert not undeclared(scorers.get("json_fields"), s)


def test_one_wrong_element_fails_its_whole_top_level_field_only():
    s = score(RIGHT.replace('"qty": 12', '"qty": 1'))
    assert s.failure_mode == "wrong_content" and s.detail["wrong_fields"] == ["items"]
    assert s.metrics["field:items"] == 0.0 and s.metrics["field:title"] == 1.0
    assert s.metrics["field_accuracy"] == pytest.approx(6 / 7)


def test_enum_in_another_case_is_right_content_but_not_schema_valid():
    s = score(RIGHT.replace('"in_transit"', '"IN_TRANSIT"'))
    assert s.metrics["field:status"] == 1.0 and s.metrics["field_accuracy"] == 1.0
    assert s.failure_mode == "schema_invalid" and not s.passed


def test_no_json_scores_every_field_zero():
    s = score("I cannot help with that.")
    assert s.failure_mode == "no_json"
    assert {k for k, v in s.metrics.items() if v == 0.0} == {
        "parses", "schema_valid", "field_accuracy", *(f"field:{k}" for k in EXPECTED)}


def test_missing_optional_key_equals_expected_null_but_missing_required_key_does_not():
    s = score(RIGHT)  # "room" (optional) and "salary.bonus" (optional) left out
    assert s.metrics["field:room"] == 1.0 and s.metrics["field:salary"] == 1.0
    without_salary = RIGHT.replace('"salary": {"min": 55000.0}, ', "")
    assert score(without_salary).metrics["field:salary"] == 0.0


def test_without_a_schema_a_missing_key_is_wrong_as_in_version_1():
    assert not values_equal({"email": None}, {})
    assert values_equal({"email": None}, {"email": None})
    assert not values_equal({"email": None}, {"email": "null"})


@pytest.mark.parametrize("expected,actual,equal", [
    ("2025-03-03", "2025-3-3", True), ("2025-03-03", "2025-03-03T00:00:00", True),
    ("2025-03-03", "2025-03-03T00:00:00Z", True), ("2025-03-03", "2025-03-04", False),
    ("2025-03-03", "3 March 2025", False), ("2025-03-03", "03/03/2025", False),
    ("09:30", "9:30", True), ("09:30", "09:30:00", True), ("09:30", "09:31", False),
    ("09:30", "9.30", False), ("in_transit", "In_Transit", True),
    ("in_transit", "in transit", False), (3450.0, 3450, True), (3450.0, "3450", False),
    (1200, 1.2, False), ([{"a": 1}, {"a": 2}], [{"a": 2}, {"a": 1}], False),
])
def test_normalization_rules(expected, actual, equal):
    assert values_equal(expected, actual) is equal


def test_metric_family_covers_its_members_only():
    family = Metric("field:", "per field", family=True)
    assert family.covers("field:total") and not family.covers("parses")
    assert Metric("parses", "p").covers("parses") and not Metric("parses", "p").covers("parsesx")
