"""MkDocs adapter for the render core. Hooks only; each delegates to plain functions.

- on_page_markdown: render the page's queries, components and inline values.
- on_env: a `live` filter so theme partials (archive cards) can render inline values.
- on_post_build: self-host plotly.js and our assets once for the whole site.

A failing query or component raises PluginError with path:line, so `mkdocs build` exits
non-zero instead of publishing a page with a wrong or missing number.
"""

from __future__ import annotations

import html
import logging
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment
from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import YAML_RE
from pydantic import ValidationError

from pipeline.config._yaml import KeyPath, parse_yaml, read_text
from pipeline.errors import ConfigError, PipelineError
from pipeline.site.cache import QueryCache
from pipeline.site.config import ResultsPluginConfig
from pipeline.site.errors import RenderError
from pipeline.site.front_matter import unknown_keys, validate_front_matter
from pipeline.site.pages import generated_pages
from pipeline.site.render import render_inline_text, render_markdown
from pipeline.site.series import SeriesEntry, series_nav
from pipeline.store import open_snapshot

log = logging.getLogger("mkdocs.plugins.pipeline")

ASSET_DIR = "assets/llmx"


def _front_matter_lines(page: Page, markdown: str) -> int:
    source = page.file.content_string
    return source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0


def _author_sources(files: Files) -> dict[str, str]:
    """The text of every page an author wrote (blog posts included, generated pages not),
    read once per build, strictly: a binary or non-UTF-8 page fails here with its path and
    line instead of as a UnicodeDecodeError inside MkDocs or the blog plugin."""
    out: dict[str, str] = {}
    for f in files.documentation_pages(inclusion=lambda _level: True):
        if f.generated_by or not f.abs_src_path:
            continue
        try:
            out[f.src_uri] = read_text(Path(f.abs_src_path), "Markdown page", label=f.src_uri)
        except ConfigError as exc:
            raise PluginError(str(exc)) from None
    return out


def _front_matter(text: str, src_uri: str) -> tuple[dict[str, Any], dict[KeyPath, int], str]:
    """(meta, {key: line}, body) of a page, with the block MkDocs and the blog plugin find.

    Parsed by the same strict loader as experiment files: invalid YAML, duplicate keys,
    aliases and tags fail the build with path:line (MkDocs itself would drop invalid front
    matter silently, and the blog plugin keeps the last of two duplicate keys).
    """
    m = YAML_RE.match(text)
    if not m:
        return {}, {}, text
    try:
        meta, lines = parse_yaml(m.group(1), src_uri, first_line=2, prefix="front matter: ")
    except ConfigError as exc:
        raise PluginError(str(exc)) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise PluginError(f"{src_uri}:2: front matter: expected a mapping of keys, found a "
                          f"{type(meta).__name__}")
    return meta, lines, text[m.end():].lstrip("\n")


def _series_entries(sources: dict[str, str], docs: str = "",
                    serve: bool = False) -> dict[str, SeriesEntry]:
    """Validate the front matter of every page and index the posts that are in a series.

    A key no one reads (a typo: `nubmer` leaves the card without its number) fails the build
    naming the page as *docs*/src_uri (the docs dir relative to mkdocs.yml); under `serve`
    it is a warning, so the server keeps running."""
    out: dict[str, SeriesEntry] = {}
    unknown: list[str] = []
    for src_uri, text in sources.items():
        meta, lines, body = _front_matter(text, src_uri)
        unknown += unknown_keys(meta, f"{docs}{src_uri}")
        try:
            fm = validate_front_matter(meta)
        except ValidationError as exc:
            problems = "; ".join(f"key '{'.'.join(map(str, e['loc']))}': {e['msg']}"
                                 + (f" (line {lines[e['loc'][:1]]})"
                                    if e["loc"][:1] in lines else "")
                                 for e in exc.errors())
            raise PluginError(f"{src_uri}: front matter: {problems}") from None
        if fm.series and fm.number is not None:
            title = meta.get("title") or next(
                (line[2:].strip() for line in body.splitlines() if line.startswith("# ")),
                src_uri)
            out[src_uri] = SeriesEntry(fm.series, fm.number, title, src_uri, fm.part)
    if unknown and not serve:
        raise PluginError("\n".join(unknown))
    for message in unknown:
        log.warning(message)
    return out


def _posts_by_experiment(sources: dict[str, str],
                         experiments: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Which documentation pages quote which experiment id in their SQL: (title, path)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for src_uri, text in sources.items():
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")),
                     src_uri)
        for exp in experiments:
            if f"'{exp}'" in text:
                out.setdefault(exp, []).append((title, src_uri))
    return out


def _error_box(message: str) -> str:
    body = "\n".join("    " + line for line in html.escape(message).splitlines())
    return ('!!! failure "This page has an error; `mkdocs build` would fail"\n\n'
            '    <pre class="llmx-error">\n' + body + "\n    </pre>\n\n")


def _page_dir(page: Page) -> Path | None:
    return Path(page.file.abs_src_path).parent if page.file.abs_src_path else None


def _root_url(page: Page) -> str:
    """Relative URL from the page to the site root ("" for the home page)."""
    return "../" * page.url.count("/")


