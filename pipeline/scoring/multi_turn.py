"""Multi-turn conversations: does the model keep track of what was said earlier?

A case is a conversation (`input.messages`) whose later user turns depend on earlier ones: an
order built up item by item, a correction ("actually make that Tuesday"), a reference to "the
second option you listed", slots filled across turns, a constraint set in turn 1 that turn 4
must honour. The conversation step generates one assistant reply per user message that is
not followed by a scripted assistant message; the transcript holds them (`generated: True`).

`expected` is `{"turns": [check | null, ...]}`, one entry per *generated* assistant turn, in
order (null: that turn is not scored; the last one must be scored). A check is an object:

- `must_include`: a list of groups, each a list of aliases; every group must be matched by
  at least one alias (`[["Tuesday"], ["2 pm", "14:00"]]`: the day and the time).
- `must_not_include`: aliases that must not appear at all (a wrong item, a refused option).
- `stale`: aliases of a value that was true earlier in the conversation and was then changed
  (Monday before "make that Tuesday", the total before an item was removed). Naming it does
  not fail a turn that also states the current value ("moved from Monday to Tuesday" is
  fine); a final turn that misses the current value and names a stale one *forgot the state*.

Matching is `answer_match.answer_in_text`: case-, accent- and punctuation-insensitive on word
boundaries, numbers compared as numbers ("€38", "38.00" and "thirty-eight" all match 38).

Metrics: `final_correct` (= `correct`), `turn_accuracy` (fraction of scored turns right),
`all_turns_correct`, and the family `turn:<k>` (k = 1-based index into `expected.turns`,
i.e. the k-th generated reply).

Two outcomes, declared below so every page names them the same way: the primary one,
`correct`, **final answer correct** (what the suite posts count), and `all_turns_correct`,
**every turn correct**, which is what the stored `passed` holds (the case passes when every
scored turn is right). They differ exactly on `earlier_turn_wrong`.
Failure modes: `empty` (the final reply is empty), `forgot_state`, `final_wrong`,
`earlier_turn_wrong` (the final turn right, an earlier scored one wrong).
"""

from __future__ import annotations

from typing import Any

from pipeline.config.experiment import Case
from pipeline.scoring.answer_match import answer_in_text
from pipeline.scoring.base import Metric, Needs, Outcome, Score, ScoringContext, scorer
from pipeline.scoring.case_checks import case_check

CHECK_KEYS = ("must_include", "must_not_include", "stale")
MIN_USER_TURNS, MAX_USER_TURNS = 3, 6


def check_turn(check: dict[str, Any], text: str) -> tuple[bool, dict[str, Any]]:
    """Judge one reply against one check: (right, what was found)."""
    missing = [group for group in check.get("must_include", [])
               if not any(answer_in_text(a, text) for a in group)]
    forbidden = [a for a in check.get("must_not_include", []) if answer_in_text(a, text)]
    stale = [a for a in check.get("stale", []) if answer_in_text(a, text)]
    right = bool(text.strip()) and not missing and not forbidden
    return right, {"missing": missing, "forbidden": forbidden, "stale": stale}


def generated_replies(ctx: ScoringContext, output: str, n: int) -> list[str]:
    """The model's *n* replies in order, from the transcript. A conversation cut short (an
    engine error) leaves its later replies empty, so they count as wrong. Without a
    transcript (a one-prompt run) only the final output is known: earlier replies are empty."""
    replies = [t.get("content") or "" for t in ctx.transcript
               if t.get("role") == "assistant" and t.get("generated")]
    if not replies:
        return [""] * (n - 1) + [output]
    return (replies + [""] * n)[:n]


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs('an object {"turns": [check or null, ...]}', types=("object",), keys=("turns",),
              check=lambda case: None if isinstance(case.expected["turns"], list)
              else "expected.turns must be a list")


