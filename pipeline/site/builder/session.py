"""One site build, whichever generator runs it: the one place that holds the results
snapshot, the query/component cache and the page cache, the pages' front matter and series,
the pages generated from the database, the card headlines, and the files the site gets
(data files the pages link, the assets).

Why one place: the MkDocs plugin and the Zensical staging used to do all of this each, and
drifted (only one had the page cache; options were checked twice, differently). Now each
adapter only turns its generator's events into these calls:

    session = BuildSession(root, options)        # per build (`mkdocs serve`: per rebuild)
    session.add_sources(pages)                   # every page an author wrote
    series = session.check_front_matter(prefix)  # strict, with path:line; indexes the series
    generated = session.generated_pages()        # {src_uri: Markdown} from the database
    out = session.render_page(...)               # page cache, else the render core
    session.write_outputs(site_root)             # assets + data files
    session.close()

A card headline is rendered with its page, from the page's own query results
(`render_markdown(headline=...)`), and kept with the page in the page cache: the card never
runs the page's queries again.

Light on purpose: DuckDB, pandas and the render core are imported only when a page must
really be rendered, so a build whose pages all come from the page cache opens no database.
"""

from __future__ import annotations

import html
import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError, PipelineError, display_path
from pipeline.site.builder.cards import data_date
from pipeline.site.builder.options import SiteOptions
from pipeline.site.builder.page_cache import PageCache, db_token, keys_digest
from pipeline.site.builder.series import SeriesEntry, series_nav
from pipeline.site.builder.source import (
    Page,
    StageError,
    copy_assets,
    front_and_body,
    posts_by_experiment,
    read_page_text,
    series_entries,
    split_page,
)

if TYPE_CHECKING:
    import duckdb

    from pipeline.site.core.cache import QueryCache

log = logging.getLogger("pipeline.site")


@dataclass
class PageOutput:
    """A page as the generator gets it: Markdown with results, whether it draws charts, and
    its card headline as HTML (None when the page has none)."""

    markdown: str
    charts: int = 0
    headline_html: str | None = None
    from_cache: bool = False


@dataclass
class BuildStats:
    queries_run: int = 0
    queries_cached: int = 0
    pages_rendered: int = 0
    pages_cached: int = 0

    def line(self) -> str:
        return (f"pipeline: {self.queries_run} queries run, {self.queries_cached} read from "
                f"the cache; {self.pages_rendered} pages rendered, {self.pages_cached} from "
                "the page cache")


def _title_line(body: str) -> str:
    return next((line for line in body.splitlines() if line.startswith("# ")), "")


def _queries_of(page: Page) -> Any:
    """A page's named queries (name, SQL, file, the file's text): what its claims read."""
    from pipeline.site.core.document import find_blocks

    blocks, _ = find_blocks(page.body.split("\n"), ())
    base = page.base_dir or Path.cwd()
    return [[b.name, b.body, b.file,
             (base / b.file).read_text(encoding="utf-8", errors="replace")
             if b.file and (base / b.file).is_file() else None] for b in blocks]


