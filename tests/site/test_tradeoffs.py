"""Both sides of a trade-off (issue 19, item 4): recall or F1 never reaches a reader without
precision and the false-positive rate, in tables, charts, sentences and card headlines."""

import duckdb
import pytest

from pipeline.site.core.errors import RenderError
from pipeline.site.core.render import render_markdown
from pipeline.site.core.tradeoffs import missing


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("CREATE TABLE experiments (experiment_id VARCHAR)")  # tables link their cases
    c.execute("""CREATE TABLE g AS SELECT * FROM (VALUES
        ('v1', 0.89, 0.558, 1.0, 'Recall'), ('v2', 0.36, 0.95, 0.04, 'Precision'),
        ('v3', 0.5, 0.5, 0.5, 'False-block rate'))
        t(guard, recall, precision, false_block_rate, metric)""")
    return c


def test_the_rule_matches_names_titles_and_long_form_values():
    assert missing(["Recall"]) and missing(["f1"]) and missing(["F1 (95% CI)", "precision"])
    assert not missing(["recall", "Precision", "Benign blocked"])
    assert not missing(["Recall", "Precision", "False-block rate"])  # long form
    # other measures with the same word are not a guard's trade-off
    assert not missing(["retrieval_recall", "macro_f1", "ie_recall", "Extraction recall"])


def test_a_table_of_recall_alone_fails_at_its_line(con):
    md = "intro\n\n```table\nsql: SELECT guard, recall FROM g\n```\n"
    with pytest.raises(RenderError, match="without its precision and false-positive") as e:
        render_markdown(md, con)
    assert e.value.line == 3
    ok = "```table\nsql: SELECT guard, recall, precision, false_block_rate FROM g\n```\n"
    assert "<table" in render_markdown(ok, con).markdown


def test_a_chart_needs_both_sides_too(con):
    bad = "```chart\nsql: SELECT guard, recall FROM g\nx: guard\ny: recall\n```\n"
    with pytest.raises(RenderError, match="chart shows"):
        render_markdown(bad, con)
    long_form = ("```chart\nsql: SELECT guard, metric, recall AS value FROM g\nx: guard\n"
                 "y: value\ncolor: metric\n```\n")
    render_markdown(long_form, con)  # Recall, Precision, False-block rate side by side


def test_a_sentence_with_recall_needs_its_cost_in_the_same_paragraph(con):
    head = "```sql m\nSELECT * FROM g WHERE guard = 'v1'\n```\n\n"
    bad = head + ("It caught {{ value m.recall }} of violations.\n\n"
                  "Blocked {{ value m.false_block_rate }}.\n")
    with pytest.raises(RenderError, match="this paragraph"):
        render_markdown(bad, con)
    good = head + ("It caught {{ value m.recall }} of violations, at a false-block rate of\n"
                   "{{ value m.false_block_rate }} and precision {{ value m.precision }}.\n")
    render_markdown(good, con)


def test_a_card_headline_built_in_sql_is_read_through_its_sql(con):
    source = ("```sql h\nSELECT string_agg(guard || ' ' || printf('%.0f%%', 100 * recall), "
              "'; ') AS text FROM g\n```\n")
    with pytest.raises(RenderError, match="this headline"):
        render_markdown(source, con, headline="Recall: {{ value h.text }}")
    full = ("```sql h\nSELECT string_agg(guard || printf(' %.0f%% / %.0f%% / %.0f%%', "
            "100 * recall, 100 * precision, 100 * false_block_rate), '; ') AS text FROM g\n```\n")
    assert "v1" in render_markdown(full, con, headline="{{ value h.text }}").headline_html
