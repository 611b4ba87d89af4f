"""RAG grounding: does the reply answer from the passages, and only from them?

A case gives 3–5 short passages and a question (`input.passages`, `input.question`). Its
`expected` is one of:

- `{"answerable": true, "answer": str, "aliases": [str], "reject": [str]}`: the answer is in
  the passages. `reject` lists wrong answers a model is tempted to give (the near-miss value
  another passage states for a similar entity, a superseded figure, a well-known outside
  fact); a reply that names one is wrong even when it also names the answer (a hedge).
- `{"answerable": false, "absent": [str]}`: the passages do not answer it (they are near
  misses). `absent` lists plausible answers the passages do not contain (a guess, the outside
  world's usual value); the case check makes sure they really are absent.

Why content and not format: a reply of the right shape can still be invented. So an
answerable case is right only when the expected answer is present **and** the reply adds no
unsupported claim: a number, a date, a capitalised name or a quoted value that appears in no
passage and not in the question. An unanswerable case is right only when the reply abstains
(the exact phrase, or a clear "the documents do not say" equivalent) **and** asserts nothing
beyond the question. Outside knowledge, even when true of the real world, counts as
unsupported: the prompt asked for the documents only.

The shared text normaliser (`normalise`, `phrase_in`) lives here; `summary_facts` imports it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pipeline.config.experiment import Case
from pipeline.scoring.answer_match import _DATE_FORMS, _TENS, _UNITS, dates_in, parse_date
from pipeline.scoring.base import Metric, Needs, Score, ScoringContext, scorer
from pipeline.scoring.case_checks import case_check

ABSTAIN_PHRASE = "NOT IN DOCUMENTS"

# --- normalising -----------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = {**dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032`"), "'"),
           **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033"), '"')}
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+|[%$€£#@&+]")


def normalise(text: str) -> str:
    """Text as space-separated tokens for comparing phrases: accents dropped, casefolded,
    dashes and quotes unified, thousands separators dropped ("1,200" → "1200"), number words
    0–999 written as digits ("thirty days" and "30 days" both → "30 days"; "twenty-five" →
    "25"), "percent" → "%", other punctuation dropped.

    Why one normaliser for both sides: a fact stated as "thirty days" must match "30 days"
    whichever side wrote it in words."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_DASHES).translate(_QUOTES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"(?<=\d),(?=\d{3}\b)", "", plain)
    tokens = ["%" if t in ("percent", "per cent", "pct") else t for t in _TOKEN.findall(plain)]
    return " ".join(_numbers_as_digits(tokens))


