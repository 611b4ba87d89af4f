"""The light half of a site build: a page's front matter and body, the series index, which
pages quote which experiment, and the assets. Used by the build session
(`pipeline.site.builder.session`); nothing here imports MkDocs, DuckDB or pandas, and pydantic
and the strict YAML loader are imported only when a page's front matter must be parsed, so a
build whose pages all come from the page cache pays for none of them.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError, PipelineError, display_path, located
from pipeline.site.builder.series import SeriesEntry

if TYPE_CHECKING:
    from pipeline.config._yaml import KeyPath

ASSET_DIR = "assets/llmx"
ASSETS = ("charts.js", "tables.js", "results.css", "runquery.js")
# plotly.js, vendored in pipeline/site/assets/ with its licence: a bundle of plotly.js's core
# (scatter) with the bar and heatmap traces, the trace types chart.py draws (1.1 MB, 0.39 MB
# gzipped; the published "cartesian" bundle is 0.50 MB gzipped, most of a post's 0.6 MB).
# Built from the npm package plotly.js by the recipe next to it (plotly-llmx.build.sh, run by
# hand). Its version is the plotly.js that the `plotly` Python package was built against
# (tests/site/test_build.py checks both). Served as assets/llmx/plotly.min.js.
PLOTLY_JS_VERSION = "4.1.1"
PLOTLY_JS_FILE = "plotly-llmx.min.js"
PLOTLY_JS_LICENSE = "plotly-llmx.LICENSE"

# DuckDB-Wasm for the "Run this query" button (runquery.js, loaded on a reader's click only):
# built by pipeline/site/assets/duckdb/build.sh (`make` runs it) from the npm packages pinned
# there into the repository's .cache/duckdb-wasm/dist/ (never in git nor in the Python package:
# the wasm is 34 MB; parquet-wasm's 5 MB reads and writes Parquet, which DuckDB-Wasm 1.32 would
# fetch as an extension from DuckDB's server); LLMX_DUCKDB_WASM_DIST names another such
# folder. Served as assets/llmx/duckdb/. Without it the site still builds; the button says so.
DUCKDB_DIR = f"{ASSET_DIR}/duckdb"
DUCKDB_FILES = ("duckdb.mjs", "duckdb-browser-eh.worker.js", "duckdb-eh.wasm",
                "parquet_wasm_bg.wasm", "LICENSES.txt")
DUCKDB_MISSING = (
    "/* DuckDB-Wasm was not bundled with this build: the site was built without "
    ".cache/duckdb-wasm/dist (make builds it: pipeline/site/assets/duckdb/build.sh). */\n"
    "export const missing = \"DuckDB-Wasm was not bundled with this build of the site, so "
    "queries cannot run in the browser. (Whoever builds the site: run make, or "
    "sh pipeline/site/assets/duckdb/build.sh, then build again.)\";\n")
log = logging.getLogger("pipeline.site")
_warned_duckdb = False

# MkDocs' own front matter pattern (mkdocs.utils.meta.YAML_RE): the same block on both sides.
YAML_RE = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.UNICODE | re.DOTALL)


class StageError(PipelineError):
    """A page, the config or the database cannot be staged; the message names the file."""


def read_page_text(path: Path, label: str) -> str:
    """A page's text, strictly (binary or non-UTF-8 fails with *label* and the line), and
    without loading the config package for the common case of a clean UTF-8 file."""
    data = path.read_bytes() if path.is_file() else None
    if data is not None and b"\0" not in data:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    from pipeline.config._yaml import read_text

    return read_text(path, "Markdown page", label=label)  # raises with the exact message


@dataclass
class Page:
    src_uri: str  # relative to the docs dir, with forward slashes
    text: str  # the whole file, front matter included
    meta: dict[str, Any]
    lines: dict[KeyPath, int]
    front: str  # the front matter's YAML, verbatim ("" when there is none)
    body: str  # what MkDocs hands to on_page_markdown
    offset: int  # lines before the body (added to line numbers in errors)
    base_dir: Path | None = None
    generated: bool = False
    path: Path | None = None  # the file an author wrote (None: generated from the database)

    @property
    def label(self) -> str:
        """The page as an error names it: its file, repo-relative (`posts/posts/x.md`, as
        `pipeline.errors.located` prints every path), or its docs-relative name when it is
        generated and has no file."""
        return display_path(self.path) if self.path is not None else self.src_uri


def split_page(text: str, src_uri: str, path: Path | None = None) -> Page:
    """Front matter and body, found and parsed as the MkDocs adapter does (strictly: invalid
    YAML, duplicate keys, aliases and tags fail with path:line, the path being *path*, the
    page's file, when given)."""
    m = YAML_RE.match(text)
    if not m:
        return Page(src_uri, text, {}, {}, "", text, 0, path=path)
    from pipeline.config._yaml import parse_yaml

    label = display_path(path) if path is not None else src_uri
    try:
        meta, lines = parse_yaml(m.group(1), label, first_line=2, prefix="front matter: ")
    except ConfigError as exc:
        raise StageError(str(exc)) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise StageError(located(label, 2, None, "front matter: expected a mapping of keys, "
                                 f"found a {type(meta).__name__}"))
    body = text[m.end():].lstrip("\n")
    offset = text[: len(text) - len(body)].count("\n")
    return Page(src_uri, text, meta, lines, m.group(1), body, offset, path=path)


def front_and_body(text: str) -> tuple[str, str]:
    """(front matter YAML verbatim or "", body): found as split_page finds them, unparsed."""
    m = YAML_RE.match(text)
    return (m.group(1), text[m.end():].lstrip("\n")) if m else ("", text)


def page_title(page: Page) -> str:
    return str(page.meta.get("title") or next(
        (line[2:].strip() for line in page.body.splitlines() if line.startswith("# ")),
        page.src_uri))


def series_entries(pages: dict[str, Page], docs: str = "",
                   warn: Callable[[str], None] | None = None) -> dict[str, SeriesEntry]:
    """Validate the front matter of every page (one model of every owner's keys: a key no
    one reads fails with a did-you-mean), each problem as `path:line: key: message` on the
    key's own line, the path being the page's file (else *docs*/src_uri), and index the
    posts that are in a series. With *warn* (a live server), unknown keys are passed to it
    instead of failing, so the server keeps running."""
    from pydantic import ValidationError

    from pipeline.site.builder.front_matter import (
        invalid_values,
        unknown_keys,
        validate_front_matter,
    )

    out: dict[str, SeriesEntry] = {}
    unknown: list[str] = []
    for src_uri, page in pages.items():
        label = page.label if page.path is not None else f"{docs}{src_uri}"
        unknown += unknown_keys(page.meta, label, page.lines)
        try:
            fm = validate_front_matter(page.meta)
        except ValidationError as exc:
            raise StageError(invalid_values(exc, label, page.lines)) from None
        if fm.series and fm.number is not None:
            out[src_uri] = SeriesEntry(fm.series, fm.number, page_title(page), src_uri, fm.part)
    if unknown and warn is None:
        raise StageError("\n".join(unknown))
    for message in unknown:
        assert warn is not None
        warn(message)
    return out


def posts_by_experiment(pages: dict[str, Page],
                        experiments: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Which pages quote which experiment id in their SQL: (title, path)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for src_uri, page in pages.items():
        title = next((line[2:].strip() for line in page.text.splitlines()
                      if line.startswith("# ")), src_uri)
        for exp in experiments:
            if f"'{exp}'" in page.text:
                out.setdefault(exp, []).append((title, src_uri))
    return out


def copy_assets(site_root: Path) -> None:
    """plotly.js (the partial bundle, with its licence) and our scripts and styles, under
    assets/llmx/ of *site_root*: once per site, never per page."""
    out = site_root / ASSET_DIR
    out.mkdir(parents=True, exist_ok=True)
    assets = resources.files("pipeline.site").joinpath("assets")
    for name, target in [(PLOTLY_JS_FILE, "plotly.min.js"),
                         (PLOTLY_JS_LICENSE, "plotly.min.js.LICENSE.txt"),
                         *((a, a) for a in ASSETS)]:
        with resources.as_file(assets.joinpath(name)) as src:
            shutil.copyfile(src, out / target)
    copy_duckdb(site_root)


def duckdb_dist() -> Path:
    """The folder build.sh writes DuckDB-Wasm to (it may not exist)."""
    env = os.environ.get("LLMX_DUCKDB_WASM_DIST")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / ".cache" / "duckdb-wasm" / "dist"


def copy_duckdb(site_root: Path) -> None:
    """DuckDB-Wasm's files under assets/llmx/duckdb/ of *site_root*, each linked or copied
    only when it changed (the wasm is 34 MB). Without the dist folder, a stub duckdb.mjs whose
    `missing` tells the reader why no query runs, and one warning per process."""
    global _warned_duckdb
    out = site_root / DUCKDB_DIR
    out.mkdir(parents=True, exist_ok=True)
    dist = duckdb_dist()
    if not all((dist / name).is_file() for name in DUCKDB_FILES):
        if not _warned_duckdb:
            _warned_duckdb = True
            log.warning("DuckDB-Wasm is not built (%s): the site's 'Run this query' buttons "
                        "will say so; `make` or sh pipeline/site/assets/duckdb/build.sh "
                        "builds it", display_path(dist))
        for name in DUCKDB_FILES:
            (out / name).unlink(missing_ok=True)
        (out / "duckdb.mjs").write_text(DUCKDB_MISSING, encoding="utf-8")
        return
    for name in DUCKDB_FILES:
        src, dst = dist / name, out / name
        st = src.stat()
        if dst.is_file() and (d := dst.stat()).st_size == st.st_size \
                and d.st_mtime_ns == st.st_mtime_ns:
            continue
        dst.unlink(missing_ok=True)
        try:  # a hard link where it can be (the many sites a test run builds share one wasm)
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
