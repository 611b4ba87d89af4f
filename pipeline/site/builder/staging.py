"""The generator-independent build: a docs folder + the results database → a staged docs
folder of plain Markdown that any static-site generator builds without a plugin of ours.

The work is the build session's (`pipeline.site.builder.session`), the same as under the MkDocs
plugin, page cache included: every author page and every page generated from the database is
rendered (series box, named queries, components, inline values), and what a theme template
would otherwise compute is written into the front matter, since a generator without our
filters cannot run queries from a template: the archive card's headline
(`llmx_headline_html`), whether the page draws charts (`llmx_charts`, for the theme's
plotly.js tag) and, for a blog post, the day its data was last run (`llmx_data_date`, ""
when unknown). The data files the pages link and the assets are written where the site
root will be. Nothing here imports MkDocs or Zensical (`pipeline.site.adapters.zensical`
builds the result).
"""

from __future__ import annotations

import json
import posixpath
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from markdown.extensions.toc import slugify

from pipeline.site.builder.options import SiteOptions, parse_options
from pipeline.site.builder.session import BuildSession
from pipeline.site.builder.source import ASSET_DIR, Page, StageError, page_title, split_page

EXTRA_CSS = [f"{ASSET_DIR}/results.css"]
EXTRA_JAVASCRIPT = [f"{ASSET_DIR}/tables.js"]

# --- the config file (mkdocs.yml), read without MkDocs ------------------------------------


class _Tagged:
    """A YAML value with a tag we do not interpret (`!!python/name:...`, `!ENV`): written
    back unchanged into the staged config."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Tagged:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return _Tagged(node.tag, value)


def _represent_tagged(dumper: yaml.SafeDumper, data: _Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_Loader.add_multi_constructor("!", _construct_tagged)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_tagged)
_Dumper.add_representer(_Tagged, _represent_tagged)


def load_site_config(config_file: Path) -> dict[str, Any]:
    try:
        cfg = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise StageError(f"{config_file}: cannot read the site config: {exc}") from None
    if not isinstance(cfg, dict):
        raise StageError(f"{config_file}: expected a mapping of settings")
    return cfg


def dump_site_config(cfg: dict[str, Any]) -> str:
    return yaml.dump(cfg, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def plugin_entries(cfg: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, options) of every entry under `plugins:` (a list or a mapping)."""
    plugins = cfg.get("plugins") or []
    items = plugins.items() if isinstance(plugins, dict) else (
        next(iter(p.items())) if isinstance(p, dict) else (p, {}) for p in plugins)
    for name, options in items:
        yield str(name), dict(options or {})


def plugin_options(cfg: dict[str, Any], config_file: Path) -> SiteOptions:
    """The `pipeline` plugin's options (`builder.options.SiteOptions`): every problem fails
    with the file and the option's name."""
    found = next((o for n, o in plugin_entries(cfg) if n == "pipeline"), None)
    return parse_options(found, str(config_file))


# --- URLs: where each page will live, so relative links to the site root work -----------


@dataclass
class BlogLayout:
    """The blog settings that decide a post's URL (the blog plugin's names and defaults)."""

    enabled: bool = False
    blog_dir: str = "blog"
    post_dir: str = "{blog}/posts"
    post_url_format: str = "{date}/{slug}"
    post_url_date_format: str = "yyyy/MM/dd"
    use_directory_urls: bool = True

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> BlogLayout:
        opts = next((o for n, o in plugin_entries(cfg) if n in ("blog", "material/blog")), None)
        layout = cls(use_directory_urls=bool(cfg.get("use_directory_urls", True)))
        if opts is None or opts.get("enabled") is False:
            return layout
        layout.enabled = True
        for key in ("blog_dir", "post_dir", "post_url_format", "post_url_date_format"):
            if key in opts:
                setattr(layout, key, str(opts[key]))
        return layout

    def posts_dir(self) -> str:
        return posixpath.normpath(self.post_dir.format(blog=self.blog_dir))

    def is_post(self, src_uri: str) -> bool:
        d = self.posts_dir()
        return self.enabled and (d == "." or src_uri.startswith(d.rstrip("/") + "/"))

    def url(self, page: Page) -> str:
        """The page's URL relative to the site root ("" for the home page)."""
        src = page.src_uri
        if self.is_post(src) and not page.generated:
            slug = page.meta.get("slug") or slugify(page_title(page), "-")
            when = page.meta.get("date")
            if isinstance(when, dict):
                when = when.get("created")
            when_s = ""
            if isinstance(when, date | datetime):
                fmt = (self.post_url_date_format.replace("yyyy", "%Y").replace("MM", "%m")
                       .replace("dd", "%d"))
                when_s = when.strftime(fmt)
            cats = "/".join(slugify(str(c), "-") for c in page.meta.get("categories") or [])
            path = self.post_url_format.format(slug=slug, date=when_s, categories=cats,
                                               file=posixpath.splitext(
                                                   posixpath.basename(src))[0])
            src = posixpath.normpath(posixpath.join(self.blog_dir, f"{path}.md"))
        stem, _ = posixpath.splitext(src)
        if not self.use_directory_urls:
            return stem + ".html"
        if posixpath.basename(stem) in ("index", "README"):
            stem = posixpath.dirname(stem)
        return stem + "/" if stem else ""


