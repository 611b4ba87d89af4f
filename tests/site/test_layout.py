"""Every post as a reader sees it, in Debian's Chromium at a laptop's and a phone's width.

tests/site/layout_probe.js measures the drawn page (bounding boxes of the labels plotly drew,
rotation included; the tables' scroll widths; the colours of the traces and of the legend)
and returns the faults a reader would meet: a table whose columns hide behind a scroll at
1300 px, a page wider than a phone, a clipped or overprinted label, a colour missing from its
legend, a line of one point, a squashed plot. The real site is built from the committed
results.duckdb; the probe itself is shown to catch each fault on a page planted with it.
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape as html_unescape
from pathlib import Path

import duckdb
import pytest

from helpers import POST_WEIGHT_BUDGET, ROOT, SEARCH_INDEX_BUDGET, post_weight, serve
from pipeline.site.core.palette import SHADES, Model, Palette, shade
from pipeline.site.core.store_queries import model_lineage

PROBE = (Path(__file__).parent / "layout_probe.js").read_text()
WIDTHS = (1300, 375)
MIN_PLOT_PX = 120


@pytest.fixture(scope="module")
def site(repo_site):
    """The repository's site (built once per session, tests/site/conftest.py), served."""
    with serve(repo_site.parent) as base:
        yield repo_site, f"{base}/{repo_site.name}"


def posts(site: Path) -> list[str]:
    """The nine posts and the authors' guide (it renders live components too)."""
    slugs = [p.stem for p in (ROOT / "posts" / "posts").glob("*.md")] + ["writing-posts"]
    found = [s for s in sorted(slugs) if (site / s / "index.html").exists()]
    assert len(found) == len(slugs), f"posts missing from the build: {set(slugs) - set(found)}"
    return found


def probe(browser, url: str, width: int) -> list[str]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url, wait_until="load")
        n = page.locator(".llmx-chart").count()
        if n:
            page.wait_for_function(
                "n => [...document.querySelectorAll('.llmx-chart')].filter("
                "c => c.querySelector('svg.main-svg') && c.dataset.llmxDrawn).length >= n",
                arg=n, timeout=30_000)
        faults = page.evaluate(PROBE, {"tablesMustFit": width >= 1000, "minPlot": MIN_PLOT_PX})
    finally:
        page.close()
    return [f"script error: {e}" for e in errors] + faults


@pytest.mark.parametrize("width", WIDTHS)
def test_every_post_reads_at_this_width(site, browser, width):
    path, base = site
    report = {}
    for slug in posts(path):
        faults = probe(browser, f"{base}/{slug}/", width)
        if faults:
            report[slug] = faults[:15] + ([f"... {len(faults) - 15} more"] if len(faults) > 15
                                          else [])
    assert not report, json.dumps(report, indent=1, ensure_ascii=False)


def test_posts_stay_within_their_weight(site, browser):
    """A first visit to each post, everything it fetches counted, gzipped: at most 530 KB
    for a post with five charts, plus the search index (at most 140 KB), which every first
    visit fetches too. Posts with more charts carry more figure data; they get the same
    budget, which is what a reader on a phone pays either way."""
    path, base = site
    over = {}
    for slug in posts(path):
        own, index, weight = post_weight(browser, f"{base}/{slug}/")
        if own > POST_WEIGHT_BUDGET or index > SEARCH_INDEX_BUDGET:
            over[slug] = (own, index, [(r["url"].rsplit("/", 1)[-1], r["gzipped"])
                                       for r in weight["resources"][:5]])
    assert not over, over


# -- the probe catches what it must: a page planted with each fault ----------------------

# A table with a class in Material's scrolling box: tables.js stacks only plain tables that do
# not fit (a too-wide plain table becomes cards, not a fault), so this one keeps its columns
# and is cut behind the scroll
WIDE_TABLE = ("<div class='md-typeset__scrollwrap'><div class='md-typeset__table'>"
              "<table class='planted-wide'><thead><tr>"
              + "".join(f"<th style='white-space:nowrap'>column {i} with a long title</th>"
                        for i in range(14))
              + "</tr></thead><tbody><tr>"
              + "".join(f"<td style='white-space:nowrap'>value {i} that does not wrap at all</td>"
                        for i in range(14)) + "</tr></tbody></table></div></div>")

LONG = "an extremely long category label that no axis could ever hold on a single line " * 2


def _bar(x, y, name=None, colour=None, axes=("x", "y"), legend=True):
    t = {"type": "bar", "x": x, "y": y, "xaxis": axes[0], "yaxis": axes[1],
         "showlegend": legend}
    if name:
        t["name"] = name
    if colour:
        t["marker"] = {"color": colour}
    return t


