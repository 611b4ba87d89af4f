"""The render core, without MkDocs: Markdown + DB → Markdown."""

import pytest

from helpers import RATES
from pipeline.site.core.errors import RenderError
from pipeline.site.core.formatting import format_value, round_down_plus
from pipeline.site.core.render import render_markdown
from pipeline.store import open_read


@pytest.fixture
def con(open_results):
    return open_results({("m1", "plain"): [True, True, False],
                         ("m2", "plain"): [False, False, True]},
                        outputs={"p1": "<img src=x onerror=alert(1)>", "p2": "*bold* [x](y)"})


def test_inline_value_with_ci(con):
    md = RATES + "\nm1: {{ value rates.pass_rate model_id=m1 format=percent ci=passed/n }}."
    out = render_markdown(md, con).markdown
    # 2 of 3: Wilson 95% CI is 20.8%–93.9%
    assert "66.7% (95% CI 20.8–93.9%, n=3)" in out
    assert "```sql" not in out


def test_chart_and_table_render_with_ci(con):
    md = RATES + """
```chart
query: rates
x: variant
color: model_id
successes: passed
trials: n
```

```table
query: rates
columns: {model_id: Model, pass_rate: Pass rate}
format: {pass_rate: percent}
successes: passed
trials: n
```
"""
    r = render_markdown(md, con)
    assert r.charts == 1
    assert 'class="llmx-chart"' in r.markdown
    from bs4 import BeautifulSoup

    rows = [[td.get_text() for td in tr.select("td")]
            for tr in BeautifulSoup(r.markdown, "html.parser").select(".llmx-table tbody tr")]
    assert rows == [["m1", "66.7%", "20.8–93.9%"], ["m2", "33.3%", "6.1–79.2%"]]
    assert '"error_y"' in r.markdown  # Wilson error bars are in the figure


def test_hostile_output_is_escaped(con):
    md = ("```sql o\nSELECT case_id, raw_output FROM results WHERE model_id = 'm1' "
          "ORDER BY case_id\n```\n\n```table\nquery: o\n```\n\n"
          "{{ value o.raw_output case_id=p2 }} {{ value o.raw_output case_id=p1 }}")
    md = md.replace("WHERE model_id = 'm1'",
                    "WHERE run_id IN (SELECT run_id FROM runs WHERE model_id = 'm1')")
    out = render_markdown(md, con).markdown
    assert "<img" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out  # table cell (Jinja autoescape)
    assert "<span class=\"llmx-value\">&#60;img src=x onerror=alert&#40;1&#41;&#62;</span>" in out
    assert "&#42;bold&#42; &#91;x&#93;&#40;y&#41;" in out  # Markdown syntax from data is inert


def test_query_error_names_line_and_duckdb_message(con):
    md = "intro\n\n```sql bad\nSELECT nope FROM results\n```\n"
    with pytest.raises(RenderError) as err:
        render_markdown(md, con, line_offset=4)
    e = err.value
    assert e.line == 7 and "Binder Error" in e.message and "nope" in e.message
    assert e.sql == "SELECT nope FROM results"
    assert e.describe("posts/x.md").startswith("posts/x.md:7: query 'bad' failed")


def test_unknown_component_option_lists_valid_ones(con):
    md = RATES + "\n```chart\nquery: rates\nx: variant\ncolour: model_id\n```\n"
    with pytest.raises(RenderError, match=r"unknown option 'colour' "
                                          r"\(did you mean 'color'\? valid options: .*color"):
        render_markdown(md, con)


def test_misspelt_component_fails_listing_the_valid_ones(con):
    md = RATES + "\n```chrat\nquery: rates\nx: variant\n```\n"
    with pytest.raises(RenderError, match=r"unknown component 'chrat'. Did you mean 'chart'\? "
                       r"Available: .*table") as err:
        render_markdown(md, con)
    assert err.value.line == RATES.count("\n") + 2
    # ordinary code fences stay code, even YAML that happens to have a query key
    plain = "```yaml\nquery: rates\n```\n\n```python\nquery: int = 1\n```\n"
    out = render_markdown(plain, con).markdown
    assert "query: int = 1" in out and "query: rates" in out


def test_unknown_query_and_ambiguous_value_fail(con):
    with pytest.raises(RenderError, match="unknown query 'nope'"):
        render_markdown("{{ value nope.x }}", con)
    with pytest.raises(RenderError, match="matched 2 rows"):
        render_markdown(RATES + "\n{{ value rates.n }}", con)
    with pytest.raises(RenderError, match="column 'modelid' not in query"):
        render_markdown(RATES + "\n{{ value rates.n modelid=m1 }}", con)


