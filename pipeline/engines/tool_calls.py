"""Tools as prompt text, and tool calls read back out of generated text.

Why both live here: a chat template with native tools support (Qwen2.5) renders the tool
definitions itself, but SmolLM2's template has none and a base model (Gemma 3 270M) has no
template at all. Those get the same tools as text in the system prompt (`tools_as_text`, the
Hermes/Qwen wording, so every model is asked in the same words), and every engine reads the
calls back with one parser (`parse_tool_calls`), so a call counts the same whichever engine
or model wrote it.

The parser is lenient in the ways real models write calls, and only in those ways:

- Hermes/Qwen: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``, several in a
  row; a closing tag missing at the end of the text (the token limit, or a model that stops
  early) is forgiven.
- A JSON object with ``"name"`` and ``"arguments"`` or ``"parameters"``, bare or in a
  ```json fence; a list of them; Llama style ``{"type": "function", "name": ...,
  "parameters": ...}``; OpenAI style ``{"type": "function", "function": {...}}`` and
  ``{"tool_calls": [...]}``.
- Arguments given as a JSON-encoded string (OpenAI wire format) are decoded.
- JSON with Python spellings (single quotes, ``True``/``None``, a trailing comma) is read.
- Python-call style ``fn(a=1, b="x")``, keyword arguments only, and only when ``fn`` is one of
  the *known* (offered) tool names: prose is full of words followed by a parenthesis.

It never raises: text with no call gives ``[]``. Arguments that are not a JSON object are kept
as the raw string (the scorer calls that an unparseable call).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.engines.base import ToolCall

_TOOLS_HEADER = (
    "# Tools\n\n"
    "You may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
)
_TOOLS_FOOTER = (
    "\n</tools>\n\n"
    "For each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n"
    "<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n'
    "</tool_call>"
)


def tools_as_text(tools: Sequence[dict[str, Any]]) -> str:
    """The tools as a system-prompt block for models whose template cannot render tools.

    The wording is Qwen2.5's own tools block (Hermes format), so the text-prompted models are
    asked exactly what Qwen's template asks natively. Each definition is one JSON line in
    OpenAI format; a bare ``{"name", "description", "parameters"}`` is wrapped into it.
    """
    lines = []
    for tool in tools:
        wrapped = tool if "function" in tool else {"type": "function", "function": tool}
        lines.append(json.dumps(wrapped, ensure_ascii=False))
    return _TOOLS_HEADER + "\n".join(lines) + _TOOLS_FOOTER


def parse_tool_calls(text: str, known: Collection[str] | None = None) -> list[ToolCall]:
    """Every tool call written in *text*, in order; ``[]`` when there is none.

    *known* (the offered tool names) enables Python-call style ``fn(a=1)`` for those names.
    Hermes tags win: when the text has ``<tool_call>`` blocks, only they are read.
    """
    try:
        if not isinstance(text, str) or not text:
            return []
        if "<tool_call>" in text:
            return _hermes(text, known)
        calls = _json_calls(text)
        if calls:
            return calls
        return _python_calls(text, known) if known else []
    except Exception:  # noqa: BLE001  (a parser for model output must never take a run down)
        return []


def looks_like_tool_call(text: str, known: Collection[str] | None = None) -> bool:
    """Whether *text* tries to call a tool, parsed or not: a ``<tool_call`` tag, a
    ``"name"`` key next to ``"arguments"``/``"parameters"``, or a known name followed by
    ``(``. Lets a scorer tell a broken call (unparseable) from no call at all."""
    if not isinstance(text, str):
        return False
    if "<tool_call" in text or "</tool_call>" in text:
        return True
    if _NAME_KEY.search(text) and _ARGS_KEY.search(text):
        return True
    return any(re.search(rf"\b{re.escape(n)}\s*\(", text) for n in known or ())


_NAME_KEY = re.compile(r"""["']name["']\s*:""")
_ARGS_KEY = re.compile(r"""["'](?:arguments|parameters)["']\s*:""")
_HERMES = re.compile(r"<tool_call>(.*?)(?:</tool_call>|(?=<tool_call>)|\Z)", re.DOTALL)
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)(?:```\s*)?$", re.DOTALL)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _hermes(text: str, known: Collection[str] | None) -> list[ToolCall]:
    calls: list[ToolCall] = []
    for m in _HERMES.finditer(text):
        body = m.group(1).strip()
        fence = _FENCE.match(body)
        if fence and body.startswith("```"):
            body = fence.group(1).strip()
        found = _json_calls(body)
        if not found:  # `<tool_call>fn(a=1)</tool_call>`: inside the tag the intent is clear
            head = _IDENT.match(body)
            names = [head.group(0)] if head else []
            found = _python_calls(body, list(known or ()) + names)
        calls.extend(found[:1])
    return calls


def _json_calls(text: str) -> list[ToolCall]:
    """Calls in the JSON values of *text* (top-level values only, in order)."""
    calls: list[ToolCall] = []
    i = 0
    while i < len(text):
        if text[i] not in "{[":
            i += 1
            continue
        end = _balanced_end(text, i)
        if end is None:
            i += 1
            continue
        ok, value = _loads(text[i:end])
        found = _calls_in(value) if ok else []
        if found:
            calls.extend(found)
            i = end
        else:
            i += 1  # not a call: look inside it (a call may sit in a wrapper we do not know)
    return calls


def _calls_in(value: Any) -> list[ToolCall]:
    if isinstance(value, list):
        out: list[ToolCall] = []
        for item in value:
            call = _as_call(item)
            if call is None:
                return []
            out.append(call)
        return out
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        return _calls_in(value["tool_calls"])
    call = _as_call(value)
    return [call] if call is not None else []


def _as_call(obj: Any) -> ToolCall | None:
    """A call from one JSON object, or None when the object is not a call."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):  # OpenAI: {"type": "function", "function": {...}}
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    if "arguments" in obj:
        raw = obj["arguments"]
    elif "parameters" in obj:
        raw = obj["parameters"]
    else:
        return None
    return {"name": name.strip(), "arguments": _arguments(raw)}


def _arguments(raw: Any) -> dict[str, Any] | str:
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        ok, value = _loads(raw)
        return value if ok and isinstance(value, dict) else raw
    return json.dumps(raw)


def _python_calls(text: str, known: Collection[str] | None) -> list[ToolCall]:
    names = sorted(set(known or ()), key=len, reverse=True)
    if not names:
        return []
    pattern = re.compile(
        r"(?<![A-Za-z0-9_])(?:[A-Za-z_][A-Za-z0-9_]*\.)?("
        + "|".join(re.escape(n) for n in names) + r")\s*\(")
    calls: list[ToolCall] = []
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        open_at = m.end() - 1
        end = _balanced_end(text, open_at)
        if end is None:
            break
        args = _keyword_args(text[open_at + 1:end - 1])
        if args is not None:
            calls.append({"name": m.group(1), "arguments": args})
        pos = end
    return calls


def _keyword_args(inner: str) -> dict[str, Any] | None:
    try:
        node = ast.parse(f"f({inner})", mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call) or node.args:
        return None
    out: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            return None
        ok, value = _literal(kw.value)
        if not ok:
            return None
        out[kw.arg] = value
    return out


def _loads(s: str) -> tuple[bool, Any]:
    """JSON, or failing that a Python literal in JSON's shape (single quotes, True/None,
    trailing commas, true/false/null spelt either way)."""
    try:
        return True, json.loads(s)
    except (ValueError, RecursionError):
        pass
    try:
        node = ast.parse(s.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False, None
    return _literal(node)


_NAMES = {"true": True, "false": False, "null": None, "True": True, "False": False,
          "None": None}


def _literal(node: ast.AST) -> tuple[bool, Any]:
    if isinstance(node, ast.Constant):
        ok = node.value is None or isinstance(node.value, (str, int, float, bool))
        return ok, node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return True, _NAMES[node.id]
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float))
            and not isinstance(node.operand.value, bool)):
        v = node.operand.value
        return True, -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, (ast.List, ast.Tuple)):
        items = []
        for elt in node.elts:
            ok, v = _literal(elt)
            if not ok:
                return False, None
            items.append(v)
        return True, items
    if isinstance(node, ast.Dict):
        out: dict[str, Any] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                return False, None
            ok_k, key = _literal(k)
            ok_v, val = _literal(v)
            if not (ok_k and ok_v) or not isinstance(key, str):
                return False, None
            out[key] = val
        return True, out
    return False, None


def _balanced_end(text: str, start: int) -> int | None:
    """Index just past the bracket that closes the one at *start* (quotes of either kind
    respected), or None when it never closes."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    stack = [pairs[text[start]]]
    quote: str | None = None
    escaped = False
    for i in range(start + 1, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]}":
            if ch != stack[-1]:
                return None
            stack.pop()
            if not stack:
                return i + 1
    return None
