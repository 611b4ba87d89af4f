"""multi_turn: the experiment loads (steps: [conversation]), the generator reproduces the
committed cases, every conversation is 3–6 user turns with one check per generated reply, the
checks are answerable from the conversation, and `conversation_turns` refuses a miscounted
case with the file, line, case id and key."""

import collections

import pytest

import pipeline.scoring.multi_turn as mt
from helpers import EXPERIMENTS, assert_wiring, broken_copy
from pipeline.config.experiment import load_cases
from pipeline.errors import ConfigError
from pipeline.scoring.answer_match import answer_in_text
from pipeline.scoring.case_checks import run_case_check

EXPERIMENT = "multi_turn"
CASES = EXPERIMENTS / EXPERIMENT / "cases.jsonl"


@pytest.fixture(scope="module")
def cases():
    return load_cases(CASES)


def test_experiment_loads_with_the_conversation_step(exp):  # loading runs the case check
    assert_wiring(exp, scorer="multi_turn", case_check="conversation_turns", cases=(40, None),
                  steps=["conversation"], variants=1, max_tokens=96)


def test_case_check_passes_on_the_committed_cases(cases):
    run_case_check("conversation_turns", CASES, cases)
    assert len(cases) >= 40


def test_shape_and_coverage(cases):
    kinds = collections.Counter(c.tags[0] for c in cases)
    assert set(kinds) == {"order", "booking", "options", "trip", "budget", "stock"}
    tags = {t for c in cases for t in c.tags}
    assert {"state", "correction", "reference", "slot_filling", "constraint"} <= tags
    for case in cases:
        users = sum(m["role"] == "user" for m in case.input["messages"])
        assert 3 <= users <= 6, case.id
        assert len(case.expected["turns"]) == mt.generated_turn_count(case.input["messages"])
    assert any(c.input["messages"][0]["role"] == "system" for c in cases)
    assert any(m["role"] == "assistant" for c in cases for m in c.input["messages"])


def test_stale_values_are_really_in_the_conversation(cases):
    for case in cases:
        said = " ".join(m["content"] for m in case.input["messages"])
        for check in filter(None, case.expected["turns"]):
            for group in check.get("must_include", []):
                assert not any(a == s for a in group for s in check.get("stale", [])), case.id
            for value in check.get("must_not_include", []):
                assert answer_in_text(value, said), (case.id, value)


def test_conversations_stay_short(cases):
    for case in cases:
        chars = sum(len(m["content"]) for m in case.input["messages"])
        assert chars < 1500, case.id  # + 6 replies of ≤ 96 tokens stays far under 2,048


def _write(tmp_path, mutate):
    bad = broken_copy(tmp_path, "multi_turn", lambda rows: mutate(rows[2]), keep=4)
    return bad.cases, bad.rows[2]["id"]


def test_miscounted_turns_are_refused_with_file_line_and_key(tmp_path):
    path, case_id = _write(tmp_path, lambda r: r["expected"]["turns"].pop(0))
    with pytest.raises(ConfigError) as err:
        run_case_check("conversation_turns", path, load_cases(path))
    msg = str(err.value)
    assert f"{path}:3: case {case_id!r}" in msg
    assert "expected.turns has" in msg and "generates" in msg


def test_unscored_final_turn_is_refused(tmp_path):
    def mutate(row):
        row["expected"]["turns"][-1] = None

    path, _ = _write(tmp_path, mutate)
    with pytest.raises(ConfigError, match=r"expected.turns\[-1\] is null"):
        run_case_check("conversation_turns", path, load_cases(path))


def test_a_scripted_reply_changes_the_count(tmp_path):
    def mutate(row):
        msgs = row["input"]["messages"]
        first_user = next(i for i, m in enumerate(msgs) if m["role"] == "user")
        msgs.insert(first_user + 1, {"role": "assistant", "content": "Noted."})

    path, _ = _write(tmp_path, mutate)
    with pytest.raises(ConfigError, match=r"generates \d+ assistant turns"):
        run_case_check("conversation_turns", path, load_cases(path))


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda r: r["input"]["messages"].append({"role": "assistant", "content": "x"}),
     "must end with a user message"),
    (lambda r: r["expected"]["turns"][-1].update(must_inclde=[["x"]]), "unknown key"),
    (lambda r: r["input"]["messages"].insert(0, {"role": "tool", "content": "x"}),
     r"input.messages\[0\] has role 'tool'"),
])
def test_malformed_cases_are_refused(tmp_path, mutate, match):
    path, _ = _write(tmp_path, mutate)
    with pytest.raises(ConfigError, match=match):
        run_case_check("conversation_turns", path, load_cases(path))
