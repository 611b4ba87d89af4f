"""Reading author files strictly: text, YAML (remembering each key's line) and JSON.

Every file an author writes comes through here, so that a bad one fails in one place, fast,
with one message naming the file and the line, instead of a UnicodeDecodeError or
RecursionError from deep inside, or a hang. Beyond what `yaml.SafeLoader` refuses, this
also refuses what a config never needs and what silently misleads or stalls the runner:

- anchors and aliases: a "billion laughs" file of a few hundred bytes expands
  exponentially when the line map is walked and pydantic validates it (minutes of CPU);
- duplicate keys: YAML and JSON keep the last one without a word;
- nesting deeper than MAX_DEPTH (a RecursionError otherwise), binary data, invalid UTF-8,
  directories and other non-regular files, and YAML files over MAX_YAML_BYTES.
"""

from __future__ import annotations

import difflib
import json
import stat
import typing
from collections.abc import Iterable, Mapping
from json.decoder import JSONObject  # type: ignore[attr-defined]
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.errors import ConfigError, display_path, located

KeyPath = tuple[str | int, ...]

MAX_DEPTH = 100  # nesting levels; real experiment files and schemas use under 20
MAX_YAML_BYTES = 1 << 20  # an experiment or registry file is a few KB; cases go in JSONL

_YAML_TAG = "tag:yaml.org,2002:"


