"""Function calling: did the model call the right tool with exactly the right arguments, or
correctly call nothing when no offered tool fits?

A case's `expected` is ``{"call": {"name": ..., "arguments": {...}}}`` or ``{"call": null}``
(abstain: answer or decline in text), optionally with ``"omit": [names]``: optional arguments
that must be absent (the request gives no value for them, so any value is made up).

The calls come from ``ctx.tool_calls`` (the engine's parser) when there are any, else from
parsing the output here with the same parser, so stored text can be rescored (the offered
names, for Python-style calls, come from ``ctx.tools`` or else the case's ``input.tools``).

Argument comparison is typed, against the offered tool's JSON Schema (``ctx.tools``):

- numbers numerically (3 == 3.0); a string is never a number ("3" != 3), nor is a boolean;
- booleans and null exactly;
- strings after strip + casefold, except enum values, ISO dates (``format: date``) and any
  string with a ``pattern``, which must match exactly (they are codes, not prose);
- arrays in order, except where the schema says ``uniqueItems: true``: a set, so order-free
  (attendee lists, tags);
- objects key by key, recursively, under the same rules (extra or missing keys are wrong);
- an argument the schema does not define is an extra argument; a required one that is absent
  is missing; an optional one is checked when the case lists it, must be absent (or null)
  when the case's ``omit`` names it, and otherwise must only be valid for its schema.

Without the tool's schema (rescoring text with no context), every argument the case does not
list counts as extra and strings compare by strip + casefold.

More than one call is `multiple_calls` whatever they are (a repeated refund is a second
refund); the first call still decides `tool_choice` and `arguments`.

Metrics, 0/1 per case: `correct` (right call with right arguments, or a correct abstention),
`tool_choice` (right function, or no call when none fits), `arguments` (only where the right
function was called), `abstained_correctly` and `called_when_no_tool_fits` (only on abstain
cases), and `arg:<name>` for every argument the case lists or omits (only where the right
function was called).
"""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator

from pipeline.config.experiment import Case
from pipeline.engines.tool_calls import looks_like_tool_call, parse_tool_calls
from pipeline.scoring.base import Metric, Needs, Score, ScoringContext, scorer
from pipeline.scoring.case_checks import case_check
from pipeline.scoring.equality import verdict_by_type

#: what the scorer needs of every case, checked at load (pipeline.loading)
NEEDS = Needs('an object {"call": {...} or null, "omit"?}', types=("object",), keys=("call",),
              optional=("omit",))


@scorer(
    "function_call",
    needs=NEEDS,
    metrics=[
        Metric("correct", "the right call with exactly the right arguments, or a correct "
                          "abstention when no offered tool fits"),
        Metric("tool_choice", "the right function called, or no call when none fits"),
        Metric("arguments", "arguments exactly right (only where the right function was "
                            "called)"),
        Metric("abstained_correctly", "no call made (only on cases where no tool fits)"),
        Metric("called_when_no_tool_fits", "a call made although no tool fits (only on those "
                                           "cases)", higher_is_better=False),
        Metric("arg:", "1 when this argument is right (only where the right function was "
                       "called)", family=True),
    ],
)
def function_call(case: Case, output: str, ctx: ScoringContext) -> Score:
    expected = case.expected if isinstance(case.expected, dict) else {}
    want = expected.get("call")
    omit = list(expected.get("omit") or [])
    offered = [_tool_name(t) for t in ctx.tools] or [
        t for t in case.input.get("tools") or [] if isinstance(t, str)]
    calls = list(ctx.tool_calls) or parse_tool_calls(output, known=offered or None)
    attempted = bool(calls) or looks_like_tool_call(output, offered or None)
    parsed = [dict(c) for c in calls]

    if want is None:  # abstain case
        # a tool named in prose ("convert_currency(...) has no BTC") is not a call: only a
        # parsed call, a <tool_call> tag or a call-shaped JSON object counts
        attempted = bool(calls) or looks_like_tool_call(output)
        called = float(attempted)
        return Score(
            passed=not attempted,
            metrics={"correct": 1.0 - called, "tool_choice": 1.0 - called,
                     "abstained_correctly": 1.0 - called, "called_when_no_tool_fits": called},
            failure_mode="called_when_no_tool_fits" if attempted else None,
            parsed=parsed,
            detail={"calls": len(calls)},
        )

    name = want["name"]
    want_args: dict[str, Any] = want.get("arguments") or {}
    if not calls:
        mode = "unparseable_call" if attempted else "no_call"
        return Score(False, {"correct": 0.0, "tool_choice": 0.0}, failure_mode=mode,
                     parsed=parsed, detail={"expected": name})
    call = calls[0]
    if call["name"] != name:
        return Score(False, {"correct": 0.0, "tool_choice": 0.0},
                     failure_mode="multiple_calls" if len(calls) > 1 else "wrong_function",
                     parsed=parsed, detail={"expected": name, "called": call["name"]})

    arg_names = list(want_args) + [o for o in omit if o not in want_args]
    args = call["arguments"]
    if not isinstance(args, dict):
        metrics = {"correct": 0.0, "tool_choice": 1.0, "arguments": 0.0}
        metrics.update({f"arg:{a}": 0.0 for a in arg_names})
        return Score(False, metrics, failure_mode="unparseable_call", parsed=parsed,
                     detail={"raw_arguments": args})

    params = _parameters(ctx.tools, name)
    verdict = check_arguments(want_args, omit, args, params)
    ok = not (verdict["missing"] or verdict["extra"] or verdict["wrong"])
    if len(calls) > 1:
        mode: str | None = "multiple_calls"
    elif verdict["missing"]:
        mode = "missing_argument"
    elif verdict["extra"]:
        mode = "extra_argument"
    elif verdict["wrong"]:
        mode = "wrong_arguments"
    else:
        mode = None
    bad = set(verdict["missing"]) | set(verdict["wrong"])
    metrics = {"correct": float(mode is None), "tool_choice": 1.0, "arguments": float(ok)}
    metrics.update({f"arg:{a}": float(a not in bad) for a in arg_names})
    return Score(passed=mode is None, metrics=metrics, failure_mode=mode, parsed=parsed,
                 detail={**verdict, "calls": len(calls)})


