"""The function_call scorer: right call, typed argument rules, abstentions and every
failure mode, on hand-written outputs."""

import json

import pytest

from helpers import ROOT
from pipeline.config.experiment import Case
from pipeline.scoring.base import ScoringContext, scorers, undeclared
from pipeline.scoring.function_call import function_call_case, values_match

TOOLS = {t["function"]["name"]: t for t in json.loads(
    (ROOT / "experiments" / "function_calling" / "tools.json").read_text(encoding="utf-8"))}
SCORER = scorers.get("function_call")


def ctx(*names, tool_calls=()):
    return ScoringContext(tools=tuple(TOOLS[n] for n in names), tool_calls=tuple(tool_calls))


def case(call, omit=None, tools=("reorder_stock", "check_inventory")):
    expected = {"call": call}
    if omit:
        expected["omit"] = omit
    return Case(id="c", input={"request": "r", "tools": list(tools)}, expected=expected)


def hermes(name, args):
    return f'<tool_call>\n{json.dumps({"name": name, "arguments": args})}\n</tool_call>'


REORDER = {"name": "reorder_stock",
           "arguments": {"sku": "SKU-2210", "quantity": 3, "warehouse": "memphis"}}
CTX = ctx("reorder_stock", "check_inventory")


def score(c, output, context=CTX):
    s = SCORER(c, output, context)
    assert not undeclared(SCORER, s), undeclared(SCORER, s)
    return s


def test_right_call_passes_with_every_metric():
    s = score(case(REORDER, omit=["expedited"]), hermes("reorder_stock", REORDER["arguments"]))
    assert s.passed and s.failure_mode is None
    assert s.metrics == {"correct": 1.0, "tool_choice": 1.0, "arguments": 1.0,
                         "arg:sku": 1.0, "arg:quantity": 1.0, "arg:warehouse": 1.0,
                         "arg:expedited": 1.0}
    assert s.parsed == [REORDER]


def test_float_equal_to_integer_is_fine_but_a_string_number_is_not():
    ok = score(case(REORDER), hermes("reorder_stock", {**REORDER["arguments"], "quantity": 3.0}))
    assert ok.passed
    bad = score(case(REORDER), hermes("reorder_stock", {**REORDER["arguments"], "quantity": "3"}))
    assert bad.failure_mode == "wrong_arguments" and bad.metrics["arg:quantity"] == 0.0
    assert bad.metrics["tool_choice"] == 1.0 and bad.metrics["arguments"] == 0.0
    assert bad.metrics["arg:sku"] == 1.0


def test_boolean_is_not_a_number():
    assert not values_match(1, True)
    assert not values_match(True, 1)


def test_enum_values_are_exact_free_strings_are_not():
    s = score(case(REORDER), hermes("reorder_stock", {**REORDER["arguments"],
                                                      "warehouse": "Memphis"}))
    assert s.failure_mode == "wrong_arguments" and s.detail["wrong"] == ["warehouse"]
    ticket = {"name": "create_support_ticket", "arguments": {
        "account_id": "ACC-552190", "subject": "Payroll export fails", "priority": "urgent"}}
    got = {**ticket["arguments"], "subject": "  PAYROLL export FAILS "}
    s = score(case(ticket, tools=["create_support_ticket", "lookup_customer"]),
              hermes("create_support_ticket", got), ctx("create_support_ticket"))
    assert s.passed


def test_dates_and_patterned_codes_are_exact():
    pause = {"name": "pause_subscription",
             "arguments": {"account_id": "ACC-285506", "resume_date": "2026-02-01"}}
    c = case(pause, tools=["pause_subscription", "cancel_subscription"])
    cx = ctx("pause_subscription", "cancel_subscription")
    assert score(c, hermes("pause_subscription", pause["arguments"]), cx).passed
    for wrong in ("2026-2-1", "2026-02-01T00:00:00", "February 1, 2026"):
        got = {**pause["arguments"], "resume_date": wrong}
        assert score(c, hermes("pause_subscription", got), cx).failure_mode == "wrong_arguments"
    got = {**pause["arguments"], "account_id": "acc-285506"}
    assert score(c, hermes("pause_subscription", got), cx).failure_mode == "wrong_arguments"


