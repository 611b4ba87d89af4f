"""The browser export of a page (pipeline.site.core.browser_sql), in Python DuckDB: what the
"Run this query" button gets. The real browser runs the same files in tests/site/
test_browser_sql.py; here the export's own promises: only the relations and columns the page
names, the statistics as lookups that give the build's values and refuse new inputs with a
message, json calls flagged, and nothing that does not reproduce marked as if it did."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipeline.site.core import browser_sql, sql_functions
from pipeline.stats import wilson_interval
from pipeline.store import open_read

PAGE = """
```sql rates
SELECT model_id, count(*) AS n, count(*) FILTER (WHERE passed) AS passed,
       wilson_ci(count(*) FILTER (WHERE passed), count(*)) AS ci
FROM outcomes GROUP BY model_id ORDER BY model_id
```

```table
query: rates
columns: {model_id: Model, n: Cases}
```

```sql pairs
SELECT count(*) FILTER (WHERE a.passed AND NOT b.passed) AS a_only,
       count(*) FILTER (WHERE b.passed AND NOT a.passed) AS b_only, count(*) AS n
FROM outcomes a JOIN outcomes b USING (case_id)
WHERE a.model_id = 'm1' AND b.model_id = 'm2'
```

```table
sql: "SELECT mcnemar_test(b_only, a_only, n) AS t,
      p_adjust([0.01, 0.04, 0.2], 'holm') AS adj FROM pairs"
```

```table
sql: "SELECT model_id, json_extract_string('{\\"a\\": 1}', '$.a') AS a FROM rates"
```
"""


@pytest.fixture
def export(results_db):
    con = open_read(results_db())
    try:
        yield browser_sql.export_page(PAGE, con, "posts-p", "posts/p.md")
    finally:
        con.close()


def _files(export, tmp_path):
    for rel, data in export.files.items():
        (tmp_path / rel.rsplit("/", 1)[-1]).write_bytes(data)
    return json.loads((tmp_path / "blocks.json").read_text())


def _browser(tmp_path, spec) -> duckdb.DuckDBPyConnection:
    """A connection set up as runquery.js sets DuckDB-Wasm up: each file a table of its
    name, then the page's setup statements."""
    con = duckdb.connect()
    for f in spec["files"]:
        con.execute(f'CREATE TABLE "{f["table"]}" AS SELECT * FROM '
                    f"read_parquet('{tmp_path / f['name']}')")
    for stmt in spec["setup"]:
        con.execute(stmt)
    return con


def test_every_block_reproduces_and_names_what_it_needs(export, tmp_path):
    spec = _files(export, tmp_path)
    blocks = spec["blocks"]
    assert [b["kind"] for b in blocks] == ["table"] * 3
    assert blocks[0]["query"] == "rates" and blocks[0]["needs"] == []
    assert blocks[1]["query"] is None and blocks[1]["needs"] == ["pairs"]
    assert blocks[0]["stats"] == ["wilson_ci"]
    assert set(blocks[1]["stats"]) == {"mcnemar_test", "p_adjust"}
    assert blocks[0]["reproducible"] and blocks[1]["reproducible"], [b["reason"] for b in blocks]
    # the expected rows are the page's: counts, and the Wilson interval statsmodels gives
    cols = blocks[0]["expected"]["columns"]
    row = dict(zip(cols, blocks[0]["expected"]["rows"][0], strict=True))
    lo, hi = wilson_interval(row["passed"], row["n"])
    assert row["ci"]["low"] == pytest.approx(lo) and row["ci"]["high"] == pytest.approx(hi)


def test_a_json_call_is_flagged_with_the_reason(export, tmp_path):
    spec = _files(export, tmp_path)
    block = spec["blocks"][2]
    assert block["extensions"] == ["json"] and not block["reproducible"]
    assert "json" in block["reason"] and "never contacts" in block["reason"]
    assert export.problems == []  # the button explains it; the build does not warn


