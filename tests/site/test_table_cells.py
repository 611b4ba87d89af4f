"""What a table cell holds: code keeps its lines, long values collapse, hostile text stays
text, case ids link to their case; the scope box says what runs share once; prose case ids
link too, also when the page comes back from the page cache."""

import duckdb
import pytest
from bs4 import BeautifulSoup

from pipeline.site.builder.page_cache import PageCache
from pipeline.site.core.cache import QueryCache
from pipeline.site.core.case_links import case_fragment
from pipeline.site.core.render import render_markdown
from pipeline.store import open_read

HOSTILE = "<img src=x onerror=alert(1)>"
CODE = "```python\ndef f(x):\n    return x  # <b>not bold</b> & {{ value a.b }}\n```"
SQL = "SELECT model_id, case_id, raw_output FROM results JOIN runs USING (run_id) " \
      "WHERE experiment_id = 'tiny_json' ORDER BY model_id, case_id"


@pytest.fixture
def db(results_db):
    return results_db({("m1", "plain"): [True, True, False], ("m2", "plain"): [False, False, True]},
                      outputs={"p1": CODE, "p2": HOSTILE, "p3": "x" * 900},
                      write=True)  # a test adds cases to it


@pytest.fixture
def con(db):
    c = open_read(db)
    yield c
    c.close()


def _table(md: str, con, **kw) -> BeautifulSoup:
    return BeautifulSoup(render_markdown(md, con, **kw).markdown, "html.parser")


def test_code_keeps_its_lines_and_is_escaped(con):
    out = render_markdown(f"```table\nsql: {SQL}\n```\n", con).markdown
    soup = BeautifulSoup(out, "html.parser")
    pre = soup.select("td pre.llmx-cell-code")
    assert pre and pre[0].get_text() == CODE  # every line, every character, as text
    assert soup.find("b") is None  # the <b> in the code is text, not markup
    assert "{{" not in out and "```" not in out  # entities: no value ran, no fence opened


def test_hostile_text_stays_text(con):
    out = render_markdown(f"```table\nsql: {SQL}\n```\n", con).markdown
    soup = BeautifulSoup(out, "html.parser")
    assert soup.find("img") is None and HOSTILE not in out
    assert HOSTILE in [td.get_text() for td in soup.select("td")]


def test_a_long_value_is_collapsed_with_its_length(con):
    soup = _table(f"```table\nsql: {SQL}\n```\n", con)
    long = [td for td in soup.select("td") if "x" * 100 in td.get_text()]
    assert len(long) == 2 and all("llmx-long" in td["class"] for td in long)
    more = long[0].select_one("details.llmx-more")
    assert more is not None and "900 characters" in more.summary.get_text()
    assert "x" * 900 in more.get_text()  # all of it, once opened
    # a short value is not collapsed
    assert soup.select_one("td:not(.llmx-long) details") is None


def test_case_id_cells_link_to_their_case(con):
    soup = _table(f"```table\nsql: {SQL}\ncolumns: {{model_id: Model, case_id: Case}}\n```\n",
                  con, root_url="../")
    links = soup.select("td a.llmx-case-link")
    assert [a.get_text() for a in links] == ["p1", "p2", "p3"] * 2
    # the case's anchor on its experiment's cases page (25 cases a page: all on page 1)
    assert links[0]["href"] == "../experiments/tiny_json/cases/#case-p1"


def test_a_case_on_a_later_page_and_a_hostile_id(db):
    """Cases pages hold 25 cases each (fewer when a case has many outputs): a case at
    position 30 is on page 2. An id with markup characters is percent-encoded in the link
    and escaped in its text."""
    bad = '"><script>alert(1)</script>'
    w = duckdb.connect(str(db))
    w.execute("UPDATE cases SET position = 30 WHERE case_id = 'p3'")
    for table in ("scores", "results", "cases"):
        w.execute(f"UPDATE {table} SET case_id = ? WHERE case_id = 'p2'", [bad])
    w.close()
    con = open_read(db)
    try:
        out = render_markdown(f"```table\nsql: {SQL}\ncolumns: [case_id]\n```\n", con).markdown
    finally:
        con.close()
    soup = BeautifulSoup(out, "html.parser")
    hrefs = {a.get_text(): a["href"] for a in soup.select("a.llmx-case-link")}
    assert hrefs["p3"] == "experiments/tiny_json/cases-2/#case-p3"
    assert hrefs[bad] == "experiments/tiny_json/cases/" + case_fragment(bad)
    assert "<" not in case_fragment(bad) and '"' not in case_fragment(bad)
    assert soup.find("script") is None and "<script>" not in out


def test_an_id_that_is_no_case_gets_no_link(con):
    sql = "SELECT 'nope' AS case_id, 'p1' AS other"
    soup = _table(f"```table\nsql: {sql}\n```\n", con)
    assert soup.select("a.llmx-case-link") == []


def test_prose_case_ids_link_and_survive_the_page_cache(db, tmp_path):
    md = ("```sql r\nSELECT count(*) AS n FROM outcomes WHERE experiment_id = 'tiny_json'\n"
          "```\n\nCase `p2` fails for m1; `p9` is no case; [`p1`](x) is linked already.\n\n"
          "```python\n`p3` in a fence\n```\n\n# Heading `p1`\n")
    con = open_read(db)
    cache = QueryCache(tmp_path / "qc")
    pages = PageCache(tmp_path / "pc", "token")
    try:
        first = render_markdown(md, con, root_url="../", cache=cache)
        pages.store("post.md", md, "../", None, None, first)
        replayed = pages.lookup("post.md", md, "../", None, None,
                                lambda e: None)  # same database state: never asked
    finally:
        con.close()
    for out in (first.markdown, replayed.markdown):
        assert "Case [`p2`](../experiments/tiny_json/cases/#case-p2) fails" in out
        assert "`p9` is no case" in out and "[`p1`](x)" in out
        assert "`p3` in a fence" in out and "# Heading `p1`" in out
    assert first.markdown == replayed.markdown


def test_scope_box_says_what_runs_share_once(con):
    md = (f"```sql r\n{SQL}\n```\n\n```scope\n```\n")
    soup = _table(md, con)
    common = {dt.get_text(): dt.find_next_sibling("dd").get_text()
              for dt in soup.select(".llmx-scope__common dt")}
    assert common["Engine"] == "test 0" and common["Hardware"] == "test cpu"
    assert "sha256 abc" in common["Weights"]
    header = [th.get_text() for th in soup.select(".llmx-scope thead th")]
    assert header == ["Model", "Variant", "Cases", "Run"]  # nothing that every run shares
