"""Both sides of a trade-off, or neither: the metric rule behind every table, chart and value.

A guard that blocks everything has 100% recall. Shown alone, recall (or F1, which rewards
blanket blocking wherever violations are the majority) reads as a success; the cost, benign
cases blocked, is on the other side. So wherever a component shows a metric that names one
side of a trade-off, it must show the other side in the same place: the same table, the same
chart, the same sentence (or card headline). The build fails otherwise, naming the line.

The rules are data (`RULES`): a pattern for the metric shown and, for each thing it needs
beside it, a pattern and a name. What "shown" means per component:

- a table: its displayed column names and titles, and the text values of its text columns
  (long-form data: a `metric` column whose values are 'recall', 'precision', ...);
- a chart: its x, y, color, facet and text columns, titles, and the values of its text columns;
- an inline value: the column it prints and, for a text column, the SQL that built the text
  (a headline assembled with printf from `recall` must also read the false-positive rate and
  precision); checked per paragraph, and for a card headline as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.site.core.errors import RenderError


@dataclass(frozen=True)
class TradeOff:
    name: str
    shows: re.Pattern[str]
    needs: tuple[tuple[str, re.Pattern[str]], ...]
    why: str


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


RULES: tuple[TradeOff, ...] = (
    TradeOff(
        name="classifier recall / F1",
        # recall of a classifier (a guard's "violations caught"). Retrieval recall@k,
        # extraction recall and macro-F1 are other measures and are not matched (_EXEMPT).
        shows=_p(r"recall|(?<![a-z0-9])f1(?![a-z0-9])"),
        needs=(("precision", _p(r"precision")),
               ("false-positive (benign false-block) rate",
                _p(r"false[_ -]?(block|positive|alarm)|\bfpr\b|(?<![a-z])fpr(?![a-z])|"
                   r"benign[_ -]?block"))),
        why="a guard that blocks everything has 100% recall; its cost is on the other side",
    ),
)


# Measures named like a classifier's but without its negatives: retrieval recall@k, field-level
# extraction precision/recall (no "benign" field to block), macro-F1 over many labels.
_EXEMPT = ("retrieval_", "retrieval ", "retrieval-", "macro_", "macro-", "macro ", "ie_",
           "extraction ", "extraction_")


def _matches(rule_pattern: re.Pattern[str], text: str) -> bool:
    for m in rule_pattern.finditer(text):
        if text[max(0, m.start() - 12):m.start()].lower().endswith(_EXEMPT):
            continue
        return True
    return False


def missing(shown: Iterable[str]) -> list[tuple[TradeOff, list[str]]]:
    """The rules a set of shown labels breaks: (rule, names of what is missing)."""
    texts = [str(s) for s in shown if s is not None]
    out = []
    for rule in RULES:
        if not any(_matches(rule.shows, t) for t in texts):
            continue
        lacking = [name for name, pat in rule.needs if not any(pat.search(t) for t in texts)]
        if lacking:
            out.append((rule, lacking))
    return out


def require_both_sides(shown: Iterable[str], what: str, line: int | None) -> None:
    """Raise RenderError when *shown* names one side of a trade-off without the other."""
    broken = missing(shown)
    if not broken:
        return
    rule, lacking = broken[0]
    raise RenderError(f"{what} shows {rule.name} without its {' and '.join(lacking)}: "
                      f"{rule.why}. Show them together (classifier_metrics(...) returns "
                      "recall, precision and fpr with their intervals)", line)
