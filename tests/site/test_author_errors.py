"""What an author sees when a post is wrong or a number is missing (issue 14): option errors
on the option's own line, claims that say false from no data, comparisons that name their
direction, a scope box of the runs the page reads, and CI headers that name their rate."""

import pytest

from helpers import RATES
from pipeline.site.builder.front_matter import PostFrontMatter, unknown_keys
from pipeline.site.core.errors import RenderError
from pipeline.site.core.render import render_markdown


@pytest.fixture
def con(open_results):
    return open_results({("m1", "plain"): [True, True, False],
                         ("m2", "plain"): [False, False, True],
                         ("m1", "fancy"): [True, True, True]})


def _error(md, con):
    with pytest.raises(RenderError) as err:
        render_markdown(md, con)
    return err.value


def test_option_error_names_the_line_of_the_option(con):
    fence = RATES.count("\n") + 2
    e = _error(RATES + "\n```chart\nquery: rates\nx: variant\ncolour: model_id\n```\n", con)
    assert e.line == fence + 3 and "unknown option 'colour'" in e.message
    e = _error(RATES + "\n```table\nquery: rates\nformat: {pass_rate: percnt}\n```\n", con)
    assert e.line == fence + 2 and "option 'format.pass_rate'" in e.message
    # a problem of no single option (neither query: nor sql:) stays on the fence
    assert _error(RATES + "\n```table\ncaption: x\n```\n", con).line == fence


CLAIM = "\n```claim\nstatement: it holds\nsql: {sql}\n```\n"


def test_false_claim_prints_its_numbers(con):
    e = _error(RATES + CLAIM.format(sql="SELECT false AS holds, 0.5 AS rate, 3 AS n"), con)
    assert "claim no longer holds: 'it holds' (rate = 0.5, n = 3)" in e.message


def test_claim_without_data_says_so_distinctly_from_false(con):
    e = _error(RATES + CLAIM.format(
        sql="SELECT true AS holds FROM rates WHERE model_id = 'nobody'"), con)
    assert "claim cannot be checked: 'it holds': the query returned no rows" in e.message
    assert "no longer holds" not in e.message
    e = _error(RATES + CLAIM.format(
        sql="SELECT max(pass_rate) > 0.5 AS holds, max(pass_rate) AS best FROM rates "
            "WHERE model_id = 'nobody'"), con)
    assert "the query returned NULL for holds, best (best = NULL)" in e.message
    assert "no longer holds" not in e.message


def test_compare_names_the_direction_of_the_difference(con):
    md = ("```sql paired\nSELECT model_id, case_id, passed FROM outcomes "
          "WHERE variant = 'plain'\n```\n\n"
          "```compare\nquery: paired\ngroup: model_id\na: m1\nb: m2\n```\n")
    out = render_markdown(md, con).markdown
    assert "<strong>m2 vs m1:</strong> m2 − m1 = -33.3 pp: not testable at n = 3" in out
    assert "Difference m2 − m1 = -33.3 pp" in out


def test_scope_box_lists_only_the_runs_the_queries_read(con):
    md = ("```sql r\nSELECT count(*) AS n FROM outcomes WHERE experiment_id = 'tiny_json' "
          "AND variant = 'plain' AND model_id IN ('m1', 'm2')\n```\n\n```scope\n```\n")
    out = render_markdown(md, con).markdown
    assert "Scope: 2 runs, 6 scored outputs (tiny_json)" in out and "fancy" not in out
    one = md.replace("model_id IN ('m1', 'm2')", "model_id = 'm2'")
    assert "Scope: 1 run, 3 scored outputs" in render_markdown(one, con).markdown
    # a join on run_id carries the filter; a named query passes on what it read
    joined = ("```sql r\nSELECT r.case_id FROM results r JOIN runs ru ON r.run_id = ru.run_id "
              "WHERE ru.variant = 'fancy'\n```\n\n```sql s\nSELECT count(*) FROM r\n```\n\n"
              "```scope\n```\n")
    assert "Scope: 1 run, 3 scored outputs" in render_markdown(joined, con).markdown
    # a filter it cannot read (OR) narrows nothing: every run is listed, none left out
    unsure = md.replace("AND variant = 'plain'", "AND (variant = 'plain' OR false)").replace(
        " AND model_id IN ('m1', 'm2')", "")
    assert "Scope: 3 runs, 9 scored outputs" in render_markdown(unsure, con).markdown
    e = _error("```sql r\nSELECT 1 AS x\n```\n\n```scope\n```\n", con)
    assert "read no runs" in e.message


def test_ci_column_header_names_its_rate(con):
    md = RATES + ("\n```table\nquery: rates\ncolumns: {model_id: Model, pass_rate: Pass rate}\n"
                  "successes: passed\ntrials: n\n```\n")
    out = render_markdown(md, con).markdown
    assert ">Pass rate, 95% CI</th>" in out and 'class="llmx-num llmx-ci"' in out
    no_rate = md.replace(", pass_rate: Pass rate", "")
    assert ">95% CI of passed/n</th>" in render_markdown(no_rate, con).markdown


def test_front_matter_keys_of_every_owner_are_known_and_typos_are_named():
    assert unknown_keys({"number": 6, "date": "2026-01-01", "slug": "x", "hide": ["toc"],
                         "description": "d", "image": "i.png", "experiments": []}, "p.md") == []
    assert unknown_keys({"nubmer": 6}, "posts/posts/x.md", {("nubmer",): 4}) == [
        "posts/posts/x.md:4: nubmer: unknown front-matter key. Did you mean 'number'?"]
    assert PostFrontMatter.keys_of("pipeline") == ["number", "series", "part", "lead",
                                                   "headline", "experiments"]
