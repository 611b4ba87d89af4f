"""The tool-call parser reads calls the way real models write them, never raises, and finds
no call in prose; tools_as_text gives the Hermes/Qwen block the parser expects back."""

import json

import pytest

from pipeline.engines.tool_calls import looks_like_tool_call, parse_tool_calls, tools_as_text

REFUND = {"type": "function", "function": {
    "name": "refund_order", "description": "Refund an order.",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}},
                   "required": ["order_id"]}}}
KNOWN = ["refund_order", "get_order_status"]


def test_tools_as_text_lists_each_tool_in_tags_and_asks_for_tool_call_tags():
    bare = {"name": "get_order_status", "description": "d", "parameters": {"type": "object"}}
    text = tools_as_text([REFUND, bare])
    inside = text.split("<tools>\n", 1)[1].split("\n</tools>", 1)[0].splitlines()
    assert [json.loads(line) for line in inside] == [
        REFUND, {"type": "function", "function": bare}]
    assert "<tool_call></tool_call> XML tags" in text
    assert '{"name": <function-name>, "arguments": <args-json-object>}' in text


@pytest.mark.parametrize("text", [
    '<tool_call>\n{"name": "refund_order", "arguments": {"order_id": "ORD-1"}}\n</tool_call>',
    '<tool_call>{"name": "refund_order", "arguments": {"order_id": "ORD-1"}}',  # no closing tag
    '<tool_call>\n```json\n{"name": "refund_order", "arguments": {"order_id": "ORD-1"}}\n```\n'
    '</tool_call>',
    '```json\n{"name": "refund_order", "arguments": {"order_id": "ORD-1"}}\n```',
    'Sure! {"name": "refund_order", "parameters": {"order_id": "ORD-1"}} Done.',
    '{"type": "function", "name": "refund_order", "parameters": {"order_id": "ORD-1"}}',
    '{"type": "function", "function": {"name": "refund_order", '
    '"arguments": "{\\"order_id\\": \\"ORD-1\\"}"}}',
    '{"tool_calls": [{"function": {"name": "refund_order", "arguments": {"order_id": "ORD-1"}}}]}',
    '[{"name": "refund_order", "arguments": {"order_id": "ORD-1"}}]',
    "<tool_call>{'name': 'refund_order', 'arguments': {'order_id': 'ORD-1',}}</tool_call>",
    'refund_order(order_id="ORD-1")',
    'I will call functions.refund_order(order_id="ORD-1") now.',
    '<tool_call>refund_order(order_id="ORD-1")</tool_call>',
])
def test_one_call_in_every_common_shape(text):
    assert parse_tool_calls(text, known=KNOWN) == [
        {"name": "refund_order", "arguments": {"order_id": "ORD-1"}}]


def test_several_hermes_calls_in_order_last_one_unclosed():
    text = ('<tool_call>{"name": "get_order_status", "arguments": {"order_id": "ORD-1"}}'
            '</tool_call>\n<tool_call>{"name": "refund_order", "arguments": {"order_id": '
            '"ORD-1"}}')
    assert [c["name"] for c in parse_tool_calls(text)] == ["get_order_status", "refund_order"]


def test_back_to_back_tags_without_closing_tags():
    text = ('<tool_call>{"name": "a", "arguments": {}}<tool_call>{"name": "b", '
            '"arguments": {"x": 1}}')
    assert parse_tool_calls(text) == [{"name": "a", "arguments": {}},
                                      {"name": "b", "arguments": {"x": 1}}]


def test_types_survive_parsing():
    text = ('<tool_call>{"name": "reorder_stock", "arguments": {"quantity": 3, "price": 12.5, '
            '"expedited": true, "note": null, "tags": ["a", "b"]}}</tool_call>')
    args = parse_tool_calls(text)[0]["arguments"]
    assert args == {"quantity": 3, "price": 12.5, "expedited": True, "note": None,
                    "tags": ["a", "b"]}
    assert isinstance(args["quantity"], int) and args["expedited"] is True


def test_python_style_keeps_types_and_needs_a_known_name():
    text = 'reorder_stock(sku="SKU-1", quantity=3, expedited=True, note=None)'
    assert parse_tool_calls(text) == []  # no known names: prose could look like this
    assert parse_tool_calls(text, known=["reorder_stock"]) == [{
        "name": "reorder_stock",
        "arguments": {"sku": "SKU-1", "quantity": 3, "expedited": True, "note": None}}]
    assert parse_tool_calls("my_refund_order(x=1)", known=["refund_order"]) == []
    assert parse_tool_calls("refund_order('ORD-1')", known=KNOWN) == []  # positional


def test_arguments_that_are_not_an_object_are_kept_raw():
    calls = parse_tool_calls('<tool_call>{"name": "refund_order", "arguments": "ORD-1 please"}')
    assert calls == [{"name": "refund_order", "arguments": "ORD-1 please"}]
    calls = parse_tool_calls('{"name": "refund_order", "arguments": ["ORD-1"]}')
    assert calls == [{"name": "refund_order", "arguments": '["ORD-1"]'}]


def test_missing_or_empty_arguments():
    assert parse_tool_calls('{"name": "get_order_status", "arguments": null}') == [
        {"name": "get_order_status", "arguments": {}}]
    assert parse_tool_calls('{"name": "get_order_status", "arguments": ""}') == [
        {"name": "get_order_status", "arguments": {}}]
    # a bare {"name": ...} is data, not a call (a customer record, say)
    assert parse_tool_calls('{"name": "Ines Varga", "email": "i@x.example"}') == []


@pytest.mark.parametrize("text", [
    "",
    "I can't do that: there is no tool to void an invoice.",
    "The refund_order tool needs an amount. How much should I refund?",
    "Here is JSON: {\"total\": 3}",
    "{ unbalanced",
    '<tool_call>{"name": "refund_order", "arguments": {"order_id": "ORD-1"',  # cut off
    '<tool_call>not json at all</tool_call>',
    "{" * 500 + "}" * 499,
    "\x00\ud800 weird",
])
def test_no_call_and_never_raises(text):
    assert parse_tool_calls(text, known=KNOWN) == []


def test_non_string_input_gives_no_call():
    assert parse_tool_calls(None) == []  # type: ignore[arg-type]


def test_nested_objects_in_arguments_are_not_read_as_calls():
    text = ('{"name": "update_shipping_address", "arguments": {"order_id": "ORD-1", '
            '"address": {"name": "Dock 4", "arguments": {}}}}')
    calls = parse_tool_calls(text)
    assert len(calls) == 1 and calls[0]["name"] == "update_shipping_address"


def test_looks_like_tool_call():
    assert looks_like_tool_call("<tool_call>garbage")
    assert looks_like_tool_call('{"name": "x", "arguments": {broken')
    assert looks_like_tool_call("refund_order(order_id=ORD-1)", known=KNOWN)
    assert not looks_like_tool_call("No tool fits; please ask billing.", known=KNOWN)
    assert not looks_like_tool_call("refund_order(", known=None)