def root_url(url: str) -> str:
    return "../" * url.count("/")


# How the generator treats relative links in a page's HTML. MkDocs leaves raw HTML alone, so
# a link to the site root climbs from the page's URL ("output"). Zensical resolves every
# relative link, raw HTML included, from the Markdown file's folder and rewrites it for the
# page's URL ("source"): it turns "../x" on experiments/e/cases.md into "../../x".
LINKS_FROM = ("output", "source")


# --- staging -----------------------------------------------------------------------------


@dataclass
class Staged:
    docs_dir: Path
    pages: list[str] = field(default_factory=list)
    queries_run: int = 0
    queries_cached: int = 0
    pages_rendered: int = 0
    pages_cached: int = 0


def _with_front_matter(page: Page, extra: dict[str, Any], body: str) -> str:
    lines = "".join(f"{k}: {json.dumps(v)}\n" for k, v in extra.items())
    if not page.front and not lines:
        return body
    return f"---\n{page.front}{lines}---\n\n{body}"


def _stage_page(session: BuildSession, page: Page, layout: BlogLayout, links_from: str) -> str:
    """The page's staged text: rendered body, and front matter with what templates need."""
    up = root_url(layout.url(page) if links_from == "output" else page.src_uri)
    experiments = page.meta.get("experiments")
    out = session.render_page(page.src_uri, page.body, offset=page.offset, root_url=up,
                              experiments=experiments, base_dir=page.base_dir,
                              headline=page.meta.get("headline"))
    extra: dict[str, Any] = {}
    if out.charts:
        extra["llmx_charts"] = out.charts
    if layout.is_post(page.src_uri) and not page.generated:
        extra["llmx_data_date"] = session.data_date(experiments)
    if out.headline_html is not None:
        extra["llmx_headline_html"] = out.headline_html
    return _with_front_matter(page, extra, out.markdown)


def stage(config_file: Path, out_dir: Path, links_from: str = "output") -> Staged:
    """Render the site of *config_file* (mkdocs.yml) into *out_dir* (emptied first): every
    file of the docs dir, pages rendered, generated pages added, assets and data files
    copied. *links_from* is how the generator resolves relative links (LINKS_FROM). Fails
    with StageError naming the file and line, writing a partial folder."""
    if links_from not in LINKS_FROM:
        raise ValueError(f"links_from: one of {LINKS_FROM}")
    config_file = config_file.resolve()
    root = config_file.parent
    cfg = load_site_config(config_file)
    options = plugin_options(cfg, config_file)  # validated once, here, before any work
    docs_dir = (root / str(cfg.get("docs_dir", "docs"))).resolve()
    if not docs_dir.is_dir():
        raise StageError(f"{config_file}: docs_dir {docs_dir} is not a folder")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    shutil.copytree(docs_dir, out_dir,
                    ignore=shutil.ignore_patterns(".*"))  # static files, as they are
    staged = Staged(out_dir)
    if not options.enabled:
        return staged
    session = BuildSession(root, options)
    layout = BlogLayout.from_config(cfg)
    docs = (docs_dir.relative_to(root).as_posix() + "/"
            if docs_dir.is_relative_to(root) and docs_dir != root else "")
    try:
        session.add_sources(
            (path.relative_to(docs_dir).as_posix(), path) for path in sorted(docs_dir.rglob("*.md"))
            if not any(part.startswith(".")  # MkDocs leaves dot-folders out too
                       for part in path.relative_to(docs_dir).parts))
        session.check_front_matter(docs)
        pages = {u: session.page(u) for u in session.sources}
        for src_uri, markdown in session.generated_pages().items():
            page = split_page(markdown, src_uri)
            page.generated = True
            pages[src_uri] = page
        for src_uri, page in pages.items():
            target = out_dir / src_uri
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_stage_page(session, page, layout, links_from), encoding="utf-8")
            staged.pages.append(src_uri)
    finally:
        session.close()
    session.write_outputs(out_dir)
    s = session.stats
    staged.queries_run, staged.queries_cached = s.queries_run, s.queries_cached
    staged.pages_rendered, staged.pages_cached = s.pages_rendered, s.pages_cached
    return staged
