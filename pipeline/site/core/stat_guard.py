"""Refuse a post's SQL that computes a statistic by hand.

Every interval, test and metric a post shows comes from the SQL functions of
`pipeline.site.core.sql_functions` (statsmodels, scipy, scikit-learn behind them) or from a
component that computes it (a chart's `successes:`/`trials:`). A z value typed as 1.96, a
standard error written as `sqrt(p * (1 - p) / n)` or a bootstrap hand-rolled with `range(2000)`
and `hash()` is a second, untested implementation of the same statistic, so the build refuses
it, naming the block and what to use instead.

The statement is read with DuckDB's own tokenizer: comments are dropped, string literals
and quoted identifiers blanked, numbers written canonically (`1.9600` is `1.96`), and the
tokens joined by single spaces. The rules below are patterns over that text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import duckdb

from pipeline.site.core.errors import RenderError

# Balanced parentheses up to six levels deep, for patterns that skip a function's argument.
_BAL = r"[^()]*"
for _ in range(6):
    _BAL = rf"(?:[^()]|\({_BAL}\))*"

# Normal (and chi-square) critical values, and their squares as the Wilson formula uses them.
_CRITICAL = (r"1\.9599\d*|1\.96"          # z for 95%
             r"|2\.57[56]\d*|2\.58"       # z for 99%
             r"|1\.64[45]\d*"             # z for 90%
             r"|2\.326\d*|2\.33"          # z for 98% (one-sided 99%)
             r"|3\.84\d*|1\.9208|0\.9604"  # 1.96², 1.96²/2, 1.96²/4 (chi-square 3.841)
             r"|6\.63\d*|2\.70[56]\d*")   # 2.576², 1.645²
_COUNTLIKE = r"(?:(?:n|n_\w+|\w+_n|trials|total)\b|count\s*\()"
_STDEV = r"(?:stddev(?:_samp|_pop)?|stdev|std|var_samp|var_pop|variance)"

WILSON = ("wilson_ci(k, n) (a rate with its 95% Wilson interval; a chart's or table's "
          "successes: + trials: draw it), cluster_rate_ci(...) when a case has several samples")
SQL_FUNCTIONS = ("the SQL functions of pipeline/site/core/sql_functions.py: see 'Statistics: use "
                 "the library' in posts/writing-posts.md")


@dataclass(frozen=True)
class Rule:
    """One hand-coded statistic: a regex over the normalised statement (see the module)."""

    name: str
    found: str  # what the pattern means, for the message
    pattern: str
    advice: str  # what to use instead
    inside: str | None = None  # match only within the argument of this function
    also: tuple[str, ...] = ()  # each of these must occur somewhere in the statement too


RULES: tuple[Rule, ...] = (
    Rule("critical-value", "a normal/chi-square critical value typed as a number",
         rf"(?<![\w.])(?:{_CRITICAL})(?![\w.])",
         f"{WILSON}; classifier_metrics(...) for recall/precision/F1 with intervals; "
         "suite_score(...), paired_test(...), mcnemar_test(...) for scores and tests"),
    Rule("proportion-se", "sqrt of a proportion's variance, p * (1 - p)",
         rf"\*\s*\(\s*1\s*-|\(\s*1\s*-{_BAL}\)\s*\*",
         f"{WILSON}; classifier_metrics(...) for recall/precision/fpr; mde(base_rate, n) "
         "and power_two_prop(p_a, p_b, n) for sample sizes", inside="sqrt"),
    Rule("standard-error", "sqrt(... / n): a standard error written out",
         rf"/\s*(?:\(\s*)?{_COUNTLIKE}",
         f"{WILSON}; suite_score(...) for the interval of a mean score", inside="sqrt"),
    Rule("standard-error", "a standard deviation divided by sqrt(count)",
         rf"\b{_STDEV}\s*\({_BAL}\)\s*/\s*sqrt\s*\(",
         "suite_score(...) for the interval of a mean score; paired_test(...) or "
         "paired_suite_diff(...) for a difference"),
    Rule("bootstrap", "a bootstrap resampled by hand (range(N) draws, hash()/random() "
         "indices, quantiles of the replicates)",
         r"\b(?:range|generate_series)\s*\(\s*(?:-?\d+\s*,\s*)?[1-9]\d{2,}(?!\d)",
         "classifier_metrics(...) (F1 with a bootstrap CI), f1_diff_test(...) (paired F1 "
         "difference), cluster_rate_ci(...), suite_score(...), paired_test(...)",
         also=(r"\b(?:hash|random|uuid|gen_random_uuid)\s*\(",
               r"\b(?:quantile\w*|percentile\w*|approx_quantile|median|mad)\s*\(")),
)


@dataclass(frozen=True)
class Finding:
    rule: Rule
    line: int  # line within the statement, from 1
    text: str  # that line of the statement, stripped


def _canonical(number: str) -> str:
    try:
        d = Decimal(number)
    except InvalidOperation:  # hex and the like: as written
        return number.lower()
    if not d.is_finite():
        return number.lower()
    return format(d.normalize(), "f")


def _normalise(sql: str) -> tuple[str, list[int], list[int]]:
    """The statement as rules see it, with each token's offset there and in *sql*."""
    try:
        tokens = duckdb.tokenize(sql)
    except Exception:  # the statement will fail to run and DuckDB will say why
        return "", [], []
    if not tokens:
        return "", [], []
    ends = [pos for pos, _ in tokens[1:]] + [len(sql)]
    out: list[str] = []
    at: list[int] = []
    origin: list[int] = []
    size = 0
    for (pos, kind), end in zip(tokens, ends, strict=True):
        raw = sql[pos:end].rstrip()
        if kind == duckdb.token_type.comment:
            continue
        if kind == duckdb.token_type.string_const:
            text = "''"
        elif kind == duckdb.token_type.numeric_const:
            text = _canonical(raw)
        elif kind == duckdb.token_type.identifier and raw.startswith('"'):
            text = '"' + re.sub(r"\W", "_", raw.strip('"')).lower() + '"'
        else:
            text = raw.lower()
        at.append(size)
        origin.append(pos)
        out.append(text)
        size += len(text) + 1
    return " ".join(out), at, origin


