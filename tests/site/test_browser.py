"""The built site in a real headless Chromium (Debian's), driven by Playwright.

Every page loads without a console error, every chart draws SVG marks, the CSV link
downloads the rows, dark mode re-themes a chart, and a hostile model output stays text.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import (
    POST_WEIGHT_BUDGET,
    ROOT,
    SEARCH_INDEX_BUDGET,
    open_page,
    post_weight,
    serve,
    site_pages,
)

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def site(tmp_path_factory, repo_site, make_site_project):
    """The repository's site (built once per session) plus the test site (hostile output),
    served together."""
    root = tmp_path_factory.mktemp("browser")
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    (root / "main").symlink_to(repo_site, target_is_directory=True)
    project = make_site_project(root / "tiny_project", {("m1", "plain"): [True, True, False],
                                                        ("m2", "plain"): [False, True, True]},
                                outputs={"p1": HOSTILE})
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d",
                        str(root / "tiny")], cwd=project, capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    with serve(root) as base:
        yield root, base


def test_every_page_loads_clean_and_every_chart_draws(site, browser):
    root, base = site
    errors, dialogs, charts = [], [], 0
    for name in ("main", "tiny"):
        for rel in site_pages(root / name):
            page = open_page(browser, f"{base}/{name}/{rel}", errors, dialogs)
            n = page.locator(".llmx-chart").count()
            if n:
                page.wait_for_function(
                    "n => document.querySelectorAll('.llmx-chart svg.main-svg').length >= n", arg=n)
                marks = page.evaluate("""() => [...document.querySelectorAll('.llmx-chart')].map(
                    c => c.querySelectorAll('.point, path.point, .bars path, .heatmaplayer image, '
                        + '.scatterlayer .trace path, .hm image').length)""")
                assert all(m > 0 for m in marks), f"{rel}: a chart drew no marks {marks}"
                charts += n
            page.close()
    assert charts >= 8
    assert errors == [] and dialogs == []


def test_csv_link_downloads_the_rows(site, browser):
    root, base = site
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{base}/tiny/tiny/")
    with page.expect_download() as info:
        page.locator("a.llmx-csv").nth(1).click()
    text = Path(info.value.path()).read_text()
    assert text.splitlines()[0] == "model_id,variant,n,pass_rate"
    assert len(text.splitlines()) == 1 + page.locator(".llmx-table").nth(0).locator(
        "tbody tr").count()
    page.close()


def test_clicking_a_header_sorts_the_table(site, browser):
    _, base = site
    page = browser.new_page()
    page.goto(f"{base}/tiny/tiny/")
    table = page.locator(".llmx-sortable table").first
    rate = "() => [...document.querySelectorAll('.llmx-sortable table')[0].tBodies[0].rows]" \
           ".map(r => r.cells[3].textContent)"
    before = page.evaluate(rate)
    table.locator("th").nth(3).click()
    ascending = page.evaluate(rate)
    table.locator("th").nth(3).click()
    descending = page.evaluate(rate)
    key = lambda v: float(v.rstrip("%"))  # noqa: E731
    assert sorted(before, key=key) == ascending and ascending[::-1] == descending
    page.close()


def test_dark_mode_rethemes_the_chart(site, browser):
    _, base = site
    page = browser.new_page()
    page.goto(f"{base}/tiny/tiny/")
    page.wait_for_selector(".llmx-chart svg.main-svg")
    colour = "() => getComputedStyle(document.querySelector('.llmx-chart .xtick text')).fill"
    light = page.evaluate(colour)
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    page.wait_for_function(f"c => ({colour})() !== c", arg=light)
    assert page.evaluate(colour) != light
    page.close()


def test_hostile_output_is_text_and_runs_nothing(site, browser):
    _, base = site
    errors, dialogs = [], []
    page = open_page(browser, f"{base}/tiny/tiny/", errors, dialogs)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator(".md-content img[src='x']").count() == 0
    cells = page.locator(".llmx-table td").all_inner_texts()
    assert HOSTILE in cells
    page.close()


def test_phone_width_and_offline(site, browser):
    """At 375 px the charts fit the screen; no page asks anything of another host."""
    root, base = site
    outside = []
    ctx = browser.new_context(viewport={"width": 375, "height": 800})
    ctx.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
              if not route.request.url.startswith(base) else route.continue_())
    page = ctx.new_page()
    page.goto(f"{base}/main/structured-json-small-llms/")
    page.wait_for_selector(".llmx-chart svg.main-svg")
    widths = page.evaluate("""() => [...document.querySelectorAll('.llmx-chart svg.main-svg')]
        .map(s => s.getBoundingClientRect().width)""")
    assert widths and all(200 < w <= 375 for w in widths), widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    for rel in site_pages(root / "main"):
        page.goto(f"{base}/main/{rel}")
    assert outside == []
    ctx.close()


LAYOUT = """() => {
  const box = document.querySelector('details.llmx-scope');
  const wrap = box.querySelector('.llmx-table');
  const scroller = getComputedStyle(wrap).overflowX;
  const title = document.querySelector('.llmx-figure .llmx-chart__title');
  const bar = title.closest('.llmx-figure').querySelector('.modebar');
  const r = e => e.getBoundingClientRect();
  const ci = document.querySelector('.llmx-table td.llmx-ci');
  const card = document.querySelector('.llmx-card__headline');
  return {
    boxOverflow: box.scrollWidth - box.clientWidth,
    wrapWidth: r(wrap).width, boxWidth: r(box).width, scroller,
    tableFits: wrap.scrollWidth <= wrap.clientWidth + 1,
    title: title && [r(title).left, r(title).top, r(title).right, r(title).bottom],
    bar: bar && [r(bar).left, r(bar).top, r(bar).right, r(bar).bottom],
    // the text's own box (the cell is as tall as its row's tallest cell)
    ciHeight: ci && (() => { const g = document.createRange(); g.selectNodeContents(ci);
                             return g.getBoundingClientRect().height; })(),
    ciLine: ci && parseFloat(getComputedStyle(ci).lineHeight),
  };
}"""


@pytest.mark.parametrize("width", [375, 1300])
def test_layout_fits_at_phone_and_desktop_width(site, browser, width):
    """The scope box's table scrolls inside the box, the chart toolbar never covers a chart
    title, a CI cell stays on one line, and a card headline is legible."""
    _, base = site
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    page.goto(f"{base}/main/structured-json-small-llms/")
    page.wait_for_selector(".llmx-chart .main-svg")
    # the toolbar is laid out (transparent) before it shows on hover: its box is real
    page.wait_for_selector(".llmx-chart .modebar", state="attached")
    got = page.evaluate(LAYOUT)
    # nothing sticks out of the scope box; its table is a scroll container inside it
    assert got["boxOverflow"] <= 1 and got["wrapWidth"] <= got["boxWidth"] + 1, got
    assert got["tableFits"] or got["scroller"] in ("auto", "scroll"), got
    t, b = got["title"], got["bar"]
    overlap = not (t[2] <= b[0] or b[2] <= t[0] or t[3] <= b[1] or b[3] <= t[1])
    assert not overlap, got
    assert got["ciHeight"] < 1.5 * got["ciLine"], got
    page.goto(f"{base}/main/")
    size = page.evaluate("() => parseFloat(getComputedStyle("
                         "document.querySelector('.llmx-card__headline')).fontSize)")
    assert size >= 15, size
    ctx.close()




def test_a_five_chart_post_transfers_at_most_0_6_mb_gzipped(site, browser):
    """A first visit to a page with five charts or more fetches at most 0.53 MB gzipped, plus
    the site's search index (at most 0.14 MB), every response counted as Chromium fetched it:
    the HTML, Material's CSS, bundle and search worker, the search index the worker loads,
    plotly.js, our scripts and styles."""
    root, base = site
    heavy = [rel for rel in site_pages(root / "main") if len(re.findall(
        r'class="llmx-chart[" ]', (root / "main" / rel / "index.html").read_text())) >= 5]
    assert heavy, "no page with five charts to weigh"
    for rel in heavy:
        own, index, weight = post_weight(browser, f"{base}/main/{rel}")
        fetched = [r["url"].rsplit("/", 2)[-2:] for r in weight["resources"]]
        assert ["search", "search_index.json"] in fetched and ["llmx", "plotly.min.js"] in fetched
        assert own <= POST_WEIGHT_BUDGET and index <= SEARCH_INDEX_BUDGET, (rel, own, index, [
            (r["url"].replace(base, ""), r["gzipped"]) for r in weight["resources"]])


def test_search_holds_the_posts_not_the_cases(site):
    """The search index every page loads has each post and none of the per-case pages
    (front matter `search: exclude`), which were 98% of its 20 MB."""
    root, _ = site
    index = json.loads((root / "main" / "search" / "search_index.json").read_text())
    pages = {d["location"].split("#")[0] for d in index["docs"]}
    assert not [p for p in pages if "/cases" in p]
    posts = {p.stem for p in (ROOT / "posts" / "posts").glob("*.md")}
    assert posts and all(f"{slug}/" in pages for slug in posts), sorted(pages)
    assert (root / "main" / "experiments").is_dir()  # the case pages are built, not indexed
    assert any((root / "main" / "experiments").rglob("cases/index.html"))


def test_search_finds_every_post_by_a_word_of_its_title(site, browser):
    """Typed into Material's search box in Chromium, the longest word of each post's title
    lists that post among the results."""
    _, base = site
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.goto(f"{base}/main/")
    cards = page.evaluate("""() => [...document.querySelectorAll('.llmx-card__title a')]
        .map(a => [a.getAttribute('href'), a.textContent])""")
    assert len(cards) >= 5
    box = page.locator("input.md-search__input")
    for href, title in cards:
        word = max(re.findall(r"[A-Za-z]{4,}", title), key=len)
        box.click()
        box.fill("")
        box.type(word)
        page.wait_for_function(
            """h => [...document.querySelectorAll('.md-search-result__item a')]
                   .some(a => new URL(a.href).pathname.endsWith('/main/' + h))""",
            arg=href, timeout=15_000)
    page.close()
