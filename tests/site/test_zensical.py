"""One build session, two site generators: the same project built by `mkdocs build --strict`
(our plugin) and by Zensical (`python -m pipeline build --generator zensical`: the session
stages the pages, Zensical builds them) shows the same numbers on every page: posts'
components, generated pages (models, experiments, cases, database reference) and the archive
cards. Both read the same options (one schema) and both have the page cache."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup

from helpers import ROOT
from pipeline.site.builder.staging import BlogLayout, split_page, stage
from pipeline.store import open_snapshot

pytest.importorskip("zensical")

ENV = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
BASIC = Path(__file__).resolve().parents[1] / "sites" / "basic"
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")


def mkdocs(project: Path, site: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                        "-d", str(site)], cwd=project, capture_output=True, text=True,
                       timeout=600, env=ENV)
    assert r.returncode == 0, r.stderr


def zensical(project: Path, site: Path, work: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.site.adapters.zensical",
                           "--site-dir", str(site), "--work-dir", str(work)],
                          cwd=project, capture_output=True, text=True, timeout=600,
                          env={**ENV, "PYTHONPATH": str(ROOT)})


def components(page: Path) -> list:
    """The outermost elements of ours (class llmx-*) on a page, in order."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    out = []
    for el in soup.select('[class*="llmx-"]'):
        if not any("llmx-" in " ".join(p.get("class") or []) for p in el.parents):
            out.append(el)
    return out


def numbers(page: Path) -> list[list[str]]:
    """Every number in our components: text, attributes and chart data (the figure's JSON
    sits in a script tag, which get_text leaves out)."""
    return [NUMBER.findall(el.get_text(" "))
            + NUMBER.findall(" ".join(s.string or "" for s in el.find_all("script")))
            + NUMBER.findall(" ".join(str(v) for e in [el, *el.find_all(True)]
                                      for k, v in e.attrs.items()
                                      if k not in ("href", "src", "class", "id")))
            for el in components(page)]


def assert_same_numbers(m: Path, z: Path) -> int:
    m_pages = sorted(p.relative_to(m) for p in m.rglob("*.html"))
    z_pages = {p.relative_to(z) for p in z.rglob("*.html")}
    assert not [p for p in m_pages if p not in z_pages], "pages missing from the Zensical site"
    compared = 0
    for rel in m_pages:
        mn, zn = numbers(m / rel), numbers(z / rel)
        assert mn == zn, f"{rel}: numbers differ between MkDocs and Zensical"
        compared += sum(map(len, mn))
    return compared


def links_resolve(site: Path, page: str) -> None:
    """Every relative link and script of our components on *page* points at a file."""
    here = (site / page).parent
    for el in components(site / page):
        for a in [el, *el.find_all(True)]:
            url = a.get("href") or a.get("src")
            if not url or url.startswith(("#", "http", "mailto:")):
                continue
            target = (here / url.split("#")[0]).resolve()
            assert target.exists() or (target / "index.html").exists(), (page, url)


@pytest.fixture
def basic(site_project):
    """The basic test site (tests/site/conftest.py), this test's own copy."""
    return site_project


def test_basic_site_same_numbers_and_cards(basic, tmp_path):
    mkdocs(basic, tmp_path / "m")
    r = zensical(basic, tmp_path / "z", tmp_path / "work")
    assert r.returncode == 0, r.stderr
    z = tmp_path / "z"
    assert assert_same_numbers(tmp_path / "m", z) > 20
    # the archive card on Zensical: number, series, live headline, month (rendered, not raw)
    # (cards in number order: post 02, without data, comes first)
    card = BeautifulSoup((z / "index.html").read_text(), "html.parser").select(".llmx-card")[1]
    assert card.select_one(".llmx-card__number").get_text() == "03"
    assert card.select_one(".llmx-card__headline").get_text() == "Best: 66.7%"
    assert "January 2026" in card.select_one(".llmx-card__meta").get_text()
    post = z / "tiny" / "index.html"
    html = post.read_text()
    assert "{{ value" not in html.split("Literal syntax")[0] and "```chart" not in html
    assert "<img src=x onerror" not in html  # model output stays text on this side too
    assert "plotly.min.js" in html  # the chart page loads plotly.js; the theme saw llmx_charts
    links_resolve(z, "tiny/index.html")
    links_resolve(z, "experiments/tiny_json/cases/index.html")
    assert (z / "reference" / "database" / "index.html").exists()


def test_render_error_fails_the_zensical_build(basic, tmp_path):
    post = basic / "posts" / "posts" / "tiny.md"
    post.write_text(post.read_text().replace("FROM outcomes WHERE", "FROM outcomez WHERE", 1))
    r = zensical(basic, tmp_path / "z", tmp_path / "work")
    assert r.returncode == 1
    assert "posts/tiny.md:" in r.stderr and "outcomez" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "z").exists()