def _numbers_as_digits(tokens: list[str]) -> list[str]:
    """Replace runs of number words ("three hundred and five", "forty six") by digits."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in _UNITS or t in _TENS or (t == "hundred" and i == 0):
            value, j = 0, i
            while j < len(tokens):
                w = tokens[j]
                if w in _TENS and value % 100 == 0:
                    value += _TENS[w]
                elif w in _UNITS and value % 10 == 0 and (value % 100 == 0 or value % 100 >= 20):
                    value += _UNITS[w]
                elif w == "hundred" and 0 < value < 10:
                    value *= 100
                elif (w == "and" and value >= 100 and value % 100 == 0 and j + 1 < len(tokens)
                      and (tokens[j + 1] in _UNITS or tokens[j + 1] in _TENS)):
                    pass
                else:
                    break
                j += 1
            if j == i:  # a lone "hundred"
                out.append(t)
                i += 1
                continue
            out.append(str(value))
            i = j
        elif t == "a" and i + 1 < len(tokens) and tokens[i + 1] == "hundred":
            out.append("100")
            i += 2
        else:
            out.append(t)
            i += 1
    return out


def phrase_in(pattern: str, text: str) -> bool:
    """Whether *text* states *pattern*.

    A pattern is a phrase, matched on whole normalised tokens ("30 days" is in "within
    thirty days." but "3" is not in "30"); a date, matched as a date in any written form; or,
    prefixed `re:`, a regular expression searched in the normalised text."""
    if pattern.startswith("re:"):
        return re.search(pattern[3:], normalise(text)) is not None
    day = parse_date(pattern)
    if day is not None and day in set(dates_in(text)):
        return True
    needle = normalise(pattern)
    return bool(needle) and f" {needle} " in f" {normalise(text)} "


# --- reading the reply -----------------------------------------------------------------------

_CONTINUATION = re.compile(
    r"^\s*(?:question|q|documents?|passages?|context|answer|\[\d+\])\s*[:\[\d]", re.I)
_LABEL = re.compile(r"^\s*(?:answer|a|reply)\s*:\s*", re.I)


def reply_lines(output: str, label: re.Pattern[str], continuation: re.Pattern[str]) -> list[str]:
    """The reply's non-blank lines, stripped: *label* (the prompt's cue, "Answer:") dropped
    from the first, and cut before the first later line that *continuation* matches (a base
    model writing the next prompt). Shared by the RAG and summary scorers, which differ only
    in their cue and in how the next prompt starts."""
    kept: list[str] = []
    for i, line in enumerate(ln.strip() for ln in output.strip().splitlines() if ln.strip()):
        if i == 0:
            line = label.sub("", line).strip()
        elif continuation.match(line):
            break
        kept.append(line)
    return kept


def answer_span(output: str) -> str:
    """The reply's own answer: leading "Answer:" label dropped, cut where a base model starts
    writing the next prompt ("Question: …", "[1] …", "Answer: …" again). Why: Gemma 270M is a
    base model and keeps going; what it invents after its answer is neither its answer nor a
    claim it made about this question."""
    return " ".join(reply_lines(output, _LABEL, _CONTINUATION)).strip()


_ABSTAIN = re.compile("|".join([
    r"\bnot in (?:the |these |any of the )?(?:documents?|passages?|context|texts?|sources?)\b",
    r"\b(?:documents?|passages?|context|texts?|sources?|provided information) (?:do|does|did)"
    r" not (?:say|mention|state|specify|contain|include|provide|give|cover|address|list"
    r"|indicate|answer|tell)\b",
    r"\bnot (?:mentioned|stated|specified|provided|given|included|found|covered|addressed|"
    r"listed|available|indicated|disclosed|documented) (?:in|by|within) (?:the |these |any of "
    r"the |any )?(?:documents?|passages?|context|texts?|sources?|information)",
    r"\bno (?:information|mention|details?|data|answer|indication) (?:is |was )?"
    r"(?:about|on|regarding|of|for|in|given|provided|available)\b",
    r"\bthere is no (?:information|mention|answer)\b",
    r"\b(?:cannot|can not|unable to|could not|am not able to) (?:be )?(?:find|found|determine|"
    r"determined|answer|answered|tell|say|locate|identify)\b",
    r"\bi (?:do not|don't|dont) (?:know|have (?:that|this|enough) information)\b",
    r"\b(?:not enough|insufficient) information\b",
    r"\bthe answer is not (?:in|available|provided|given)\b",
    r"^(?:unknown|not (?:stated|specified|mentioned|provided|available|found))\.?$",
]), re.I)


def _plain(text: str) -> str:
    """Dashes/quotes unified, contractions spelled out, whitespace collapsed (for the
    abstention detector, which reads sentences, not tokens)."""
    s = " ".join(text.translate(_DASHES).translate(_QUOTES).split())
    s = re.sub(r"\b(do|does|did|is|was|are|ca)n't\b",
               lambda m: {"ca": "can"}.get(m.group(1).lower(), m.group(1)) + " not", s,
               flags=re.I)
    return re.sub(r"\bcannot\b", "can not", s, flags=re.I).replace("can not", "cannot")


def abstains(reply: str) -> bool:
    """Whether *reply* says the documents do not answer: the exact phrase, or a clear
    equivalent ("The documents do not specify…", "This is not mentioned in the passages",
    "I cannot find…"). A negative fact about the world ("Contractors are not covered") is an
    answer, not an abstention: only verbs of informing, with the documents as subject or
    place, count."""
    if normalise(ABSTAIN_PHRASE) in normalise(reply):
        return True
    return any(_ABSTAIN.search(s) for s in _sentences(_plain(reply)))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()]


# --- claims ----------------------------------------------------------------------------------

_CITATION = re.compile(r"\[\d+\]|\b(?:documents?|passages?|docs?|sources?|sections?)\s*#?\d+\b"
                       r"|^\s*\d+[.)]\s", re.I | re.M)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_QUOTED = re.compile(r"\"([^\"]{2,80})\"|(?<![\w])'([^']{2,80})'(?![\w])")
_CAPITAL = re.compile(r"\b[A-Z][\w&'-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w&'-]*)*")
_COMMON = frozenset("""
a an the this that these those it its there here they we you i he she yes no not none all both
each per if as so but and or then also only according based answer answers note however
therefore thus sorry unfortunately documents document passage passages context text source
sources question reply in on at for from to by with within under after before during until
since about above below is are was were be been will would should must can may might
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
saturday sunday mon tue wed thu fri sat sun am pm utc gmt ok mr mrs ms dr mx
""".split())


def claims(reply: str) -> list[str]:
    """What *reply* asserts that could be invented: its numbers (dates as dates), capitalised
    names and quoted values. Citations ("[2]", "passage 3") and the abstention phrase are not
    claims."""
    text = _CITATION.sub(" ", reply.replace(ABSTAIN_PHRASE, " "))
    out: list[str] = []
    for pattern, _ in _DATE_FORMS:
        for m in pattern.finditer(text):
            out.append(m.group())
        text = pattern.sub(" ", text)
    for m in _QUOTED.finditer(text):
        out.append(m.group(1) or m.group(2))
    out.extend(m.group() for m in _NUMBER.finditer(text))
    for m in _CAPITAL.finditer(text):
        words = [w for w in re.split(r"\s+", m.group()) if w.casefold().strip("'") not in _COMMON]
        if words:
            out.append(" ".join(words))
    return out


def unsupported(reply: str, sources: list[str]) -> list[str]:
    """The claims of *reply* that none of *sources* (the passages and the question) states.
    A multi-word name is supported when each of its words is (so "Ms Varnholt" and "Helga
    Varnholt" both pass when the passage says "Helga Varnholt")."""
    source = " ".join(sources)
    bag = set(normalise(source).split())
    out = []
    for claim in claims(reply):
        if phrase_in(claim, source):
            continue
        if parse_date(claim) is None and not _NUMBER.fullmatch(claim):
            words = normalise(claim).split()
            if words and all(w in bag or w in _COMMON for w in words):
                continue
        out.append(claim)
    return out


# --- the scorer ------------------------------------------------------------------------------

def _target(expected: Any) -> tuple[bool, list[str], list[str]]:
    """(answerable, accepted answers, rejected/absent answers); ValueError when malformed."""
    if not isinstance(expected, dict) or not isinstance(expected.get("answerable"), bool):
        raise ValueError("expected must be an object with 'answerable': true or false")
    if expected["answerable"]:
        allowed = {"answerable", "answer", "aliases", "reject"}
        answer = expected.get("answer")
        if not isinstance(answer, str) or not answer.strip():
            raise ValueError("expected.answer must be a non-empty string for an answerable case")
        accepted, wrong = [answer, *expected.get("aliases", [])], expected.get("reject", [])
    else:
        allowed = {"answerable", "absent"}
        accepted, wrong = [], expected.get("absent", [])
        if not wrong:
            raise ValueError("expected.absent must list at least one plausible answer the "
                             "passages do not contain")
    unknown = sorted(set(expected) - allowed)
    if unknown:
        raise ValueError(f"expected has unknown key(s) for this kind of case: {', '.join(unknown)}")
    for name, values in (("aliases/answer", accepted), ("reject/absent", wrong)):
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise ValueError(f"expected.{name} must be a list of non-empty strings")
    return expected["answerable"], accepted, wrong


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs("an object {answerable, answer, aliases, reject} or {answerable: false, absent}",
              types=("object",), keys=("answerable",),
              check=lambda case: _target(case.expected) and None)


@scorer(
    "grounded_answer",
    needs=NEEDS,
    metrics=[
        Metric("correct", "answerable: the answer, no rejected one, nothing unsupported; "
                          "unanswerable: abstained and asserted nothing"),
        Metric("answer_found", "answerable cases: the expected answer (an alias) is stated"),
        Metric("abstained_correctly", "unanswerable cases: abstained and asserted nothing"),
        Metric("hallucinated_when_absent", "unanswerable cases: asserted an answer anyway",
               higher_is_better=False),
        Metric("unsupported_claim", "a number, date, name or quoted value in no passage and not "
                                    "in the question", higher_is_better=False),
        Metric("grounded", "answered (did not abstain) and every claim is in the passages"),
    ],
)
def grounded_answer(case: Case, output: str, ctx: ScoringContext) -> Score:
    answerable, accepted, wrong = _target(case.expected)
    reply = answer_span(output)
    sources = [*case.input.get("passages", []), str(case.input.get("question", ""))]
    extra = unsupported(reply, sources)
    abstained = bool(reply) and abstains(reply)
    named_wrong = [w for w in wrong if phrase_in(w, reply)]
    grounded = bool(reply) and not abstained and not extra
    metrics = {"unsupported_claim": float(bool(extra)), "grounded": float(grounded)}
    detail: dict[str, Any] = {"answer_span": reply, "unsupported": extra,
                              "abstained": abstained, "named_wrong": named_wrong}
    if answerable:
        found = [a for a in accepted if phrase_in(a, reply)]
        ok = bool(found) and not named_wrong and not extra and not abstained
        if ok:
            mode = None
        elif not reply:
            mode = "missing_answer"
        elif abstained and not found:
            mode = "false_abstention"
        elif not found or named_wrong or abstained:
            mode = "wrong_answer"
        else:
            mode = "unsupported_claim"
        metrics |= {"correct": float(ok), "answer_found": float(bool(found))}
        detail["found"] = found
    else:
        asserted = bool(extra or named_wrong)
        ok = abstained and not asserted
        mode = None if ok else ("missing_answer" if not reply else "hallucinated_answer")
        metrics |= {"correct": float(ok), "abstained_correctly": float(ok),
                    "hallucinated_when_absent": float(bool(reply) and not ok)}
    return Score(ok, metrics, failure_mode=mode, parsed=reply, detail=detail)


@case_check("rag_answer_in_passages")
def rag_answer_in_passages(case: Case) -> str | None:
    """A RAG case is sound: 3–5 passages and a question; an answerable case's answer (some
    alias) is in some passage and no alias equals a rejected value; an unanswerable case's
    `absent` answers are in no passage. Why: a case whose answer is missing can only be
    failed, and an "unanswerable" case the passages do answer punishes the right reply."""
    inp = case.input
    passages = inp.get("passages")
    if not isinstance(passages, list) or not 3 <= len(passages) <= 5 or not all(
            isinstance(p, str) and p.strip() for p in passages):
        return "input.passages must be a list of 3 to 5 non-empty strings"
    if not isinstance(inp.get("question"), str) or not inp["question"].strip():
        return "input.question must be a non-empty string"
    try:
        answerable, accepted, wrong = _target(case.expected)
    except ValueError as exc:
        return str(exc)
    if answerable:
        if not any(phrase_in(a, p) for a in accepted for p in passages):
            return (f"expected.answer {accepted[0]!r} (or an alias) is in none of "
                    f"input.passages")
        clash = [w for w in wrong if normalise(w) in {normalise(a) for a in accepted}]
        if clash:
            return f"expected.reject {clash[0]!r} is also an accepted answer"
    else:
        for value in wrong:
            for i, p in enumerate(passages):
                if phrase_in(value, p):
                    return (f"expected.absent {value!r} is in input.passages[{i}]; an "
                            f"unanswerable case's passages must not contain it")
    return None
