"""Parsing a post's Markdown into named SQL blocks, component blocks and inline values.

Syntax (all inside ordinary Markdown, so a post stays readable in any editor):

    ```sql pass_rates            a named query; later blocks refer to it by name
    SELECT ...
    ```

    ```sql pass_rates file=queries/pass_rates.sql      the same, from a .sql file
    ```

    ```chart                     a component; its body is YAML options
    query: pass_rates
    ```

    {{ value pass_rates.rate model_id=smollm2-135m format=percent }}   an inline value

Fences that are not ours (```python, ```yaml ...) and inline code spans are left alone, so
posts can show the syntax itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

_FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
INLINE = re.compile(r"\{\{\s*(?P<body>value\b.*?)\s*\}\}")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")


@dataclass(frozen=True)
class Block:
    """A fenced block of ours: a named query (`kind == 'sql'`) or a component."""

    kind: str
    name: str | None
    body: str
    start: int  # 0-based index of the opening fence line
    end: int  # 0-based index of the closing fence line
    file: str | None = None  # `sql NAME file=PATH`: the SQL lives in PATH

    @property
    def line(self) -> int:
        """1-based line of the opening fence."""
        return self.start + 1


UNKNOWN = "<unknown component>"
_QUERY_OPTION = re.compile(r"^\s*query\s*:\s*[A-Za-z_]\w*\s*$")


def _looks_like_component(info: list[str], body: list[str]) -> bool:
    """A fence is meant as a component when its info is one bare word that names no
    language and its body has a `query: NAME` line, the option every component takes."""
    if len(info) != 1 or not re.fullmatch(r"[a-z][a-z_-]*", info[0]):
        return False
    if not any(_QUERY_OPTION.match(line) for line in body):
        return False
    from pygments.lexers import find_lexer_class_by_name
    from pygments.util import ClassNotFound

    try:
        find_lexer_class_by_name(info[0])
    except ClassNotFound:
        return True
    return False  # ```yaml with a query: line is an example, not a component


def find_blocks(lines: list[str], kinds: Collection[str]) -> tuple[list[Block], set[int]]:
    """Return our blocks (named sql, and fences whose info is one of *kinds*), plus the
    indexes of every line inside any fence, ours or not."""
    blocks: list[Block] = []
    fenced: set[int] = set()
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence = m.group("fence")
        info = m.group("info").strip().split()
        j = i + 1
        while j < len(lines) and not (
            lines[j].strip().startswith(fence) and set(lines[j].strip()) <= set(fence[0])
        ):
            j += 1
        fenced.update(range(i, min(j, len(lines) - 1) + 1))
        kind = info[0] if info else ""
        if kind == "sql" and len(info) >= 2:
            file = next((w[5:] for w in info[2:] if w.startswith("file=")), None)
            blocks.append(Block("sql", info[1], "\n".join(lines[i + 1:j]), i, j, file))
        elif kind in kinds:
            blocks.append(Block(kind, None, "\n".join(lines[i + 1:j]), i, j))
        elif kinds and _looks_like_component(info, lines[i + 1:j]):
            # a misspelt component must fail the build, not publish as a code listing
            blocks.append(Block(UNKNOWN, kind, "\n".join(lines[i + 1:j]), i, j))
        i = j + 1
    return blocks, fenced


def mask_code_spans(line: str) -> str:
    """The line with inline code spans blanked out, same length (for finding inline values)."""
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def splice(lines: list[str], replace: dict[int, tuple[int, str]], fenced: set[int],
           inline: Callable[[str, int], str]) -> str:
    """The document with each block (first line -> (last line, text)) replaced by its text,
    and every unfenced line holding `{{` passed through *inline* (line, 1-based number)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in replace:
            end, text = replace[i]
            out.append(text)
            i = end + 1
            continue
        line = lines[i]
        if i not in fenced and "{{" in line:
            line = inline(line, i + 1)
        out.append(line)
        i += 1
    return "\n".join(out)


def inline_bodies(line: str) -> list[str]:
    """The bodies of the inline values on an unfenced line, in order."""
    return [m.group("body") for m in INLINE.finditer(mask_code_spans(line))]
