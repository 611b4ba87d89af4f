"""The built site in a real headless Chromium (Debian's), driven by Playwright.

Every page loads without a console error, every chart draws SVG marks, the CSV link
downloads the rows, dark mode re-themes a chart, and a hostile model output stays text.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, chromium, make_db, open_page, serve, site_pages

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the repository's site plus the test site (hostile output) and serve both."""
    root = tmp_path_factory.mktemp("browser")
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(root / "main")],
                       cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    project = root / "tiny_project"
    shutil.copytree(ROOT / "tests" / "sites" / "basic", project)
    cfg = project / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("SITE_OVERRIDES", str(ROOT / "site_overrides")))
    make_db(project / "results.duckdb", {("m1", "plain"): [True, True, False],
                                         ("m2", "plain"): [False, True, True]},
            outputs={"p1": HOSTILE})
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d",
                        str(root / "tiny")], cwd=project, capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    with serve(root) as base:
        yield root, base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


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
