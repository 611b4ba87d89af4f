"""'Run this query' (issue 24) in a real headless Chromium: DuckDB-Wasm, vendored under
assets/llmx/duckdb/ (pipeline/site/assets/duckdb/build.sh), runs a block's SQL over the page's
Parquet extracts on a click, and nothing of it loads before.

Most tests read a hand-made page (`demo`, built here with the markup, blocks.json and Parquet
files of the contract between the build and runquery.js, its `expected` rows computed by the
Python duckdb), so they test the browser side alone; the last one clicks every block of every
post of the repository's own site. DuckDB-Wasm must be built (`make` does it): without it these
tests skip, and fail under --require-all (CI).
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from helpers import open_page, serve, site_pages
from pipeline.site.builder import source
from pipeline.site.builder.source import DUCKDB_FILES, copy_assets, duckdb_dist

HOSTILE = "<img src=x onerror=alert(1)>"
KEY = "posts-demo"
SQL_DIR = f"assets/llmx/sql/{KEY}"
DONE = "el => ['done', 'error', 'cancelled'].includes(el.getAttribute('data-llmx-state'))"
LOAD_TIMEOUT = 120_000  # ms: a first click fetches and compiles a 34 MB wasm


def require_duckdb_wasm() -> None:
    dist = duckdb_dist()
    missing = [n for n in DUCKDB_FILES if not (dist / n).is_file()]
    if missing:
        message = (f"DuckDB-Wasm is not built ({dist} lacks {', '.join(missing)}): run make, "
                   "or sh pipeline/site/assets/duckdb/build.sh")
        if os.environ.get("LLMX_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


# ------------------------------------------------------------------ the hand-made page

RATES = ("SELECT model_id, count(*) AS n, sum(passed::INT) AS k, avg(passed::INT) AS pass_rate "
         "FROM outcomes GROUP BY model_id ORDER BY model_id")
MACRO = ("CREATE MACRO wilson_ci(a0, a1) AS (SELECT coalesce(max(result), error("
         "'wilson_ci: no value for the inputs (' || a0 || ', ' || a1 || '): the site computed "
         "it only for the inputs its pages use')) FROM llmx_stats "
         "WHERE key = 'wilson_ci|' || a0 || '|' || a1)")
BLOCKS = [
    # a table showing the named query `rates`
    {"kind": "table", "query": "rates", "sql": RATES, "needs": [], "stats": []},
    # a chart over `rates` calling a statistics function (a memo lookup)
    {"kind": "chart", "query": None, "needs": ["rates"], "stats": ["wilson_ci"],
     "sql": "SELECT model_id, pass_rate, wilson_ci(k, n) AS ci FROM rates ORDER BY model_id"},
    # every kind of value the contract converts, and a hostile model output
    {"kind": "table", "query": None, "needs": [], "stats": [],
     "sql": "SELECT model_id, case_id, output, created, finished_at, latency, tokens, "
            "{'tokens': tokens, 'passed': [passed, NOT passed]} AS nested, 'nan'::DOUBLE AS nan "
            "FROM outcomes WHERE case_id IN ('c01', 'c02') ORDER BY model_id, case_id"},
    # a relation whose extract holds no row
    {"kind": "table", "query": None, "needs": [], "stats": [],
     "sql": "SELECT count(*) AS n, max(note) AS note FROM nothing"},
    # one the build could not re-run from the extracts
    {"kind": "table", "query": None, "needs": [], "stats": [], "reproducible": False,
     "reason": "it reads a table the page's extracts do not hold",
     "sql": "SELECT count(*) AS cases FROM outcomes"},
]


def _json_value(v: Any) -> Any:
    """A Python duckdb value as the contract writes it in `expected.rows`."""
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.UTC)
        return v.timestamp() * 1000
    if isinstance(v, datetime.date):
        return (v - datetime.date(1970, 1, 1)).days * 86_400_000
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    raise TypeError(f"no JSON form for {type(v).__name__}")


def make_demo_site(root: Path) -> Path:
    """The demo page at root/posts/demo/ with its blocks.json and Parquet files, and the
    site's assets (copy_assets, DuckDB-Wasm included)."""
    copy_assets(root)
    data = root / SQL_DIR
    data.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("""CREATE TABLE outcomes AS SELECT
        'm' || (i % 3 + 1) AS model_id, 'c' || lpad(((i // 3) + 1)::VARCHAR, 2, '0') AS case_id,
        (i * 7 % 5) < 3 AS passed,
        CASE WHEN i = 4 THEN '""" + HOSTILE + """' ELSE 'out ' || i END AS output,
        DATE '2026-01-01' + (i % 4)::INT AS created,
        TIMESTAMP '2026-01-02 03:04:05.123' + INTERVAL (i) MINUTE AS finished_at,
        (i / 8)::DECIMAL(8, 3) AS latency, (1000000000000 + i)::BIGINT AS tokens
        FROM range(60) t(i)""")
    con.execute(f"COPY outcomes TO '{data / 'outcomes.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT 'x' AS note WHERE false) TO '{data / 'nothing.parquet'}' "
                "(FORMAT parquet)")
    rates = con.execute(RATES).fetchall()
    con.execute("CREATE TABLE memo AS SELECT * FROM (VALUES " + ", ".join(
        f"('wilson_ci|{k}|{n}', '[{k / n - 0.1:.4f}, {k / n + 0.1:.4f}]')"
        for _, n, k, _ in rates) + ") v(key, result)")
    con.execute(f"COPY memo TO '{data / 'llmx_stats.parquet'}' (FORMAT parquet)")
    con.close()
    setup = ["CREATE VIEW outcomes AS SELECT * FROM read_parquet('outcomes.parquet')",
             "CREATE VIEW llmx_stats AS SELECT * FROM read_parquet('llmx_stats.parquet')",
             MACRO]
    spec: dict[str, Any] = {
        "version": 1, "page": "posts/demo.md",
        # a file is read as the table its entry names, or through read_parquet('<name>')
        "files": [{"name": f"{r}.parquet", "relation": r if r != "llmx_stats" else None,
                   "rows": 0, "bytes": (data / f"{r}.parquet").stat().st_size, "columns": [],
                   **({"table": r} if r == "nothing" else {})}
                  for r in ("outcomes", "nothing", "llmx_stats")],
        "setup": setup, "functions": {"wilson_ci": "statsmodels"},
        "queries": [{"name": "rates", "sql": RATES}], "blocks": []}
    # the expected rows, as the build computes them: the Python duckdb over the same files
    py = duckdb.connect()
    py.execute(f"SET file_search_path = '{data}'")
    py.execute("CREATE TABLE nothing AS SELECT * FROM read_parquet('nothing.parquet')")
    for statement in setup:
        py.execute(statement)
    py.execute(f'CREATE TEMP TABLE "rates" AS {RATES}')
    for i, b in enumerate(BLOCKS):
        rel = py.sql(b["sql"])
        expected = {"columns": rel.columns, "types": [str(t) for t in rel.types],
                    "rows": [_json_value(list(r)) for r in rel.fetchall()], "truncated": False}
        spec["blocks"].append({"id": i, "line": 10 * i, "columns": None, "format": {},
                               "reproducible": True, "reason": "", **b, "expected": expected})
    py.close()
    (data / "blocks.json").write_text(json.dumps(spec, indent=1))
    page = root / "posts" / "demo" / "index.html"
    page.parent.mkdir(parents=True)
    runs = "\n".join(
        f'<div class="llmx-table"><table><thead><tr><th>block {b["id"]}</th></tr></thead>'
        f'<tbody><tr><td>{b["kind"]}</td></tr></tbody></table></div>\n'
        f'<div class="llmx-run" data-llmx-block="{b["id"]}"><button type="button" '
        'class="llmx-run__button">Run this query</button></div>' for b in spec["blocks"])
    page.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<link rel="stylesheet" href="../../assets/llmx/results.css"></head>
