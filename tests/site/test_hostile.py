"""Every string from the database is text, on every page, in a real Chromium.

A copy of the committed results.duckdb has every VARCHAR, VARCHAR[] and JSON value prefixed
or wrapped with hostile strings (script tags, event handlers, `javascript:` URLs, Jinja,
our own inline-value syntax, Markdown and fences, HTML entities, a lone surrogate, CSV
formula leads, a right-to-left override) and one output grown to 10 MB. A site with every
plugin and every generated page is built from it, every page is opened in Chromium, and
nothing may run: no dialog, no script-set title or global, no `javascript:` link, no inline
event handler, no template evaluated, no console error; the hostile text must be *visible*
as text; CSV cells are formula-safe; RSS and the search index carry text only.
"""

import csv
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup

from helpers import ROOT, open_page, serve, site_pages
from pipeline.site.core.escaping import DISPLAY_CHARS
from pipeline.store import open_snapshot

SITE = ROOT / "tests" / "sites" / "hostile"
LEADS = ("=", "+", "-", "@", "\t")  # what spreadsheets read as the start of a formula
BODY = (
    "cmd|' /C calc'!A0 "
    "<script>document.title='pwned';window.__pwned=1;alert('script')</script>"
    "<img src=x onerror=\"window.__pwned=1;alert('img')\"><svg/onload=alert('svg')>"
    "\"><iframe src=\"javascript:alert('iframe')\"></iframe>"
    "<a href=\"javascript:alert('a')\">a-link</a> javascript:alert('bare') "
    "[md-link](javascript:alert('md')) ![md-img](x\" onerror=\"alert('mdimg')) **bold** _em_ "
    "<b>plotly-bold</b><br> %{x} "
    "{{ 1337*1000 }} {% if true %}jinja-if{% endif %} {{ value top.label }} "
    "{: onclick=\"alert('attr')\" } "
    "&lt;script&gt;alert('entity')&lt;/script&gt; &amp;amp; &#60;b&#62; "
    "\u202eRTL-override\u202c "
    "\n```\n<script>alert('fence')</script>\n```\n~~~\nfence2\n~~~\n\n"
    "    indented <script>alert('indent')</script>\n| a | b |\n|---|---|\n| c | d |\n"
)
LONE_SURROGATE_JSON = '{"hostile": "\\ud800 lone surrogate", "pair": "\\ud83d\\ude00"}'
BIG = 10_000_000


def hostile(column: str) -> str:
    """The prefix for every value of *column*: the same for a column name in every table,
    so ids still join (runs.model_id = models.model_id) after the rewrite."""
    return LEADS[zlib.crc32(column.encode()) % len(LEADS)] + BODY


