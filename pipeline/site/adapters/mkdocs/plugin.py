"""The `pipeline` MkDocs plugin: MkDocs' events turned into calls on one build session
(`pipeline.site.builder.session.BuildSession`), which does the work for both generators.

- load_config: the options, validated by the one schema (`builder.options.SiteOptions`).
- on_files: hand the author pages to the session (front matter checked, series indexed),
  add the pages it generates from the database.
- on_page_markdown: the session renders the page (page cache, else the render core).
- on_env: template filters for the archive cards: `live` (the headline the session rendered
  with its page) and `data_date` (the day a post's data was last run).
- on_post_build: the session writes the assets and data files once for the whole site.

A failing query or component raises PluginError with path:line, so `mkdocs build` exits
non-zero instead of publishing a page with a wrong or missing number; under `mkdocs serve`
the error is shown in the page instead.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from mkdocs.config.base import ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from pipeline.site.builder.options import OptionsError, SiteOptions, parse_options
from pipeline.site.builder.session import BuildSession
from pipeline.site.builder.source import ASSET_DIR, StageError

log = logging.getLogger("mkdocs.plugins.pipeline")


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


class ResultsPlugin(BasePlugin):
    is_serve = False
    options: SiteOptions = SiteOptions()
    session: BuildSession | None = None

    def load_config(self, options: dict[str, Any], config_file_path: str | None = None,
                    ) -> tuple[list[tuple[str, Exception]], list[tuple[str, str]]]:
        """Validate the options with the schema the Zensical path uses too; MkDocs reports
        each problem as "Plugin 'pipeline' option 'NAME': message" and stops the build.
        (`enabled: false` never gets here: MkDocs leaves a disabled plugin out itself.)"""
        try:
            self.options = parse_options(options)
        except OptionsError as exc:
            return [(name, ValidationError(message)) for name, message in exc.problems], []
        return [], []

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when the results change, not only when a post does."""
        if self.options.enabled:
            server.watch(str(self._root(config) / self.options.db))
        return server

    @staticmethod
    def _root(config: MkDocsConfig) -> Path:
        return Path(config.config_file_path).parent

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.options.enabled:
            return None
        db = self._root(config) / self.options.db
        if not db.is_file():
            raise PluginError(f"pipeline: results database {db} not found")
        config.extra_css.append(f"{ASSET_DIR}/results.css")
        config.extra_javascript.append(f"{ASSET_DIR}/tables.js")
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if self.options.enabled:
            try:
                self.session = BuildSession(self._root(config), self.options,
                                            live=self.is_serve, warn=log.warning)
            except StageError as exc:
                raise PluginError(str(exc)) from None

    def _error(self, exc: StageError) -> None:
        """Fail the build; under `mkdocs serve`, log it and go on."""
        if not self.is_serve:
            raise PluginError(str(exc)) from None
        log.error(str(exc))

    # -- files -------------------------------------------------------------------------------
    @event_priority(100)  # before the blog plugin (-50) and MkDocs read the pages
    def _read_sources(self, files: Files, *, config: MkDocsConfig) -> None:
        """Hand every author page to the session and check its front matter, first: a
        broken page fails with path:line here, not as a traceback in a plugin that reads
        it later."""
        if self.session is None:
            return
        docs = Path(config.docs_dir)
        root = self._root(config)
        prefix = (docs.relative_to(root).as_posix() + "/"
                  if docs.is_relative_to(root) and docs != root else "")
        try:
            self.session.add_sources(
                (f.src_uri, Path(f.abs_src_path))
                for f in files.documentation_pages(inclusion=lambda _level: True)
                if not f.generated_by and f.abs_src_path)
            self.session.check_front_matter(prefix)
        except StageError as exc:
            raise PluginError(str(exc)) from None

    @event_priority(-100)  # after the blog plugin has read its posts
    def _add_generated_pages(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if self.session is None:
            return None
        try:
            pages = self.session.generated_pages()
        except StageError as exc:
            raise PluginError(str(exc)) from None
        for src_uri, markdown in pages.items():
            if files.get_file_from_path(src_uri) is not None:
                raise PluginError(f"pipeline: {src_uri} is generated from the results database; "
                                  "remove the file of that name from the docs dir")
            files.append(File.generated(config, src_uri, content=markdown))
        return files

    on_files = CombinedEvent(_read_sources, _add_generated_pages)

    # -- pages -------------------------------------------------------------------------------
    @event_priority(50)  # before other plugins see the page: they get the rendered Markdown
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str | None:
        if self.session is None:
            return None
        src = page.file.abs_src_path
        try:
            out = self.session.render_page(
                page.file.src_uri, markdown, offset=_front_matter_lines(page, markdown),
                root_url=_root_url(page), experiments=page.meta.get("experiments"),
                base_dir=Path(src).parent if src else None, headline=page.meta.get("headline"))
        except StageError as exc:
            self._error(exc)  # while writing, the error goes where the author looks
            return _error_box(str(exc)) + markdown
        if out.charts:
            page.meta["llmx_charts"] = out.charts  # the theme loads plotly.js for it
        return out.markdown

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        if self.session is not None:
            env.filters["live"] = self._live_filter
            env.filters["data_date"] = self._data_date_filter
        return env

    def _data_date_filter(self, page: Any) -> str:
        assert self.session is not None
        try:
            return self.session.data_date(page.meta.get("experiments"))
        except StageError as exc:
            raise PluginError(str(exc)) from None

    def _live_filter(self, text: Any, page: Any) -> Markup:
        """A card's headline as its page rendered it (inline values from the post's own
        query results)."""
        assert self.session is not None
        try:
            return Markup(self.session.headline(page.file.src_uri, text))
        except StageError as exc:
            self._error(exc)
            return Markup(f'<span class="llmx-error">{html.escape(str(exc))}</span>')

    def on_build_error(self, *, error: Exception) -> None:
        if self.session is not None:
            self.session.close()

    def on_shutdown(self) -> None:
        if self.session is not None:
            self.session.close()

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.session is None:
            return
        self.session.close()
        log.info(self.session.stats.line())
        self.session.write_outputs(Path(config.site_dir))