def test_real_site_same_numbers_on_every_page(tmp_path):
    """The repository's own site from the committed results.duckdb: every post, generated
    page and card, number by number. Both build one copy of the database (a runner may be
    adding results to the real file between the two builds)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("posts", "site_overrides"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copyfile(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    folder, con = open_snapshot(ROOT / "results.duckdb")
    con.close()
    shutil.move(str(Path(folder) / "results.duckdb"), project / "results.duckdb")
    shutil.rmtree(folder)
    mkdocs(project, tmp_path / "m")
    r = zensical(project, tmp_path / "z", tmp_path / "work")
    assert r.returncode == 0, r.stderr
    assert assert_same_numbers(tmp_path / "m", tmp_path / "z") > 10_000
    links_resolve(tmp_path / "z", "structured-json-small-llms/index.html")
    # the docs section (issue 22), hand-written and generated, is built strictly by both
    docs = [p.stem for p in (ROOT / "posts" / "docs").glob("*.md")] + ["experiment-file"]
    for built in (tmp_path / "m", tmp_path / "z"):
        for page in docs:
            html = built / "docs" / ("" if page == "index" else page) / "index.html"
            assert html.is_file(), f"{html} missing"
    assert "max_tokens" in (tmp_path / "z" / "docs" / "experiment-file" / "index.html"
                            ).read_text()


def _set_option(project: Path, line: str) -> None:
    cfg = project / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("lock_wait: 2", line))


@pytest.mark.parametrize("line, option, says", [
    ("lock_wait: abc", "lock_wait", "valid number"),
    ("lock_wait: -1", "lock_wait", "greater than or equal to 0"),
    ("cahce: false", "cahce", "unknown option (did you mean 'cache'? valid:"),
    ("cache: 'no'", "cache", "valid boolean"),
])
def test_a_bad_option_fails_both_generators_naming_it(basic, tmp_path, line, option, says):
    """One schema (pipeline.site.builder.options) read at the edge of both paths."""
    _set_option(basic, line)
    m = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                       cwd=basic, capture_output=True, text=True, timeout=300, env=ENV)
    assert m.returncode != 0
    assert f"Plugin 'pipeline' option '{option}': " in m.stderr and says in m.stderr, m.stderr
    z = zensical(basic, tmp_path / "z", tmp_path / "work")
    assert z.returncode == 1
    assert f"plugins.pipeline: option '{option}': " in z.stderr and says in z.stderr, z.stderr
    for r in (m, z):
        assert "Traceback" not in r.stderr


def test_a_data_change_restages_only_the_pages_that_read_it(two_experiment_project,
                                                             tmp_path):
    """The page cache on the Zensical path, as test_build checks it on the MkDocs path: a
    rebuild with nothing changed renders nothing; a change to one experiment's rows renders
    the page reading them (and the home page, whose stats box no key describes)."""
    basic = two_experiment_project
    tiny = basic / "posts" / "posts" / "tiny.md"
    out = tmp_path / "staged"

    def restage() -> tuple[int, int]:
        s = stage(basic / "mkdocs.yml", out, links_from="source")
        return s.pages_rendered, s.pages_cached

    rendered, cached = restage()
    assert rendered >= 2 and cached == 0
    assert restage() == (0, rendered)  # nothing changed: every page from the cache
    tiny.write_text(tiny.read_text().replace("# Tiny post", "# Tiny post\n\nNew prose."))
    assert restage() == (0, rendered)  # a prose edit: spliced, no render
    assert "New prose." in (out / "posts" / "tiny.md").read_text()
    con = duckdb.connect(str(basic / "results.duckdb"))  # the other experiment changes
    con.execute("UPDATE results SET passed = true WHERE run_id LIKE 'o-%'")
    con.close()
    assert restage() == (2, rendered - 2)
    assert "100.0%" in (out / "posts" / "other.md").read_text()


def test_python_m_pipeline_build_runs_either_generator(basic, tmp_path):
    for generator in ("mkdocs", "zensical"):
        r = subprocess.run([sys.executable, "-m", "pipeline", "build", "--generator", generator,
                            "-d", str(tmp_path / generator)], cwd=basic, capture_output=True,
                           text=True, timeout=600, env={**ENV, "PYTHONPATH": str(ROOT)})
        assert r.returncode == 0, r.stderr
        assert (tmp_path / generator / "tiny" / "index.html").is_file()


def test_post_urls_follow_the_blog_settings():
    layout = BlogLayout(enabled=True, blog_dir=".", post_url_format="{slug}")
    post = split_page("---\nslug: tiny\n---\n\n# T\n", "posts/x.md")
    assert layout.url(post) == "tiny/"
    assert layout.url(split_page("# Home\n", "index.md")) == ""
    assert layout.url(split_page("# M\n", "models/a.md")) == "models/a/"
    dated = BlogLayout(enabled=True, blog_dir="blog")
    post = split_page("---\ndate: 2026-01-15\n---\n\n# Hello World\n", "blog/posts/x.md")
    assert dated.url(post) == "blog/2026/01/15/hello-world/"


def test_unknown_front_matter_key_fails_the_zensical_build_too(basic, tmp_path):
    post = basic / "posts" / "posts" / "tiny.md"
    post.write_text(post.read_text().replace("number: 3", "nubmer: 3"))
    r = zensical(basic, tmp_path / "z", tmp_path / "work")
    assert r.returncode == 1
    assert "posts/posts/tiny.md:5: nubmer: unknown front-matter key. Did you mean 'number'?" \
        in r.stderr