class ResultsPlugin(BasePlugin[ResultsPluginConfig]):
    is_serve = False
    _con: duckdb.DuckDBPyConnection | None = None
    _snapshot_dir: str | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when the results change, not only when a post does."""
        if self.config.enabled:
            server.watch(str(self.db_path))
        return server

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        self._files: dict[str, bytes] = {}
        self.db_path = Path(config.config_file_path).parent / self.config.db
        if not self.db_path.is_file():
            raise PluginError(f"pipeline: results database {self.db_path} not found")
        config.extra_css.append(f"{ASSET_DIR}/results.css")
        config.extra_javascript.append(f"{ASSET_DIR}/tables.js")
        self.cache_dir = (Path(config.config_file_path).parent / self.config.cache_dir
                          if self.config.cache else None)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if self.config.enabled:
            try:
                self._snapshot_dir, self._con = open_snapshot(
                    self.db_path, wait_s=float(self.config.lock_wait))
            except PipelineError as exc:
                raise PluginError(f"pipeline: {exc}") from None
            # A new cache object per build: table fingerprints are taken afresh each build.
            self.cache = QueryCache(self.cache_dir)
            self._files = {}

    @event_priority(100)  # before the blog plugin (-50) and MkDocs read the pages
    def _read_sources(self, files: Files, *, config: MkDocsConfig) -> None:
        """Read every author page and check its front matter, first: a broken page fails
        with path:line here, not as a traceback in a plugin that reads it later."""
        if self.config.enabled:
            self._sources = _author_sources(files)
            docs = Path(config.docs_dir)
            root = Path(config.config_file_path).parent
            prefix = (docs.relative_to(root).as_posix() + "/"
                      if docs.is_relative_to(root) and docs != root else "")
            self._series = _series_entries(self._sources, prefix, serve=self.is_serve)

    @event_priority(-100)  # after the blog plugin has read its posts
    def _add_generated_pages(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Add the pages generated from the DB."""
        if not self.config.enabled:
            return None
        sources = self._sources
        if not self.config.generated_pages:
            return None
        con = self._connect()
        experiments = [r[0] for r in con.execute(
            "SELECT DISTINCT experiment_id FROM experiments").fetchall()]
        pages = generated_pages(con, _posts_by_experiment(sources, experiments))
        for src_uri, markdown in pages.items():
            if files.get_file_from_path(src_uri) is not None:
                raise PluginError(f"pipeline: {src_uri} is generated from the results database; "
                                  "remove the file of that name from the docs dir")
            files.append(File.generated(config, src_uri, content=markdown))
        return files

    on_files = CombinedEvent(_read_sources, _add_generated_pages)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise PluginError("pipeline: the results snapshot is not open")
        return self._con

    @event_priority(50)  # before other plugins see the page: they get the rendered Markdown
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str | None:
        if not self.config.enabled:
            return None
        offset = _front_matter_lines(page, markdown)
        here = self._series.get(page.file.src_uri)
        if here is not None:
            markdown += series_nav(here, list(self._series.values()))
        if "```" not in markdown and "{{" not in markdown:
            return markdown
        con = self._connect()
        try:
            rendered = render_markdown(markdown, con, offset, root_url=_root_url(page),
                                       cache=self.cache, base_dir=_page_dir(page),
                                       experiments=page.meta.get("experiments"))
        except RenderError as exc:
            message = exc.describe(page.file.src_uri)
            if not self.is_serve:
                raise PluginError(message) from None
            # While writing, keep the server up and put the error where the author looks.
            log.error(message)
            return _error_box(message) + markdown
        page.meta["llmx_charts"] = rendered.charts
        self._files.update(rendered.files)
        return rendered.markdown

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        if self.config.enabled:
            env.filters["live"] = self._live_filter
        return env

    def _live_filter(self, text: Any, page: Any) -> Markup:
        """Render inline values in *text* (e.g. a card headline) with *page*'s named queries."""
        if not text:
            return Markup("")
        text = str(text)
        if "{{" not in text:
            return escape(text)
        source = Path(page.file.abs_src_path).read_text(encoding="utf-8")
        con = self._connect()
        try:
            return Markup(render_inline_text(text, source, con, cache=self.cache,
                                             base_dir=Path(page.file.abs_src_path).parent,
                                             experiments=page.meta.get("experiments")))
        except RenderError as exc:
            message = exc.describe(page.file.src_uri) + "\n  (while rendering the headline)"
            if not self.is_serve:
                raise PluginError(message) from None
            log.error(message)
            return Markup(f'<span class="llmx-error">{html.escape(message)}</span>')

    def _close_snapshot(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._snapshot_dir is not None:
            shutil.rmtree(self._snapshot_dir, ignore_errors=True)
            self._snapshot_dir = None

    def on_build_error(self, *, error: Exception) -> None:
        self._close_snapshot()

    def on_shutdown(self) -> None:
        self._close_snapshot()

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled:
            return
        self._close_snapshot()
        log.info(f"pipeline: {self.cache.stats['run']} queries run, "
                 f"{self.cache.stats['cached']} read from the cache")
        out = Path(config.site_dir) / ASSET_DIR
        out.mkdir(parents=True, exist_ok=True)
        plotly_js = resources.files("plotly").joinpath("package_data", "plotly.min.js")
        with resources.as_file(plotly_js) as src:
            shutil.copyfile(src, out / "plotly.min.js")
        assets = resources.files("pipeline.site").joinpath("assets")
        for name in ("charts.js", "tables.js", "results.css"):
            with resources.as_file(assets.joinpath(name)) as src:
                shutil.copyfile(src, out / name)
        site = Path(config.site_dir)
        for rel, data in self._files.items():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
