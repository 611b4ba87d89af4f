"""The component seam: validated options in, an HTML fragment out.

A component is registered by name with its options model (pydantic, extra keys forbidden),
so an unknown option fails with the list of valid ones. Markup lives in Jinja templates with
autoescaping on and a `finalize` hook (`pipeline.site.core.escaping`) that also neutralises the
Markdown, fence and template syntax in every printed string: whatever a model (or a merged
database) wrote reaches the page as text.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import jinja2
import pandas as pd
import yaml
from pydantic import ValidationError, model_validator

from pipeline.config.base import StrictModel
from pipeline.hashing import bytes_sha256
from pipeline.registry import Registry
from pipeline.site.core.errors import RenderError
from pipeline.site.core.escaping import DISPLAY_CHARS, clip, finalize_block, scrub
from pipeline.site.core.query import QueryScope
from pipeline.site.core.urls import cases_url

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline.site", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=finalize_block,
)


def render_template(name: str, **ctx: Any) -> str:
    return _env.get_template(name).render(**ctx)


class Options(StrictModel):
    """A component's options: an unknown key is a typo in the post, never silently dropped."""


class DataOptions(Options):
    """Options of a component that draws from data: a named query or inline SQL."""

    query: str | None = None
    sql: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> DataOptions:
        if (self.query is None) == (self.sql is None):
            raise ValueError("give exactly one of 'query: NAME' (a named sql block above) "
                             "or 'sql: SELECT ...'")
        return self

    def load(self, scope: QueryScope, line: int) -> tuple[pd.DataFrame, str]:
        if self.query is not None:
            return scope.frame(self.query, line), scope.sql[self.query]
        assert self.sql is not None
        return scope.run(self.sql, line), self.sql


def require_columns(df: pd.DataFrame, cols: dict[str, str | None], line: int) -> None:
    """Fail naming the option, the missing column and the columns the query has."""
    for option, col in cols.items():
        if col is not None and col not in df.columns:
            raise RenderError(f"option {option}: column {col!r} not in the query's columns: "
                              f"{', '.join(map(str, df.columns))}", line)


@dataclass
class RenderState:
    """Per-document facts the adapter needs: whether plotly.js must be loaded, and the data
    files (CSV downloads) to publish, keyed by path relative to the site root.

    `root_url` is the relative URL from the page to the site root (e.g. "../"), so links to
    those files work wherever the site is hosted.
    """

    root_url: str = ""
    charts: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    # the page's claims, in document order (numbered for their anchors), for the ledger
    claims: int = 0
    claim_records: list[Any] = field(default_factory=list)

    def publish_csv(self, df: pd.DataFrame) -> str:
        """Add *df* as a CSV download; returns its URL from the page. Same rows, same file."""
        data = csv_bytes(df)
        path = f"{DATA_DIR}/{bytes_sha256(data)[:16]}.csv"
        self.files[path] = data
        return self.root_url + path

    def publish_text(self, text: str) -> str:
        """Publish *text* whole as a UTF-8 .txt file (served as text/plain: never markup);
        returns its URL from the page. Pages show long values clipped and link this."""
        data = scrub(text).encode("utf-8")
        path = f"{DATA_DIR}/text/{bytes_sha256(data)[:16]}.txt"
        self.files[path] = data
        return self.root_url + path

    def shown(self, text: str | None, limit: int = DISPLAY_CHARS) -> dict[str, Any]:
        """A value for a template: its first *limit* characters, and when it was cut, its
        full length and the URL of the whole text."""
        if text is None:
            return {"text": None, "cut": False}
        head, cut = clip(text, limit)
        if not cut:
            return {"text": head, "cut": False}
        return {"text": head, "cut": True, "chars": len(text), "url": self.publish_text(text)}


def cases_links(scope: QueryScope, state: RenderState, sql: str) -> list[tuple[str, str]]:
    """(experiment id, URL of its cases page) for each experiment the query names."""
    return [(e, state.root_url + cases_url(e)) for e in scope.experiments_in(sql)]


DATA_DIR = "assets/llmx/data"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV of exactly these rows and columns. Text cells that a spreadsheet would run as a
    formula (=, +, -, @ first) get a leading apostrophe: model output is hostile."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
    return safe.to_csv(index=False).encode("utf-8")


class Component(Protocol):
    options: type[Options]

    def __call__(self, opts: Any, scope: QueryScope, line: int, state: RenderState) -> str: ...


components: Registry[Component] = Registry("component")


def component(name: str, options: type[Options]) -> Callable[[Callable[..., str]], Component]:
    def deco(fn: Callable[..., str]) -> Component:
        fn.options = options  # type: ignore[attr-defined]
        components.register(name)(fn)  # type: ignore[arg-type]
        return fn  # type: ignore[return-value]

    return deco


def parse_options(kind: str, body: str, line: int) -> Options:
    """Parse a component block's YAML body into its options model."""
    comp = components.get(kind)
    try:
        raw = yaml.safe_load(body) if body.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = line + 1 + mark.line if mark else line
        raise RenderError(f"{kind}: invalid YAML: {getattr(exc, 'problem', exc)}", at) from None
    if not isinstance(raw, dict):
        raise RenderError(f"{kind}: expected 'option: value' lines", line)
    try:
        return comp.options.model_validate(raw)
    except ValidationError as exc:
        valid = ", ".join(comp.options.model_fields)
        problems = []
        at: list[int] = []
        key_lines = _option_lines(body, line)
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or kind
            if err["loc"] and err["loc"][0] in key_lines:
                at.append(key_lines[err["loc"][0]])  # type: ignore[index]
            if err["type"] == "extra_forbidden":
                close = (difflib.get_close_matches(key, list(comp.options.model_fields), n=1)
                         if len(err["loc"]) == 1 else [])
                hint = f"did you mean {close[0]!r}? " if close else ""
                problems.append(f"unknown option {key!r} ({hint}valid options: {valid})")
            else:
                problems.append(f"option {key!r}: {err['msg']}")
        # the line of the (first) bad option inside the block; the fence for a problem that
        # belongs to no single option (e.g. neither query: nor sql:)
        raise RenderError(f"{kind}: " + "; ".join(problems), min(at, default=line)) from None


def _option_lines(body: str, line: int) -> dict[str, int]:
    """{option: its line in the document} for the top-level keys of a block's YAML body,
    whose opening fence is on *line*."""
    try:
        node = yaml.compose(body)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): line + 1 + k.start_mark.line for k, _ in node.value
            if isinstance(k, yaml.ScalarNode)}
