"""answer_match on replies that small models really write: bare answers, sentences, echoed
passages, base-model continuations, refusals, dates and numbers in other forms."""

import datetime as dt

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring import ScoringContext, scorers
from pipeline.scoring.answer_match import (
    Target,
    answer_in_text,
    answer_span,
    dates_in,
    numbers_in,
    parse_date,
    parse_number,
)

PERSON = {"answer": "Imke Dallow", "aliases": ["Dallow"], "reject": ["Lev Fennetti", "Tomas Veil"]}


def score(expected, output):
    case = Case(id="q001-p3", input={"question": "?"}, expected=expected)
    return scorers.get("answer_match")(case, output, ScoringContext())


@pytest.mark.parametrize("output", [
    "Imke Dallow",
    " Imke Dallow.\n\nQuestion: Who chairs the board of the Selness Trust?\nAnswer: Lev Fennetti",
    "The reactor coolant loop was last inspected by engineer imke dallow on 14 June 2019.",
    "Answer:\nImke Dallow",
    "Engineer Dallow.",
    "IMKE DALLÖW",
])
def test_right_answers(output):
    s = score(PERSON, output)
    assert s.passed and s.metrics == {"correct": 1.0} and s.failure_mode is None


@pytest.mark.parametrize("output,mode", [
    ("Lev Fennetti", "wrong_answer"),
    ("Imke Dallow or Tomas Veil", "wrong_answer"),          # hedging between candidates
    ("[2] The Dornwick Observatory's reactor coolant loop was last inspected by engineer "
     "Lev Fennetti on 19 May 2011.", "wrong_answer"),
    ("Dallowby", "wrong_answer"),                            # word boundaries
    ("", "no_answer"),
    ("   \n", "no_answer"),
    ("I don't know.", "no_answer"),
    ("The documents do not mention who inspected it.", "no_answer"),
    ("Sorry, I can't answer that from these documents.", "no_answer"),
    ("The inspector is not mentioned in the documents.", "no_answer"),
    ("Unknown", "no_answer"),
])
def test_wrong_and_missing_answers(output, mode):
    s = score(PERSON, output)
    assert not s.passed and s.metrics == {"correct": 0.0} and s.failure_mode == mode


def test_only_the_first_line_is_judged():
    # a base model runs on after its answer; later lines neither earn nor cost the point
    assert not score(PERSON, "Tomas Veil\nImke Dallow").passed
    assert score(PERSON, "Imke Dallow\n[4] ... engineer Tomas Veil ...").passed
    assert answer_span("\n\n  The answer is:\n  Imke Dallow\nmore") == "The answer is: Imke Dallow"


@pytest.mark.parametrize("output,right", [
    ("1874", True), ("It was founded in 1874.", True), ("1,874", True), ("1874.0", True),
    ("1884", False), ("18740", False), ("The year 1874-75", True),
])
def test_numbers_compare_numerically(output, right):
    assert score({"answer": "1874", "reject": ["1902"]}, output).passed is right


def test_numbers_in_words_and_with_units():
    assert score("46", "forty-six crew members").passed
    assert score("46", "A crew of 46 works aboard.").passed
    assert score("46", "46 or 112").passed  # without a reject list, naming it is enough
    assert not score({"answer": "46", "reject": ["112"]}, "46 or 112").passed
    assert score("1200", "twelve hundred").passed
    assert score("305", "three hundred and five kilometres").passed


@pytest.mark.parametrize("output", [
    "1998-03-03", "3 March 1998", "3rd of March, 1998", "March 3, 1998", "Mar. 3rd 1998",
    "03/03/1998", "It opened on Tuesday, 3 March 1998.",
])
def test_dates_in_several_formats(output):
    assert score({"answer": "1998-03-03"}, output).passed


def test_date_reading_is_strict_about_the_day():
    assert not score({"answer": "1998-03-03"}, "3 March 1999").passed
    assert not score({"answer": "1998-03-03"}, "1998").passed
    # numeric day/month order: either reading counts
    assert score({"answer": "2019-06-05"}, "05/06/2019").passed
    assert score({"answer": "2019-05-06"}, "05/06/2019").passed


def test_helpers():
    assert parse_date("14 June 2019") == dt.date(2019, 6, 14)
    assert parse_date("Opened 14 June 2019") is None and parse_date("Imke Dallow") is None
    assert parse_number("1,874") == 1874 and parse_number("forty-six") == 46
    assert parse_number("Seven Oaks") is None and parse_number("Imke") is None
    assert numbers_in("2019-06-14 and twelve hundred") == [2019, 6, 14, 1200]
    assert dates_in("between 2019-06-14 and 1 July 2020") == [dt.date(2019, 6, 14),
                                                               dt.date(2020, 7, 1)]
    assert answer_in_text("Amber Heron", "code name: amber-heron")
    assert not answer_in_text("Amber Heron", "Amber Herons")


def test_expected_forms():
    assert Target.from_expected("Imke Dallow") == Target("Imke Dallow")
    assert Target.from_expected(46) == Target("46")
    with pytest.raises(ValueError, match="answer"):
        Target.from_expected({"aliases": []})
    with pytest.raises(ValueError, match="unknown key"):
        Target.from_expected({"answer": "x", "alias": ["y"]})
    with pytest.raises(ValueError, match="aliases must be a list of strings"):
        Target.from_expected({"answer": "x", "aliases": "y"})
