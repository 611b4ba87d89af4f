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
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from pipeline.errors import PipelineError
from pipeline.site.cache import QueryCache
from pipeline.site.config import ResultsPluginConfig
from pipeline.site.errors import RenderError
from pipeline.site.render import render_inline_text, render_markdown
from pipeline.store import open_read

log = logging.getLogger("mkdocs.plugins.pipeline")

ASSET_DIR = "assets/llmx"
PLOTLY_JS = f"{ASSET_DIR}/plotly.min.js"


def _front_matter_lines(page: Page, markdown: str) -> int:
    source = page.file.content_string
    return source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0


def _error_box(message: str) -> str:
    body = "\n".join("    " + line for line in html.escape(message).splitlines())
    return ('!!! failure "This page has an error; `mkdocs build` would fail"\n\n'
            '    <pre class="llmx-error">\n' + body + "\n    </pre>\n\n")


def _root_url(page: Page) -> str:
    """Relative URL from the page to the site root ("" for the home page)."""
    return "../" * page.url.count("/")


class ResultsPlugin(BasePlugin[ResultsPluginConfig]):
    is_serve = False

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
        self.cache_dir = (Path(config.config_file_path).parent / self.config.cache_dir
                          if self.config.cache else None)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if self.config.enabled:
            # A new cache object per build: table fingerprints are taken afresh each build.
            self.cache = QueryCache(self.cache_dir)
            self._files = {}

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return open_read(self.db_path, wait_s=float(self.config.lock_wait))
        except PipelineError as exc:
            raise PluginError(f"pipeline: {exc}") from None

    @event_priority(50)  # before other plugins see the page: they get the rendered Markdown
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str | None:
        if not self.config.enabled or ("```" not in markdown and "{{" not in markdown):
            return None
        con = self._connect()
        try:
            rendered = render_markdown(markdown, con, _front_matter_lines(page, markdown),
                                       root_url=_root_url(page), cache=self.cache)
        except RenderError as exc:
            message = exc.describe(page.file.src_uri)
            if not self.is_serve:
                raise PluginError(message) from None
            # While writing, keep the server up and put the error where the author looks.
            log.error(message)
            return _error_box(message) + markdown
        finally:
            con.close()
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
            return Markup(render_inline_text(text, source, con, cache=self.cache))
        except RenderError as exc:
            message = exc.describe(page.file.src_uri) + "\n  (while rendering the headline)"
            if not self.is_serve:
                raise PluginError(message) from None
            log.error(message)
            return Markup(f'<span class="llmx-error">{html.escape(message)}</span>')
        finally:
            con.close()

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled:
            return
        log.info(f"pipeline: {self.cache.stats['run']} queries run, "
                 f"{self.cache.stats['cached']} read from the cache")
        out = Path(config.site_dir) / ASSET_DIR
        out.mkdir(parents=True, exist_ok=True)
        plotly_js = resources.files("plotly").joinpath("package_data", "plotly.min.js")
        with resources.as_file(plotly_js) as src:
            shutil.copyfile(src, out / "plotly.min.js")
        assets = resources.files("pipeline.site").joinpath("assets")
        for name in ("charts.js", "results.css"):
            with resources.as_file(assets.joinpath(name)) as src:
                shutil.copyfile(src, out / name)
        site = Path(config.site_dir)
        for rel, data in self._files.items():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