@dataclass
class BuildSession:
    """One build of the site at *root* (the folder of mkdocs.yml) with *options*.

    *live*: a development server is running it (`mkdocs serve`): a page's error is shown
    in the page and unknown front-matter keys are warnings, so the server keeps running.
    *warn*: where warnings go (the generator's log).
    """

    root: Path
    options: SiteOptions
    live: bool = False
    warn: Callable[[str], None] = log.warning
    sources: dict[str, Page] = field(default_factory=dict)
    series: dict[str, SeriesEntry] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    headlines: dict[str, str] = field(default_factory=dict)
    # bytes of each post's browser extracts (file name -> bytes), once written
    extract_sizes: dict[str, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.db_path = self.root / self.options.db
        if not self.db_path.is_file():
            raise StageError(f"pipeline: results database {self.db_path} not found")
        self.cache_dir = self.root / self.options.cache_dir if self.options.cache else None
        # No snapshot yet: the database's state token decides which cached pages stand; the
        # file is copied and opened (`connect`) only when a page must be rendered.
        self.pages = PageCache(self.cache_dir, db_token(self.db_path))
        self._queries: QueryCache | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._snapshot_dir: str | None = None
        self._parsed: dict[str, Page] = {}
        self._run_dates: dict[str, str] | None = None
        # author pages whose charts and tables get "Run this query": src_uri -> what the
        # export needs (markdown as rendered, experiments, base_dir)
        self._exports: dict[str, tuple[str, Any, Path | None]] = {}

    # -- the database, opened on first need ----------------------------------------------
    def connect(self) -> duckdb.DuckDBPyConnection:
        """The build's one snapshot of the results database (copied and opened once)."""
        if self._con is None:
            from pipeline.store import open_snapshot

            try:
                self._snapshot_dir, self._con = open_snapshot(self.db_path,
                                                              wait_s=self.options.lock_wait)
            except PipelineError as exc:
                raise StageError(f"pipeline: {exc}") from None
            token = db_token(Path(self._snapshot_dir) / self.db_path.name)
            if token != self.pages.token:
                # A runner committed since the build started. Pages already taken from the
                # cache show the data as it was then; the rest would show the new data.
                message = (f"pipeline: {self.db_path.name} changed during the build; pages "
                           "taken from the cache before the change show the older data")
                if self.pages.stats["pages_cached"] and not self.live:
                    raise StageError(message + "; build again")
                if self.pages.stats["pages_cached"]:
                    self.warn(message + " until the next rebuild")
                self.pages.token = token
        return self._con

    @property
    def queries(self) -> QueryCache:
        """Query results and rendered components by SQL and data (one per build: table
        fingerprints are taken afresh each build)."""
        if self._queries is None:
            from pipeline.site.core.cache import QueryCache

            self._queries = QueryCache(self.cache_dir)
        return self._queries

    def _data_key_now(self, entry: dict[str, Any]) -> str | None:
        """The digest of a cached page's query keys, recomputed on the current snapshot."""
        import duckdb

        from pipeline.site.core.errors import RenderError
        from pipeline.site.core.query import QueryScope

        con, cache = self.connect(), self.queries
        try:
            scope = QueryScope(con, cache, entry["experiments"] or None)
        except (RenderError, duckdb.Error):
            return None
        try:
            named: dict[str, str] = {}
            keys = []
            for name, sql, _ in entry["keys"]:
                key = cache.key(con, sql, named, scope.partition)
                if name:
                    named[name] = key
                keys.append(key)
            return keys_digest(keys)
        except duckdb.Error:
            return None
        finally:
            scope.close()

    # -- pages -----------------------------------------------------------------------------
    def add_sources(self, pages: Iterable[tuple[str, Path]]) -> None:
        """Read every page an author wrote ((src_uri, file) pairs; generated pages not),
        strictly: a binary or non-UTF-8 page fails here with its path and line. The front
        matter is found but parsed only when needed (`check_front_matter`, `page`)."""
        for src_uri, path in pages:
            try:
                text = read_page_text(path, display_path(path))
            except ConfigError as exc:
                raise StageError(str(exc)) from None
            front, body = front_and_body(text)
            self.sources[src_uri] = Page(src_uri, text, {}, {}, front, body, 0, path.parent,
                                         path=path)

    def page(self, src_uri: str) -> Page:
        """An author page with its front matter parsed (strict YAML, path:line)."""
        if src_uri not in self._parsed:
            light = self.sources[src_uri]
            page = split_page(light.text, src_uri, light.path)
            page.base_dir = light.base_dir
            self._parsed[src_uri] = page
        return self._parsed[src_uri]

    def label(self, src_uri: str) -> str:
        """How an error names the page: its file, repo-relative (`posts/posts/x.md`), or,
        for a page generated from the database, its docs-relative name."""
        page = self.sources.get(src_uri)
        return page.label if page is not None else src_uri

    def check_front_matter(self, prefix: str = "") -> dict[str, SeriesEntry]:
        """Validate every page's front matter (strict YAML, then the one model of every
        owner's keys; *prefix*: the docs dir, for messages) and index the series; reused
        from the page cache while no front matter or title changed."""
        key = [prefix, self.live, str(self.root), display_path(self.root), sorted(
            (u, p.front, _title_line(p.body)) for u, p in self.sources.items())]
        hit = self.pages.get("front-matter", key, with_db=False)
        if hit is None:
            pages = {u: self.page(u) for u in self.sources}
            warnings: list[str] = []
            series = series_entries(pages, prefix,
                                    warn=warnings.append if self.live else None)
            hit = {"series": {u: asdict(e) for u, e in series.items()}, "warnings": warnings}
            self.pages.put("front-matter", key, hit, with_db=False)
        for message in hit["warnings"]:
            self.warn(message)
        self.series = {u: SeriesEntry(**e) for u, e in hit["series"].items()}
        return self.series

    def generated_pages(self) -> dict[str, str]:
        """{src_uri: Markdown} of the pages generated from the database (none when the
        option is off), taken from the page cache while the database, the posts' references
        to experiments and the claims' posts are unchanged."""
        if not self.options.generated_pages:
            return {}
        experiments = self.pages.get("experiments", None)
        if experiments is None:
            from pipeline.site.core.store_queries import experiment_ids

            experiments = experiment_ids(self.connect())
            self.pages.put("experiments", None, experiments)
        quoted = posts_by_experiment(self.sources, experiments)
        # the claims ledger depends on the claims' posts too: their text and queries
        with_claims = {u: self.page(u) for u, p in self.sources.items() if "```claim" in p.text}
        key = [quoted, sorted((u, p.text, _queries_of(p)) for u, p in with_claims.items())]
        pages = self.pages.get("generated", key)
        if pages is None:
            from pipeline.site.builder.ledger import post_claims
            from pipeline.site.builder.pages import generated_pages

            try:
                claims = post_claims(with_claims, self.connect(), self.queries)
            except StageError as exc:
                if not self.live:
                    raise
                self.warn(str(exc))  # the post itself shows the error box
                claims = []
            pages = generated_pages(self.connect(), quoted, claims)
            self.pages.put("generated", key, pages)
        if self.options.record:
            # every published number, compared with the record the last build left (and the
            # record rewritten when one differs): never cached, the record may have changed
            from pipeline.site.builder.changes import (
                CHANGES_PATH,
                changes_markdown,
                numbers_key,
                post_numbers,
                update_record,
            )

            authored = {u: self.page(u) for u, p in self.sources.items()
                        if "```" in p.text or "{{" in p.text}
            published = self.pages.get("published", numbers_key(authored))
            if published is None:
                published = post_numbers(authored, self.connect, self.queries)
                self.pages.put("published", numbers_key(authored), published)
            lines, failed = published  # a page that fails: its render reports it
            outcome = update_record(self.root / self.options.record, lines, failed,
                                    database=self.options.db, token=self.pages.token,
                                    live=self.live, warn=self.warn)
            titled = {u: self.page(u) for u in self.sources}
            pages = {**pages, CHANGES_PATH: changes_markdown(outcome, titled)}
        for src_uri in pages:
            if src_uri in self.sources:
                raise StageError(f"pipeline: {src_uri} is generated from the results database; "
                                 "remove the file of that name from the docs dir")
        return pages

    def render_page(self, src_uri: str, markdown: str, *, offset: int = 0,
                    root_url: str = "", experiments: Any = None,
                    base_dir: Path | None = None, headline: Any = None) -> PageOutput:
        """*markdown* (a page's body as the generator hands it) with its series box,
        queries, components and inline values rendered, and its card *headline* from the
        same results: from the page cache when its blocks, values and data are unchanged.
        Raises StageError with path:line."""
        here = self.series.get(src_uri)
        if here is not None:
            markdown += series_nav(here, list(self.series.values()))
        text = str(headline) if headline else None
        if "```" not in markdown and "{{" not in markdown and (text is None
                                                               or "{{" not in text):
            out = PageOutput(markdown, 0, None if text is None else html.escape(text))
        else:
            out = self._render(src_uri, markdown, offset, root_url, experiments, base_dir,
                               text)
        if out.headline_html is not None:
            self.headlines[src_uri] = out.headline_html
        return out

    def _sql_key(self, src_uri: str) -> str | None:
        """The folder of the page's browser files, for an author page when the option is on
        (generated pages get no button)."""
        if not self.options.browser_sql or src_uri not in self.sources:
            return None
        from pipeline.site.core.browser_sql import page_key

        return page_key(src_uri)

    def _render(self, src_uri: str, markdown: str, offset: int, root_url: str,
                experiments: Any, base_dir: Path | None, headline: str | None) -> PageOutput:
        sql_key = self._sql_key(src_uri)
        if sql_key is not None and "```" in markdown:
            self._exports[src_uri] = (markdown, experiments, base_dir)
        replayed = self.pages.lookup(src_uri, markdown, root_url, experiments, base_dir,
                                     self._data_key_now, headline, sql_key or "")
        if replayed is not None:
            self.files.update(replayed.files)
            return PageOutput(replayed.markdown, replayed.charts, replayed.headline_html,
                              from_cache=True)
        from pipeline.site.core.errors import RenderError
        from pipeline.site.core.render import render_markdown

        try:
            rendered = render_markdown(markdown, self.connect(), offset, root_url=root_url,
                                       cache=self.queries, base_dir=base_dir,
                                       experiments=experiments, headline=headline,
                                       sql_key=sql_key)
        except RenderError as exc:
            if exc.front_matter_key and src_uri in self.sources:
                exc.line = self.page(src_uri).lines.get((exc.front_matter_key,))
            raise StageError(exc.describe(self.label(src_uri))) from None
        self.pages.store(src_uri, markdown, root_url, experiments, base_dir, rendered,
                         headline, sql_key or "")
        self.files.update(rendered.files)
        return PageOutput(rendered.markdown, rendered.charts, rendered.headline_html)

    def headline(self, src_uri: str, text: Any) -> str:
        """The card headline of *src_uri* as HTML, as its page rendered it (a page the
        generator has not handed over yet is rendered now, once, from its source)."""
        if not text:
            return ""
        if src_uri in self.headlines:
            return self.headlines[src_uri]
        if "{{" not in str(text) or src_uri not in self.sources:
            return html.escape(str(text))
        page = self.page(src_uri)
        out = self.render_page(src_uri, page.body, offset=page.offset,
                               experiments=page.meta.get("experiments"),
                               base_dir=page.base_dir, headline=text)
        return out.headline_html or ""

    def data_date(self, experiments: Any) -> str:
        """The day (ISO) the data of a post naming *experiments* was last run ("" when it
        names none). One query per build, kept in the page cache with the data."""
        if self._run_dates is None:
            dates = self.pages.get("run-dates", None)
            if dates is None:
                from pipeline.site.core.store_queries import experiment_run_dates

                dates = experiment_run_dates(self.connect())
                self.pages.put("run-dates", None, dates)
            self._run_dates = dates
        return data_date(experiments, self._run_dates)

    # -- the end of the build ----------------------------------------------------------------
    @property
    def stats(self) -> BuildStats:
        q = self._queries.stats if self._queries is not None else {}
        return BuildStats(q.get("run", 0), q.get("cached", 0),
                          self.pages.stats["pages_rendered"], self.pages.stats["pages_cached"])

    def write_outputs(self, site_root: Path) -> None:
        """plotly.js, our scripts and styles, and the data files the pages link, under
        *site_root* (once per site, never per page)."""
        copy_assets(site_root)
        self._export_queries()
        for rel, data in self.files.items():
            target = site_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def _export_queries(self) -> None:
        """Each post's browser files ("Run this query": extracts, statistics, blocks.json)
        into self.files, from the export cache while the page and the data are unchanged.
        Fails the build when a post's extracts pass the budget; warns for a block that does
        not re-run off its extracts exactly (the button then says why)."""
        from pipeline.site.builder.browser_export import export_page_files

        budget = self.options.browser_sql_budget_mb * 1e6
        for src_uri, (markdown, experiments, base_dir) in sorted(self._exports.items()):
            try:
                files, sizes, problems = export_page_files(self, src_uri, markdown,
                                                           experiments, base_dir)
            except StageError as exc:
                if not self.live:
                    raise
                # a preview shows the page's error in the page; its button finds no files
                self.warn(f"pipeline: no 'Run this query' files for {self.label(src_uri)}: "
                          f"{exc}")
                continue
            total = sum(sizes.values())
            if total > budget:
                raise StageError(
                    f"pipeline: {self.label(src_uri)}: the browser extracts take "
                    f"{total / 1e6:.2f} MB, over browser_sql_budget_mb "
                    f"({self.options.browser_sql_budget_mb:g}): " + ", ".join(
                        f"{n} {s / 1e6:.2f} MB" for n, s in sorted(sizes.items())))
            for problem in problems:
                self.warn(f"pipeline: {self.label(src_uri)}: 'Run this query' cannot "
                          f"reproduce the {problem}")
            self.files.update(files)
            self.extract_sizes[src_uri] = sizes

    def close(self) -> None:
        """Close and delete the snapshot (safe to call twice)."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._snapshot_dir is not None:
            shutil.rmtree(self._snapshot_dir, ignore_errors=True)
            self._snapshot_dir = None
