"""function_calling: the experiment loads, its cases are reproducible from the generator,
well balanced, and every expected call is valid for its tool; a bad case fails at load."""

import json

from jsonschema import Draft202012Validator

import pipeline.scoring.function_call  # noqa: F401  (registers the case check and scorer)
from helpers import assert_wiring, prompts, refusal

EXPERIMENT = "function_calling"
TAGS = {"abstain", "missing_info", "near_miss", "unsupported_value", "number_text",
        "date_text", "enum", "optional_included", "optional_omitted", "nested", "array"}


def test_experiment_shape(exp):
    assert_wiring(exp, scorer="function_call", case_check="function_call_case",
                  cases=(48, None), steps=["prompt", "use_tools", "generate"], variants=1)
    assert exp.spec.sampling.temperature == 0
    assert 10 <= len(exp.tools) <= 14


def test_scale_balance_and_tags(exp):
    abstain = [c for c in exp.cases if c.expected["call"] is None]
    assert 0.2 <= len(abstain) / len(exp.cases) <= 0.3
    for c in exp.cases:
        assert c.tags[0] in ("easy", "medium", "hard"), c.id
        assert set(c.tags[1:]) <= TAGS, c.id
        assert ("abstain" in c.tags) == (c.expected["call"] is None), c.id
    assert TAGS <= {t for c in exp.cases for t in c.tags}
    called = {c.expected["call"]["name"] for c in exp.cases if c.expected["call"]}
    assert called == set(exp.tools)  # every tool is the right answer somewhere
    first = [c.input["tools"][0] == c.expected["call"]["name"]
             for c in exp.cases if c.expected["call"]]
    assert 0.2 < sum(first) / len(first) < 0.8  # the right tool is not always listed first


def test_expected_calls_are_valid_for_their_tool(exp):
    for c in exp.cases:
        call = c.expected["call"]
        if call is None:
            continue
        params = exp.tools[call["name"]]["function"]["parameters"]
        errors = list(Draft202012Validator(params).iter_errors(call["arguments"]))
        assert not errors, (c.id, [e.message for e in errors])
        omit = set(c.expected.get("omit", []))
        assert omit <= set(params["properties"]) - set(params["required"]), c.id
        assert ("optional_omitted" in c.tags) == bool(omit), c.id
        optional = set(call["arguments"]) - set(params["required"])
        assert ("optional_included" in c.tags) == bool(optional), c.id


def test_identifiers_in_the_expected_call_are_in_the_request(exp):
    for c in exp.cases:
        call = c.expected["call"]
        for value in (call or {}).get("arguments", {}).values():
            if isinstance(value, str) and value[:4] in ("ORD-", "ACC-", "SKU-", "INV-"):
                assert value in c.input["request"], (c.id, value)


def test_tool_definitions_are_valid_schemas(exp):
    for name, tool in exp.tools.items():
        assert tool["type"] == "function" and tool["function"]["name"] == name
        Draft202012Validator.check_schema(tool["function"]["parameters"])


def test_every_case_renders_to_its_request(exp):
    for c, system, user in prompts(exp):
        assert user == c.input["request"] and "tool" in system


def test_prompt_and_answer_fit_the_budget(exp):
    # ~3 characters a token for JSON (SmolLM2's tokenizer: longest prompt 939 tokens, longest
    # expected call in Hermes tags 104 tokens)
    from pipeline.engines.tool_calls import tools_as_text

    variant = exp.spec.variants[0]
    for c, system, user in prompts(exp):
        prompt = tools_as_text(exp.tools_for(c)) + system + user + variant.base_suffix
        assert len(prompt) / 3 < 1200, c.id
    longest = max(len("<tool_call>\n" + json.dumps(c.expected["call"]) + "\n</tool_call>")
                  for c in exp.cases if c.expected["call"])
    assert exp.spec.sampling.max_tokens >= longest / 2.5


def test_case_check_rejects_an_expected_tool_that_is_not_offered(tmp_path):
    def change(rows):
        case = rows[0]
        case["input"]["tools"] = [t for t in case["input"]["tools"]
                                  if t != case["expected"]["call"]["name"]]
        if len(case["input"]["tools"]) < 2:
            case["input"]["tools"].append("get_invoice")

    msg, bad = refusal(tmp_path, "function_calling", change)
    assert f"cases.jsonl:1: case {bad.rows[0]['id']!r}" in msg
    assert "expected.call.name 'refund_order' is not one of input.tools" in msg


def test_case_check_rejects_a_malformed_expected(tmp_path):
    msg, bad = refusal(tmp_path, "function_calling",
                       lambda rows: rows[2].update(expected={"name": "refund_order"}))
    # the scorer's declared needs refuse it first (pipeline.scoring.base.Needs)
    assert (f'cases.jsonl:3: expected: case {bad.rows[2]["id"]!r}: no key \'call\'; the '
            'scorer needs an object {"call"') in msg, msg


def test_a_tool_missing_from_tools_json_fails_at_load(tmp_path):
    msg, _ = refusal(tmp_path, "function_calling",
                     lambda rows: rows[6]["input"]["tools"].append("issue_gift_card"))
    assert "issue_gift_card" in msg, msg
