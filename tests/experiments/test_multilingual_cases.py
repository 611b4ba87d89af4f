"""multilingual: the experiment loads, the generator reproduces the committed cases, the
cases cover the languages the suite promises, and `known_language` refuses a bad case at load
with the file, line, case id and key."""

import collections
import re

import pipeline.scoring.multilingual as ml
from helpers import assert_wiring, prompts, refusal
from pipeline.scoring.answer_match import answer_in_text

EXPERIMENT = "multilingual"


def test_loads_with_scorer_check_and_one_variant(exp):
    assert_wiring(exp, scorer="answer_in_language", case_check="known_language",
                  cases=(50, None), variants=1, max_tokens=64)


def test_language_coverage(exp):
    targets = collections.Counter(c.input["language"] for c in exp.cases)
    assert len(targets) >= 5 and min(targets.values()) >= 5, targets
    same = [c for c in exp.cases if c.input["language"] == c.input["passage_language"]]
    assert 0.15 <= len(same) / len(exp.cases) <= 0.5
    assert {c.input["passage_language"] for c in same} == {"en", "de", "fr", "es"}
    kinds = collections.Counter(c.expected["kind"] for c in exp.cases)
    assert set(kinds) == {"word", "number", "name"}


def test_every_passage_states_its_answer_and_its_distractor(exp):
    for case in exp.cases:
        plang = case.input["passage_language"]
        own = case.expected["aliases"].get(plang, [case.expected["answer"]])
        assert any(answer_in_text(a, case.input["passage"]) for a in own), case.id
        bad = case.expected["reject"].get(plang, case.expected["reject"].get("*", []))
        assert any(answer_in_text(r, case.input["passage"]) for r in bad), case.id


def test_word_answers_have_forms_in_every_declared_language(exp):
    for case in exp.cases:
        if case.expected["kind"] == "word":
            assert set(case.expected["aliases"]) == set(ml.LANGUAGES), case.id


def test_prompt_names_the_target_language_and_stays_short(exp):
    for case, system, user in prompts(exp):
        assert f"in {ml.LANGUAGES[case.input['language']]}, in one complete sentence" in user
        assert len(system or "") + len(user) < 1200  # far under ~1,200 tokens


def _refusal(tmp_path, mutate):
    """The load error of a copy whose fourth case *mutate* changed, and that case's id."""
    msg, bad = refusal(tmp_path, "multilingual", lambda rows: mutate(rows[3]), keep=5)
    return msg, bad.rows[3]["id"]


def test_unknown_language_code_is_refused_at_load(tmp_path):
    def mutate(row):
        row["input"]["language"] = "xx"

    msg, case_id = _refusal(tmp_path, mutate)
    assert "cases.jsonl:4:" in msg and repr(case_id) in msg
    assert "input.language 'xx'" in msg and "detector does not know it" in msg
    assert "valid: de, en, es, fr, it, nl, pt" in msg


def test_a_detector_language_the_suite_does_not_declare_is_refused(tmp_path):
    def mutate(row):
        row["input"]["language"] = "sv"
        row["input"]["language_name"] = "Swedish"

    msg, _ = _refusal(tmp_path, mutate)
    assert re.search(r"input.language 'sv'.*suite does not declare it", msg), msg


def test_a_word_answer_without_the_target_language_form_is_refused(tmp_path):
    def mutate(row):
        row["expected"]["aliases"].pop(row["input"]["language"])

    msg, _ = _refusal(tmp_path, mutate)
    assert "expected.aliases has no answer in" in msg, msg


def test_language_name_must_match_the_code(tmp_path):
    def mutate(row):
        row["input"]["language_name"] = "Klingon"

    msg, _ = _refusal(tmp_path, mutate)
    assert "input.language_name 'Klingon'" in msg, msg
