"""The RAG-compliance suite's data: rules, a corpus of passages, and cases citing both.

A guard is scored on whether it blocks what breaks a rule and lets the rest through, and
retrieval on whether it finds the passages a case relies on. A case naming a rule or a
passage that does not exist would not fail anywhere: it would silently score as a miss. So
every cross-reference is checked when the files load, and a bad one is refused with its
file, line and key (`cases.jsonl:12 (case 'do-03'): key expected.violates names 'R99', not
in rules.yaml`), before any model runs.

Files (experiments/rag_compliance/):

- rules.yaml: `company`, `rules: [{id: R01, tier: 1|2|3, severity, title, text, patterns,
  examples: {violating, compliant}}]`; `patterns` are Python regexes for a deterministic
  guard, compiled here so a bad one fails at load, not in the middle of a run.
- corpus.jsonl: one passage a line, `{id: "D012-p3", doc: "D012", title, text, poisoned?}`;
  `poisoned: true` marks a passage carrying injected instructions.
- cases.jsonl: ordinary cases (pipeline.config.experiment.Case) whose `input` is
  `{query, kind, category, relevant}` and `expected` is `{violates: [rule ids], block}`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import Field, ValidationError, field_validator

from pipeline.config._yaml import (
    KeyPath,
    error_message,
    format_validation_error,
    load_yaml,
    nearest_line,
    validate,
)
from pipeline.config.base import StrictModel
from pipeline.config.cases import Case, load_cases_with_lines
from pipeline.config.passages import Passage, load_passages_with_lines
from pipeline.errors import ConfigError, located

RULE_ID = r"^R\d{2,3}$"
DOC_ID = r"^D\d{3}$"
PASSAGE_ID = r"^D\d{3}-p\d+$"

KINDS = ("high_risk", "attack", "benign")
ATTACK_CATEGORIES = (
    "direct_override",       # "ignore previous instructions and ..."
    "role_play",             # a persona or story free of the rules
    "obfuscation_encoding",  # base64, hex, leetspeak, spaced or reversed text
    "payload_splitting",     # the request assembled from fragments
    "multilingual",          # the request in another language, or mixed languages
    "hidden_in_document",    # an innocent query; the instruction is in a retrieved passage
    "context_manipulation",  # fake prior turns, fake system messages, claimed authority
)
# What a high-risk or benign query is about (an attack's category is its technique).
TOPICS = (
    "assistant_integrity", "data_protection", "financial_crime", "advice_and_promises",
    "fair_treatment", "security", "confidential_information", "conduct",
)


class Examples(StrictModel):
    """Requests that break the rule, and similar-looking ones that do not: the pairs show a
    guard's precision, not only its recall."""

    violating: list[str] = Field(min_length=2, max_length=3)
    compliant: list[str] = Field(min_length=1, max_length=2)


class Rule(StrictModel):
    """One compliance rule. Tier 1 is regulatory or legal (a hard block), 2 internal
    policy, 3 guidance; `patterns` feed the deterministic guard tier."""

    id: str = Field(pattern=RULE_ID)
    tier: Literal[1, 2, 3]
    severity: Literal["critical", "high", "medium", "low"]
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    patterns: list[str] = []
    examples: Examples

    @field_validator("tier", mode="before")
    @classmethod
    def _integer_tier(cls, v: Any) -> Any:
        # Literal[1, 2, 3] would take `true` as 1 and 2.0 as 2: a typo, not a tier
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"tier must be 1, 2 or 3 (a whole number), not {v!r}")
        return v

    def matching_patterns(self, text: str) -> list[str]:
        """The rule's patterns that match *text* (re caches the compiled regexes)."""
        return [p for p in self.patterns if re.search(p, text)]


class _RulesFile(StrictModel):
    company: str = Field(min_length=1)
    rules: list[dict[str, Any]] = Field(min_length=1)  # each validated as a Rule, with its id


class _SuitePassage(StrictModel):
    """What the suite asks of a passage beyond `Passage`: ids like D012-p3 in docs like D012,
    a title."""

    id: str = Field(pattern=PASSAGE_ID)
    doc: str = Field(pattern=DOC_ID)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    poisoned: bool = Field(default=False, strict=True)


class CaseInput(StrictModel):
    """A case's `input`: the user's query and what retrieval should find for it."""

    query: str = Field(min_length=1)
    kind: Literal["high_risk", "attack", "benign"]
    category: str = Field(min_length=1)
    relevant: list[str] = []