def make_hostile_copy(src: Path, dst: Path) -> None:
    """Rewrite a copy of *src*: every text value hostile. The `meta` table (the schema
    version) is bookkeeping no page shows, and is left alone so the file still opens.
    The copy is taken under DuckDB's read lock (a runner may be writing *src*)."""
    folder, snapshot = open_snapshot(src)
    snapshot.close()
    shutil.copyfile(Path(folder) / src.name, dst)
    shutil.rmtree(folder, ignore_errors=True)
    con = duckdb.connect(str(dst))
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()]
    for table in tables:
        if table == "meta":
            continue
        cols = con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                           "WHERE table_name = ? ORDER BY column_index", [table]).fetchall()
        exprs = []
        for name, dtype in cols:
            p = "'" + hostile(name).replace("'", "''") + "'"
            if dtype == "VARCHAR":
                exprs.append(f"CASE WHEN {name} IS NULL THEN NULL ELSE {p} || {name} END "
                             f"AS {name}")
            elif dtype == "VARCHAR[]":
                exprs.append(f"list_transform({name}, lambda t: {p} || t) AS {name}")
            elif dtype == "JSON" and (table, name) == ("results", "transcript"):
                # a well-formed transcript (so the turn-by-turn view renders) whose role,
                # content, tool-call names and arguments are all hostile
                exprs.append(
                    f"CASE WHEN {name} IS NULL THEN NULL ELSE json_array("
                    f"json_object('role', 'user', 'content', {p}, 'generated', false), "
                    f"json_object('role', {p}, 'content', {p}, 'generated', true, "
                    f"'tool_calls', json_array(json_object('name', {p}, 'arguments', "
                    f"json_object({p}, {p})))), "
                    f"json_object('role', 'sandbox', 'content', {p} || {name}::VARCHAR, "
                    f"'generated', false)) END AS {name}")
            elif dtype == "JSON" and (table, name) == ("cases", "expected"):
                # JSON text with escapes that decode to a lone surrogate (invalid UTF-8)
                exprs.append(f"'{LONE_SURROGATE_JSON}' AS {name}")
            elif dtype == "JSON":
                exprs.append(f"json_object('hostile', {p}, 'original', {name}) AS {name}")
            else:
                exprs.append(name)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(exprs)} FROM {table}")
    # one output of an experiment's oldest version grows to 10 MB: its cases page too
    con.execute("UPDATE results SET raw_output = raw_output || repeat('A', ?) "
                "WHERE rowid = (SELECT min(r.rowid) FROM results r JOIN runs u USING (run_id) "
                "WHERE u.experiment_version = (SELECT min(version) FROM experiments e "
                "WHERE e.experiment_id = u.experiment_id))", [BIG])
    con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory, copy_test_site):
    root = tmp_path_factory.mktemp("hostile")
    project = copy_test_site(SITE, root / "project", shutil.ignore_patterns("*.in"))
    db = project / "results.duckdb"
    make_hostile_copy(ROOT / "results.duckdb", db)
    con = duckdb.connect(str(db), read_only=True)
    experiment = con.execute("SELECT min(experiment_id) FROM runs").fetchall()[0][0]
    # two models of that experiment, so that `compare` has cases in common (an adapter model
    # ran only its own experiment)
    models = [r[0] for r in con.execute(
        "SELECT DISTINCT model_id FROM runs WHERE experiment_id = ? ORDER BY 1",
        [experiment]).fetchall()]
    con.close()
    post = (SITE / "hostile.md.in").read_text()
    for key, value in {"TITLE_PAYLOAD": hostile("title"), "A_MODEL": models[0],
                       "B_MODEL": models[-1], "EXPERIMENT": experiment}.items():
        # JSON is YAML: a quoted scalar the payload cannot break out of
        post = post.replace(f'"{key}"' if f'"{key}"' in post else key, json.dumps(value))
    (project / "posts" / "posts").mkdir(parents=True, exist_ok=True)
    (project / "posts" / "posts" / "hostile.md").write_text(post)
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(root / "site")],
                       cwd=project, capture_output=True, text=True, timeout=600,
                       env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-3000:]
    return root / "site"


@pytest.fixture(scope="module")
def served(built):
    site = built
    with serve(site) as base:
        yield site, base