def test_unique_item_arrays_ignore_order_but_not_content():
    schema = TOOLS["schedule_meeting"]["function"]["parameters"]["properties"]["attendees"]
    assert values_match(["a@x", "b@x"], ["b@x", "a@x"], schema)
    assert not values_match(["a@x", "b@x"], ["a@x"], schema)
    assert not values_match(["a@x", "b@x"], ["a@x", "a@x"], schema)
    assert not values_match(["a", "b"], ["b", "a"], {"type": "array"})  # ordered list


def test_nested_object_compared_key_by_key():
    schema = TOOLS["update_shipping_address"]["function"]["parameters"]["properties"]["address"]
    want = {"street": "Kestrel Yard 14", "city": "Leeds", "postal_code": "LS1 4AP",
            "country": "GB"}
    assert values_match(want, {**want, "city": "leeds"}, schema)
    assert not values_match(want, {**want, "country": "gb"}, schema)  # pattern: exact code
    assert not values_match(want, {**want, "state": "West Yorkshire"}, schema)
    assert not values_match(want, {k: v for k, v in want.items() if k != "city"}, schema)


def test_missing_required_argument():
    args = {k: v for k, v in REORDER["arguments"].items() if k != "warehouse"}
    s = score(case(REORDER), hermes("reorder_stock", args))
    assert s.failure_mode == "missing_argument" and s.detail["missing"] == ["warehouse"]
    assert s.metrics["arg:warehouse"] == 0.0 and s.metrics["arguments"] == 0.0


def test_missing_optional_argument_the_case_expects():
    c = case({**REORDER, "arguments": {**REORDER["arguments"], "expedited": True}})
    s = score(c, hermes("reorder_stock", REORDER["arguments"]))
    assert s.failure_mode == "missing_argument" and s.detail["missing"] == ["expedited"]


def test_argument_not_in_the_schema_is_extra():
    s = score(case(REORDER), hermes("reorder_stock", {**REORDER["arguments"], "unit": "pcs"}))
    assert s.failure_mode == "extra_argument" and s.detail["extra"] == ["unit"]
    assert s.metrics["arguments"] == 0.0 and s.metrics["arg:sku"] == 1.0


def test_renamed_argument_is_reported_as_missing_first():
    args = {"sku": "SKU-2210", "qty": 3, "warehouse": "memphis"}
    s = score(case(REORDER), hermes("reorder_stock", args))
    assert s.failure_mode == "missing_argument"
    assert s.detail["missing"] == ["quantity"] and s.detail["extra"] == ["qty"]


def test_omitted_optional_must_be_absent_null_counts_as_absent():
    c = case(REORDER, omit=["expedited"])
    s = score(c, hermes("reorder_stock", {**REORDER["arguments"], "expedited": False}))
    assert s.failure_mode == "wrong_arguments" and s.metrics["arg:expedited"] == 0.0
    assert score(c, hermes("reorder_stock", {**REORDER["arguments"], "expedited": None})).passed


def test_optional_the_case_leaves_open_may_be_given_if_valid():
    assert score(case(REORDER), hermes("reorder_stock",
                                       {**REORDER["arguments"], "expedited": False})).passed
    s = score(case(REORDER), hermes("reorder_stock", {**REORDER["arguments"], "expedited": "no"}))
    assert s.failure_mode == "wrong_arguments" and s.detail["wrong"] == ["expedited"]


def test_wrong_function():
    s = score(case(REORDER), hermes("check_inventory", {"sku": "SKU-2210"}))
    assert not s.passed and s.failure_mode == "wrong_function"
    assert s.metrics == {"correct": 0.0, "tool_choice": 0.0}  # no `arguments` metric


def test_no_call_and_unparseable_call():
    s = score(case(REORDER), "I would order 3 units of SKU-2210 for Memphis.")
    assert s.failure_mode == "no_call" and s.metrics == {"correct": 0.0, "tool_choice": 0.0}
    s = score(case(REORDER), '<tool_call>{"name": "reorder_stock", "arguments": {"sku": ')
    assert s.failure_mode == "unparseable_call"
    s = score(case(REORDER), '<tool_call>{"name": "reorder_stock", "arguments": "3 units"}')
    assert s.failure_mode == "unparseable_call" and s.metrics["tool_choice"] == 1.0
    assert s.metrics["arguments"] == 0.0


