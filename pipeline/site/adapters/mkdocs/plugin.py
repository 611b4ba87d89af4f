"""MkDocs adapter for the render core. Hooks only; each delegates to plain functions.

- on_files: check every page's front matter, add the pages generated from the DB.
- on_page_markdown: render the page's queries, components and inline values.
- on_env: a `live` filter so theme partials (archive cards) can render inline values, and a
  `data_date` filter: the day a post's data was last run (`pipeline.site.cards`).
- on_post_build: self-host plotly.js and our assets once for the whole site.

A failing query or component raises PluginError with path:line, so `mkdocs build` exits
non-zero instead of publishing a page with a wrong or missing number.

Fast rebuilds: a page whose blocks, inline values and data are unchanged is spliced from the
page cache (`pipeline.site.page_cache`) into its current prose; the database is snapshotted,
and DuckDB, pandas and the components imported, only when some page must really be rendered.
"""

from __future__ import annotations

import html
import logging
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from pipeline.errors import ConfigError, PipelineError
from pipeline.site.cards import data_date
from pipeline.site.mkdocs.config import ResultsPluginConfig
from pipeline.site.page_cache import PageCache, db_token
from pipeline.site.series import SeriesEntry, series_nav
from pipeline.site.source import (
    ASSET_DIR,
    StageError,
    copy_assets,
    front_and_body,
    posts_by_experiment,
    read_page_text,
    series_entries,
    split_page,
)
from pipeline.site.source import Page as SourcePage

if TYPE_CHECKING:
    import duckdb

    from pipeline.site.cache import QueryCache

log = logging.getLogger("mkdocs.plugins.pipeline")


def _front_matter_lines(page: Page, markdown: str) -> int:
    source = page.file.content_string
    return source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0


def _author_pages(files: Files) -> dict[str, SourcePage]:
    """Every page an author wrote (blog posts included, generated pages not), read once per
    build, strictly (a binary or non-UTF-8 page fails here with its path and line), with
    its front matter found but not parsed yet (`_check_front_matter` does that)."""
    out: dict[str, SourcePage] = {}
    for f in files.documentation_pages(inclusion=lambda _level: True):
        if f.generated_by or not f.abs_src_path:
            continue
        path = Path(f.abs_src_path)
        try:
            text = read_page_text(path, f.src_uri)
        except ConfigError as exc:
            raise PluginError(str(exc)) from None
        front, body = front_and_body(text)
        out[f.src_uri] = SourcePage(f.src_uri, text, {}, {}, front, body, 0, path.parent)
    return out


