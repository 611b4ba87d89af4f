"""Statistical tests as SQL functions: the same numbers as statsmodels on the same table."""

import duckdb
import numpy as np
import pytest
from statsmodels.stats.contingency_tables import cochrans_q

from pipeline.site.query import QueryScope
from pipeline.site.sql_functions import register


@pytest.fixture
def con():
    c = duckdb.connect()
    rng = np.random.default_rng(7)
    rows = [(f"q{b}", f"p{t}", bool(rng.random() < (0.8 if t in (0, 4) else 0.5)))
            for b in range(40) for t in range(5)]
    c.execute("CREATE TABLE obs (qid VARCHAR, position VARCHAR, passed BOOLEAN)")
    c.executemany("INSERT INTO obs VALUES (?, ?, ?)", rows)
    return c


def test_cochran_q_equals_statsmodels(con):
    register(con)
    got = con.execute("SELECT cochran_q(list({'block': qid, 'treatment': position, "
                      "'outcome': passed})) FROM obs").fetchone()[0]
    x = con.execute("PIVOT obs ON position USING first(passed::INT) GROUP BY qid "
                    "ORDER BY qid").df().drop(columns="qid").to_numpy()
    want = cochrans_q(x)
    assert got["q"] == pytest.approx(want.statistic)
    assert got["p"] == pytest.approx(want.pvalue)
    assert (got["df"], got["blocks"]) == (4, 40)


def test_incomplete_blocks_are_left_out_and_constant_tables_are_not_evidence(con):
    register(con)
    con.execute("DELETE FROM obs WHERE qid = 'q3' AND position = 'p2'")
    got = con.execute("SELECT cochran_q(list({'block': qid, 'treatment': position, "
                      "'outcome': passed})) FROM obs").fetchone()[0]
    assert got["blocks"] == 39
    con.execute("UPDATE obs SET passed = true")
    flat = con.execute("SELECT cochran_q(list({'block': qid, 'treatment': position, "
                       "'outcome': passed})) FROM obs").fetchone()[0]
    assert (flat["q"], flat["p"]) == (0.0, 1.0)


def test_every_page_query_can_call_them(con):
    scope = QueryScope(con)
    scope.define("t", "SELECT (cochran_q(list({'block': qid, 'treatment': position, "
                      "'outcome': passed}))).p AS p, mcnemar_p(1, 9) AS m FROM obs", 1)
    frame = scope.frame("t", 1)
    assert 0 < frame["p"][0] < 1 and frame["m"][0] == pytest.approx(0.021484375)
    QueryScope(con)  # a second page on the same connection: registering again is harmless