def test_multiple_calls_fail_even_when_identical():
    out = hermes("reorder_stock", REORDER["arguments"]) * 2
    s = score(case(REORDER), out)
    assert s.failure_mode == "multiple_calls" and s.metrics["correct"] == 0.0
    assert s.metrics["tool_choice"] == 1.0 and s.metrics["arguments"] == 1.0
    assert len(s.parsed) == 2


def test_abstain_case():
    c = case(None)
    s = score(c, "There is no tool for stock transfers; please ask logistics.")
    assert s.passed and s.metrics == {"correct": 1.0, "tool_choice": 1.0,
                                      "abstained_correctly": 1.0,
                                      "called_when_no_tool_fits": 0.0}
    s = score(c, hermes("reorder_stock", REORDER["arguments"]))
    assert s.failure_mode == "called_when_no_tool_fits"
    assert s.metrics["abstained_correctly"] == 0.0 and s.metrics["called_when_no_tool_fits"] == 1.0
    # naming a tool in prose is not a call
    assert score(c, "reorder_stock(sku, quantity) cannot move stock between sites.").passed
    # a broken attempt at a call is still a call
    assert score(c, "<tool_call>{oops").failure_mode == "called_when_no_tool_fits"


def test_engine_tool_calls_win_over_the_text():
    engine = [{"name": "reorder_stock", "arguments": REORDER["arguments"]}]
    s = score(case(REORDER), "(text the engine already parsed)",
              ctx("reorder_stock", tool_calls=engine))
    assert s.passed


def test_python_style_call_in_stored_text():
    out = 'reorder_stock(sku="SKU-2210", quantity=3, warehouse="memphis")'
    assert score(case(REORDER), out).passed
    # without tool definitions the names offered come from the case's input.tools
    assert score(case(REORDER), out, ScoringContext()).passed
    other = case(REORDER, tools=["check_inventory", "get_invoice"])
    assert score(other, out, ScoringContext()).failure_mode == "no_call"


def test_without_tool_definitions_unlisted_arguments_are_extra():
    bare = ScoringContext()
    assert score(case(REORDER), hermes("reorder_stock", REORDER["arguments"]), bare).passed
    s = score(case(REORDER), hermes("reorder_stock", {**REORDER["arguments"], "expedited": False}),
              bare)
    assert s.failure_mode == "extra_argument"


@pytest.mark.parametrize("expected, problem", [
    ({"call": None}, None),
    ({"call": {"name": "reorder_stock", "arguments": {}}, "omit": ["expedited"]}, None),
    ({}, '"call" key'),
    ({"call": None, "omit": ["x"]}, "omit makes no sense"),
    ({"call": {"name": "refund_order", "arguments": {}}}, "not one of input.tools"),
    ({"call": {"name": "reorder_stock"}}, "must be {"),
    ({"call": {"name": "reorder_stock", "arguments": []}}, "must be an object"),
    ({"call": {"name": "reorder_stock", "arguments": {"a": 1}}, "omit": ["a"]}, "also lists"),
    ({"call": None, "why": "x"}, "unknown keys"),
    ({"call": {"name": "reorder_stock", "arguments": {"date": "3/4/2025"}}}, "ISO date"),
])
def test_case_check(expected, problem):
    c = Case(id="c", input={"request": "r", "tools": ["reorder_stock", "check_inventory"]},
             expected=expected)
    got = function_call_case(c)
    assert (got is None) if problem is None else (problem in got)


@pytest.mark.parametrize("inp, problem", [
    ({"request": "", "tools": ["a", "b"]}, "input.request"),
    ({"request": "r", "tools": ["a"]}, "2 to 5"),
    ({"request": "r", "tools": ["a", "b", "c", "d", "e", "f"]}, "2 to 5"),
    ({"request": "r", "tools": ["a", "a"]}, "repeats"),
    ({"request": "r", "tools": "a,b"}, "2 to 5"),
])
def test_case_check_input(inp, problem):
    assert problem in function_call_case(Case(id="c", input=inp, expected={"call": None}))
