"""Statistical tests as SQL functions: the same numbers as statsmodels on the same table."""

import duckdb
import numpy as np
import pytest
from statsmodels.stats.contingency_tables import cochrans_q

from pipeline.site.core.query import QueryScope
from pipeline.site.core.sql_functions import register


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


@pytest.fixture
def suites():
    """Two models on three suites of unequal size; model a is better on suite s2 only."""
    c = duckdb.connect()
    rng = np.random.default_rng(3)
    rows = []
    for suite, n, pa, pb in (("s1", 40, 0.5, 0.5), ("s2", 60, 0.9, 0.4), ("s3", 50, 0.2, 0.2)):
        for i in range(n):
            rows.append((suite, f"{suite}-{i}", float(rng.random() < pa),
                         float(rng.random() < pb)))
    c.execute("CREATE TABLE t (suite VARCHAR, case_id VARCHAR, a DOUBLE, b DOUBLE)")
    c.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    register(c)
    return c


def test_suite_score_is_the_mean_of_suite_means_with_a_bracketing_ci(suites):
    got = suites.execute("SELECT suite_score(list({'suite': suite, 'value': a})) FROM t"
                         ).fetchone()[0]
    means = suites.execute("SELECT avg(a) FROM t GROUP BY suite").df().iloc[:, 0]
    assert got["score"] == pytest.approx(means.mean())  # not the pooled mean
    assert got["score"] != pytest.approx(suites.execute("SELECT avg(a) FROM t").fetchone()[0])
    assert got["low"] < got["score"] < got["high"]
    assert (got["suites"], got["cases"]) == (3, 150)
    again = suites.execute("SELECT suite_score(list({'suite': suite, 'value': a})) FROM t"
                           ).fetchone()[0]
    assert again == got  # seeded: the published interval does not move between builds


def test_paired_suite_diff_detects_a_real_gap_and_not_a_null_one(suites):
    real = suites.execute("SELECT paired_suite_diff(list({'suite': suite, 'a': a, 'b': b})) "
                          "FROM t").fetchone()[0]
    assert real["low"] > 0 and real["p"] < 0.05 and real["cases"] == 150
    null = suites.execute("SELECT paired_suite_diff(list({'suite': suite, 'a': a, 'b': a})) "
                          "FROM t").fetchone()[0]
    assert null["diff"] == 0 and null["p"] == 1.0
    same_rate = suites.execute(
        "SELECT paired_suite_diff(list({'suite': suite, 'a': a, 'b': b})) FROM t "
        "WHERE suite <> 's2'").fetchone()[0]
    assert same_rate["low"] < 0 < same_rate["high"]


def test_power_two_prop_grows_with_n_and_gap():
    c = duckdb.connect()
    register(c)
    small, large, wide = c.execute(
        "SELECT power_two_prop(0.80, 0.83, 50), power_two_prop(0.80, 0.83, 5000), "
        "power_two_prop(0.50, 0.67, 50)").fetchone()
    assert small < 0.2 < 0.9 < large
    assert 0.3 < wide < 0.9


def test_macro_f1_equals_scikit_learn_and_counts_no_label_as_a_miss():
    from sklearn.metrics import f1_score

    c = duckdb.connect()
    register(c)
    gold = ["a", "a", "b", "b", "c", "c"]
    pred = ["a", "b", "b", None, "c", "c"]
    c.execute("CREATE TABLE t (gold VARCHAR, pred VARCHAR)")
    c.executemany("INSERT INTO t VALUES (?, ?)", list(zip(gold, pred, strict=True)))
    got = c.execute("SELECT macro_f1(list({'gold': gold, 'pred': pred})) FROM t").fetchone()[0]
    want = f1_score(gold, [p or "<none>" for p in pred], labels=["a", "b", "c"],
                    average="macro", zero_division=0)
    assert got == pytest.approx(want) and got < 1
