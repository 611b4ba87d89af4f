"""NULLs in the data a chart or table reads: a gap, a dash, or an error naming the block and
the column, never a Python traceback (a case whose input lost its fields once ended the build
in `TypeError: Object of type NAType is not JSON serializable`)."""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import pytest

from helpers import ROOT
from pipeline.site.builder.source import split_page
from pipeline.site.core.errors import RenderError
from pipeline.site.core.render import render_markdown
from pipeline.store.db import open_read, open_write

# every kind of column a component reads, NULL in some rows: a category, a value, an
# interval bound, a label, a JSON field that is gone (->> on a case whose input lost it)
NULLS = """\
```sql q
SELECT * FROM (VALUES
  ('m1', 'a', 0.5::DOUBLE, 0.4::DOUBLE, 0.6::DOUBLE, 'x', 3, 4, '{"f": 1}'::JSON),
  ('m1', 'b', NULL,        NULL,        NULL,        NULL, 2, 4, '{}'::JSON),
  ('m2', 'a', 0.7,         NULL,        0.8,         'y', NULL, NULL, NULL),
  ('m2', 'b', 0.2,         0.1,         0.3,         'z', 1, 4, '{"f": null}'::JSON))
  AS t(model, suite, score, lo, hi, label, k, n, input)
```
"""


@pytest.fixture
def con(results_db):
    c = duckdb.connect(str(results_db({("m1", "plain"): [True]}, write=True)))
    yield c
    c.close()


@pytest.mark.parametrize("block", [
    "chart\nquery: q\nx: suite\ny: score\ncolor: model\nlow: lo\nhigh: hi",
    "chart\nquery: q\ntype: line\nx: suite\ny: score\ncolor: model",
    "chart\nquery: q\ntype: scatter\nx: lo\ny: score\ntext: label\ncolor: model",
    "chart\ntype: heatmap\nquery: q\nx: suite\ny: model\nz: score\npercent: true",
    "table\nquery: q",
    "table\nquery: q\ncolumns: [model, suite, score, label]\nformat: {score: percent}",
])
def test_null_values_draw_gaps_and_dashes(con, block):
    """A NULL value is a gap in a chart (JSON null, which plotly.js leaves out) and a dash in
    a table: the block renders."""
    out = render_markdown(NULLS + f"```{block}\n```\n", con).markdown
    if block.startswith("chart"):
        fig = json.loads(re.search(r'<script type="application/json"[^>]*>(.*?)</script>',
                                   out, re.S).group(1).replace("\\u003c", "<"))
        key = "z" if "heatmap" in block else "y"
        values = [v for t in fig["data"] for v in t[key]]
        assert None in values or any(None in row for row in values if isinstance(row, list))
    else:
        assert "—" in out or "<td" in out


@pytest.mark.parametrize(("block", "column"), [
    ("chart\nquery: q\nx: label\ny: score", "label"),
    ("chart\nquery: q\nx: suite\ny: score\ncolor: label", "label"),
    ("chart\nquery: q\nx: model\ny: score\nfacet: label", "label"),
    ("chart\nquery: q\nx: suite\nsuccesses: k\ntrials: n\ncolor: model", "k"),
    ("chart\nquery: q2\nx: fld\ny: score\ncolor: model", "fld"),
])
def test_a_null_category_or_count_names_the_block_and_column(con, block, column):
    """A NULL has no honest place on a category axis, in a legend or in a rate's count: the
    block fails with its line and the column, never a traceback."""
    md = NULLS + "```sql q2\nSELECT *, input->>'f' AS fld FROM q\n```\n"
    with pytest.raises(RenderError) as info:
        render_markdown(md + f"```{block}\n```\n", con)
    message = str(info.value)
    assert column in message and "NULL" in message
    assert info.value.line is not None


def test_every_post_renders_or_names_its_line_on_a_database_full_of_nulls(tmp_path):
    """The real posts over a copy of results.duckdb in which nullable columns that charts,
    tables and scope boxes read are NULL and one experiment's cases lost their input fields:
    each post renders, or stops at its line with a RenderError (a claim that no longer
    holds, a NULL category named by its column), never another exception. Each post is
    rendered on its own, so one post's error does not hide the next one's."""
    db = tmp_path / "results.duckdb"
    shutil.copyfile(ROOT / "results.duckdb", db)
    open_write(db).close()  # the copy at this code's schema version (the default-run views)
    with duckdb.connect(str(db)) as c:
        c.execute("UPDATE results SET parsed_output = NULL, error = NULL, latency_ms = NULL, "
                  "completion_tokens = NULL, prompt_tokens = NULL, finish_reason = NULL "
                  "WHERE hash(case_id) % 3 = 0")
        c.execute("UPDATE results SET failure_mode = NULL WHERE hash(case_id) % 7 = 0")
        c.execute("UPDATE cases SET input = '{}', expected = NULL "
                  "WHERE experiment_id IN ('structured_json', 'rag_compliance')")
        c.execute("UPDATE runs SET hardware = NULL, git_commit = NULL, finished_at = NULL, "
                  "engine_extra = NULL WHERE hash(run_id) % 2 = 0")
    con = open_read(db)
    outcomes = {}
    try:
        for post in sorted((ROOT / "posts" / "posts").glob("*.md")):
            page = split_page(post.read_text(), str(post))
            try:
                render_markdown(page.body, con, page.offset, base_dir=post.parent,
                                experiments=page.meta.get("experiments"))
                outcomes[post.name] = "rendered"
            except RenderError as exc:
                assert exc.line is not None, (post.name, exc.message)
                outcomes[post.name] = exc.describe(f"posts/posts/{post.name}")
    finally:
        con.close()
    assert len(outcomes) == len(list((ROOT / "posts" / "posts").glob("*.md"))) >= 10, outcomes
    # the NULLs reach the components: not every post can stop before them
    assert "rendered" in outcomes.values(), outcomes
