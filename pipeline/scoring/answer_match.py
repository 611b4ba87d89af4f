"""Short answers: does the model's reply state the expected answer?

Used by question-answering experiments (e.g. position bias) where the reply should be a name,
a number or a date. The case's `expected` is the answer as a string, or an object
`{"answer": ..., "aliases": [...], "reject": [...]}`:

- `aliases`: other spellings that count as right (a surname alone, an abbreviation).
- `reject`: answers that are wrong for this question (e.g. what the distractor passages
  say). A reply that names the right answer *and* one of these hedges between candidates; it
  is not counted right. Without this, a small model that echoes every passage it was shown
  would score as if it had found the answer.

Only the reply's answer is judged: its first non-empty line (the first two when the first
merely introduces it, ending in ":" as in "The answer is:"). The prompts ask for the answer
alone, and a base model keeps writing after it (a new "Question:", more documents), which
must neither earn nor cost it the point.

Matching, so that a correct reply is not failed on its form:

- text: case-, accent-, punctuation- and whitespace-insensitive, on word boundaries
  ("Imke Dallow." and "engineer imke dallow" match "Imke Dallow"; "Dallowby" does not);
- numbers: numerically, in digits or simple words ("1,874", "1874.0" and "forty-six");
- dates: an ISO date or a written one, compared as dates: `2019-06-14`, `14 June 2019`,
  `14th of June, 2019`, `June 14, 2019`, `Jun 14 2019`, `14/06/2019` and `06/14/2019` (either
  numeric day/month order).

Failure modes: `no_answer` (empty reply or a refusal such as "I don't know"),
`wrong_answer` (anything else that is not right), and `error` when the engine failed (set by
the runner, which does not call the scorer then).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.config.experiment import Case
from pipeline.scoring.base import Metric, Needs, Score, ScoringContext, scorer
from pipeline.scoring.equality import numbers_equal


@dataclass(frozen=True)
class Target:
    """What a case expects: the answer, other accepted spellings, answers that are wrong."""

    answer: str
    aliases: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()

    @classmethod
    def from_expected(cls, expected: Any) -> Target:
        """Read a case's `expected`; raises ValueError saying what is wrong with it."""
        if isinstance(expected, (str, int, float)) and not isinstance(expected, bool):
            return cls(str(expected))
        if not isinstance(expected, dict) or "answer" not in expected:
            raise ValueError("expected must be the answer (a string or number) or an object "
                             "with 'answer' and optional 'aliases', 'reject'")
        unknown = sorted(set(expected) - {"answer", "aliases", "reject"})
        if unknown:
            raise ValueError(f"expected has unknown key(s): {', '.join(unknown)}")
        lists = {k: expected.get(k, []) for k in ("aliases", "reject")}
        for key, value in lists.items():
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise ValueError(f"expected.{key} must be a list of strings")
        return cls(str(expected["answer"]), tuple(lists["aliases"]), tuple(lists["reject"]))

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.answer, *self.aliases)


def answer_in_text(answer: str, text: str) -> bool:
    """Whether *text* states *answer*: as a date, a number, or words (see the module doc)."""
    day = parse_date(answer)
    if day is not None:
        return day in set(dates_in(text))
    number = parse_number(answer)
    if number is not None:
        return any(numbers_equal(number, n) for n in numbers_in(text))
    needle = normalize(answer)
    return bool(needle) and f" {needle} " in f" {normalize(text)} "


