"""One rule for "the same number" in every scorer (pipeline/scoring/equality.py): float
rounding is forgiven, a rounded value is not, and the four scorers that compare numbers agree."""

from pipeline.scoring.answer_match import answer_in_text
from pipeline.scoring.equality import numbers_equal
from pipeline.scoring.extraction import value_matches
from pipeline.scoring.function_call import values_match
from pipeline.scoring.json_schema import values_equal


def test_float_rounding_is_equal_and_a_rounded_value_is_not():
    assert numbers_equal(0.1 + 0.2, 0.3) and numbers_equal(1299, 1299.0)
    assert numbers_equal(0.0, 1e-12)
    assert not numbers_equal(3.14159, 3.1416) and not numbers_equal(3.3333333333, 3.333333)


def test_every_scorer_that_compares_numbers_uses_the_same_rule():
    for expected, got in [(1299, 1299.0), (0.3, 0.1 + 0.2), (3.3333333333, 3.333333),
                          (1_000_000, 1_000_001)]:
        rule = numbers_equal(expected, got)
        assert values_equal(expected, got) is rule  # JSON fields (was relative 1e-6)
        assert values_match(expected, got) is rule  # function-call arguments
        assert value_matches(expected, got) is rule  # extraction
        assert answer_in_text(repr(expected), f"it is {got!r}") is rule  # answers in text


def test_nulls_flags_and_numbers_are_judged_alike_by_both_json_scorers():
    """equality.verdict_by_type: null and booleans only as themselves, a boolean never a number."""
    for expected, got, same in [(None, None, True), (None, 0, False), (True, True, True),
                                (True, 1, False), (False, 0, False), (1, True, False),
                                (0, False, False), (1299, 1299.0, True), (2, "2", False)]:
        assert values_equal(expected, got) is same, (expected, got)
        assert values_match(expected, got) is same, (expected, got)