def _arguments(text: str, function: str) -> list[tuple[int, str]]:
    """(offset, text) of the argument list of every call of *function* in *text*."""
    found = []
    for m in re.finditer(rf"\b{function}\s*\(", text):
        depth, start = 1, m.end()
        for i in range(start, len(text)):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    found.append((start, text[start:i]))
                    break
        else:
            found.append((start, text[start:]))
    return found


def findings(sql: str) -> list[Finding]:
    """The first match of every rule *sql* breaks, in rule order."""
    text, at, origin = _normalise(sql)
    lines = sql.split("\n")
    out: list[Finding] = []
    for rule in RULES:
        if not all(re.search(p, text) for p in rule.also):
            continue
        spans = _arguments(text, rule.inside) if rule.inside else [(0, text)]
        for offset, span in spans:
            m = re.search(rule.pattern, span)
            if m:
                token = max(bisect.bisect_right(at, offset + m.start()) - 1, 0)
                line = sql.count("\n", 0, origin[token]) + 1 if origin else 1
                out.append(Finding(rule, line, lines[line - 1].strip()))
                break
    return out


def check(sql: str, line: int | None, what: str) -> None:
    """Raise RenderError at *line* (the block's) when *sql* computes a statistic by hand.

    *what* names the statement in the message: "query 'rates'", "the sql: option".
    """
    found = findings(sql)
    if not found:
        return
    parts = []
    for f in found:
        snippet = f.text if len(f.text) <= 100 else f.text[:97] + "..."
        parts.append(f"\n  - [{f.rule.name}] {f.rule.found}, at SQL line {f.line}: {snippet}"
                     f"\n    use instead: {f.rule.advice}")
    raise RenderError(f"{what} computes a statistic by hand; the build refuses it (every "
                      f"interval, test and metric comes from {SQL_FUNCTIONS}):" + "".join(parts),
                      line, sql)