<body><article class="md-typeset"><h1>Demo</h1>
{runs}
<div class="llmx-sql-page" data-blocks="../../{SQL_DIR}/blocks.json"
 data-duckdb="../../assets/llmx/duckdb/" hidden></div>
</article><script src="../../assets/llmx/tables.js"></script></body></html>
""")
    return root


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    require_duckdb_wasm()
    root = make_demo_site(tmp_path_factory.mktemp("run_query"))
    with serve(root) as base:
        yield root, f"{base}/posts/demo/"


@pytest.fixture(scope="module")
def demo_page(demo, browser):
    """One page with the engine warm, for the tests that only run queries (each its block)."""
    _, url = demo
    errors: list[str] = []
    dialogs: list[str] = []
    page = open_page(browser, url, errors, dialogs)
    yield page, errors, dialogs
    page.close()


def click_run(page: Any, block: int, timeout: float = LOAD_TIMEOUT) -> dict[str, Any]:
    """Click block *block*'s button (the first time: "Run this query"; then the panel's Run)
    and wait for its run to end; its result as window.llmxRunQuery holds it."""
    box = page.locator(f'.llmx-run[data-llmx-block="{block}"]')
    first = box.locator(".llmx-run__button")
    (first if first.is_visible() else box.locator(".llmx-run__go")).click()
    page.wait_for_function(
        f"() => {{ const el = document.querySelector('.llmx-run[data-llmx-block=\"{block}\"]');"
        f" return el && ({DONE})(el); }}", timeout=timeout)
    return page.evaluate(f"window.llmxRunQuery.results[{block}]")


def run_sql(page: Any, block: int, sql: str) -> dict[str, Any]:
    """Open block *block* if needed, put *sql* in its editor and run it."""
    box = page.locator(f'.llmx-run[data-llmx-block="{block}"]')
    if box.locator(".llmx-run__sql").count() == 0:
        click_run(page, block)
    box.locator(".llmx-run__sql").fill(sql)
    return click_run(page, block)


# ------------------------------------------------------------------ the tests

def test_nothing_loads_before_a_click_and_nothing_leaves_the_site(demo, browser):
    root, url = demo
    base = url.split("/posts/")[0]
    ctx = browser.new_context()
    requests: list[str] = []
    outside: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    ctx.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
              if not route.request.url.startswith(base) else route.continue_())
    page = ctx.new_page()
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    lazy = re.compile(r"runquery\.js|blocks\.json|\.parquet|/duckdb/")
    assert [u for u in requests if lazy.search(u)] == []
    assert page.evaluate("typeof window.llmxRunQuery") == "undefined"
    t0 = time.monotonic()
    result = click_run(page, 0)
    first_click = time.monotonic() - t0
    print(f"first click to result: {first_click:.2f} s")
    assert result["matches"] is True, result["error"]
    loaded = {u.rsplit("/", 1)[1] for u in requests if lazy.search(u)}
    assert {"runquery.js", "blocks.json", "duckdb.mjs", "duckdb-browser-eh.worker.js",
            "duckdb-eh.wasm", "parquet_wasm_bg.wasm", "outcomes.parquet", "nothing.parquet",
            "llmx_stats.parquet"} <= loaded, loaded
    assert outside == [] and all(u.startswith((base, "blob:", "data:")) for u in requests), \
        [u for u in requests if not u.startswith(base)]
    ctx.close()


def test_clicking_reproduces_each_block(demo_page):
    page, errors, dialogs = demo_page
    for block in (0, 1, 2, 3):
        result = click_run(page, block)
        assert result["error"] is None and result["matches"] is True, (block, result)
        box = page.locator(f'.llmx-run[data-llmx-block="{block}"]')
        assert "as the table above" in box.locator(".llmx-run__compare").inner_text()
    # the contract's conversions: DATE/TIMESTAMP as epoch ms, BIGINT and DECIMAL as numbers,
    # STRUCT and LIST as JSON, NaN as null; the hostile output a string, shown as text
    got = page.evaluate("window.llmxRunQuery.results[2]")
    row = dict(zip(got["columns"], got["rows"][0], strict=True))
    assert row["created"] == 1767225600000 and row["tokens"] == 1000000000000
    assert row["nested"] == {"tokens": 1000000000000, "passed": [row["nested"]["passed"][0],
                                                               not row["nested"]["passed"][0]]}
    assert row["nan"] is None and [r[5] for r in got["rows"]] == [0, 0.375, 0.125, 0.5, 0.25, 0.625]
    table = page.locator('.llmx-run[data-llmx-block="2"] .llmx-run__table')
    assert table.locator("img").count() == 0
    assert table.get_by_text(HOSTILE, exact=True).count() == 1
    assert errors == [] and dialogs == []


def test_a_block_the_build_could_not_rerun_says_why(demo_page):
    page, *_ = demo_page
    result = click_run(page, 4)
    assert result["error"] is None
    note = page.locator('.llmx-run[data-llmx-block="4"] .llmx-run__notes').inner_text()
    assert "it reads a table the page's extracts do not hold" in note


def test_the_block_names_its_statistics_functions(demo_page):
    page, *_ = demo_page
    click_run(page, 1)
    note = page.locator('.llmx-run[data-llmx-block="1"] .llmx-run__notes').inner_text()
    assert "wilson_ci (statsmodels)" in note and "ran in Python" in note


def test_an_edited_query_runs(demo_page):
    page, errors, _ = demo_page
    result = run_sql(page, 0, "SELECT model_id, count(*) AS cases, min(created) AS first "
                              "FROM outcomes GROUP BY ALL ORDER BY 1")
    assert result["error"] is None and result["matches"] is None
    assert result["columns"] == ["model_id", "cases", "first"]
    assert result["rows"] == [["m1", 20, 1767225600000], ["m2", 20, 1767225600000],
                              ["m3", 20, 1767225600000]]
    assert "Edited query" in page.locator(
        '.llmx-run[data-llmx-block="0"] .llmx-run__compare').inner_text()
    # Reset SQL brings the block's own query back, and it matches again
    box = page.locator('.llmx-run[data-llmx-block="0"]')
    box.locator(".llmx-run__reset").click()
    assert click_run(page, 0)["matches"] is True
    assert errors == []


def test_an_error_in_the_readers_sql_is_text(demo_page):
    page, _, dialogs = demo_page
    result = run_sql(page, 0, "SELECT * FROM nowhere")
    assert "nowhere" in result["error"]
    box = page.locator('.llmx-run[data-llmx-block="0"]')
    assert box.get_attribute("data-llmx-state") == "error"
    assert "nowhere" in box.locator(".llmx-run__error").inner_text()
    # markup in an error message, or in a value, stays text
    result = run_sql(page, 0, f"SELECT error('{HOSTILE}')")
    assert HOSTILE in box.locator(".llmx-run__error").inner_text()
    result = run_sql(page, 0, f"SELECT output AS \"{HOSTILE}\" FROM outcomes "
                              "WHERE output LIKE '<img%'")
    assert result["columns"] == [HOSTILE] and result["rows"] == [[HOSTILE]]
    assert box.locator("img").count() == 0 and page.locator("img").count() == 0
    page.wait_for_timeout(200)
    assert dialogs == []


def test_a_statistics_lookup_miss_shows_duckdbs_error(demo_page):
    page, *_ = demo_page
    result = run_sql(page, 1, "SELECT model_id, wilson_ci(k + 1, n) AS ci FROM rates")
    assert result["error"] and "wilson_ci: no value for the inputs" in result["error"]
    text = page.locator('.llmx-run[data-llmx-block="1"] .llmx-run__error').inner_text()
    assert "Invalid Input Error: wilson_ci" in text


def test_rows_are_capped_on_the_page_and_in_downloads(demo_page):
    page, *_ = demo_page
    result = run_sql(page, 2, "SELECT i, i * 2 AS j FROM range(5000) t(i)")
    assert result["rowCount"] == 5000
    box = page.locator('.llmx-run[data-llmx-block="2"]')
    assert box.locator(".llmx-run__table tbody tr").count() == 1000
    assert "5,000 rows; showing the first 1,000" in box.locator(".llmx-run__status").inner_text()
    run_sql(page, 2, "SELECT * FROM range(1000001)")
    box.locator(".llmx-run__csv").click()
    assert "downloads stop at 1,000,000 rows" in box.locator(".llmx-run__status").inner_text()


def test_downloads_csv_and_parquet(demo, browser, tmp_path):
    root, url = demo
    page = browser.new_page(accept_downloads=True)
    page.goto(url)
    click_run(page, 0)
    box = page.locator('.llmx-run[data-llmx-block="0"]')
    files = {}
    for kind in ("csv", "parquet"):
        with page.expect_download() as info:
            box.locator(f".llmx-run__{kind}").click()
        files[kind] = tmp_path / f"r.{kind}"
        info.value.save_as(files[kind])
    lines = files["csv"].read_text().splitlines()
    assert lines[0] == "model_id,n,k,pass_rate" and len(lines) == 4
    con = duckdb.connect()
    con.execute(f"CREATE VIEW outcomes AS SELECT * FROM '{root / SQL_DIR / 'outcomes.parquet'}'")
    assert con.sql(f"SELECT * FROM '{files['parquet']}'").fetchall() == con.sql(RATES).fetchall()
    assert lines[1:] == [",".join(map(str, r)) for r in con.sql(RATES).fetchall()]
    con.close()
    page.close()


def test_cancel_and_the_time_limit_stop_a_long_query(demo, browser):
    _, url = demo
    page = browser.new_page()
    page.goto(url)
    click_run(page, 0)
    box = page.locator('.llmx-run[data-llmx-block="0"]')
    long = "SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3"
    box.locator(".llmx-run__sql").fill(long)
    box.locator(".llmx-run__go").click()
    page.wait_for_timeout(500)
    assert box.get_attribute("data-llmx-state") == "running"
    box.locator(".llmx-run__cancel").click()
    page.wait_for_function(f"() => ({DONE})(document.querySelector("
                           "'.llmx-run[data-llmx-block=\"0\"]'))", timeout=5000)
    assert box.get_attribute("data-llmx-state") == "cancelled"
    assert "Cancelled" in box.locator(".llmx-run__status").inner_text()
    # the next run starts the engine again
    box.locator(".llmx-run__reset").click()
    assert click_run(page, 0)["matches"] is True
    # the time limit (60 s; 1 s here)
    page.evaluate("window.llmxRunQuery.timeoutSeconds = 1")
    box.locator(".llmx-run__sql").fill(long)
    result = click_run(page, 0, timeout=60_000)  # behaviour, not time: stopped, and says so
    assert box.get_attribute("data-llmx-state") == "cancelled"
    assert "Stopped after 1 s" in result["error"]
    page.close()


def test_a_page_opened_from_disk_says_how_to_serve_it(demo, browser):
    root, _ = demo
    page = browser.new_page()
    page.goto((root / "posts" / "demo" / "index.html").as_uri())
    page.locator('.llmx-run[data-llmx-block="0"] .llmx-run__button').click()
    box = page.locator('.llmx-run[data-llmx-block="0"]')
    page.wait_for_function("() => document.querySelector('.llmx-run').getAttribute("
                           "'data-llmx-state') === 'error'", timeout=5000)
    text = box.inner_text()
    assert "file://" in text and "python3 -m http.server" in text
    page.close()


def test_a_site_built_without_duckdb_wasm_says_so(tmp_path, browser, monkeypatch):
    monkeypatch.setenv("LLMX_DUCKDB_WASM_DIST", str(tmp_path / "nowhere"))
    monkeypatch.setattr(source, "_warned_duckdb", False)
    root = make_demo_site(tmp_path / "site")
    assert not (root / "assets/llmx/duckdb/duckdb-eh.wasm").exists()
    with serve(root) as base:
        page = browser.new_page()
        page.goto(f"{base}/posts/demo/")
        result = click_run(page, 0, timeout=20_000)
        assert "DuckDB-Wasm was not bundled with this build" in result["error"]
        assert "not bundled" in page.locator('.llmx-run[data-llmx-block="0"]').inner_text()
        page.close()


# ------------------------------------------------------------------ the repository's site

def test_every_block_of_every_post_reproduces_its_table(repo_site, browser):
    """Every .llmx-run of every page of the site: a click runs the block's query in
    DuckDB-Wasm over the page's extracts and gets the rows the page shows. A block the build
    marked `reproducible: false` must say why instead, and there is none on this site."""
    require_duckdb_wasm()
    pages = [rel for rel in site_pages(repo_site)
             if "llmx-sql-page" in (repo_site / rel / "index.html"
                                    if not rel.endswith(".html") else repo_site / rel)
             .read_text(encoding="utf-8")]
    assert pages, "no page of the site has a 'Run this query' button"
    failures, blocks, unreproducible = [], 0, []
    with serve(repo_site) as base:
        for rel in pages:
            errors: list[str] = []
            dialogs: list[str] = []
            page = open_page(browser, f"{base}/{rel}", errors, dialogs)
            ids = page.eval_on_selector_all(".llmx-run", "els => els.map(e => "
                                            "Number(e.getAttribute('data-llmx-block')))")
            for block in ids:
                result = click_run(page, block)
                blocks += 1
                spec = page.evaluate("async id => { const d = document.querySelector("
                                     "'.llmx-sql-page'); const r = await fetch(new URL("
                                     "d.dataset.blocks, document.baseURI)); return (await "
                                     "r.json()).blocks.find(b => b.id === id); }", block)
                if not spec["reproducible"]:
                    unreproducible.append(f"{rel} block {block}: {spec['reason']}")
                    note = page.locator(f'.llmx-run[data-llmx-block="{block}"] '
                                        ".llmx-run__notes").inner_text()
                    if spec["reason"] not in note:
                        failures.append(f"{rel} block {block}: its reason is not shown")
                elif result["matches"] is not True:
                    failures.append(f"{rel} block {block}: {result['error'] or result}")
            # a query's error is shown on the page, never thrown at the console
            failures += errors + [f"{rel}: dialog {d}" for d in dialogs]
            page.close()
    assert blocks
    assert failures == [], "\n".join(failures[:20])
    assert unreproducible == [], \
        f"{len(unreproducible)} of {blocks} blocks cannot run in the browser:\n" + \
        "\n".join(unreproducible[:20])


def test_the_wasm_is_the_one_package_lock_pins():
    """build.sh vendors the npm package package-lock.json pins (with its integrity hash)."""
    lock = json.loads((Path(source.__file__).parents[1] / "assets" / "duckdb" /
                       "package-lock.json").read_text())
    pkg = lock["packages"]["node_modules/@duckdb/duckdb-wasm"]
    assert pkg["version"] == "1.32.0" and pkg["integrity"].startswith("sha512-")
    assert all("resolved" not in p for p in lock["packages"].values())