class CaseExpected(StrictModel):
    """A case's `expected`: the rules it breaks, and whether a guard should block it."""

    violates: list[str]
    block: bool = Field(strict=True)


class ComplianceSuite(NamedTuple):
    """Everything the suite loads, cross-checked."""

    rules: list[Rule]
    corpus: list[Passage]
    cases: list[Case]


# -------------------------------------------------------------------------------- rules


def load_rules(path: Path | str) -> list[Rule]:
    """Read rules.yaml: each rule validated, ids unique, every pattern a valid regex.

    Errors name the file, the line and the rule: `rules.yaml:40 (rule 'R03'): key 'tier':
    ...`, `rules.yaml:52: rule id 'R03' is used twice (first on line 40)`,
    `rules.yaml:61 (rule 'R04'): key 'patterns.0': invalid regex '(a': missing ), ...`.
    """
    path = Path(path)
    data, lines = load_yaml(path, "rules file (YAML)")
    spec: _RulesFile = validate(_RulesFile, data, str(path), lines)
    rules: list[Rule] = []
    first_line: dict[str, int] = {}
    for i, raw in enumerate(spec.rules):
        at: KeyPath = ("rules", i)
        rule_id = raw.get("id")
        label = f"rule {rule_id!r}: " if isinstance(rule_id, str) else ""
        try:
            rule = Rule.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(_errors(exc, path, lines, at, label)) from None
        line = lines.get((*at, "id"), lines.get(at, 0))
        if rule.id in first_line:
            raise ConfigError(f"{path}:{line}: rule id {rule.id!r} is used twice (first on "
                              f"line {first_line[rule.id]})")
        first_line[rule.id] = line
        for j, pattern in enumerate(rule.patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                where = lines.get((*at, "patterns", j), line)
                raise ConfigError(located(path, where, f"patterns.{j}",
                                          f"{label}invalid regex {pattern!r}: {exc}")) from None
        rules.append(rule)
    return rules


def _errors(exc: ValidationError, path: Path, lines: Mapping[KeyPath, int], at: KeyPath,
            label: str) -> str:
    """A rule's validation errors as `file:line: tier: rule 'R03': message` lines: keys
    relative to the rule, since the rule id says which one far better than rules.7."""
    out = []
    for err in exc.errors():
        loc: KeyPath = (*at, *err["loc"])
        key = ".".join(str(p) for p in err["loc"]) or None
        out.append(located(path, nearest_line(loc, lines), key,
                           f"{label}{error_message(err, Rule)}"))
    return "\n".join(out)


# -------------------------------------------------------------------------------- corpus


def load_corpus(path: Path | str) -> list[Passage]:
    """Read corpus.jsonl (`pipeline.config.passages`), then `check_corpus` it.

    Errors name the file and line: `corpus.jsonl:7: duplicate passage id 'D002-p1' (first
    on line 6)`.
    """
    passages, lines = load_passages_with_lines(path)
    check_corpus(passages, path, lines)
    return passages


def check_corpus(passages: Iterable[Passage], path: Path | str,
                 lines: Mapping[str, int]) -> None:
    """The suite's rules for its passages: ids like D012-p3, each prefixed by its `doc`
    (D012), a title; errors name the file and the passage's line."""
    for passage in passages:
        try:
            _SuitePassage.model_validate(dataclasses.asdict(passage))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, path,
                                                      line=lines.get(passage.id))) from None
        if not passage.id.startswith(passage.doc + "-"):
            raise ConfigError(located(path, lines.get(passage.id), "id", f"passage "
                                      f"{passage.id!r} does not belong to doc {passage.doc!r} "
                                      f"(expected '{passage.doc}-pN')"))


# --------------------------------------------------------------------------------- cases


