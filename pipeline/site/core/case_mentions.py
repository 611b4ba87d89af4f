"""Case ids named in a post's prose, made links: pure text work on the page's lines.

Light on purpose (no DuckDB, no pandas): the page cache (`pipeline.site.builder.page_cache`) replays
a cached page through the same functions, with the links it stored
(`pipeline.site.core.case_links` looks the ids up when the page is rendered).
"""

from __future__ import annotations

import re

from pipeline.site.core.document import mask_code_spans

_CODE_SPAN = re.compile(r"(?<![`\[])`([^`\n]+)`(?![`\]])")
_HEADING = re.compile(r"^\s{0,3}#")


def code_spans(lines: list[str], skip: set[int]) -> set[str]:
    """The text of every single-backtick code span on the prose lines (not in *skip*)."""
    out: set[str] = set()
    for i, line in enumerate(lines):
        if i not in skip and "`" in line and not _HEADING.match(line):
            out.update(m.group(1) for m in _CODE_SPAN.finditer(line))
    return out


def link_code_spans(lines: list[str], skip: set[int], links: dict[str, str],
                    root_url: str) -> list[str]:
    """*lines* with each code span whose text is a key of *links* made a Markdown link to
    it: `` `id` `` becomes ``[`id`](URL)``. Spans already in a link's text (`[`id`](…)`),
    headings and the lines in *skip* (blocks, fences) stay as they are. The line count does
    not change, so block positions stay valid. URLs are built from slugs and a
    percent-encoded fragment: nothing in them ends a Markdown link."""
    if not links:
        return lines
    out = list(lines)
    for i, line in enumerate(lines):
        if i in skip or "`" not in line or _HEADING.match(line):
            continue
        masked = mask_code_spans(line)  # the render core's own reading of code spans

        def repl(m: re.Match[str], masked: str = masked) -> str:
            url = links.get(m.group(1))
            if url is None or masked[m.start():m.end()].strip():
                return m.group(0)  # no case, or not a code span after all
            return f"[{m.group(0)}]({root_url}{url})"

        out[i] = _CODE_SPAN.sub(repl, line)
    return out


def prose_skip(fenced: set[int], blocks: dict[int, tuple[int, str]] | dict[int, int]) -> set[int]:
    """The lines that are no prose: fenced, or inside a block (first line -> last line, or
    -> (last line, text))."""
    skip = set(fenced)
    for start, end in blocks.items():
        last = end[0] if isinstance(end, tuple) else end
        skip.update(range(start, last + 1))
    return skip
