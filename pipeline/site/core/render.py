"""The core: Markdown + results database → Markdown with charts, tables and values rendered.

Plain functions, no MkDocs: an adapter (the MkDocs plugin today, something else tomorrow)
passes text and a connection and gets text back, plus what the page needs (plotly.js or not).
Any failing query or component raises RenderError with the document line.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.config._yaml import read_text
from pipeline.errors import ConfigError
from pipeline.site.core import browser_sql, tradeoffs
from pipeline.site.core.cache import (
    QueryCache,
    RenderedComponent,
    component_key,
    load_component,
    store_component,
)
from pipeline.site.core.case_links import case_index, page_experiments
from pipeline.site.core.case_mentions import code_spans, link_code_spans, prose_skip
from pipeline.site.core.components import RenderState, components, parse_options
from pipeline.site.core.components import claim as claims
from pipeline.site.core.components.base import Options
from pipeline.site.core.components.value import render_value
from pipeline.site.core.document import (
    INLINE,
    UNKNOWN,
    Block,
    find_blocks,
    inline_bodies,
    mask_code_spans,
    splice,
)
from pipeline.site.core.errors import RenderError
from pipeline.site.core.query import QueryScope


@dataclass
class Rendered:
    markdown: str
    charts: int = 0
    queries: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    executed: int = 0
    # What the page cache (pipeline.site.builder.page_cache) keeps to replay this render after a
    # prose edit: each block's text in order, each inline value's in order, the cache keys
    # of the data the page read ((query name or None, SQL, key) in order), and whether some
    # output read data no key describes (then any change to the database re-renders it).
    block_texts: list[str] = field(default_factory=list)
    inline_texts: list[str] = field(default_factory=list)
    keys: list[tuple[str | None, str, str]] = field(default_factory=list)
    unkeyed: bool = False
    kinds: list[str] = field(default_factory=list)
    claims: list[claims.ClaimRecord] = field(default_factory=list)
    # {case id: URL from the site root} of the case ids the prose names in code spans
    case_links: dict[str, str] = field(default_factory=dict)
    # the page's card headline as HTML (None: render_markdown was given none)
    headline_html: str | None = None


# Where the scope box states how the page's comparisons were adjusted (known only once every
# claim of the page has been read): scope.html holds this marker, render_markdown fills it.
FAMILY_MARKER = "<!-- llmx:family -->"
ADJUSTMENT = "holm"


def render_markdown(markdown: str, con: duckdb.DuckDBPyConnection,
                    line_offset: int = 0, root_url: str = "",
                    cache: QueryCache | None = None, base_dir: Path | None = None,
                    experiments: list[str] | None = None,
                    headline: str | None = None, sql_key: str | None = None) -> Rendered:
    """Render every named query, component and inline value in *markdown*, and the
    page's *headline* (an archive card's text, with inline values) from the same results.

    *line_offset* is added to line numbers in errors (e.g. the front matter's length), so an
    error points at the line in the author's file. *root_url* is the relative URL from the
    page to the site root; data files in the result are to be published under that root.
    *base_dir* is where `sql NAME file=PATH` blocks find their files (the post's folder).
    *experiments* restricts every query of the page to those experiments' rows.
    *headline* is rendered with the page's named queries as they stand at the end of the
    page (never run again for the card); a failure in it raises RenderError with
    `where="headline"`.
    *sql_key*: the page's folder of browser files (`pipeline.site.core.browser_sql`): each
    chart and table gets its "Run this query" button, numbered in page order as the export
    numbers them; None: no buttons.
    """
    lines = markdown.split("\n")
    blocks, fenced = find_blocks(lines, components.names())
    try:
        scope = QueryScope(con, cache, experiments)
    except RenderError as exc:
        exc.line = None
        raise
    state = RenderState(root_url=root_url)
    replace: dict[int, tuple[int, str]] = {}
    inline_texts: list[str] = []
    pending: list[tuple[Block, claims.PendingClaim]] = []
    runnable = 0  # charts and tables so far (their "Run this query" ids)
    try:
        try:
            for b in blocks:
                if b.kind == UNKNOWN:
                    raise RenderError(components.unknown_message(b.name or ""), b.line)
                if b.kind == "sql":
                    assert b.name is not None
                    scope.define(b.name, _sql_of(b, base_dir), b.line)
                    replace[b.start] = (b.end, "")
                elif b.kind == "claim":  # decided once the page's family of tests is known
                    opts = parse_options(b.kind, b.body, b.line)
                    pending.append((b, claims.prepare(opts, scope, b.line)))  # type: ignore[arg-type]
                else:
                    opts = parse_options(b.kind, b.body, b.line)
                    html = _render_component(b.kind, opts, scope, b.line, state).strip()
                    if sql_key is not None and b.kind in browser_sql.BLOCK_KINDS:
                        marker = (browser_sql.page_marker(root_url, sql_key)
                                  if not runnable else "")
                        html = marker + html + browser_sql.run_button(runnable)
                        runnable += 1
                    replace[b.start] = (b.end, "\n" + html + "\n")
            done = claims.finalize([p for _, p in pending], ADJUSTMENT, state)
            for (b, _), (html, _) in zip(pending, done, strict=True):
                replace[b.start] = (b.end, "\n" + html.strip() + "\n")
            family = _family_note(state.claim_records, root_url)
            for start, (end, text) in list(replace.items()):
                if FAMILY_MARKER in text:
                    replace[start] = (end, text.replace(FAMILY_MARKER, family))
            _check_paragraphs(lines, fenced, replace, scope)
            links = _case_mentions(lines, fenced, replace, scope)
            lines = link_code_spans(lines, prose_skip(fenced, replace), links, root_url)
            out = splice(lines, replace, fenced,
                         lambda line, n: _render_inline(line, scope, n, collect=inline_texts))
        except RenderError as exc:
            if exc.line is not None:
                exc.line += line_offset
            raise
        headline_html = None if headline is None else _headline(headline, scope)
        return Rendered(out, charts=state.charts, queries=dict(scope.sql),
                        files=state.files, executed=scope.executed,
                        block_texts=[replace[b.start][1] for b in blocks],
                        inline_texts=inline_texts, keys=list(scope.keys_read),
                        unkeyed=scope.unkeyed, kinds=sorted(components.names()),
                        claims=list(state.claim_records), case_links=links,
                        headline_html=headline_html)
    finally:
        scope.close()


def _headline(text: str, scope: QueryScope) -> str:
    """An archive card's headline as HTML: its inline values from the page's own named
    queries (the text around them escaped)."""
    try:
        labels = [lab for body in inline_bodies(text) for lab in _value_labels(body, scope, 0)]
        tradeoffs.require_both_sides(labels, "this headline", None)
        return _render_inline(text, scope, 0, literal=html.escape)
    except RenderError as exc:
        exc.where = "headline"
        raise


def _case_mentions(lines: list[str], fenced: set[int], replace: dict[int, tuple[int, str]],
                   scope: QueryScope) -> dict[str, str]:
    """{case id: URL from the site root} for each code span of the prose that is exactly a
    case id of one of the experiments the page reads (pipeline.site.core.case_links)."""
    spans = code_spans(lines, prose_skip(fenced, replace))
    if not spans:
        return {}
    index = case_index(scope, page_experiments(scope), spans)
    return {case: url for case in spans if (url := index.url(case)) is not None}


def _value_labels(body: str, scope: QueryScope, line: int) -> list[str]:
    """What an inline value shows, for the trade-off rule: its column and, when it prints
    text that SQL assembled (a headline), the SQL that assembled it."""
    words = body.split()
    if len(words) < 2 or "." not in words[1]:
        return []
    qname, col = words[1].split(".", 1)
    if qname not in scope.sql:
        return [col]
    df = scope.frame(qname, line)
    # pandas 3 gives text columns the "str" dtype, not object: both mean text here
    if col in df.columns and (df[col].dtype == object
                              or pd.api.types.is_string_dtype(df[col])):
        return [col, scope.sql[qname]]
    return [col]


def _check_paragraphs(lines: list[str], fenced: set[int],
                      replace: dict[int, tuple[int, str]], scope: QueryScope) -> None:
    """The trade-off rule (pipeline.site.core.tradeoffs) over the inline values of each paragraph:
    a sentence that prints a guard's recall prints its precision and false-positive rate."""
    para: list[tuple[int, str]] = []
    skip_to = -1
    for i, line in enumerate([*lines, ""]):
        if i <= skip_to:
            continue
        if i in replace:
            skip_to = replace[i][0]
        if i in replace or i in fenced or not line.strip():
            labels = [lab for n, body in para for lab in _value_labels(body, scope, n)]
            if labels:
                tradeoffs.require_both_sides(labels, "this paragraph", para[0][0])
            para = []
            continue
        para += [(i + 1, body) for body in inline_bodies(line)]


def _family_note(records: list[claims.ClaimRecord], root_url: str) -> str:
    """The scope box's sentence on how this page's comparisons were tested together."""
    tested = [r for r in records if r.kind == "comparison"]
    checks = len(records) - len(tested)
    if not records:
        return ""
    rows = tested[0].family if tested else 0
    parts = []
    if tested:
        parts.append(f"{len(tested)} comparison claim{'s' if len(tested) != 1 else ''} "
                     f"resting on {rows} paired test{'s' if rows != 1 else ''}, whose p-values "
                     f"are adjusted together ({tested[0].adjustment}); a comparison holds "
                     f"only if its adjusted p is below {claims.ALPHA:g}")
    if checks:
        parts.append(f"{checks} other checked claim{'s' if checks != 1 else ''}")
    return ('<p class="llmx-family"><strong>Claims on this page:</strong> '
            + "; ".join(parts) + ". Each is re-checked against the data at every build and "
            f'listed in the <a href="{root_url}claims/">claims ledger</a>.</p>')


def page_claims(markdown: str, con: duckdb.DuckDBPyConnection,
                cache: QueryCache | None = None, base_dir: Path | None = None,
                experiments: list[str] | None = None) -> list[claims.ClaimRecord]:
    """Every claim of a page, checked and adjusted as `render_markdown` does, without
    rendering the rest: what the claims ledger lists. Raises RenderError like the page."""
    lines = markdown.split("\n")
    blocks, _ = find_blocks(lines, components.names())
    scope = QueryScope(con, cache, experiments)
    try:
        pending = []
        for b in blocks:
            if b.kind == "sql" and b.name:
                scope.define(b.name, _sql_of(b, base_dir), b.line)
            elif b.kind == "claim":
                opts = parse_options(b.kind, b.body, b.line)
                pending.append(claims.prepare(opts, scope, b.line))  # type: ignore[arg-type]
        state = RenderState()
        claims.finalize(pending, ADJUSTMENT, state)
        return list(state.claim_records)
    finally:
        scope.close()


def _sql_of(block: Block, base_dir: Path | None) -> str:
    if block.file is None:
        return block.body
    if block.body.strip():
        raise RenderError(f"query {block.name!r}: give the SQL inline or in file=, not both",
                          block.line)
    path = (base_dir or Path.cwd()) / block.file
    if not path.exists():
        raise RenderError(f"query {block.name!r}: cannot read {path} (no such file)",
                          block.line)
    try:  # the same strict reader as every other author file: binary, non-UTF-8, a folder
        return read_text(path, "SQL file")
    except ConfigError as exc:
        raise RenderError(f"query {block.name!r}: cannot read {exc}", block.line) from None


def _render_component(kind: str, opts: Options, scope: QueryScope, line: int,
                      state: RenderState) -> str:
    """Render one component, from the cache when its options and data are unchanged (so a
    prose edit does not even recompute figures or intervals)."""
    data_key = scope.data_key(getattr(opts, "query", None), getattr(opts, "sql", None))
    if data_key is None:
        scope.unkeyed = True
    if scope.cache is None or data_key is None:
        return components.get(kind)(opts, scope, line, state)
    # a chart's colours come from the site's model registry: a new model there redraws it
    extra = scope.palette.digest if kind == "chart" else ""
    key = component_key(kind, opts.model_dump_json() + extra, data_key, state.root_url)
    cached = load_component(scope.cache, key)
    if cached is not None:
        state.charts += cached.charts
        state.files.update(cached.files)
        return cached.html
    before_files, before_charts = dict(state.files), state.charts
    html = components.get(kind)(opts, scope, line, state)
    new_files = {k: v for k, v in state.files.items() if k not in before_files}
    store_component(scope.cache, key,
                    RenderedComponent(html, new_files, state.charts - before_charts))
    return html


def _cached_value(body: str, scope: QueryScope, lineno: int) -> str:
    """An inline value, from the cache when its query's data is unchanged."""
    words = body.split()
    qname = words[1].split(".", 1)[0] if len(words) > 1 else ""
    data_key = scope.data_key(qname, None)
    if data_key is None:
        scope.unkeyed = True
    if scope.cache is None or data_key is None:
        return render_value(body, scope, lineno)
    key = component_key("value", body, data_key, "")
    cached = load_component(scope.cache, key)
    if cached is not None:
        return cached.html
    html = render_value(body, scope, lineno)
    store_component(scope.cache, key, RenderedComponent(html, {}, 0))
    return html


def _render_inline(line: str, scope: QueryScope, lineno: int,
                   literal: Callable[[str], str] = str,
                   collect: list[str] | None = None) -> str:
    masked = mask_code_spans(line)
    pieces: list[str] = []
    last = 0
    for m in INLINE.finditer(masked):
        pieces.append(literal(line[last:m.start()]))
        pieces.append(_cached_value(line[m.start("body"):m.end("body")], scope, lineno))
        if collect is not None:
            collect.append(pieces[-1])
        last = m.end()
    pieces.append(literal(line[last:]))
    return "".join(pieces)
