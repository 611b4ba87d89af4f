"""The build session both generators use (pipeline.site.builder.session), called directly:
a card headline comes from its page's own query results (no query runs for it), and it
comes back from the page cache with the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.site.builder.options import OptionsError, parse_options
from pipeline.site.builder.session import BuildSession

POST = "posts/tiny.md"


def _session(project: Path) -> BuildSession:
    session = BuildSession(project, parse_options({"db": "results.duckdb"}))
    docs = project / "posts"
    session.add_sources((p.relative_to(docs).as_posix(), p) for p in sorted(docs.rglob("*.md")))
    session.check_front_matter("posts/")
    return session


def _render(session: BuildSession, src_uri: str):
    page = session.page(src_uri)
    return session.render_page(src_uri, page.body, offset=page.offset, root_url="../",
                               experiments=page.meta.get("experiments"),
                               base_dir=page.base_dir, headline=page.meta.get("headline"))


def test_the_headline_is_rendered_from_the_pages_own_results(site_project):
    session = _session(site_project)
    try:
        out = _render(session, POST)
        runs = session.stats.queries_run
        assert out.headline_html == 'Best: <span class="llmx-value">66.7%</span>'
        # the card reads what the page rendered: no query runs for it
        assert session.headline(POST, session.page(POST).meta["headline"]) == out.headline_html
        assert session.stats.queries_run == runs
    finally:
        session.close()

    again = _session(site_project)  # the next build: page and headline from the page cache
    try:
        replayed = _render(again, POST)
        assert replayed.from_cache and replayed.headline_html == out.headline_html
        assert replayed.markdown == out.markdown
        assert again.stats.queries_run == 0 and again._con is None  # no database opened
    finally:
        again.close()


def test_a_headline_without_values_is_escaped_text(site_project):
    session = _session(site_project)
    try:
        assert session.headline("index.md", "A <b> & B") == "A &lt;b&gt; &amp; B"
    finally:
        session.close()


@pytest.mark.parametrize("raw, option", [({"lock_wait": "abc"}, "lock_wait"),
                                         ({"lock_wait": True}, "lock_wait"),
                                         ({"db": 3}, "db"), ({"cahce": False}, "cahce")])
def test_options_name_the_bad_option(raw, option):
    with pytest.raises(OptionsError) as err:
        parse_options(raw, "mkdocs.yml")
    assert err.value.problems[0][0] == option
    assert str(err.value).startswith(f"mkdocs.yml: plugins.pipeline: option '{option}': ")


def test_options_defaults():
    o = parse_options(None)
    assert (o.enabled, o.db, o.lock_wait, o.cache, o.generated_pages) == (
        True, "results.duckdb", 60, True, True)
