"""Summaries judged on facts, not style: are the key facts there, is a trap fact asserted,
does it keep to the word limit? No LLM judge: every check is a pattern a reader can audit.

A case gives `input.text` (a fictional enterprise document, 150–400 words) and
`input.max_words`; its `expected` is

    {"key_facts": [[alias, ...], ...],        # 3–5 facts; any alias states the fact
     "contradictions": [[pattern, ...], ...], # wrong versions a sloppy summary would assert
     "max_words": int}

Aliases and patterns are phrases matched on normalised tokens (`grounding.phrase_in`: case,
dashes, quotes and number words do not matter, "30" = "thirty") or `re:` regular expressions
over the normalised text. The texts are built with traps: a figure that was revised, a
proposal that was rejected, an owner who was replaced. A summary that states the trap is
`contradicted`; one that mentions it *as* superseded ("cut from 40 to 25", "the rejected
Friday freeze") is not: a trap hit is excused when a correction word stands just before it
("from", "not", "instead of", "originally", …) or just after it ("was rejected", "dropped").

Metrics: `key_fact_recall` (fraction), `all_key_facts`, `contradicted`, `within_length`,
`correct` (all key facts, no contradiction, within length) and `words`. Failure modes, first
that applies: `empty`, `contradicted_fact`, `missing_facts`, `too_long`.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.config.experiment import Case
from pipeline.scoring.base import Metric, Needs, Score, ScoringContext, scorer
from pipeline.scoring.case_checks import case_check
from pipeline.scoring.grounding import normalise, phrase_in, reply_lines

_CONTINUATION = re.compile(
    r"^\s*(?:text|document|email|report|notes|question|instruction|summari[sz]e|summary|"
    r"write|input|output|#+)\b[^\n]{0,40}:", re.I)
_LABEL = re.compile(r"^\s*(?:summary|tl;?dr)\s*:\s*", re.I)
_BEFORE = ("from", "not", "no", "no longer", "previous", "old", "formerly", "prior",
           "instead of", "rather than", "originally", "initially", "previously", "earlier",
           "replacing", "replaced", "superseding", "superseded", "rejected", "revised",
           "corrected", "withdrawn", "dropped", "declined", "vs", "versus", "proposed",
           "reported")
_AFTER = ("was rejected", "were rejected", "rejected", "was withdrawn", "withdrawn",
          "was dropped", "dropped", "was superseded", "superseded", "was replaced", "replaced",
          "was corrected", "corrected", "was revised", "revised", "no longer", "was declined",
          "declined", "is wrong", "was wrong", "was an error", "in error")


def summary_text(output: str) -> str:
    """The summary proper: a leading "Summary:" label dropped, cut where a base model starts a
    new prompt ("Text: …", "Summarize …:") after the first line."""
    return "\n".join(reply_lines(output, _LABEL, _CONTINUATION)).strip()


def word_count(text: str) -> int:
    """Words as a reader counts them: whitespace-separated pieces holding a letter or digit
    ("$1.2m", "Q3", "e-mail" are one word each; a lone "-" bullet is none)."""
    return sum(1 for piece in text.split() if re.search(r"\w", piece))


def _hits(pattern: str, text: str) -> list[tuple[int, int]]:
    """Token spans (start, end) of *pattern* in normalised *text*."""
    norm = normalise(text)
    if pattern.startswith("re:"):
        regex = re.compile(pattern[3:])
    else:
        needle = normalise(pattern)
        if not needle:
            return []
        regex = re.compile(rf"(?<!\S){re.escape(needle)}(?!\S)")
    out = []
    for m in regex.finditer(norm):
        start = len(norm[:m.start()].split())
        out.append((start, start + max(1, len(m.group().split()))))
    return out


def _excused(tokens: list[str], start: int, end: int) -> bool:
    """Whether a trap hit at tokens[start:end] is stated as superseded, not asserted."""
    before = " " + " ".join(tokens[max(0, start - 4):start]) + " "
    after = " " + " ".join(tokens[end:end + 4]) + " "
    return (any(f" {w} " in before for w in _BEFORE)
            or any(after.startswith(f" {w} ") or f" {w} " in after[:30] for w in _AFTER))


def contradicted(patterns: list[str], summary: str) -> list[str]:
    """The trap patterns *summary* asserts, clause by clause (a correction word in one clause
    does not excuse a trap stated in another)."""
    found = []
    for clause in re.split(r"[.;!?\n]+|,\s+(?:but|while|whereas)\s+", summary):
        tokens = normalise(clause).split()
        for pattern in patterns:
            if any(not _excused(tokens, s, e) for s, e in _hits(pattern, clause)):
                found.append(pattern)
    return found


def _expected(case: Case) -> tuple[list[list[str]], list[list[str]], int]:
    exp = case.expected
    if not isinstance(exp, dict):
        raise ValueError("expected must be an object with key_facts, contradictions, max_words")
    unknown = sorted(set(exp) - {"key_facts", "contradictions", "max_words"})
    if unknown:
        raise ValueError(f"expected has unknown key(s): {', '.join(unknown)}")
    facts, traps, limit = exp.get("key_facts"), exp.get("contradictions", []), exp.get("max_words")
    for name, groups in (("key_facts", facts), ("contradictions", traps)):
        if not isinstance(groups, list) or not all(
                isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g)
                for g in groups):
            raise ValueError(f"expected.{name} must be a list of non-empty lists of strings")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise ValueError("expected.max_words must be a positive integer")
    return facts, traps, limit  # type: ignore[return-value]


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs("an object {key_facts, contradictions, max_words}", types=("object",),
              keys=("key_facts", "contradictions", "max_words"), optional=(),
              check=lambda case: _expected(case) and None)


@scorer(
    "summary_facts",
    needs=NEEDS,
    metrics=[
        Metric("key_fact_recall", "fraction of the key facts the summary states"),
        Metric("all_key_facts", "every key fact is stated"),
        Metric("contradicted", "the summary asserts a trap fact (superseded figure, rejected "
                               "proposal, replaced owner)", higher_is_better=False),
        Metric("within_length", "the summary keeps to the case's word limit"),
        Metric("correct", "all key facts, no contradiction, within the word limit"),
        Metric("words", "the summary's length in words (descriptive, neither better)",
               higher_is_better=None),
    ],
)
def summary_facts(case: Case, output: str, ctx: ScoringContext) -> Score:
    facts, traps, limit = _expected(case)
    summary = summary_text(output)
    words = word_count(summary)
    stated = [any(phrase_in(a, summary) for a in fact) for fact in facts]
    wrong = [t[0] for t in traps if contradicted(t, summary)]
    recall = sum(stated) / len(facts) if facts else 1.0
    within = words <= limit
    ok = bool(summary) and all(stated) and not wrong and within
    if ok:
        mode = None
    elif not summary:
        mode = "empty"
    elif wrong:
        mode = "contradicted_fact"
    elif not all(stated):
        mode = "missing_facts"
    else:
        mode = "too_long"
    metrics = {"key_fact_recall": recall, "all_key_facts": float(all(stated)),
               "contradicted": float(bool(wrong)), "within_length": float(within),
               "correct": float(ok), "words": float(words)}
    detail: dict[str, Any] = {"missing": [f[0] for f, s in zip(facts, stated, strict=True)
                                          if not s],
                              "contradicted": wrong, "words": words, "max_words": limit}
    return Score(ok, metrics, failure_mode=mode, parsed=summary, detail=detail)


@case_check("summary_facts_in_text")
def summary_facts_in_text(case: Case) -> str | None:
    """A summary case is sound: input.text of 150–400 words and input.max_words equal to
    expected.max_words; 3–5 key facts; every key-fact alias occurs in the text (normalised),
    so each can be stated from the text; no trap pattern is identical to a key-fact alias
    (that case could never be passed)."""
    text, limit = case.input.get("text"), case.input.get("max_words")
    if not isinstance(text, str) or not 150 <= word_count(text) <= 400:
        n = word_count(text) if isinstance(text, str) else 0
        return f"input.text must be a string of 150 to 400 words (has {n})"
    try:
        facts, traps, max_words = _expected(case)
    except ValueError as exc:
        return str(exc)
    if limit != max_words:
        return f"input.max_words {limit!r} differs from expected.max_words {max_words!r}"
    if not 3 <= len(facts) <= 5:
        return f"expected.key_facts must hold 3 to 5 facts (has {len(facts)})"
    for i, fact in enumerate(facts):
        for alias in fact:
            if not phrase_in(alias, text):
                return f"expected.key_facts[{i}] alias {alias!r} does not occur in input.text"
    aliases = {normalise(a) if not a.startswith("re:") else a for f in facts for a in f}
    for i, trap in enumerate(traps):
        for pattern in trap:
            key = normalise(pattern) if not pattern.startswith("re:") else pattern
            if key in aliases:
                return (f"expected.contradictions[{i}] pattern {pattern!r} is identical to a "
                        f"key fact alias")
    return None