def test_code_is_left_alone(con):
    md = "Use `{{ value rates.n }}` inline.\n\n```markdown\n{{ value x.y }}\n```\n"
    assert render_markdown(md, con).markdown == md


def test_later_query_can_use_earlier_one(con):
    md = RATES + "\n```sql best\nSELECT max(pass_rate) AS r FROM rates\n```\n{{ value best.r }}"
    assert "0.667" in render_markdown(md, con).markdown


def test_formats():
    assert format_value(0.7234, "percent") == "72.3%"
    assert format_value(float("nan"), "percent") == "—"
    assert format_value(12345, "auto") == "12,345"
    assert [round_down_plus(n) for n in (7, 999, 2000, 2345, 19876)] == [
        "7", "999", "2,000", "2,300+", "19,000+"]


def test_compare_is_paired_and_says_when_not_significant(con):
    md = ("```sql paired\nSELECT model_id, case_id, passed FROM outcomes\n```\n\n"
          "```compare\nquery: paired\ngroup: model_id\na: m1\nb: m2\n```\n")
    out = render_markdown(md, con).markdown
    # m1 passes p1, p2; m2 passes p3: 2 + 1 discordant pairs, too few for an exact test to
    # reach 0.05 at all: "not testable" and why, never "p = 1"
    assert "not testable at n = 3 (only 3 discordant pairs: an exact test cannot reach" in out
    assert "p = 1" not in out
    assert "-33.3 pp" in out


def test_compare_refuses_unpaired_rows(con):
    md = ("```sql paired\nSELECT model_id, case_id, passed FROM outcomes\n```\n\n"
          "```compare\nquery: paired\ngroup: model_id\na: m1\nb: m9\n```\n")
    with pytest.raises(RenderError, match=r"no rows with model_id = 'm9' \(values: m1, m2\)"):
        render_markdown(md, con)


@pytest.mark.parametrize("opts,trace", [
    ("type: bar\nx: variant\ncolor: model_id\nsuccesses: passed\ntrials: n", "bar"),
    ("type: bar\nx: variant\ny: n\ncolor: model_id\nnormalize: true", "bar"),
    ("type: line\nx: variant\nsuccesses: passed\ntrials: n", "scatter"),
    ("type: scatter\nx: n\ny: pass_rate\ntext: model_id", "scatter"),
    ("type: heatmap\nx: variant\ny: model_id\nz: pass_rate", "heatmap"),
    ("type: confusion\nx: variant\ny: model_id\nz: n", "heatmap"),
])
def test_chart_kinds(con, opts, trace):
    import json as _json
    md = RATES + f"\n```chart\nquery: rates\n{opts}\n```\n"
    out = render_markdown(md, con).markdown
    raw = out.split('type="application/json"', 1)[1].split(">", 1)[1].split("</script>")[0]
    fig = _json.loads(raw)
    assert {t["type"] for t in fig["data"]} == {trace}
    if "normalize" in opts:
        assert fig["layout"]["barnorm"] == "fraction"
        assert fig["layout"]["yaxis"]["tickformat"] == ".0%"
    if "successes" in opts:
        assert all("error_y" in t for t in fig["data"])


def test_heatmap_needs_z(con):
    with pytest.raises(RenderError, match="type heatmap needs 'x', 'y' and 'z'"):
        render_markdown(RATES + "\n```chart\nquery: rates\ntype: heatmap\nx: variant\n```\n", con)


def test_csv_neutralises_spreadsheet_formulas():
    import pandas as pd

    from pipeline.site.core.components.base import csv_bytes

    data = csv_bytes(pd.DataFrame({"out": ["=HYPERLINK(\"x\")", "ok", "-1+1"], "n": [1, 2, 3]}))
    assert data.decode().splitlines() == ["out,n", "\"'=HYPERLINK(\"\"x\"\")\",1", "ok,2",
                                          "'-1+1,3"]


def test_claim_holds_or_fails_the_build_with_the_numbers(con):
    ok = (RATES + "\n```claim\nstatement: m1 beats m2\nsql: SELECT a.pass_rate > b.pass_rate "
          "AS holds, a.pass_rate AS m1, b.pass_rate AS m2 FROM rates a, rates b "
          "WHERE a.model_id = 'm1' AND b.model_id = 'm2'\n```\n")
    assert "Checked claim:</strong> m1 beats m2" in render_markdown(ok, con).markdown
    bad = ok.replace("a.pass_rate > b.pass_rate", "a.pass_rate < b.pass_rate")
    with pytest.raises(RenderError) as err:
        render_markdown(bad, con)
    assert err.value.line == 7
    assert "claim no longer holds: 'm1 beats m2' (m1 = 0.667, m2 = 0.333)" in err.value.message