def check_arguments(want: dict[str, Any], omit: list[str], got: dict[str, Any],
                    params: dict[str, Any] | None) -> dict[str, list[str]]:
    """Compare a call's arguments with the case's; *params* is the tool's parameters schema
    (None when unknown). Returns the names that are missing, extra and wrong."""
    props: dict[str, Any] = (params or {}).get("properties") or {}
    required = set((params or {}).get("required") or [])
    missing = sorted((required | set(want)) - set(got))
    if params is None:
        extra = sorted(k for k in got if k not in want and k not in omit)
    else:
        extra = sorted(k for k in got if k not in props)
    wrong = []
    for key, value in want.items():
        if key in got and not values_match(value, got[key], props.get(key)):
            wrong.append(key)
    for key in omit:
        if key in got and got[key] is not None:
            wrong.append(key)
    if params is not None:  # arguments the case leaves open must still be valid values
        for key, value in got.items():
            if key in props and key not in want and key not in omit:
                if not _valid(value, props[key]):
                    wrong.append(key)
    return {"missing": missing, "extra": extra, "wrong": sorted(set(wrong))}


def values_match(expected: Any, actual: Any, schema: dict[str, Any] | None = None) -> bool:
    """Whether *actual* is the value *expected*, under the typed rules in the module doc."""
    schema = schema if isinstance(schema, dict) else {}
    verdict = verdict_by_type(expected, actual)
    if verdict is not None:
        return verdict
    if isinstance(expected, str):
        if "enum" in schema or "pattern" in schema or schema.get("format") in _EXACT_FORMATS:
            return actual == expected
        return actual.strip().casefold() == expected.strip().casefold()
    if isinstance(expected, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else None
        if schema.get("uniqueItems"):
            left = list(actual)
            for e in expected:
                hit = next((i for i, a in enumerate(left) if values_match(e, a, items)), None)
                if hit is None:
                    return False
                left.pop(hit)
            return True
        return all(values_match(e, a, items) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict):
        if set(actual) != set(expected):
            return False
        props = schema.get("properties") or {}
        return all(values_match(v, actual[k], props.get(k)) for k, v in expected.items())
    return bool(expected == actual)


_EXACT_FORMATS = {"date", "date-time", "time"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _valid(value: Any, schema: dict[str, Any]) -> bool:
    try:
        return Draft202012Validator(schema).is_valid(value)
    except Exception:  # noqa: BLE001  (a broken schema must not fail the scoring of a case)
        return True


def _tool_name(tool: dict[str, Any]) -> str:
    fn = tool.get("function", tool)
    return str(fn.get("name", "")) if isinstance(fn, dict) else ""


def _parameters(tools: tuple[dict[str, Any], ...], name: str) -> dict[str, Any] | None:
    for tool in tools:
        fn = tool.get("function", tool)
        if isinstance(fn, dict) and fn.get("name") == name:
            params = fn.get("parameters")
            return params if isinstance(params, dict) else {"properties": {}}
    return None


@case_check("function_call_case")
def function_call_case(case: Case) -> str | None:
    """A function-calling case is well formed: a request, 2-5 distinct offered tool names, and
    an expected call to one of them (or null), so a typo in the data fails at load instead of
    scoring every model wrong. Whether the names exist in tools.json is the runner's check."""
    inp = case.input
    request = inp.get("request")
    if not isinstance(request, str) or not request.strip():
        return "input.request must be a non-empty string"
    tools = inp.get("tools")
    if (not isinstance(tools, list) or not all(isinstance(t, str) and t for t in tools)
            or not 2 <= len(tools) <= 5):
        return "input.tools must be a list of 2 to 5 tool names"
    if len(set(tools)) != len(tools):
        return f"input.tools repeats a name: {tools}"
    expected = case.expected
    if not isinstance(expected, dict) or "call" not in expected:
        return 'expected must be an object with a "call" key ({"call": null} to abstain)'
    unknown = set(expected) - {"call", "omit"}
    if unknown:
        return f"expected has unknown keys {sorted(unknown)}; allowed: call, omit"
    call = expected["call"]
    omit = expected.get("omit", [])
    if not isinstance(omit, list) or not all(isinstance(o, str) for o in omit):
        return "expected.omit must be a list of argument names"
    if call is None:
        return "expected.omit makes no sense when expected.call is null" if omit else None
    if not isinstance(call, dict) or set(call) != {"name", "arguments"}:
        return 'expected.call must be {"name": ..., "arguments": {...}} or null'
    if call["name"] not in tools:
        return f"expected.call.name {call['name']!r} is not one of input.tools {tools}"
    if not isinstance(call["arguments"], dict):
        return "expected.call.arguments must be an object"
    both = sorted(set(omit) & set(call["arguments"]))
    if both:
        return f"expected.omit names {both}, which expected.call.arguments also lists"
    for key, value in call["arguments"].items():
        if isinstance(value, str) and key.endswith("date") and not _ISO_DATE.match(value):
            return f"expected.call.arguments.{key} {value!r} is not an ISO date (YYYY-MM-DD)"
    return None