def normalize(text: str) -> str:
    """Lowercase, accents dropped, punctuation as spaces, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", plain).split())


# --- numbers -------------------------------------------------------------------------------

_DIGITS = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}


def parse_number(text: str) -> float | None:
    """*text* as a number when it is one: digits (`1,874`, `12.5`) or words (`forty-six`)."""
    s = text.strip()
    if re.fullmatch(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", s):
        return float(s.replace(",", ""))
    words = normalize(s).split()
    found = list(_word_numbers(words))
    return found[0] if len(found) == 1 and _is_all_number_words(words) else None


def numbers_in(text: str) -> list[float]:
    """Every number in *text*, written in digits or in words."""
    out = [float(m.group().replace(",", "")) for m in _DIGITS.finditer(text)]
    out.extend(_word_numbers(normalize(text).split()))
    return out


def _is_all_number_words(words: list[str]) -> bool:
    return bool(words) and all(w in _UNITS or w in _TENS or w in _SCALES or w == "and"
                               for w in words)


def _word_numbers(words: list[str]) -> Iterator[float]:
    """Numbers spelled in words: "forty six", "three hundred and five", "twelve hundred"."""
    total = current = 0
    in_number = False
    for i, w in enumerate([*words, ""]):
        if w in _UNITS or w in _TENS:
            current += _UNITS.get(w, 0) + _TENS.get(w, 0)
            in_number = True
        elif w in _SCALES and in_number:
            scale = _SCALES[w]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
        elif w == "and" and in_number and i + 1 < len(words) and (
                words[i + 1] in _UNITS or words[i + 1] in _TENS):
            continue
        elif in_number:
            yield float(total + current)
            total = current = 0
            in_number = False


# --- dates ---------------------------------------------------------------------------------

_MONTHS = {name: i for i, name in enumerate(
    "january february march april may june july august september october november "
    "december".split(), start=1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|" \
         r"december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATE_FORMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "ymd"),
    (re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH},?\s+(\d{{4}})\b", re.I), "dMy"),
    (re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+(\d{{4}})\b", re.I), "Mdy"),
    (re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b"), "nny"),
]


def parse_date(text: str) -> dt.date | None:
    """*text* as a date when the whole of it is one date in a form `dates_in` reads."""
    found = dates_in(text)
    if len(set(found)) != 1:
        return None
    rest = text
    for pattern, _ in _DATE_FORMS:
        rest = pattern.sub(" ", rest)
    return found[0] if not normalize(rest) else None


def dates_in(text: str) -> list[dt.date]:
    """Every date in *text* in one of the forms above (both readings of `05/06/2019`)."""
    out: list[dt.date] = []
    for pattern, form in _DATE_FORMS:
        for m in pattern.finditer(text):
            g = m.groups()
            if form == "ymd":
                candidates = [(int(g[0]), int(g[1]), int(g[2]))]
            elif form == "dMy":
                candidates = [(int(g[2]), _MONTHS[g[1].lower()], int(g[0]))]
            elif form == "Mdy":
                candidates = [(int(g[2]), _MONTHS[g[0].lower()], int(g[1]))]
            else:
                candidates = [(int(g[2]), int(g[1]), int(g[0])), (int(g[2]), int(g[0]), int(g[1]))]
            for y, mo, d in candidates:
                try:
                    out.append(dt.date(y, mo, d))
                except ValueError:
                    pass
    return out


# --- the scorer ----------------------------------------------------------------------------

def answer_span(output: str) -> str:
    """The answer part of a reply: its first non-empty line, or the first two when the first
    only introduces the answer (ends with ":")."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[1]}"
    return lines[0]


_REFUSAL = re.compile(
    r"\b(i (?:do not|don t|cannot|can t) (?:know|answer|find|tell)|unknown|not (?:mentioned|"
    r"stated|given|provided|specified|available|found)|(?:does|do) not (?:mention|say|state)|"
    r"(?:doesn t|don t) (?:mention|say|state)|no (?:information|answer|mention)|"
    r"(?:cannot|can t|unable to) (?:be )?(?:answer|determine|determined|find|found)|"
    r"none of the documents)\b")


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs(
    "the answer: a string or number, or an object {answer, aliases, reject}",
    types=("string", "number", "object"), keys=("answer",), optional=("aliases", "reject"),
    check=lambda case: Target.from_expected(case.expected) and None)


@scorer(
    "answer_match",
    needs=NEEDS,
    metrics=[Metric("correct", "the reply states the expected answer and no rejected one")],
)
def answer_match(case: Case, output: str, ctx: ScoringContext) -> Score:
    target = Target.from_expected(case.expected)
    reply = answer_span(output)
    right = [a for a in target.accepted if answer_in_text(a, reply)]
    hedged = [r for r in target.reject if answer_in_text(r, reply)]
    if right and not hedged:
        return Score(True, {"correct": 1.0})
    if not right and (not reply or _REFUSAL.search(normalize(reply))):
        mode = "no_answer"
    else:
        mode = "wrong_answer"
    return Score(False, {"correct": 0.0}, failure_mode=mode,
                 detail={"matched": right, "rejected_named": hedged})
