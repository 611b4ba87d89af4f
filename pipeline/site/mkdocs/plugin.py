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

from pipeline.config._yaml import read_text
from pipeline.errors import ConfigError, PipelineError
from pipeline.site.cache import QueryCache
from pipeline.site.errors import RenderError
from pipeline.site.mkdocs.config import ResultsPluginConfig
from pipeline.site.pages import generated_pages
from pipeline.site.render import render_inline_text, render_markdown
from pipeline.site.series import series_nav
from pipeline.site.staging import (
    ASSET_DIR,
    StageError,
    copy_assets,
    posts_by_experiment,
    series_entries,
    split_page,
)
from pipeline.site.staging import Page as SourcePage
from pipeline.store import open_snapshot

log = logging.getLogger("mkdocs.plugins.pipeline")


def _front_matter_lines(page: Page, markdown: str) -> int:
    source = page.file.content_string
    return source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0


def _author_pages(files: Files) -> dict[str, SourcePage]:
    """Every page an author wrote (blog posts included, generated pages not), read once per
    build, strictly, and split into front matter and body by the core: a binary or
    non-UTF-8 page, invalid YAML, duplicate keys, aliases and tags fail here with path:line
    instead of as a traceback inside MkDocs or the blog plugin (MkDocs itself would drop
    invalid front matter silently, and the blog plugin keeps the last of two duplicate
    keys)."""
    out: dict[str, SourcePage] = {}
    for f in files.documentation_pages(inclusion=lambda _level: True):
        if f.generated_by or not f.abs_src_path:
            continue
        path = Path(f.abs_src_path)
        try:
            page = split_page(read_text(path, "Markdown page", label=f.src_uri), f.src_uri)
        except (ConfigError, StageError) as exc:
            raise PluginError(str(exc)) from None
        page.base_dir = path.parent
        out[f.src_uri] = page
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
            self._sources = _author_pages(files)
            docs = Path(config.docs_dir)
            root = Path(config.config_file_path).parent
            prefix = (docs.relative_to(root).as_posix() + "/"
                      if docs.is_relative_to(root) and docs != root else "")
            try:
                self._series = series_entries(self._sources, prefix,
                                              warn=log.warning if self.is_serve else None)
            except StageError as exc:
                raise PluginError(str(exc)) from None

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
        pages = generated_pages(con, posts_by_experiment(sources, experiments))
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
        site = Path(config.site_dir)
        copy_assets(site)
        for rel, data in self._files.items():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