def test_a_named_query_that_calls_json_ships_as_its_result(results_db, tmp_path):
    """DuckDB-Wasm has no json functions: such a named query's result ships, and the block
    over it still runs its own SQL in the browser."""
    page = ("```sql j\nSELECT model_id, json_extract_string('{\"a\": 1}', '$.a') AS a, "
            "passed FROM outcomes\n```\n\n```table\nsql: \"SELECT model_id, count(*) AS n "
            "FROM j GROUP BY ALL ORDER BY 1\"\n```\n")
    con = open_read(results_db())
    try:
        export = browser_sql.export_page(page, con, "k", "p.md")
    finally:
        con.close()
    spec = _files(export, tmp_path)
    block = spec["blocks"][0]
    assert block["reproducible"] and block["precomputed"] == ["j"] and block["needs"] == []
    assert {f["table"] for f in spec["files"]} == {"j"}
    assert spec["queries"] == [{"name": "j", "sql": spec["queries"][0]["sql"],
                                "precomputed": True}]
    con = _browser(tmp_path, spec)
    assert browser_sql.frame_rows(con.execute(block["sql"]).df()) == block["expected"]["rows"]


def test_extracts_hold_only_the_relations_and_columns_the_page_names(export, tmp_path):
    spec = _files(export, tmp_path)
    tables = {f["table"]: f["columns"] for f in spec["files"]}
    assert set(tables) == {"outcomes", "llmx_memo_wilson_ci", "llmx_memo_mcnemar_test",
                           "llmx_memo_p_adjust"}
    assert set(tables["outcomes"]) == {"model_id", "passed", "case_id"}
    assert all(f["bytes"] > 0 for f in spec["files"])
    assert export.total_bytes == sum(f["bytes"] for f in spec["files"])


def test_the_browser_setup_gives_the_build_values_and_refuses_new_inputs(export, tmp_path):
    spec = _files(export, tmp_path)
    con = _browser(tmp_path, spec)
    for q in spec["queries"]:
        con.execute(f'CREATE TEMP TABLE "{q["name"]}" AS {q["sql"]}')
    got = con.execute(spec["blocks"][0]["sql"]).df()
    assert browser_sql.frame_rows(got) == spec["blocks"][0]["expected"]["rows"]
    # the same statistic on inputs the page never used: an error naming it, never a number
    with pytest.raises(duckdb.Error, match=r"wilson_ci\(\) runs in Python \(statsmodels\)"):
        con.execute("SELECT wilson_ci(3, 1000)").fetchall()
    # an edited query that keeps the inputs still finds them
    assert con.execute("SELECT (wilson_ci(passed, n)).trials FROM rates ORDER BY model_id"
                       ).fetchall() == [(r[1],) for r in spec["blocks"][0]["expected"]["rows"]]


def test_the_lookup_key_ignores_list_order_and_last_bits():
    """A list of rows gathered in another order, or a double that differs in its 15th digit
    (summation order in another engine), finds the same value."""
    con = duckdb.connect()
    macro = browser_sql._macro("paired_test", record=False)
    key = macro.split(" AS ", 1)[1].split("map_extract(getvariable('llmx_paired_test'), ", 1)[1]
    key = key.split(")[1]", 1)[0]
    con.execute(f"CREATE MACRO k(a0) AS {key}")
    a = "[{'stratum': 's', 'a': 1.0, 'b': 0.0}, {'stratum': 't', 'a': 0.5, 'b': NULL}]"
    b = ("[{'stratum': 't', 'a': 0.5000000000000001, 'b': NULL}, "
         "{'stratum': 's', 'a': 1.0, 'b': 0.0}]")
    assert con.execute(f"SELECT k({a}) = k({b})").fetchone()[0]
    assert not con.execute(f"SELECT k({a}) = k([{{'stratum': 's', 'a': 1.0, 'b': 1.0}}])"
                           ).fetchone()[0]


def test_every_statistics_function_has_a_library_and_a_macro():
    assert set(browser_sql.LIBRARIES) == set(sql_functions.FUNCTIONS)
    con = duckdb.connect()
    for stmt in browser_sql.browser_setup([]):
        con.execute(stmt)  # each macro and empty map parses and binds


def test_a_page_without_charts_or_tables_exports_nothing(results_db):
    con = open_read(results_db())
    try:
        assert browser_sql.export_page("```sql x\nSELECT 1\n```\n", con, "k", "p.md") is None
    finally:
        con.close()


def test_page_key_is_a_slug_of_the_source_path():
    assert browser_sql.page_key("posts/my post.md") == "posts-my-post"
    assert browser_sql.page_key("../../etc/passwd.md") == "etc-passwd"
