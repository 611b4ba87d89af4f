"""label_match: a label read from free text or a constrained choice; macro_f1 via sklearn."""

import pytest

from pipeline.config.experiment import Case
from pipeline.scoring.base import ScoringContext, scorers, undeclared
from pipeline.scoring.classification import label_in_set, label_match, macro_f1, read_label

LABELS = ["billing", "technical_issue", "account_access", "shipping", "refund_request",
          "sales_inquiry", "complaint", "other"]
CTX = ScoringContext()


def _case(expected="refund_request", labels=LABELS):
    return Case(id="t1", input={"message": "Give my money back.", "labels": labels},
                expected=expected)


def test_registered_and_metrics_declared():
    assert scorers.get("label_match") is label_match
    assert not undeclared(label_match, label_match(_case(), "refund_request", CTX))


@pytest.mark.parametrize(("output", "label", "exact"), [
    ("refund_request", "refund_request", True),
    ("  Refund_Request\n", "refund_request", True),
    ("Refund request", "refund_request", False),
    ("refund-request.", "refund_request", False),
    ("Label: refund_request", "refund_request", False),
    ("The category is **refund_request** because they want money back.", "refund_request",
     False),
    ("Label:\nshipping", "shipping", False),
    ("Technical Issue", "technical_issue", False),
    ("billing or refund_request", None, False),  # a hedge between two labels is no answer
    ("This is about reshipping", None, False),        # word boundaries
    ("I am not sure.", None, False),
    ("", None, False),
    ("shipping\nrefund_request", "shipping", True),   # only the answer line counts
])
def test_read_label(output, label, exact):
    assert read_label(output, LABELS) == (label, exact)


def test_score_right_wrong_and_none():
    right = label_match(_case(), "Refund request", CTX)
    assert right.passed and right.parsed == "refund_request" and right.failure_mode is None
    assert right.metrics == {"correct": 1.0, "valid_label": 1.0, "exact_label": 0.0}
    wrong = label_match(_case(), "complaint", CTX)
    assert not wrong.passed and wrong.failure_mode == "wrong_label"
    assert wrong.parsed == "complaint"
    assert wrong.metrics == {"correct": 0.0, "valid_label": 1.0, "exact_label": 1.0}
    none = label_match(_case(), "The customer is upset.", CTX)
    assert none.failure_mode == "no_label" and none.parsed is None
    assert none.metrics == {"correct": 0.0, "valid_label": 0.0, "exact_label": 0.0}


def test_label_set_comes_from_the_case():
    case = _case("urgent", labels=["urgent", "normal"])
    assert label_match(case, "URGENT", CTX).passed
    assert label_match(case, "billing", CTX).failure_mode == "no_label"


def test_macro_f1_by_hand():
    labels = ["a", "b", "c"]
    expected = ["a", "a", "b", "b", "c", "c"]
    predicted = ["a", "b", "b", "b", None, "c"]
    # a: P 1, R .5 → 2/3; b: P 2/3, R 1 → .8; c: P 1, R .5 → 2/3 (None is a miss of c)
    assert macro_f1(expected, predicted, labels) == pytest.approx((2 / 3 + 0.8 + 2 / 3) / 3)
    assert macro_f1(expected, expected, labels) == 1.0
    assert macro_f1(expected, [None] * 6, labels) == 0.0


def test_macro_f1_weighs_rare_classes_equally():
    expected = ["a"] * 9 + ["b"]
    predicted = ["a"] * 10
    assert macro_f1(expected, predicted, ["a", "b"]) == pytest.approx((18 / 19 + 0) / 2)


def test_macro_f1_length_mismatch():
    with pytest.raises(ValueError, match="2 expected labels but 1 predictions"):
        macro_f1(["a", "b"], ["a"], ["a", "b"])


def test_case_check():
    assert label_in_set(_case()) is None
    assert label_in_set(_case("refunds")) == (
        "expected 'refunds' is not one of input.labels (" + ", ".join(LABELS) + ")")
    assert "at least two" in label_in_set(_case(labels=["billing"]))
    assert label_in_set(_case("billing", ["billing", "billing"])) == "input.labels repeats a label"


def test_an_echo_of_the_label_list_is_no_label_not_the_first_label():
    labels = ["billing", "technical_issue", "shipping"]
    echo = ("- billing: a question or error about a charge, invoice or payment method "
            "- technical_issue: a device or")
    assert read_label(echo, labels) == (None, False)
    assert read_label("The category is shipping.", labels) == ("shipping", False)
    # an exact label first is an answer, whatever the reasoning after it names
    assert read_label("shipping\nNot billing: the parcel is late.", labels) == ("shipping", True)