INERT_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) bad.push(`${el.tagName} ${name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(name)
          && /^\\s*javascript:/i.test(a.value)) bad.push(`${el.tagName} ${name}=${a.value}`);
    }
  }
  for (const sel of ['img[src="x"]', 'iframe', 'svg[onload]', '.md-content script:not([type])'
                     + ':not([src])']) {
    document.querySelectorAll(sel).forEach(el => bad.push('element ' + sel));
  }
  return {bad, title: document.title, pwned: window.__pwned === 1,
          text: document.body.innerText};
}"""


def test_the_build_is_bounded(built):
    """A 10 MB output neither hangs the build nor balloons a page; all of it stays reachable."""
    site = built  # a hang fails on the build's subprocess timeout
    biggest = max(p.stat().st_size for p in site.rglob("*.html"))
    assert biggest < 3_000_000, biggest
    # the search index grows with the data, never with one value: the output is clipped there
    run = "A" * (DISPLAY_CHARS + 1)
    assert run not in (site / "search" / "search_index.json").read_text()
    assert not [p for p in site.rglob("*.html") if run in p.read_text()]
    texts = list((site / "assets" / "llmx" / "data" / "text").glob("*.txt"))
    full = [t for t in texts if t.stat().st_size > BIG]
    assert len(full) == 1
    linked = [p for p in site.rglob("cases*/index.html") if full[0].name in p.read_text()]
    assert linked, "no cases page links the whole output"


def test_every_page_is_inert_in_chromium(served, browser):
    site, base = served
    pages = site_pages(site)
    assert any(p.startswith("models/") and p != "models/" for p in pages)
    assert any("cases" in p for p in pages)
    problems, seen_text = [], []
    for rel in pages:
        errors, dialogs = [], []
        page = open_page(browser, f"{base}/{rel}", errors, dialogs)
        n = page.locator(".llmx-chart").count()
        if n:
            page.wait_for_function(
                "n => document.querySelectorAll('.llmx-chart svg.main-svg').length >= n", arg=n)
            box = page.locator(".llmx-chart").first.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(150)  # hover labels are drawn from the data
        result = page.evaluate(INERT_CHECK)
        if errors or dialogs or result["bad"] or result["pwned"] or result["title"] == "pwned":
            problems.append((rel, errors, dialogs, result["bad"][:5], result["title"]))
        if "1337000" in result["text"] or "jinja-if" in result["text"].replace(
                "{% if true %}jinja-if{% endif %}", ""):
            problems.append((rel, "a template was evaluated"))
        seen_text.append(result["text"])
        page.close()
    assert problems == []
    shown = "\n".join(seen_text)
    # ... and the payloads are there, as the characters they are
    for literal in ("<script>document.title='pwned'", "{{ 1337*1000 }}", "**bold**",
                    "[md-link](javascript:alert('md'))", "&lt;script&gt;", "<b>plotly-bold</b>"):
        assert literal in shown, literal


def test_chart_labels_are_drawn_as_text(served, browser):
    """plotly.js reads <b>, <a href>, <br> in labels: ours must draw them as characters."""
    site, base = served
    page = browser.new_page()
    page.goto(f"{base}/hostile/")
    page.wait_for_selector(".llmx-chart svg.main-svg")
    legend = page.evaluate("() => [...document.querySelectorAll('.llmx-chart .legendtext')]"
                           ".map(t => t.textContent).join(' ')")
    assert "<b>plotly-bold</b>" in legend
    assert page.locator(".llmx-chart a").count() == 0
    page.close()


def test_search_results_are_text(served, browser):
    _, base = served
    events = []
    page = browser.new_page()
    page.on("dialog", lambda d: (events.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: events.append(str(exc)))
    page.goto(f"{base}/")
    page.keyboard.press("s")  # Material's shortcut: focus the search box
    page.keyboard.type("indented")  # a word that stands alone in every payload
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    assert "<script>" in page.locator(".md-search-result").first.inner_text()
    page.wait_for_timeout(300)
    assert events == []
    assert page.evaluate(INERT_CHECK)["bad"] == []
    page.close()


def test_csv_cells_are_formula_safe(built):
    site = built
    files = list((site / "assets" / "llmx" / "data").glob("*.csv"))
    assert files
    unsafe, protected = [], 0
    csv.field_size_limit(sys.maxsize)
    for f in files:
        with f.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        for row in rows:
            for cell in row:
                protected += cell.startswith("'") and cell[1:2] in LEADS
                if cell.startswith(LEADS + ("\r",)):
                    try:
                        float(cell)
                    except ValueError:
                        unsafe.append((f.name, cell[:40]))
    assert unsafe == []
    assert protected > 0  # the hostile cells are there, defused


def test_rss_items_carry_text_only(built):
    site = built
    feed = ET.parse(site / "feed_rss_created.xml")
    items = feed.findall(".//item")
    assert items
    for item in items:
        for field in ("title", "description"):
            html = item.findtext(field) or ""
            soup = BeautifulSoup(html, "html.parser")
            assert not soup.find_all(["script", "iframe", "img", "svg"]) or all(
                el.name == "script" and el.get("type") == "application/json"
                for el in soup.find_all(["script", "iframe", "img", "svg"]))
            for el in soup.find_all(True):
                assert not [a for a in el.attrs if a.lower().startswith("on")], el
                assert not str(el.get("href", "")).strip().lower().startswith("javascript:")
