"""Every statistics SQL function against its library, on random inputs (issue 19): what a
page prints is what statsmodels, scipy or scikit-learn compute on the same numbers."""

import duckdb
import numpy as np
import pytest
from scipy.stats import binomtest, bootstrap, fisher_exact
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from pipeline.site.core.sql_functions import FUNCTIONS, register

RNG = np.random.default_rng(2026)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    register(c)
    return c


def _one(con, sql, params=()):
    return con.execute(sql, list(params)).fetchone()[0]


def test_wilson_ci_is_statsmodels_on_random_counts(con):
    for _ in range(300):
        n = int(RNG.integers(1, 2000))
        k = int(RNG.integers(0, n + 1))
        got = _one(con, "SELECT wilson_ci(?, ?)", (k, n))
        lo, hi = proportion_confint(k, n, method="wilson")
        assert (got["low"], got["high"]) == pytest.approx((lo, hi), abs=1e-12)
        assert got["rate"] == pytest.approx(k / n)
    zero = _one(con, "SELECT wilson_ci(0, 0)")
    assert (zero["rate"], zero["low"], zero["high"]) == (None, None, None)


def _truth_pred(n, prevalence, tpr, fpr):
    t = RNG.random(n) < prevalence
    p = np.where(t, RNG.random(n) < tpr, RNG.random(n) < fpr)
    return t, p


def test_classifier_metrics_are_scikit_learn_and_statsmodels(con):
    for trial in range(30):
        n = int(RNG.integers(20, 300))
        t, p = _truth_pred(n, RNG.uniform(0.2, 0.8), RNG.uniform(0, 1), RNG.uniform(0, 1))
        if t.all() or not t.any():
            continue
        con.execute("CREATE OR REPLACE TABLE cm AS SELECT unnest(?) AS truth, "
                    "unnest(?) AS pred", [t.tolist(), p.tolist()])
        got = _one(con, "SELECT classifier_metrics(list({'truth': truth, 'pred': pred})) "
                        "FROM cm")
        tn, fp, fn, tp = confusion_matrix(t, p, labels=[False, True]).ravel()
        assert (got["tp"], got["fp"], got["fn"], got["tn"]) == (tp, fp, fn, tn)
        assert got["recall"] == pytest.approx(recall_score(t, p))
        assert got["f1"] == pytest.approx(f1_score(t, p, zero_division=0))
        assert (got["recall_low"], got["recall_high"]) == pytest.approx(
            proportion_confint(tp, tp + fn, method="wilson"))
        assert (got["fpr_low"], got["fpr_high"]) == pytest.approx(
            proportion_confint(fp, fp + tn, method="wilson"))
        if tp + fp:
            assert got["precision"] == pytest.approx(precision_score(t, p))
            assert (got["precision_low"], got["precision_high"]) == pytest.approx(
                proportion_confint(tp, tp + fp, method="wilson"))
        else:  # nothing flagged: precision is undefined, not 0
            assert got["precision"] is None
        assert got["f1_low"] <= got["f1"] + 1e-12 and got["f1"] <= got["f1_high"] + 1e-12
        if trial % 10:
            continue
        # F1's interval: scipy's percentile bootstrap over cases of the F1 statistic, which
        # is scikit-learn's f1_score on every resample (checked on 200 of them)
        from pipeline.stats import _f1_vec, canonical

        draws = RNG.integers(0, n, size=(200, n))
        assert _f1_vec(t[draws], p[draws]) == pytest.approx(
            [f1_score(t[d], p[d], zero_division=0) for d in draws])
        # the library sorts its input first (order-free intervals): so does the reference
        ts, ps = (np.asarray(c, dtype=int) for c in canonical(t.tolist(), p.tolist()))
        ref = bootstrap((ts, ps), _f1_vec, paired=True,
                        vectorized=True, n_resamples=10000, method="percentile",
                        random_state=np.random.default_rng(0))
        assert got["f1_low"] == pytest.approx(ref.confidence_interval.low, abs=1e-12)
        assert got["f1_high"] == pytest.approx(ref.confidence_interval.high, abs=1e-12)


