"""Single-label classification (ticket routing): which one label does the reply give?

A case's `expected` is the gold label; `input.labels` is the label set the prompt offers (and,
for a variant with `choices:`, the strings the engine constrains the output to). The scorer
reads the label from the reply, so that a free-text answer is judged on its label, not its
form:

1. the reply's answer part (its first non-empty line, or two when the first ends in ":", as
   in `answer_match.answer_span`), stripped;
2. exactly a label, case- and whitespace-insensitive (`Billing`, ` billing `);
3. a label written with spaces or hyphens for its underscores (`Technical issue`,
   `refund-request`);
4. a label inside a short sentence (`The category is shipping.`): the label that starts
   first, on word boundaries (`shipping` is not found in `reshipping`); on a tie the longer.
   Unless the reply names more than one label anywhere (a model echoing the prompt's label
   list, `- billing: a question or error ... - technical_issue: ...`): that is no answer, and
   without this rule an echo would score as correct on every case of the first label listed.
5. none of these: no label (`parsed` is None, failure mode `no_label`).

Metrics: `correct` (the label read is the gold one), `valid_label` (a label was read at all),
`exact_label` (the reply was a label and nothing else, step 2: how much of a free-text
variant's score the normalisation rescued). `parsed` holds the label read (or None), so a post
computes macro-F1 from the stored outputs with `macro_f1` below. Failure modes: `wrong_label`,
`no_label`.

The case check `label_in_set` refuses, at load time, a case whose gold label is not in its
`input.labels`: the model could never give it, so the case could only be failed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.config.experiment import Case
from pipeline.scoring.answer_match import answer_span
from pipeline.scoring.base import Metric, Needs, Score, ScoringContext, scorer
from pipeline.scoring.case_checks import case_check

NO_LABEL = "<no label>"  # the class a None prediction becomes in macro_f1


def labels_of(case: Case) -> list[str]:
    """The case's label set (input.labels); ValueError when it is not a list of strings."""
    labels = case.input.get("labels")
    if not isinstance(labels, list) or len(labels) < 2 or not all(
            isinstance(x, str) and x.strip() for x in labels):
        raise ValueError("input.labels must be a list of at least two non-empty label strings")
    return labels


def _canon(text: str) -> str:
    """Casefolded, underscores/hyphens/whitespace runs as one space."""
    return " ".join(re.sub(r"[_\-\s]+", " ", text).split()).casefold()


def read_label(output: str, labels: Sequence[str]) -> tuple[str | None, bool]:
    """(label read from *output*, whether the reply was exactly that label); see module doc."""
    reply = answer_span(output).strip()
    for label in labels:
        if reply.casefold() == label.strip().casefold():
            return label, True
    canon = _canon(reply).strip(" .!:;\"'`*")
    for label in labels:
        if canon == _canon(label):
            return label, False
    best: tuple[int, int, str] | None = None
    named = 0
    for label in labels:
        words = _canon(label).split()
        if not words:
            continue
        pattern = r"(?<![a-z0-9])" + r"[\s_\-]+".join(map(re.escape, words)) + r"(?![a-z0-9])"
        named += re.search(pattern, output.casefold()) is not None
        m = re.search(pattern, reply.casefold())
        if m and (best is None or (m.start(), -len(label)) < (best[0], best[1])):
            best = (m.start(), -len(label), label)
    if named > 1:  # several labels named: an echo of the list, or a hedge
        return None, False
    return (best[2], False) if best else (None, False)


#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs("the gold label (a string, one of input.labels)", types=("string",),
              inputs=("labels",))


@scorer(
    "label_match",
    needs=NEEDS,
    metrics=[
        Metric("correct", "the label read from the reply is the gold label"),
        Metric("valid_label", "a label of the set could be read from the reply"),
        Metric("exact_label", "the reply was exactly a label (no normalisation needed)"),
    ],
)
def label_match(case: Case, output: str, ctx: ScoringContext) -> Score:
    label, exact = read_label(output, labels_of(case))
    correct = label is not None and label == case.expected
    mode = None if correct else ("no_label" if label is None else "wrong_label")
    return Score(
        passed=correct,
        metrics={"correct": float(correct), "valid_label": float(label is not None),
                 "exact_label": float(exact)},
        failure_mode=mode,
        parsed=label,
        detail={"expected": case.expected},
    )


def macro_f1(expected: Sequence[str], predicted: Sequence[str | None],
             labels: Sequence[str]) -> float:
    """Macro-averaged F1 over *labels* (every label weighs the same, however rare).

    A None prediction (no label read) is its own class, `NO_LABEL`: it counts as a miss of the
    gold label but is not averaged in as a class of its own, so a model is not rewarded or
    punished twice for it. A label in *labels* that is neither expected nor predicted scores
    0 (sklearn's zero_division=0), so pass the label set the cases use.
    """
    from sklearn.metrics import f1_score  # only the posts and tests need scikit-learn

    if len(expected) != len(predicted):
        raise ValueError(f"{len(expected)} expected labels but {len(predicted)} predictions")
    pred = [NO_LABEL if p is None else p for p in predicted]
    return float(f1_score(list(expected), pred, labels=list(labels), average="macro",
                          zero_division=0))


@case_check("label_in_set")
def label_in_set(case: Case) -> str | None:
    """The gold label is one of input.labels (the labels the prompt and `choices:` offer)."""
    try:
        labels = labels_of(case)
    except ValueError as exc:
        return str(exc)
    if len(set(labels)) != len(labels):
        return "input.labels repeats a label"
    if not isinstance(case.expected, str) or case.expected not in labels:
        return f"expected {case.expected!r} is not one of input.labels ({', '.join(labels)})"
    return None
