"""`Metric.higher_is_better` is read: the database reference page prints, beside every metric a
scorer of the database declares, which way is better (higher, lower, or neither for a
descriptive number), so a post author charting `fp` or `words` reads it the right way."""

import duckdb

from pipeline.scoring import scorers
from pipeline.site.builder.reference import database_reference


def test_reference_page_says_which_way_each_metric_is_better(results_db):
    con = duckdb.connect(str(results_db()), read_only=True)
    try:
        page = database_reference(con)
    finally:
        con.close()
    assert "## Metrics (`scores.metric`)" in page
    for m in scorers.get("json_fields").metrics:  # the tiny experiment's scorer
        assert f"| `json_fields` (tiny_json) | `{m.name}` | higher |" in page


def test_lower_and_neither_are_declared_where_they_apply():
    direction = {(name, m.name): m.higher_is_better
                 for name in ("extraction_f1", "summary_facts", "compliance_verdict")
                 for m in scorers.get(name).metrics}
    assert direction["extraction_f1", "fp"] is False and direction["extraction_f1", "tp"]
    assert direction["summary_facts", "words"] is None
    assert direction["compliance_verdict", "blocked"] is None
    assert direction["compliance_verdict", "benign_blocked"] is False
