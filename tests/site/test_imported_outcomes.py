"""Imported runs on the generated pages: an experiment whose runs came from other harnesses
(`python -m pipeline import ... --experiment harness_compare`) counts each imported output by
its tool's own verdict (`passed`), since its log holds none of our scorer's metrics, and the
runner's outputs by our scorer's declared outcome, on the experiment page and the cases page
alike. Read from the committed results.duckdb (a snapshot), where harness_compare holds the
runner's runs and three harnesses' imported logs."""

from __future__ import annotations

import shutil

import pytest

from helpers import ROOT
from pipeline.site.core.outcomes import experiment_outcomes, verdicts
from pipeline.site.core.store_queries import case_outputs, outcome_sql
from pipeline.store import open_snapshot


@pytest.fixture(scope="module")
def con():
    folder, connection = open_snapshot(ROOT / "results.duckdb")
    yield connection
    connection.close()
    shutil.rmtree(folder, ignore_errors=True)


def test_imported_outputs_count_their_tools_verdict(con):
    outcomes = experiment_outcomes(con, "harness_compare", 1)
    field = outcomes.primary.field
    assert field != "passed"  # label_match declares `correct`: the case this test is about
    join, expr = outcome_sql(field, "s1")
    rows = con.execute(f"""
        SELECT ru.source_tool, o.passed, {expr} AS counted,
               (SELECT value FROM scores s WHERE s.run_id = o.run_id AND s.case_id = o.case_id
                  AND s.sample_idx = o.sample_idx AND s.metric = '{field}') AS metric
        FROM results o {join} JOIN current_runs ru ON ru.run_id = o.run_id
        WHERE ru.experiment_id = 'harness_compare'""").fetchall()
    tools = {r[0] for r in rows}
    assert {"runner", "inspect", "lm-eval", "promptfoo"} <= tools
    for tool, passed, counted, metric in rows:
        if tool == "runner":
            assert counted == (metric == 1)
        else:
            assert metric is None  # no `correct` in another tool's log...
            assert counted == passed  # ...so its own verdict counts, never a silent 0
    assert any(counted for tool, _, counted, _ in rows if tool != "runner")


def test_the_cases_page_names_who_judged(con):
    outcomes = experiment_outcomes(con, "harness_compare", 1)
    ids = [r[0] for r in con.execute(
        "SELECT case_id FROM cases WHERE experiment_id = 'harness_compare' ORDER BY position "
        "LIMIT 8").fetchall()]
    out = case_outputs(con, "harness_compare", 1, ids, outcomes.metrics)
    seen = set()
    for rec in out.to_dict("records"):
        imported = None if rec["source_tool"] == "runner" else f"{rec['source_tool']}'s verdict"
        shown = verdicts(outcomes, rec["passed"], rec["error"], rec["failure_mode"],
                         rec["scores"], imported=imported)
        if imported:
            assert [v["value"] for v in shown] == [bool(rec["passed"])] * len(shown)
            assert all(v["by"] == imported for v in shown)
            seen.add(rec["source_tool"])
        else:
            assert all(v["by"] is None for v in shown)
            assert shown[0]["value"] is not None  # the runner's outputs are scored
    assert seen == {"inspect", "lm-eval", "promptfoo"}


def test_the_scope_box_has_one_table_per_tool(con):
    from bs4 import BeautifulSoup

    from pipeline.site.core.render import render_markdown

    html = render_markdown("```scope\nexperiments: [harness_compare]\n```\n", con).markdown
    soup = BeautifulSoup(html, "html.parser")
    heads = [p.get_text(" ", strip=True) for p in soup.select(".llmx-scope__tool")]
    assert heads == ["This project's runner : 2 runs", "Imported from inspect : 2 runs",
                     "Imported from lm-eval : 2 runs", "Imported from promptfoo : 2 runs"]
    assert len(soup.select(".llmx-scope table")) == 4
    text = soup.get_text(" ", strip=True)
    # each imported group names its tool's version and each log's hash, from runs.source_*
    for tool, version, sha in con.execute(
            "SELECT source_tool, source_version, left(source_sha256, 12) FROM current_runs "
            "WHERE experiment_id = 'harness_compare' AND source_tool <> 'runner'").fetchall():
        assert f"{tool} {version}" in text and f"sha256 {sha}…" in text
