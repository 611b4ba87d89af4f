import pytest

from pipeline.config.experiment import Case
from pipeline.scoring import ScoringContext, scorers
from pipeline.scoring.json_schema import extract_json, values_equal

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"},
                                           "age": {"type": "integer"}},
          "required": ["name", "age"], "additionalProperties": False}
CASE = Case(id="c", input={"schema": "person"}, expected={"name": "Ada Park", "age": 31})


def score(text):
    return scorers.get("json_fields")(CASE, text, ScoringContext(schema=SCHEMA))


def test_correct_output_passes_all_three_levels():
    s = score('{"name": "ada  park", "age": 31.0}')
    assert s.passed and s.failure_mode is None
    assert s.metrics == {"parses": 1.0, "schema_valid": 1.0, "field_accuracy": 1.0,
                         "field:name": 1.0, "field:age": 1.0}


def test_fenced_json_with_prose_still_parses():
    s = score('Sure! Here it is:\n```json\n{"name": "Ada Park", "age": 31}\n```\nDone.')
    assert s.passed


def test_valid_but_quietly_wrong_content():
    s = score('{"name": "Ada Park", "age": 13}')
    assert not s.passed and s.failure_mode == "wrong_content"
    assert s.metrics["schema_valid"] == 1.0 and s.metrics["field_accuracy"] == 0.5
    assert s.detail["wrong_fields"] == ["age"]


def test_schema_invalid_is_its_own_failure_mode():
    s = score('{"name": "Ada Park", "age": "31"}')
    assert s.failure_mode == "schema_invalid" and s.metrics["parses"] == 1.0
    assert s.metrics["schema_valid"] == 0.0


def test_no_json_and_truncated_json():
    assert score("def f(): return None").failure_mode == "no_json"
    assert score('{"name": "Ada Park", "age": 3').failure_mode == "no_json"


@pytest.mark.parametrize("expected,actual,equal", [
    (1299, 1299.0, True), (1, True, False), (True, 1, False), (None, None, True),
    (None, "null", False), (["a", "b"], ["b", "a"], False), ("New York", "new york", True),
    ({"sku": "A", "quantity": 2}, {"sku": "a", "quantity": 2, "x": 1}, True),
])
def test_values_equal(expected, actual, equal):
    assert values_equal(expected, actual) is equal


def test_truncated_object_does_not_parse_as_its_nested_items():
    cut = '{"order_id": "1", "items": [ {"sku": "A", "quantity": 1}, {"sku": "A", "quan'
    assert extract_json(cut) == (False, None)
    assert score(cut).failure_mode == "no_json"


def test_extract_json_prefers_first_value():
    assert extract_json('x {"a": 1} y {"b": 2}') == (True, {"a": 1})
    assert extract_json("nothing here") == (False, None)