PLANTED = {
    # a category label far longer than the chart, no wrapping, no room made for it
    "long label": {"data": [_bar([LONG, "b", "c"], [1, 2, 3])],
                   "layout": {"height": 300, "margin": {"l": 40, "r": 10, "t": 10, "b": 40},
                              "xaxis": {"tickangle": 0}}},
    # facet panels recoloured by plotly: the second panel's colours are in no legend entry
    "facet colours": {"data": [
        _bar(["m1", "m2"], [1, 2], "pass", "#0072B2"),
        _bar(["m1", "m2"], [2, 1], "fail", "#E69F00"),
        _bar(["m1", "m2"], [1, 1], "pass", "#2ca02c", ("x2", "y2"), legend=False),
        _bar(["m1", "m2"], [3, 1], "fail", "#d62728", ("x2", "y2"), legend=False)],
        "layout": {"height": 320, "barmode": "stack",
                   "xaxis": {"domain": [0, 0.45]}, "xaxis2": {"domain": [0.55, 1],
                                                              "anchor": "y2"},
                   "yaxis2": {"anchor": "x2"}}},
    # a line that draws one point (a query's LIMIT 1)
    "one point": {"data": [{"type": "scatter", "mode": "lines+markers", "x": [1], "y": [2]}],
                  "layout": {"height": 300}},
}


def _plant(site: Path, slug: str, dest: Path) -> None:
    """A copy of a built post with the planted faults appended to its content: a wide table
    and three charts drawn by the site's own charts.js and plotly.js."""
    html = (site / slug / "index.html").read_text()
    blocks = [WIDE_TABLE]
    for i, (name, fig) in enumerate(PLANTED.items()):
        blocks.append(
            f"<figure class='llmx-figure'><p class='llmx-chart__title'>planted {name}</p>"
            f"<div class='llmx-chart' id='planted-{i}' data-figure='planted-{i}-data'></div>"
            f"<script type='application/json' id='planted-{i}-data'>{json.dumps(fig)}"
            "</script></figure>")
    html, n = re.subn(r"(</article>)", "".join(blocks) + r"\1", html, count=1)
    assert n == 1
    dest.mkdir(parents=True)
    (dest / "index.html").write_text(html)


def test_the_probe_fails_on_planted_faults(site, browser):
    path, base = site
    slug = "structured-json-small-llms"  # a post with charts: plotly.js is on the page
    planted = path / "planted-faults"
    shutil.rmtree(planted, ignore_errors=True)
    _plant(path, slug, planted)
    # the copy sits one level deeper than the post's own folder would: same depth, so the
    # relative asset URLs still resolve (and it goes again: the session's site is shared)
    try:
        faults = probe(browser, f"{base}/planted-faults/", 1300)
    finally:
        shutil.rmtree(planted, ignore_errors=True)
    text = "\n".join(faults)
    assert re.search(r"table \d+ \(column 0 with a long title\): cut", text), text
    assert re.search(r"planted long label\): (clipped label|overprint)", text), text
    assert re.search(r"planted facet colours\): colour #2ca02c drawn, not in the legend",
                     text), text
    assert "planted one point): line with 1 point(s)" in text, text
    # and the page's own content, unplanted, has none of these faults
    assert not [f for f in faults if "planted" not in f and "column 0" not in f], faults


def test_a_model_has_one_colour_on_every_chart(site):
    """Every trace of every chart of the site that names a model is drawn in that model's
    colour, or (a variant: a setup, a guard, an adapter) in a shade of it."""
    path, _ = site
    con = duckdb.connect(str(ROOT / "results.duckdb"), read_only=True)
    try:
        palette = Palette([Model(*row) for row in model_lineage(con)])
    finally:
        con.close()
    base = {m.model_id: palette.colour_of(m.model_id) for m in palette.models}
    shades = {m: {shade(c, s) for s in SHADES} for m, c in base.items()}
    seen: dict[str, set[str]] = {}
    charts = 0
    for html in path.rglob("index.html"):
        for fig_json in re.findall(r'<script type="application/json" id="llmx-chart-[^"]*">'
                                   r"(.*?)</script>", html.read_text(), re.S):
            fig = json.loads(fig_json)
            charts += 1
            for t in fig["data"]:
                name, colour = t.get("name"), (t.get("marker") or {}).get("color")
                model = palette.model_of(html_unescape(name)) if name else None
                if model is None or t.get("type") == "heatmap":
                    continue
                assert colour in shades[model], (html, name, colour, base[model])
                seen.setdefault(model, set()).add(colour)
    assert charts >= 25
    # the three base models of the lineup are all drawn somewhere, each in its own colour
    assert {"smollm2-135m", "gemma3-270m", "qwen2.5-coder-1.5b"} <= set(seen), seen
    assert len({base[m] for m in seen}) == len(seen)
