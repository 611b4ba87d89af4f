"""multi_turn on hand-written transcripts: all right, a wrong intermediate turn, a final
reply that lost a correction (forgot_state), a plainly wrong final, an empty final, a
conversation cut short, and number normalisation."""

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring import ScoringContext, scorers
from pipeline.scoring.multi_turn import check_turn, generated_turn_count

USERS = ["Book room Cedar on Monday at 10 am.", "Actually, make that Tuesday.",
         "And move it to 2 pm.", "Confirm: room, day and time?"]
BOOKING = {"turns": [None, {"must_include": [["Tuesday"]]}, None,
                     {"must_include": [["Cedar"], ["Tuesday"], ["2 pm", "2pm", "14:00"]],
                      "stale": ["Monday", "10 am", "10:00"]}]}


def transcript(replies):
    out = []
    for user, reply in zip(USERS, replies, strict=True):
        out += [{"role": "user", "content": user},
                {"role": "assistant", "content": reply, "generated": True}]
    return tuple(out)


def score(replies, expected=BOOKING):
    case = Case(id="booking-01", input={"messages": [{"role": "user", "content": u}
                                                     for u in USERS]}, expected=expected)
    return scorers.get("multi_turn")(case, replies[-1] if replies else "",
                                     ScoringContext(transcript=transcript(replies)))


RIGHT = ["Booked: Cedar, Monday 10 am.", "Done, it is now on Tuesday.", "Moved to 2 pm.",
         "Room Cedar, Tuesday at 14:00."]


def test_all_right():
    s = score(RIGHT)
    assert s.passed and s.failure_mode is None
    assert s.metrics == {"turn:2": 1.0, "turn:4": 1.0, "final_correct": 1.0, "correct": 1.0,
                         "turn_accuracy": 1.0, "all_turns_correct": 1.0}


def test_mentioning_the_old_value_beside_the_new_one_is_fine():
    s = score([*RIGHT[:3], "Room Cedar, moved from Monday 10 am to Tuesday at 2pm."])
    assert s.passed


@pytest.mark.parametrize(("replies", "mode", "metrics"), [
    pytest.param([*RIGHT[:3], "Room Cedar, Monday at 2 pm."], "forgot_state",
                 {"final_correct": 0.0, "turn:2": 1.0, "turn_accuracy": 0.5},
                 id="final-reply-with-the-stale-day"),
    pytest.param([*RIGHT[:3], "Room Birch, Tuesday at 2 pm."], "final_wrong",
                 {"correct": 0.0}, id="final-reply-plainly-wrong"),
    pytest.param([RIGHT[0], "Sure, Wednesday it is.", RIGHT[2], RIGHT[3]], "earlier_turn_wrong",
                 {"final_correct": 1.0, "all_turns_correct": 0.0, "turn:2": 0.0},
                 id="earlier-turn-wrong-final-right"),
    pytest.param([*RIGHT[:3], "  "], "empty", {"final_correct": 0.0}, id="empty-final-reply"),
])
def test_a_failed_conversation_is_named_and_its_turns_scored(replies, mode, metrics):
    s = score(replies)
    assert not s.passed and s.failure_mode == mode
    assert {k: s.metrics[k] for k in metrics} == metrics


def test_a_conversation_cut_short_scores_missing_turns_wrong():
    case = Case(id="c", input={"messages": []}, expected=BOOKING)
    ctx = ScoringContext(transcript=transcript(RIGHT)[:4])  # two replies only
    s = scorers.get("multi_turn")(case, RIGHT[1], ctx)
    assert s.metrics["turn:2"] == 1.0 and s.metrics["turn:4"] == 0.0
    assert s.failure_mode == "empty"


def test_scripted_assistant_turns_are_not_scored():
    tr = ({"role": "user", "content": "options?"},
          {"role": "assistant", "content": "1. Plannix 2. Trakora"},
          {"role": "user", "content": "the second one?"},
          {"role": "assistant", "content": "That is Trakora.", "generated": True})
    case = Case(id="c", input={"messages": []},
                expected={"turns": [{"must_include": [["Trakora"]]}]})
    s = scorers.get("multi_turn")(case, "That is Trakora.", ScoringContext(transcript=tr))
    assert s.passed and s.metrics["turn:1"] == 1.0


@pytest.mark.parametrize(("text", "right"), [
    ("Your total is €138.", True),
    ("The total comes to 138.00 euros.", True),
    ("That makes one hundred thirty-eight euros.", True),
    ("The total is 1380 euros.", False),
    ("Total: 183 euros", False),
])
def test_numbers_are_normalised(text, right):
    assert check_turn({"must_include": [["138"]]}, text)[0] is right


def test_must_not_include_fails_even_with_the_answer():
    check = {"must_include": [["Norbook Pro"]], "must_not_include": ["Casmir X3"]}
    assert check_turn(check, "Order the Norbook Pro.")[0]
    assert not check_turn(check, "Order the Norbook Pro or the Casmir X3.")[0]


def test_generated_turn_count():
    u, a = {"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}
    assert generated_turn_count([u, u, u]) == 3
    assert generated_turn_count([{"role": "system", "content": "s"}, u, a, u, u]) == 2
