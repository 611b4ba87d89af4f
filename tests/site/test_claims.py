"""Claims are tests (issue 19): a comparison claim is checked by a paired test, adjusted with
the page's other comparisons, and fails the build when the data does not support it."""

import duckdb
import pytest

from pipeline.site.core.errors import RenderError
from pipeline.site.core.render import page_claims, render_markdown


@pytest.fixture
def con():
    """Paired outcomes of two setups on the same 60 cases, per model: on 'strong' B fixes
    12 cases and breaks 1 (a real gain); on 'weak' B fixes 4 and breaks 2 (p about 0.69);
    on 'same' the two agree on every case (nothing to test)."""
    c = duckdb.connect()
    rows = []
    for model, fixed, broke in (("strong", 12, 1), ("weak", 4, 2), ("same", 0, 0)):
        for i in range(60):
            a = i % 2 == 0
            b = a
            if i < 2 * fixed and not a:
                b = True
            if broke and i in range(2 * fixed, 2 * fixed + 2 * broke, 2):
                b = False
            rows.append((model, f"c{i}", a, b))
    c.execute("CREATE TABLE pairs (model VARCHAR, case_id VARCHAR, a BOOLEAN, b BOOLEAN)")
    c.executemany("INSERT INTO pairs VALUES (?, ?, ?, ?)", rows)
    return c


def _claim(statement, expect, where, extra=""):
    return f"""
```claim
statement: {statement}
expect: {expect}
sql: >-
  SELECT model AS label, mcnemar_test(count(*) FILTER (WHERE b AND NOT a),
  count(*) FILTER (WHERE a AND NOT b), count(*)) AS test{extra}
  FROM pairs WHERE {where} GROUP BY model
```
"""


def test_a_supported_comparison_renders_with_raw_and_adjusted_p(con):
    out = render_markdown(_claim("B beats A on strong", "higher", "model = 'strong'"), con)
    assert "Tested claim" in out.markdown and "p, Holm (1 test)" in out.markdown
    [record] = out.claims
    assert record.kind == "comparison" and record.rows[0]["estimate"] == "+18.3 pp"


def test_a_point_estimate_is_not_a_finding(con):
    # B is ahead on 'weak' (4 fixed vs 2 broken) but the test cannot tell
    with pytest.raises(RenderError, match="no longer holds.*adjusted p is not below"):
        render_markdown(_claim("B beats A on weak", "higher", "model = 'weak'"), con)


def test_the_wrong_direction_fails(con):
    with pytest.raises(RenderError, match="points the other way"):
        render_markdown(_claim("B is worse on strong", "lower", "model = 'strong'"), con)


def test_an_untestable_comparison_says_why_instead_of_p_equals_one(con):
    with pytest.raises(RenderError, match="not testable: no discordant pairs"):
        render_markdown(_claim("B equals A on same", "no_difference", "model = 'same'",
                               ", 0.5 AS base_rate"), con)


def test_no_difference_shows_the_minimum_detectable_difference(con):
    out = render_markdown(_claim("B and A do not differ on weak", "no_difference",
                                 "model = 'weak'", ", avg(a::INT) AS base_rate"), con)
    assert "Detectable at this n" in out.markdown
    assert out.claims[0].rows[0]["mde"].endswith("pp")
    with pytest.raises(RenderError, match="base_rate"):
        render_markdown(_claim("no base rate", "no_difference", "model = 'weak'"), con)


def test_all_comparisons_of_a_page_are_one_holm_family(con):
    # alone, 'strong' holds; beside 24 more copies of itself the family grows, and the
    # page's scope of adjustment is the page: the same claim's adjusted p rises
    alone = page_claims(_claim("strong", "higher", "model = 'strong'"), con)
    page = "\n".join(_claim(f"strong {i}", "higher", "model = 'strong'") for i in range(3))
    together = page_claims(page, con)
    assert alone[0].family == 1 and together[0].family == 3
    assert together[0].rows[0]["p_adj_raw"] == pytest.approx(
        min(1.0, 3 * alone[0].rows[0]["p_raw"]))


def test_a_test_result_without_expect_is_refused(con):
    md = """
```claim
statement: sneaky
sql: SELECT (mcnemar_test(12, 1, 60)).p < 0.05 AS holds, mcnemar_test(12, 1, 60) AS t
```
"""
    with pytest.raises(RenderError, match="expect: higher"):
        render_markdown(md, con)


def test_the_scope_box_states_the_family(con):
    from pipeline.site.core.render import FAMILY_MARKER, _family_note

    note = _family_note(page_claims(_claim("strong", "higher", "model = 'strong'"), con), "")
    assert "adjusted together (Holm)" in note and "claims/" in note
    assert FAMILY_MARKER.startswith("<!--")