def test_mcnemar_test_is_statsmodels_exact_and_says_when_it_cannot_test(con):
    for _ in range(200):
        b, a = (int(x) for x in RNG.integers(0, 40, size=2))
        n = a + b + int(RNG.integers(0, 100))
        got = _one(con, "SELECT mcnemar_test(?, ?, ?)", (b, a, n))
        assert got["estimate"] == pytest.approx((b - a) / n) if n else True
        if a + b >= 6:
            want = mcnemar([[0, a], [b, 0]], exact=True).pvalue
            assert got["testable"] and got["p"] == pytest.approx(want)
        else:
            assert not got["testable"] and got["p"] is None and got["reason"]
    nothing = _one(con, "SELECT mcnemar_test(0, 0, 50)")
    assert not nothing["testable"] and "agree on every case" in nothing["reason"]
    assert _one(con, "SELECT mcnemar_p(0, 0)") is None  # 0/n vs 0/n: no p = 1.000


def test_p_adjust_is_multipletests(con):
    for method, sm in (("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni")):
        for _ in range(15):
            p = RNG.uniform(0, 0.2, size=int(RNG.integers(1, 30)))
            got = _one(con, "SELECT p_adjust(?, ?)", (p.tolist(), method))
            assert got == pytest.approx(list(multipletests(p, method=sm)[1]))
    # an untestable comparison (NULL) neither counts nor gets a p
    got = _one(con, "SELECT p_adjust([0.01, NULL, 0.04], 'holm')")
    assert got[1] is None and got[0] == pytest.approx(0.02) and got[2] == pytest.approx(0.04)


def test_cluster_rate_ci_resamples_cases_not_samples(con):
    # 134 cases x 5 samples whose outcomes are shared within a case (correlated): the
    # interval must be wider than Wilson over the 670 samples
    case_rate = RNG.beta(2, 1, size=134)
    rows = [(f"c{i}", bool(RNG.random() < case_rate[i])) for i in range(134) for _ in range(5)]
    con.execute("CREATE OR REPLACE TABLE s (cluster VARCHAR, outcome BOOLEAN)")
    con.executemany("INSERT INTO s VALUES (?, ?)", rows)
    got = _one(con, "SELECT cluster_rate_ci(list({'cluster': cluster, 'outcome': outcome})) "
                    "FROM s")
    k = sum(o for _, o in rows)
    assert (got["successes"], got["samples"], got["clusters"]) == (k, 670, 134)
    assert got["rate"] == pytest.approx(k / 670)
    lo, hi = proportion_confint(k, 670, method="wilson")
    assert got["high"] - got["low"] > hi - lo
    # the same interval as scipy's bootstrap of the ratio over cases
    ids = sorted(f"c{i}" for i in range(134))  # the library sorts clusters by id
    ks = np.array([sum(o for c, o in rows if c == i) for i in ids], dtype=float)
    ms = np.full(134, 5.0)
    ref = bootstrap((ks, ms), lambda a, b, axis=-1: a.sum(axis=axis) / b.sum(axis=axis),
                    paired=True, vectorized=True, n_resamples=10000, method="percentile",
                    random_state=np.random.default_rng(0))
    assert (got["low"], got["high"]) == pytest.approx(
        (ref.confidence_interval.low, ref.confidence_interval.high))