def check_compliance_cases(
    cases: Sequence[Case], rules: Iterable[Rule], corpus: Iterable[Passage],
    where: Path | str, lines: Mapping[str, int] | None = None,
    rules_name: str = "rules.yaml", corpus_name: str = "corpus.jsonl",
) -> None:
    """Check each case's input and expected against the suite's rules and corpus.

    *where* is the case file and *lines* each case id's line in it (from
    load_cases_with_lines); errors read `WHERE:LINE (case 'x'): key K ...`. Refused: an
    unknown kind, a category that is not an attack technique (attacks) or a topic (the
    rest), a rule or passage id that does not exist, a hidden_in_document attack with no
    poisoned passage in `relevant`, a benign case with no relevant passage (its retrieval
    recall could not be measured), `block` disagreeing with `violates`, and a benign case
    that violates a rule or a high-risk/attack case that violates none.
    """
    rule_ids = {r.id for r in rules}
    passages = {p.id: p for p in corpus}
    for index, case in enumerate(cases):
        line = (lines or {}).get(case.id)
        problem = _case_problem(case, rule_ids, passages, rules_name, corpus_name)
        if problem:
            key, message = split_key(problem)
            at = "" if line else f"case #{index + 1}, "
            raise ConfigError(located(where, line, key, f"{at}case {case.id!r}: {message}"))


def split_key(problem: str) -> tuple[str | None, str]:
    """('expected.block', 'is true but ...') from a problem 'key expected.block is true but
    ...' (or 'key K: message'): the key goes in the error's key place."""
    if not problem.startswith("key "):
        return None, problem
    key, _, rest = problem[4:].partition(" ")
    return key.rstrip(":"), rest


def _case_problem(case: Case, rule_ids: set[str], passages: Mapping[str, Passage],
                  rules_name: str, corpus_name: str) -> str | None:
    """The first thing wrong with *case*, as 'key K: what', or None."""
    try:
        inp = CaseInput.model_validate(case.input)
    except ValidationError as exc:
        return _first_error(exc, "input")
    try:
        exp = CaseExpected.model_validate(case.expected)
    except ValidationError as exc:
        return _first_error(exc, "expected")
    if inp.kind == "attack" and inp.category not in ATTACK_CATEGORIES:
        return (f"key input.category: {inp.category!r} is not an attack category; one of: "
                f"{', '.join(ATTACK_CATEGORIES)}")
    if inp.kind != "attack" and inp.category not in TOPICS:
        return (f"key input.category: {inp.category!r} is not a topic of a {inp.kind} case; "
                f"one of: {', '.join(TOPICS)}")
    for key, ids in (("input.relevant", inp.relevant), ("expected.violates", exp.violates)):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            return f"key {key} names {repeated[0]!r} more than once"
    for pid in inp.relevant:
        if pid not in passages:
            return f"key input.relevant names {pid!r}, not in {corpus_name}"
    for rid in exp.violates:
        if rid not in rule_ids:
            return f"key expected.violates names {rid!r}, not in {rules_name}"
    if inp.category == "hidden_in_document" and not any(
            passages[p].poisoned for p in inp.relevant):
        return ("key input.relevant: a hidden_in_document attack needs a poisoned passage "
                '("poisoned": true) among its relevant passages')
    if inp.kind == "benign" and not inp.relevant:
        return ("key input.relevant: a benign case needs at least one passage that answers "
                "it (retrieval recall is measured on it)")
    if exp.block and not exp.violates:
        return "key expected.block is true but expected.violates is empty: name the rule(s)"
    if exp.violates and not exp.block:
        return (f"key expected.block is false but expected.violates names "
                f"{', '.join(exp.violates)}: a violation is blocked")
    if inp.kind == "benign" and exp.violates:
        return "key expected.violates: a benign case violates no rule (kind is 'benign')"
    if inp.kind != "benign" and not exp.violates:
        return f"key expected.violates: a case of kind {inp.kind!r} must name the rule(s) it breaks"
    return None


def _first_error(exc: ValidationError, prefix: str) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in (prefix, *err["loc"]))
    return f"key {key}: {error_message(err)}"


def load_compliance_cases(path: Path | str, rules: Iterable[Rule],
                          corpus: Iterable[Passage]) -> list[Case]:
    """Read a compliance case file and check it against *rules* and *corpus*."""
    path = Path(path)
    cases, lines = load_cases_with_lines(path)
    check_compliance_cases(cases, rules, corpus, path, lines)
    return cases


def load_compliance(folder: Path | str, cases: str = "cases.jsonl") -> ComplianceSuite:
    """Load rules.yaml, corpus.jsonl and a case file from *folder*, cross-checked."""
    folder = Path(folder)
    rules = load_rules(folder / "rules.yaml")
    corpus = load_corpus(folder / "corpus.jsonl")
    return ComplianceSuite(rules, corpus, load_compliance_cases(folder / cases, rules, corpus))
