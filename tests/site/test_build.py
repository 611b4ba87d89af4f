"""Real `mkdocs build` runs of a small site against a tiny DB built in the test."""

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup

from helpers import ROOT

SITE = Path(__file__).resolve().parents[1] / "sites" / "basic"


def build(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                          cwd=project, capture_output=True, text=True, timeout=300,
                          env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})


@pytest.fixture
def project(site_project):
    """The basic test site (tests/site/conftest.py), this test's own copy."""
    return site_project


def _soup(project: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((project / "site" / page).read_text(), "html.parser")


def _db_rates(db: Path) -> dict[str, float]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT model_id, avg(passed::INT) FROM outcomes GROUP BY 1").fetchall()
    con.close()
    return dict(rows)


def test_site_numbers_equal_the_database(project):
    r = build(project)
    assert r.returncode == 0, r.stderr
    post = _soup(project, "tiny/index.html")
    rates = _db_rates(project / "results.duckdb")
    value = post.select_one(".llmx-value").get_text()
    assert value.startswith(f"{rates['m1'] * 100:.1f}%")
    assert "n=3" in value
    cells = [[td.get_text() for td in tr.select("td")] for tr in post.select(".llmx-table tr")]
    assert ["m1", "plain", "3", f"{rates['m1'] * 100:.1f}%", "20.8–93.9%"] in cells
    assert ["m2", "plain", "3", f"{rates['m2'] * 100:.1f}%", "6.1–79.2%"] in cells
    assert len(post.select(".llmx-chart")) == 1
    # plotly.js: self-hosted once, loaded by a script tag on the chart page only
    scripts = [s.get("src") for s in post.select("script[src]")]
    assert any(s.endswith("assets/llmx/plotly.min.js") for s in scripts)
    assert (project / "site" / "assets" / "llmx" / "plotly.min.js").stat().st_size > 1_000_000
    home = _soup(project, "index.html")
    assert not any("plotly" in (s.get("src") or "") for s in home.select("script"))
    stats = {s["data-stat"]: s.get_text(" ", strip=True) for s in home.select(".llmx-stat")}
    assert stats == {"experiments": "1 experiment", "models": "2 models tested",
                     "cases": "3 test cases", "outputs": "6 scored outputs"}
    # the archive card: number, category, series, lead, live headline, month, read time
    card = next(c for c in home.select(".llmx-card")
                if c.select_one(".llmx-card__title").get_text() == "Tiny post")
    assert card.select_one(".llmx-card__number").get_text() == "03"
    assert card.select_one(".llmx-card__title").get_text() == "Tiny post"
    assert card.select_one(".llmx-card__series").get_text() == "Part 1 · Tests"
    assert card.select_one(".llmx-card__headline").get_text() == (
        f"Best: {max(rates.values()) * 100:.1f}%")
    assert "January 2026" in card.select_one(".llmx-card__meta").get_text()
    assert "min read" in card.select_one(".llmx-card__meta").get_text()
    # hostile model output is shown as text, never as markup
    assert "<img src=x" not in (project / "site" / "tiny" / "index.html").read_text()
    assert "<img src=x onerror=alert(1)>" in post.get_text()


def test_cards_follow_the_post_numbers_and_say_when_their_data_ran(project):
    """Archive cards (home and category pages) are in the order of the posts' numbers,
    whatever their dates (the blog plugin sorts by date: 12, 03, 02, 01 here), posts without
    a number last; a card of a post naming its experiments says the day their latest run
    finished, read from the database at build time, a post naming none its month."""
    posts = project / "posts" / "posts"
    tiny = posts / "tiny.md"
    tiny.write_text(tiny.read_text().replace("number: 3\n",
                                             "number: 3\nexperiments: [tiny_json]\n"))
    for name, number, day in (("p1", "number: 1\n", "2025-06-01"),
                              ("p12", "number: 12\n", "2026-03-01"),
                              ("unnumbered", "", "2026-04-01")):
        (posts / f"{name}.md").write_text(f"---\ndate: {day}\nslug: {name}\ncategories: [Test]\n"
                                          f"{number}---\n\n# Post {name}\n\nText.\n")
    con = duckdb.connect(str(project / "results.duckdb"))
    con.execute("UPDATE runs SET finished_at = TIMESTAMP '2026-12-05 23:10:00'")
    con.close()
    r = build(project)
    assert r.returncode == 0, r.stderr
    for page in ("index.html", "category/test/index.html"):
        cards = _soup(project, page).select(".llmx-card")
        assert [c.select_one(".llmx-card__title").get_text() for c in cards] == [
            "Post p1", "Tiny two", "Tiny post", "Post p12", "Post unnumbered"], page
        assert [c.select_one(".llmx-card__number").get_text() for c in cards[:4]] == [
            "01", "02", "03", "12"]
    cards = _soup(project, "index.html").select(".llmx-card")
    ran = cards[2].select_one(".llmx-card__meta time")
    assert ran.get_text() == "data run 5 Dec 2026" and ran["datetime"] == "2026-12-05"
    assert "June 2025" in cards[0].select_one(".llmx-card__meta").get_text()


def test_numbers_change_when_the_database_changes(project):
    assert build(project).returncode == 0
    before = _soup(project, "tiny/index.html").select_one(".llmx-value").get_text()
    con = duckdb.connect(str(project / "results.duckdb"))
    con.execute("UPDATE results SET passed = true WHERE case_id = 'p3' AND run_id IN "
                "(SELECT run_id FROM runs WHERE model_id = 'm1')")
    con.close()
    assert build(project).returncode == 0
    after = _soup(project, "tiny/index.html").select_one(".llmx-value").get_text()
    assert before.startswith("66.7%") and after.startswith("100.0%")


def test_broken_query_fails_the_build_with_path_and_line(project):
    post = project / "posts" / "posts" / "tiny.md"
    post.write_text(post.read_text().replace("FROM outcomes WHERE", "FROM outcomez WHERE"))
    r = build(project)
    assert r.returncode != 0
    assert re.search(r"posts/posts/tiny\.md:13: query 'rates' failed: Catalog Error: .*outcomez",
                     r.stderr), r.stderr
    assert "LINE 3 (file line 16):" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_database_fails_clearly(project):
    (project / "results.duckdb").unlink()
    r = build(project)
    assert r.returncode != 0 and "results database" in r.stderr and "not found" in r.stderr


def test_real_site_builds_from_committed_db(tmp_path):
    """The repository's own site, from the committed results.duckdb."""
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                        "-d", str(tmp_path / "site")], cwd=ROOT, capture_output=True,
                       text=True, timeout=300, env={"NO_MKDOCS_2_WARNING": "1",
                                                    "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "site" / "structured-json-small-llms" / "index.html").read_text()
    assert html.count('class="llmx-chart"') >= 1 and "llmx-value" in html
    feed = (tmp_path / "site" / "feed_rss_created.xml").read_text()
    assert "<title>Structured JSON output from small LLMs</title>" in feed


def test_csv_link_downloads_exactly_the_rows_shown(project):
    import csv
    import io

    assert build(project).returncode == 0
    post = _soup(project, "tiny/index.html")
    links = [a["href"] for a in post.select("a.llmx-csv")]
    assert len(links) == 3  # the chart and two tables
    table_csv = (project / "site" / "tiny" / links[1]).resolve()
    rows = list(csv.DictReader(io.StringIO(table_csv.read_text())))
    shown = [[td.get_text() for td in tr.select("td")]
             for tr in post.select(".llmx-table")[0].select("tbody tr")]
    assert [r["model_id"] for r in rows] == [s[0] for s in shown]
    assert list(rows[0]) == ["model_id", "variant", "n", "pass_rate"]
    outputs = (project / "site" / "tiny" / links[2]).resolve().read_text()
    assert "<img src=x onerror=alert(1)>" in outputs  # raw data, it is a download


def test_serve_shows_the_error_in_the_page_and_keeps_running(project):
    import socket
    import time
    import urllib.request

    post = project / "posts" / "posts" / "tiny.md"
    post.write_text(post.read_text().replace("FROM outcomes WHERE", "FROM outcomez WHERE"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--no-livereload",
                             "-a", f"127.0.0.1:{port}"], cwd=project, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    try:
        page = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and page is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/tiny/").read().decode()
            except OSError:
                time.sleep(0.5)
        assert page is not None, "mkdocs serve did not come up"
        assert "This page has an error" in page
        assert "posts/tiny.md:13: query &#x27;rates&#x27; failed" in page or \
            "posts/tiny.md:13: query &#39;rates&#39; failed" in page
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_rebuild_after_prose_edit_runs_no_query(project):
    def stats():
        r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=project,
                           capture_output=True, text=True, timeout=300,
                           env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        return re.search(r"pipeline: (\d+) queries run, (\d+) read from the cache",
                         r.stderr).groups()

    first_run, _ = stats()
    assert int(first_run) > 0
    post = project / "posts" / "posts" / "tiny.md"
    post.write_text(post.read_text().replace("Intro.", "A rewritten intro."))
    assert stats()[0] == "0"
    assert "A rewritten intro." in (project / "site" / "tiny" / "index.html").read_text()


def test_generated_model_experiment_and_cases_pages(project):
    r = build(project)
    assert r.returncode == 0, r.stderr
    site = project / "site"
    model = _soup(project, "models/m1/index.html")
    rows = [[td.get_text() for td in tr.select("td")] for tr in model.select(".llmx-table tr")]
    # each experiment's primary outcome, named as its scorer names it
    assert ["Tiny JSON experiment", "plain", "fully correct", "3", "66.7%", "20.8–93.9%"] in rows
    assert "Scope: 1 run, 3 scored outputs (tiny_json)" in model.get_text()
    exp = _soup(project, "experiments/tiny_json/index.html")
    assert exp.find("a", string="Tiny post") is not None  # back-link to the post using it
    cases = _soup(project, "experiments/tiny_json/cases/index.html")
    assert [h.get_text(" ", strip=True).split(" ")[2] for h in cases.select(".llmx-case h3")
            ] == ["p1", "p2", "p3"]
    p1 = cases.select_one("#case-p1")
    assert "<img src=x onerror=alert(1)>" in p1.get_text()  # shown as text ...
    assert p1.select_one("img") is None  # ... never as markup
    assert len(p1.select("tbody tr")) == 2  # one row per model
    # the verdict column is named by the outcome it shows
    assert [th.get_text() for th in p1.select("thead th")] == [
        "Model", "Variant", "Fully correct", "Output"]
    assert (site / "models" / "index.html").exists()


def test_series_navigation_and_front_matter_validation(project):
    assert build(project).returncode == 0
    def series(page):
        return next(p for p in _soup(project, page).select("article p")
                    if "post" in p.get_text() and "Part 1 · Tests" in p.get_text())

    nav = series("tiny/index.html")
    assert "Part 1 · Tests, post 2 of 2" in nav.get_text(" ", strip=True).replace(" ,", ",")
    assert nav.find("a", string="Tiny two")["href"] == "../tiny-two/"
    earlier = series("tiny-two/index.html")
    assert earlier.find("a", string="Tiny post")["href"] == "../tiny/"
    post = project / "posts" / "posts" / "tiny2.md"
    post.write_text(post.read_text().replace("number: 2", "number: two"))
    r = build(project)
    assert r.returncode != 0
    assert ("posts/posts/tiny2.md:5: number: bad front-matter value: Input should be a valid "
            "integer") in r.stderr, r.stderr


def _pages_line(stderr: str) -> tuple[int, int, int]:
    """(queries run, pages rendered, pages from the page cache) from the build's log."""
    m = re.search(r"pipeline: (\d+) queries run, \d+ read from the cache; (\d+) pages "
                  r"rendered, (\d+) from the page cache", stderr)
    assert m, stderr
    return int(m[1]), int(m[2]), int(m[3])


def test_rebuild_renders_only_pages_whose_source_or_data_changed(two_experiment_project):
    """What `mkdocs serve` does on every change (it reloads the config and builds again):
    a prose edit renders nothing and opens no database; a change to one experiment's rows
    renders the page that reads them and reuses the other."""
    project = two_experiment_project
    tiny = project / "posts" / "posts" / "tiny.md"

    def rebuild() -> tuple[int, int, int]:
        r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=project,
                           capture_output=True, text=True, timeout=300,
                           env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
        assert r.returncode == 0, r.stderr
        return _pages_line(r.stderr)

    _, rendered, _ = rebuild()
    assert rendered >= 2
    tiny_html = (project / "site" / "tiny" / "index.html").read_text()
    assert rebuild() == (0, 0, rendered)  # nothing changed: every page from the cache

    tiny.write_text(tiny.read_text().replace("# Tiny post", "# Tiny post\n\nNew prose here."))
    assert rebuild() == (0, 0, rendered)  # a prose edit: spliced, no query, no render
    html = (project / "site" / "tiny" / "index.html").read_text()
    assert "New prose here." in html
    assert html.count("llmx-value") == tiny_html.count("llmx-value")

    con = duckdb.connect(str(project / "results.duckdb"))  # the other experiment changes
    con.execute("UPDATE results SET passed = true WHERE run_id LIKE 'o-%'")
    con.close()
    queries, rendered_now, cached = rebuild()
    # the page reading 'other', and the home page, whose stats box reads the whole
    # database (no key describes it); the tiny post is reused
    assert (rendered_now, cached) == (2, rendered - 2) and queries >= 1
    assert "100.0%" in (project / "site" / "other" / "index.html").read_text()
    assert (project / "site" / "tiny" / "index.html").read_text().count("New prose here.") == 1


def test_plotly_js_is_the_vendored_partial_bundle_of_the_python_packages_version():
    """The site serves our bundle of plotly.js (core with scatter, bar, heatmap: every trace
    type chart.py draws; built by plotly-llmx.build.sh), of the version the `plotly` package
    builds its figures for, with its licence."""
    from pipeline.site.builder.source import PLOTLY_JS_FILE, PLOTLY_JS_LICENSE, PLOTLY_JS_VERSION
    from pipeline.site.core.components import chart

    assets = ROOT / "pipeline" / "site" / "assets"
    head = (assets / PLOTLY_JS_FILE).read_text()[:300]
    assert f"plotly.js (llmx: core, bar, heatmap - minified) v{PLOTLY_JS_VERSION}" in head
    recipe = (assets / "plotly-llmx.build.sh").read_text()
    assert f"plotly.js@{PLOTLY_JS_VERSION}" in recipe and f"v{PLOTLY_JS_VERSION}" in recipe
    import plotly

    bundled = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:80]
    assert f"v{PLOTLY_JS_VERSION}" in bundled
    assert "MIT" in (assets / PLOTLY_JS_LICENSE).read_text()
    used = set(re.findall(r'"type"\] = "(\w+)"|"type": "(bar|scatter|heatmap)"',
                          Path(chart.__file__).read_text()))
    traces = {t for pair in used for t in pair if t}
    assert traces <= {"bar", "scatter", "heatmap"}, traces