def read_text(path: Path | str, what: str = "file", max_bytes: int | None = None,
              label: str | None = None) -> str:
    """Read a UTF-8 text file (a BOM is allowed), refusing anything else with file:line.

    *what* names the expected file in messages ("case file"); *label* replaces the path in
    them (a post's path relative to the docs dir).
    """
    path = Path(path)
    name = label or display_path(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read {what} ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{name}: is a directory; expected a {what}")
    if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
        raise ConfigError(f"{name}: not a regular file; expected a {what}")
    if max_bytes is not None and info.st_size > max_bytes:
        raise ConfigError(f"{name}: {info.st_size / 1e6:.1f} MB is too large for a {what} "
                          f"(at most {max_bytes / 1e6:.1f} MB)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read {what} ({exc.strerror})") from None
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ConfigError(f"{name}:{line}: binary data (a NUL byte); expected a UTF-8 text "
                          f"{what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise ConfigError(f"{name}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at "
                          f"column {column}); expected a UTF-8 text {what}") from None


# --------------------------------------------------------------------------------------- YAML


class _Problem(Exception):
    """A YAML problem at a 0-based line of the parsed text; formatted by parse_yaml."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without anchors/aliases, bounded in depth, with a line on every error."""

    _depth = 0
    first_line = 1  # the line number of the text's first line, for lines inside messages

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise _Problem(event.start_mark.line, f"YAML anchors and aliases are not supported "
                           f"(found '{sign}{event.anchor}'): write the value out")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Problem(event.start_mark.line, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # SafeConstructor lets ValueError & co escape for values like `!!int abc`
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            raise _Problem(node.start_mark.line, f"cannot read {_short_tag(node.tag)} value "
                           f"{str(node.value)[:40]!r}: {exc}") from None


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag


def parse_yaml(text: str, source: str, first_line: int = 1,
               prefix: str = "") -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML *text* strictly; return (data, {key path: line}).

    Lines count from *first_line* (front matter starts on line 2 of its page), in the map
    as in errors, which are ConfigError('SOURCE:LINE: PREFIX problem').
    """
    loader: _StrictLoader | None = None
    try:
        try:
            loader = _StrictLoader(text)  # checks for control characters right away
            loader.first_line = first_line
            node = loader.get_single_node()
            lines: dict[KeyPath, int] = {}
            if node is None:
                return None, lines
            _walk(loader, node, (), lines)
            data = loader.construct_document(node)
            return data, {k: v + first_line for k, v in lines.items()}
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position)
            raise _Problem(line, f"control character U+{exc.character:04X} is not allowed in "
                           "YAML (a binary file?)") from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid"
            if exc.context and exc.context_mark and exc.problem_mark:
                problem += f" ({exc.context} on line {exc.context_mark.line + first_line})"
            raise _Problem(mark.line if mark else 0, f"invalid YAML: {problem}") from None
        except RecursionError:  # the depth cap should make this unreachable
            raise _Problem(0, f"nested more than {MAX_DEPTH} levels deep") from None
        finally:
            if loader is not None:
                loader.dispose()
    except _Problem as p:
        raise ConfigError(located(source, p.line + first_line, None,
                                  f"{prefix}{p.problem}")) from None


def _walk(loader: _StrictLoader, node: yaml.Node, path: KeyPath,
          lines: dict[KeyPath, int]) -> None:
    """Record each key's line; refuse unknown tags and duplicate keys (YAML keeps the last)."""
    lines[path] = node.start_mark.line
    if node.tag not in loader.yaml_constructors:
        raise _Problem(node.start_mark.line, f"YAML tag '{_short_tag(node.tag)}' is not "
                       "allowed: only plain values (text, numbers, lists, mappings)")
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Problem(key_node.start_mark.line, "a key must be plain text, not a "
                               "list or mapping")
            _walk(loader, key_node, path, {})
            key = loader.construct_object(key_node)
            dotted = ".".join(str(p) for p in (*path, key_node.value))
            if key in seen:
                raise _Problem(key_node.start_mark.line, f"duplicate key '{dotted}' (first on "
                               f"line {seen[key] + loader.first_line}); YAML would silently "
                               "keep the last")
            seen[key] = key_node.start_mark.line
            sub = (*path, str(key_node.value))
            _walk(loader, value_node, sub, lines)
            lines[sub] = key_node.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(loader, item, (*path, i), lines)


def load_yaml(path: Path, what: str = "file") -> tuple[dict[str, Any], dict[KeyPath, int]]:
    """Read *path*, a YAML mapping; return (data, {key path: 1-based line}).

    Raises ConfigError with file:line for unreadable, binary, empty, oversized or invalid
    files, and for a top level that is not a mapping.
    """
    text = read_text(path, what, max_bytes=MAX_YAML_BYTES)
    data, lines = parse_yaml(text, str(path))
    if data is None:
        raise ConfigError(located(path, None, None,
                                  f"empty {what}; expected a YAML mapping of keys"))
    if not isinstance(data, dict):
        raise ConfigError(located(path, lines[()], None, "expected a mapping of keys at the "
                                  f"top level, found a {type(data).__name__}"))
    return data, lines


# --------------------------------------------------------------------------------------- JSON


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
        self.pos: int | None = None


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _duplicate_position(text: str) -> int:
    """Offset of the innermost object holding a duplicate key: the slow pure-Python scanner,
    run only on the error path, is the one that tells where an object starts."""
    decoder = json.JSONDecoder(object_pairs_hook=_unique_pairs)

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> Any:
        try:
            return JSONObject(s_and_end, *args)
        except _DuplicateKey as exc:
            if exc.pos is None:
                exc.pos = s_and_end[1] - 1
            raise

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except _DuplicateKey as exc:
        return exc.pos or 0
    except (ValueError, RecursionError):
        pass
    return 0


def parse_json(text: str, source: str, first_line: int = 1) -> Any:
    """Parse JSON *text*, refusing duplicate keys and nesting deeper than MAX_DEPTH.

    Errors are ConfigError('SOURCE:LINE: problem'); lines count from *first_line* (a JSONL
    line passes its own number).
    """
    try:
        value = json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        raise ConfigError(located(source, exc.lineno + first_line - 1, None,
                                  f"invalid JSON: {exc.msg} (column {exc.colno})")) from None
    except _DuplicateKey as exc:
        line = text.count("\n", 0, _duplicate_position(text)) + first_line
        raise ConfigError(located(source, line, None, f"duplicate key {exc.key!r} in a JSON "
                                  "object; JSON would silently keep the last")) from None
    except RecursionError:
        value = _TOO_DEEP
    if value is _TOO_DEEP or _too_deep(value):
        raise ConfigError(located(source, first_line, None,
                                  f"JSON nested more than {MAX_DEPTH} levels deep"))
    return value


_TOO_DEEP = object()


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else ()
        if children and depth > MAX_DEPTH:
            return True
        stack.extend((c, depth + 1) for c in children)
    return False


# -------------------------------------------------------------------------------- validation


def format_validation_error(
    exc: ValidationError, source: Path | str, lines: Mapping[KeyPath, int] | None = None,
    *, model: type[BaseModel] | None = None, line: int | None = None,
) -> str:
    """Turn a pydantic error into `file:line: a.b: message` lines, one per problem (the one
    format, `pipeline.errors.located`). *line* is the line when *lines* has none (a JSONL
    line); *model*, when given, lets an unknown key name the allowed ones and the closest."""
    out = []
    for err in exc.errors():
        loc: KeyPath = tuple(err["loc"])
        at = nearest_line(loc, lines or {}) or line
        key = ".".join(str(p) for p in loc) or None
        out.append(located(source, at, key, error_message(err, model)))
    return "\n".join(out)


def error_message(err: Any, model: type[BaseModel] | None = None) -> str:
    """One pydantic error's message (*err*: an item of `ValidationError.errors()`); an
    unknown key in the words every file error uses, with a did-you-mean when *model* (the
    validated model) tells the keys allowed there."""
    if err["type"] != "extra_forbidden":
        return str(err["msg"])
    allowed = fields_at(model, tuple(err["loc"])[:-1]) if model is not None else None
    if not allowed:
        return "unknown key (not allowed here)"
    return "unknown key. " + did_you_mean(str(err["loc"][-1]), allowed, "Allowed")


def did_you_mean(name: str, names: Iterable[str], label: str = "Available") -> str:
    """`Did you mean 'x'? Available: a, b, c` for an unknown *name* among *names* (the
    closest by difflib, when one is close enough)."""
    names = sorted(names)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return f"{hint}{label}: {', '.join(names)}"


def fields_at(model: type[BaseModel], loc: KeyPath) -> list[str] | None:
    """The field names of the model found at *loc* inside *model* (list indexes and
    dict keys stepped through), or None when *loc* leads to no pydantic model."""
    current: Any = model
    for part in loc:
        current = model_in(current)
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = field.annotation
    current = model_in(current)
    return list(current.model_fields) if current is not None else None


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (itself, or inside Optional/list)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None


def nearest_line(loc: KeyPath, lines: Mapping[KeyPath, int]) -> int | None:
    """The line of *loc*, else of its nearest parent key that has one."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def validate(model: type[BaseModel], data: Any, source: str, lines: dict[KeyPath, int]) -> Any:
    """Validate *data* into *model*, raising ConfigError that points at file:line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, lines, model=model)) from None