def test_scope_box_lists_the_runs_behind_the_page(con):
    md = ("```sql r\nSELECT count(*) AS n FROM outcomes WHERE experiment_id = 'tiny_json'\n```\n"
          "\n```scope\n```\n")
    out = render_markdown(md, con).markdown
    assert "Scope: 2 runs, 6 scored outputs (tiny_json)" in out
    assert out.count("<tr>\n<td>m") == 2 and "sha256 abc" in out and "test cpu" in out
    with pytest.raises(RenderError, match="queries above the box read no runs"):
        render_markdown("```scope\n```\n", con)


def test_named_query_from_a_sql_file(con, tmp_path):
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "n.sql").write_text("SELECT count(*) AS n FROM results")
    md = "```sql total file=q/n.sql\n```\n\n{{ value total.n }} results"
    assert ">6</span> results" in render_markdown(md, con, base_dir=tmp_path).markdown
    with pytest.raises(RenderError, match=r"query 'total': cannot read .*nope.sql"):
        render_markdown(md.replace("n.sql", "nope.sql"), con, base_dir=tmp_path)


def test_table_sort_keys_and_best_per_column(con):
    from bs4 import BeautifulSoup

    md = RATES + "\n```table\nquery: rates\nhighlight: {pass_rate: max, n: min}\n```\n"
    soup = BeautifulSoup(render_markdown(md, con).markdown, "html.parser")
    assert soup.select_one(".llmx-sortable table") is not None
    best = [td.get_text() for td in soup.select("td.llmx-best")]
    assert best == ["3", "0.667", "3"]  # n ties at 3 for both rows; m1 has the best rate
    rate_cells = soup.select("tbody tr td:nth-of-type(5)")
    assert [float(td["data-sort"]) for td in rate_cells] == pytest.approx([2 / 3, 1 / 3])


def test_stats_count_only_models_with_outputs(results_db):
    """A run that was started but stored nothing (a model that never loaded) is no model
    tested: the home page's counts come from results, not from the registry or run rows."""
    from helpers import CTX, model, run_spec
    from pipeline.store import Store

    db = results_db({("m1", "plain"): [True, True, False]}, write=True)
    store = Store(db)
    store.sync_model(model("m_empty"))
    store.start_run(run_spec("m_empty", "plain"), CTX)
    c = open_read(db)
    try:
        out = render_markdown("```stats\n```\n", c).markdown
    finally:
        c.close()
    assert 'data-exact="1"><strong>1</strong> model tested' in out.replace("\n", "")


def test_scope_box_says_when_a_run_is_partial(results_db):
    db = results_db({("m1", "plain"): [True, True, False],
                     ("m2", "plain"): [True]})  # m2 stopped after 1 case
    c = open_read(db)
    try:
        md = "```sql r\nSELECT 1 FROM outcomes WHERE experiment_id = 'tiny_json'\n```\n\n" \
             "```scope\n```\n"
        out = render_markdown(md, c).markdown
    finally:
        c.close()
    assert "partial data: 1 run still incomplete" in out
    assert "m2 / plain: 1 of 3 cases" in out and "m1 / plain: " not in out


def test_zero_of_zero_is_a_dash_never_zero_percent(con):
    """0 of 0 is not a rate: the value, its interval and a table's CI column say "—"."""
    from pipeline.site.core.formatting import format_ci
    from pipeline.stats import wilson_interval

    assert format_value(None, "percent") == "—"
    assert format_ci(*wilson_interval(0, 0)) == "—"
    md = ("```table\nsql: SELECT 'empty' AS s, 0 AS k, 0 AS n, k / nullif(n, 0) AS rate "
          "FROM (SELECT 0 AS k, 0 AS n)\nformat: {rate: percent}\nsuccesses: k\ntrials: n\n```\n")
    out = render_markdown(md, con).markdown
    assert "0.0%" not in out and "—" in out


def test_a_line_chart_of_one_row_per_series_fails_the_build(con):
    """A query cut to one row per series (a LIMIT 1) would draw lone markers for a curve."""
    md = (RATES + "\n```chart\nquery: rates\ntype: line\nx: variant\ny: pass_rate\n"
          "color: model_id\n```\n")
    with pytest.raises(RenderError, match="a line needs at least two points") as err:
        render_markdown(md, con)
    assert err.value.line == 7