def _title_line(body: str) -> str:
    return next((line for line in body.splitlines() if line.startswith("# ")), "")


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
            # No snapshot yet: the database's state token decides which cached pages stand;
            # the file is copied and opened (`_connect`) only when a page must be rendered.
            self.pages = PageCache(self.cache_dir, db_token(self.db_path))
            self._cache: QueryCache | None = None
            self._files = {}
            self._run_dates: dict[str, str] | None = None

    # -- the database, opened on first need ------------------------------------------------
    def _connect(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            from pipeline.store import open_snapshot

            try:
                self._snapshot_dir, self._con = open_snapshot(
                    self.db_path, wait_s=float(self.config.lock_wait))
            except PipelineError as exc:
                raise PluginError(f"pipeline: {exc}") from None
            token = db_token(Path(self._snapshot_dir) / self.db_path.name)
            if token != self.pages.token:
                # A runner committed since the build started. Pages already taken from the
                # cache show the data as it was then; the rest would show the new data.
                message = (f"pipeline: {self.db_path.name} changed during the build; pages "
                           "taken from the cache before the change show the older data")
                if self.pages.stats["pages_cached"] and not self.is_serve:
                    raise PluginError(message + "; build again")
                if self.pages.stats["pages_cached"]:
                    log.warning(message + " until the next rebuild")
                self.pages.token = token
        return self._con

    @property
    def cache(self) -> QueryCache:
        """Query results by SQL and data (a new one per build: table fingerprints are taken
        afresh each build)."""
        if self._cache is None:
            from pipeline.site.cache import QueryCache

            self._cache = QueryCache(self.cache_dir)
        return self._cache

    def _data_key_now(self, entry: dict[str, Any]) -> str | None:
        from pipeline.site.page_cache import data_key_now

        return data_key_now(self._connect(), self.cache, entry)

    # -- files -------------------------------------------------------------------------------
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
            self._series = self._check_front_matter(prefix)

    def _check_front_matter(self, prefix: str) -> dict[str, SeriesEntry]:
        """Validate every page's front matter (strict YAML, then the one model of every
        owner's keys) and index the series; reused while no front matter or title changed."""
        key = [prefix, self.is_serve, sorted(
            (u, p.front, _title_line(p.body)) for u, p in self._sources.items())]
        hit = self.pages.get("front-matter", key, with_db=False)
        if hit is None:
            pages = {}
            for src_uri, light in self._sources.items():
                try:
                    page = split_page(light.text, src_uri)
                except StageError as exc:
                    raise PluginError(str(exc)) from None
                page.base_dir = light.base_dir
                pages[src_uri] = page
            warnings: list[str] = []
            try:
                series = series_entries(pages, prefix,
                                        warn=warnings.append if self.is_serve else None)
            except StageError as exc:
                raise PluginError(str(exc)) from None
            hit = {"series": {u: asdict(e) for u, e in series.items()}, "warnings": warnings}
            self.pages.put("front-matter", key, hit, with_db=False)
        for message in hit["warnings"]:
            log.warning(message)
        return {u: SeriesEntry(**e) for u, e in hit["series"].items()}

    @event_priority(-100)  # after the blog plugin has read its posts
    def _add_generated_pages(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Add the pages generated from the DB (taken from the cache while the database and
        the posts' references to experiments are unchanged)."""
        if not self.config.enabled or not self.config.generated_pages:
            return None
        experiments = self.pages.get("experiments", None)
        if experiments is None:
            from pipeline.site.store_queries import experiment_ids

            experiments = experiment_ids(self._connect())
            self.pages.put("experiments", None, experiments)
        quoted = posts_by_experiment(self._sources, experiments)
        # the claims ledger depends on the claims' posts too: their text joins the key
        with_claims = {u: p.text for u, p in self._sources.items() if "```claim" in p.text}
        key = [quoted, sorted(with_claims.items())]
        pages = self.pages.get("generated", key)
        if pages is None:
            from pipeline.site.ledger import post_claims
            from pipeline.site.pages import generated_pages

            try:
                claims = post_claims(self._claim_pages(with_claims), self._connect(),
                                     self.cache)
            except StageError as exc:
                if not self.is_serve:
                    raise PluginError(str(exc)) from None
                log.error(str(exc))  # the post itself shows the error box
                claims = []
            pages = generated_pages(self._connect(), quoted, claims)
            self.pages.put("generated", key, pages)
        for src_uri, markdown in pages.items():
            if files.get_file_from_path(src_uri) is not None:
                raise PluginError(f"pipeline: {src_uri} is generated from the results database; "
                                  "remove the file of that name from the docs dir")
            files.append(File.generated(config, src_uri, content=markdown))
        return files

    def _claim_pages(self, texts: dict[str, str]) -> dict[str, SourcePage]:
        out = {}
        for src_uri, text in texts.items():
            page = split_page(text, src_uri)
            page.base_dir = self._sources[src_uri].base_dir
            out[src_uri] = page
        return out

    on_files = CombinedEvent(_read_sources, _add_generated_pages)

    # -- pages -------------------------------------------------------------------------------
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
        src_uri, root_url = page.file.src_uri, _root_url(page)
        experiments, base_dir = page.meta.get("experiments"), _page_dir(page)
        replayed = self.pages.lookup(src_uri, markdown, root_url, experiments, base_dir,
                                     self._data_key_now)
        if replayed is not None:
            page.meta["llmx_charts"] = replayed.charts
            self._files.update(replayed.files)
            return replayed.markdown
        from pipeline.site.errors import RenderError
        from pipeline.site.render import render_markdown

        con = self._connect()
        try:
            rendered = render_markdown(markdown, con, offset, root_url=root_url,
                                       cache=self.cache, base_dir=base_dir,
                                       experiments=experiments)
        except RenderError as exc:
            message = exc.describe(src_uri)
            if not self.is_serve:
                raise PluginError(message) from None
            # While writing, keep the server up and put the error where the author looks.
            log.error(message)
            return _error_box(message) + markdown
        self.pages.store(src_uri, markdown, root_url, experiments, base_dir, rendered)
        page.meta["llmx_charts"] = rendered.charts
        self._files.update(rendered.files)
        return rendered.markdown

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        if self.config.enabled:
            env.filters["live"] = self._live_filter
            env.filters["data_date"] = self._data_date_filter
        return env

    def _data_date_filter(self, page: Any) -> str:
        """The day (ISO) *page*'s data was last run: its experiments' latest finished run
        ("" when it names none). One query per build, kept in the page cache with the data."""
        if self._run_dates is None:
            dates = self.pages.get("run-dates", None)
            if dates is None:
                from pipeline.site.store_queries import experiment_run_dates

                dates = experiment_run_dates(self._connect())
                self.pages.put("run-dates", None, dates)
            self._run_dates = dates
        return data_date(page.meta.get("experiments"), self._run_dates)

    def _live_filter(self, text: Any, page: Any) -> Markup:
        """Render inline values in *text* (e.g. a card headline) with *page*'s named queries."""
        if not text:
            return Markup("")
        text = str(text)
        if "{{" not in text:
            return escape(text)
        source = self._sources.get(page.file.src_uri)
        source_text = (source.text if source is not None
                       else Path(page.file.abs_src_path).read_text(encoding="utf-8"))
        base_dir = Path(page.file.abs_src_path).parent
        experiments = page.meta.get("experiments")
        key = [text, experiments, _queries_of(source_text, base_dir)]
        hit = self.pages.get("headline:" + page.file.src_uri, key)
        if hit is not None:
            return Markup(hit)
        from pipeline.site.errors import RenderError
        from pipeline.site.render import render_inline_text

        con = self._connect()
        try:
            out = render_inline_text(text, source_text, con, cache=self.cache,
                                     base_dir=base_dir, experiments=experiments)
        except RenderError as exc:
            message = exc.describe(page.file.src_uri) + "\n  (while rendering the headline)"
            if not self.is_serve:
                raise PluginError(message) from None
            log.error(message)
            return Markup(f'<span class="llmx-error">{html.escape(message)}</span>')
        self.pages.put("headline:" + page.file.src_uri, key, out)
        return Markup(out)

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
        stats = self._cache.stats if self._cache is not None else {}
        log.info(f"pipeline: {stats.get('run', 0)} queries run, "
                 f"{stats.get('cached', 0)} read from the cache; "
                 f"{self.pages.stats['pages_rendered']} pages rendered, "
                 f"{self.pages.stats['pages_cached']} from the page cache")
        site = Path(config.site_dir)
        copy_assets(site)
        for rel, data in self._files.items():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _queries_of(source: str, base_dir: Path) -> list[Any]:
    """The named queries of a page (name, SQL or file and the file's text), for keying."""
    from pipeline.site.document import find_blocks

    blocks, _ = find_blocks(source.split("\n"), ())
    out: list[Any] = []
    for b in blocks:
        path = base_dir / b.file if b.file else None
        out.append([b.name, b.body, b.file,
                    path.read_text(encoding="utf-8", errors="replace")
                    if path is not None and path.is_file() else None])
    return out