@scorer(
    "multi_turn",
    needs=NEEDS,
    metrics=[
        Metric("correct", "the final reply is right (= final_correct)"),
        Metric("final_correct", "the final reply states the current state correctly"),
        Metric("turn_accuracy", "fraction of the scored replies that are right"),
        Metric("all_turns_correct", "every scored reply is right"),
        Metric("turn:", "the k-th generated reply is right (scored turns only)", family=True),
    ],
    outcomes=[Outcome("correct", "final answer correct"),
              Outcome("all_turns_correct", "every turn correct")],
    passed="all_turns_correct",
)
def multi_turn(case: Case, output: str, ctx: ScoringContext) -> Score:
    checks: list[dict[str, Any] | None] = case.expected["turns"]
    replies = generated_replies(ctx, output, len(checks))
    metrics: dict[str, float] = {}
    per_turn: list[dict[str, Any]] = []
    for k, (check, reply) in enumerate(zip(checks, replies, strict=True), start=1):
        if check is None:
            continue
        right, found = check_turn(check, reply)
        metrics[f"turn:{k}"] = float(right)
        per_turn.append({"turn": k, "right": right, **found})
    final = per_turn[-1]
    scored = [t["right"] for t in per_turn]
    final_ok = bool(final["right"])
    all_ok = all(scored)
    metrics |= {"final_correct": float(final_ok), "correct": float(final_ok),
                "turn_accuracy": sum(scored) / len(scored), "all_turns_correct": float(all_ok)}
    mode = None
    if not replies[-1].strip():
        mode = "empty"
    elif not final_ok:
        mode = "forgot_state" if final["stale"] and final["missing"] else "final_wrong"
    elif not all_ok:
        mode = "earlier_turn_wrong"
    return Score(all_ok, metrics, failure_mode=mode, parsed=replies[-1],
                 detail={"turns": per_turn})


def generated_turn_count(messages: list[dict[str, Any]]) -> int:
    """How many replies the conversation step generates: one per user message that is not
    followed by a scripted assistant message."""
    return sum(1 for i, m in enumerate(messages) if m.get("role") == "user" and not (
        i + 1 < len(messages) and messages[i + 1].get("role") == "assistant"))


@case_check("conversation_turns")
def conversation_turns(case: Case) -> str | None:
    """The conversation is well formed and `expected.turns` has one check per reply the
    conversation step will generate, the last one scored: a miscounted case would score
    turn 3's check against turn 4's reply, quietly."""
    messages = case.input.get("messages")
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages):
        return "input.messages must be a non-empty list of {role, content} objects"
    offset = 1 if messages[0].get("role") == "system" else 0
    body = messages[offset:]
    for i, m in enumerate(body):
        role = m.get("role")
        if role not in ("user", "assistant"):
            return (f"input.messages[{i + offset}] has role {role!r}; after an optional first "
                    f"system message only 'user' and 'assistant' are allowed")
        if role == "assistant" and (i == 0 or body[i - 1].get("role") != "user"):
            return (f"input.messages[{i + offset}]: a scripted assistant message must follow "
                    f"a user message (with generated replies in place, user and assistant "
                    f"alternate, starting with user)")
    if not body or body[-1].get("role") != "user":
        return "input.messages must end with a user message"
    users = sum(1 for m in body if m["role"] == "user")
    if not MIN_USER_TURNS <= users <= MAX_USER_TURNS:
        return (f"input.messages has {users} user turns; this suite wants "
                f"{MIN_USER_TURNS} to {MAX_USER_TURNS}")
    expected = case.expected
    turns = expected.get("turns") if isinstance(expected, dict) else None
    if not isinstance(turns, list):
        return "expected must be an object {\"turns\": [check or null, ...]}"
    n = generated_turn_count(messages)
    if len(turns) != n:
        return (f"expected.turns has {len(turns)} entries but the conversation step "
                f"generates {n} assistant turns (user messages not followed by a scripted "
                f"assistant message)")
    if turns[-1] is None:
        return "expected.turns[-1] is null; the final reply must be scored"
    for k, check in enumerate(turns):
        problem = _check_problem(check)
        if problem:
            return f"expected.turns[{k}]: {problem}"
    return None


def _check_problem(check: Any) -> str | None:
    if check is None:
        return None
    if not isinstance(check, dict) or not check:
        return "a check must be null or an object with " + ", ".join(CHECK_KEYS)
    unknown = sorted(set(check) - set(CHECK_KEYS))
    if unknown:
        return f"unknown key(s) {', '.join(unknown)}; valid: {', '.join(CHECK_KEYS)}"
    groups = check.get("must_include", [])
    if not isinstance(groups, list) or not all(
            isinstance(g, list) and g and all(isinstance(a, str) and a for a in g)
            for g in groups):
        return "must_include must be a list of non-empty lists of strings"
    for key in ("must_not_include", "stale"):
        values = check.get(key, [])
        if not isinstance(values, list) or not all(isinstance(a, str) and a for a in values):
            return f"{key} must be a list of non-empty strings"
    if not groups and not check.get("must_not_include"):
        return "a check needs must_include or must_not_include"
    return None