def test_paired_and_f1_tests_are_signed_b_minus_a_and_refuse_too_few_differences(con):
    a = (RNG.random(120) < 0.4).astype(float)
    b = np.where(RNG.random(120) < 0.7, 1.0, a)
    con.execute("CREATE OR REPLACE TABLE pr AS SELECT unnest(?) AS a, unnest(?) AS b",
                [a.tolist(), b.tolist()])
    got = _one(con, "SELECT paired_test(list({'stratum': 'all', 'a': a, 'b': b})) FROM pr")
    assert got["estimate"] == pytest.approx(b.mean() - a.mean())
    assert got["testable"] and got["low"] < got["estimate"] < got["high"] and 0 < got["p"] < 0.05
    same = _one(con, "SELECT paired_test(list({'stratum': 'all', 'a': a, 'b': a})) FROM pr")
    assert not same["testable"] and same["p"] is None

    t, pa = _truth_pred(200, 0.5, 0.6, 0.2)
    pb = np.where(t, True, pa)  # B catches every violation A missed
    con.execute("CREATE OR REPLACE TABLE f AS SELECT unnest(?) AS truth, unnest(?) AS a, "
                "unnest(?) AS b", [t.tolist(), pa.tolist(), pb.tolist()])
    got = _one(con, "SELECT f1_diff_test(list({'truth': truth, 'a': a, 'b': b})) FROM f")
    assert got["estimate"] == pytest.approx(f1_score(t, pb) - f1_score(t, pa))
    assert got["testable"] and got["low"] > 0 and got["p"] < 0.05
    assert got["p"] > 0  # a bootstrap p is never printed as 0: (k + 1) / (B + 1)


def test_exact_tests_are_scipy(con):
    for _ in range(100):
        an, bn = (int(x) for x in RNG.integers(1, 60, size=2))
        ak, bk = int(RNG.integers(0, an + 1)), int(RNG.integers(0, bn + 1))
        got = _one(con, "SELECT fisher_p(?, ?, ?, ?)", (ak, an, bk, bn))
        assert got == pytest.approx(fisher_exact([[ak, an - ak], [bk, bn - bk]]).pvalue)
        r = float(RNG.uniform(0.05, 0.95))
        assert _one(con, "SELECT binom_p(?, ?, ?)", (ak, an, r)) == pytest.approx(
            binomtest(ak, an, r).pvalue)


def test_mde_is_the_difference_statsmodels_detects_with_80_percent_power(con):
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    for base, n in ((0.5, 100), (0.1, 50), (0.9, 240), (0.3, 20)):
        d = _one(con, "SELECT mde(?, ?)", (base, n))
        other = base + d if base + d <= 1 else base - d
        h = abs(proportion_effectsize(other, base))
        assert NormalIndPower().power(h, nobs1=n, alpha=0.05) == pytest.approx(0.8, abs=1e-4)


def test_every_function_is_registered_once_and_documented():
    c = duckdb.connect()
    register(c)
    register(c)
    names = {r[0] for r in c.execute("SELECT DISTINCT function_name FROM duckdb_functions()")
             .fetchall()}
    assert set(FUNCTIONS) <= names


def test_power_and_macro_f1_are_statsmodels_and_scikit_learn(con):
    from sklearn.metrics import f1_score as f1
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    for pa, pb, n in ((0.5, 0.67, 40), (0.8, 0.97, 8), (0.2, 0.35, 120)):
        want = NormalIndPower().power(abs(proportion_effectsize(pa, pb)), nobs1=n,
                                      alpha=0.05)
        assert _one(con, "SELECT power_two_prop(?, ?, ?)", (pa, pb, n)) == pytest.approx(want)
    labels = ["a", "b", "c"]
    gold = [labels[i] for i in RNG.integers(0, 3, size=80)]
    pred = [g if RNG.random() < 0.6 else labels[int(RNG.integers(0, 3))] for g in gold]
    con.execute("CREATE OR REPLACE TABLE lab AS SELECT unnest(?) AS g, unnest(?) AS p",
                [gold, pred])
    got = _one(con, "SELECT macro_f1(list({'gold': g, 'pred': p})) FROM lab")
    assert got == pytest.approx(f1(gold, pred, labels=labels, average="macro"))
