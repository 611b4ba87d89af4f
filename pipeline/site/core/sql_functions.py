"""Statistical tests as SQL functions, so a post's p-values are queried like its rates.

An author writes the test where the data is::

    SELECT model_id, (cochran_q(list({'block': qid, 'treatment': position::VARCHAR,
                                      'outcome': passed}))).p AS p
    FROM ... GROUP BY model_id

and an inline value prints it: the number is computed by statsmodels at build time, never
typed. Registered on every connection a page's queries run on (idempotent).
"""

from __future__ import annotations

import weakref
from typing import Any

import duckdb

from pipeline import stats

_OBS = duckdb.struct_type({"block": "VARCHAR", "treatment": "VARCHAR", "outcome": "BOOLEAN"})
_COCHRAN = duckdb.struct_type({"q": "DOUBLE", "df": "INTEGER", "p": "DOUBLE",
                               "blocks": "INTEGER"})


def _cochran(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or [] if o is not None and o["outcome"] is not None]
    if not rows:
        return None
    q, df, p, n = stats.cochrans_q([str(o["block"]) for o in rows],
                                   [str(o["treatment"]) for o in rows],
                                   [bool(o["outcome"]) for o in rows])
    nan = q != q
    return {"q": None if nan else q, "df": df, "p": None if nan else p, "blocks": n}


def _mcnemar(a_only: int | None, b_only: int | None) -> float | None:
    if a_only is None or b_only is None:
        return None
    return _nan_none(stats.mcnemar_exact(int(a_only), int(b_only)))


_SUITE_OBS = duckdb.struct_type({"suite": "VARCHAR", "value": "DOUBLE"})
_SUITE_SCORE = duckdb.struct_type({"score": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE",
                                   "suites": "INTEGER", "cases": "INTEGER"})
_PAIR_OBS = duckdb.struct_type({"suite": "VARCHAR", "a": "DOUBLE", "b": "DOUBLE"})
_PAIR_DIFF = duckdb.struct_type({"diff": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE",
                                 "p": "DOUBLE", "cases": "INTEGER"})


def _nan_none(v: float) -> float | None:
    return None if v != v else v


def _suite_score(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or [] if o is not None and o["value"] is not None]
    if not rows:
        return None
    est, lo, hi = stats.stratified_bootstrap_mean([str(o["suite"]) for o in rows],
                                                  [float(o["value"]) for o in rows])
    return {"score": _nan_none(est), "low": _nan_none(lo), "high": _nan_none(hi),
            "suites": len({o["suite"] for o in rows}), "cases": len(rows)}


def _paired_diff(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or []
            if o is not None and o["a"] is not None and o["b"] is not None]
    if not rows:
        return None
    est, lo, hi, p = stats.paired_stratified_bootstrap(
        [str(o["suite"]) for o in rows], [float(o["a"]) for o in rows],
        [float(o["b"]) for o in rows])
    return {"diff": _nan_none(est), "low": _nan_none(lo), "high": _nan_none(hi),
            "p": _nan_none(p), "cases": len(rows)}



def _power(p_a: float | None, p_b: float | None, n: int | None) -> float | None:
    if p_a is None or p_b is None or n is None:
        return None
    return _nan_none(stats.power_two_proportions(float(p_a), float(p_b), int(n)))


_LABELS = duckdb.struct_type({"gold": "VARCHAR", "pred": "VARCHAR"})


def _macro_f1(pairs: list[dict[str, Any]] | None) -> float | None:
    rows = [p for p in pairs or [] if p is not None and p["gold"] is not None]
    if not rows:
        return None
    from pipeline.scoring.classification import macro_f1

    gold = [str(p["gold"]) for p in rows]
    return macro_f1(gold, [p["pred"] for p in rows], sorted(set(gold)))


# -- intervals, classifier metrics, tests and families (issue 19) ------------------------

_RATE_CI = duckdb.struct_type({"rate": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE",
                               "successes": "BIGINT", "trials": "BIGINT"})


def _wilson(k: int | None, n: int | None) -> dict[str, Any] | None:
    if k is None or n is None:
        return None
    lo, hi = stats.wilson_interval(int(k), int(n))
    return {"rate": int(k) / int(n) if n > 0 else None, "low": _nan_none(lo),
            "high": _nan_none(hi), "successes": int(k), "trials": int(n)}


_CLUSTER_OBS = duckdb.struct_type({"cluster": "VARCHAR", "outcome": "BOOLEAN"})
_CLUSTER_CI = duckdb.struct_type({"rate": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE",
                                  "successes": "BIGINT", "samples": "BIGINT",
                                  "clusters": "BIGINT"})


def _cluster_rate(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or [] if o is not None and o["outcome"] is not None]
    if not rows:
        return None
    clusters = [str(o["cluster"]) for o in rows]
    rate, lo, hi, k, n = stats.cluster_rate_interval(clusters, [bool(o["outcome"])
                                                                for o in rows])
    return {"rate": _nan_none(rate), "low": _nan_none(lo), "high": _nan_none(hi),
            "successes": k, "samples": n, "clusters": len(set(clusters))}


_TRUTH_PRED = duckdb.struct_type({"truth": "BOOLEAN", "pred": "BOOLEAN"})
_CLASSIFIER = duckdb.struct_type(
    {f: ("BIGINT" if f in ("n", "positives", "negatives", "tp", "fp", "fn", "tn")
         else "DOUBLE") for f in stats.ClassifierMetrics.__dataclass_fields__})


def _classifier(pairs: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [r for r in pairs or [] if r is not None and r["truth"] is not None]
    if not rows:
        return None
    # no verdict (NULL) is not a block: the case was let through
    m = stats.classifier_metrics([bool(r["truth"]) for r in rows],
                                 [bool(r["pred"]) for r in rows])
    return {k: (_nan_none(v) if isinstance(v, float) else v) for k, v in vars(m).items()}


TEST = duckdb.struct_type({"estimate": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE",
                           "p": "DOUBLE", "n": "BIGINT", "testable": "BOOLEAN",
                           "reason": "VARCHAR", "method": "VARCHAR"})


def _test_row(t: stats.TestResult) -> dict[str, Any]:
    return {k: (_nan_none(v) if isinstance(v, float) else v) for k, v in vars(t).items()}


def _mcnemar_test(b_only: int | None, a_only: int | None,
                  n: int | None) -> dict[str, Any] | None:
    if b_only is None or a_only is None or n is None:
        return None
    return _test_row(stats.mcnemar_test(int(b_only), int(a_only), int(n)))


_PAIR_TEST_OBS = duckdb.struct_type({"stratum": "VARCHAR", "a": "DOUBLE", "b": "DOUBLE"})


def _paired_test(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or []
            if o is not None and o["a"] is not None and o["b"] is not None]
    if not rows:
        return None
    return _test_row(stats.paired_bootstrap_test(
        [str(o["stratum"]) for o in rows], [float(o["a"]) for o in rows],
        [float(o["b"]) for o in rows]))


_F1_PAIR = duckdb.struct_type({"truth": "BOOLEAN", "a": "BOOLEAN", "b": "BOOLEAN"})


def _f1_diff(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or [] if o is not None and o["truth"] is not None]
    if not rows:
        return None
    return _test_row(stats.f1_diff_test([bool(o["truth"]) for o in rows],
                                        [bool(o["a"]) for o in rows],
                                        [bool(o["b"]) for o in rows]))


def _p_adjust(pvalues: list[float | None] | None, method: str | None) -> list[float | None] | None:
    if pvalues is None:
        return None
    ps = [float("nan") if p is None else float(p) for p in pvalues]
    return [_nan_none(p) for p in stats.adjust_p(ps, method or "holm")]


def _mde(base_rate: float | None, n: int | None) -> float | None:
    if base_rate is None or n is None:
        return None
    return _nan_none(stats.min_detectable_difference(float(base_rate), int(n)))


def _fisher(ak: int | None, an: int | None, bk: int | None, bn: int | None) -> float | None:
    if None in (ak, an, bk, bn) or not an or not bn:
        return None
    return stats.fisher_exact_p(int(ak), int(an), int(bk), int(bn))  # type: ignore[arg-type]


def _binom(k: int | None, n: int | None, rate: float | None) -> float | None:
    if k is None or n is None or rate is None:
        return None
    return _nan_none(stats.binomial_test_p(int(k), int(n), float(rate)))


# name -> (python function, argument types, return type). Every statistic a page shows comes
# from one of these (posts/writing-posts.md lists them; the build refuses hand-coded ones).
FUNCTIONS: dict[str, tuple[Any, list[Any], Any]] = {
    "cochran_q": (_cochran, [duckdb.list_type(_OBS)], _COCHRAN),
    "mcnemar_p": (_mcnemar, ["BIGINT", "BIGINT"], "DOUBLE"),
    "suite_score": (_suite_score, [duckdb.list_type(_SUITE_OBS)], _SUITE_SCORE),
    "macro_f1": (_macro_f1, [duckdb.list_type(_LABELS)], "DOUBLE"),
    "power_two_prop": (_power, ["DOUBLE", "DOUBLE", "BIGINT"], "DOUBLE"),
    "paired_suite_diff": (_paired_diff, [duckdb.list_type(_PAIR_OBS)], _PAIR_DIFF),
    "wilson_ci": (_wilson, ["BIGINT", "BIGINT"], _RATE_CI),
    "cluster_rate_ci": (_cluster_rate, [duckdb.list_type(_CLUSTER_OBS)], _CLUSTER_CI),
    "classifier_metrics": (_classifier, [duckdb.list_type(_TRUTH_PRED)], _CLASSIFIER),
    "mcnemar_test": (_mcnemar_test, ["BIGINT", "BIGINT", "BIGINT"], TEST),
    "paired_test": (_paired_test, [duckdb.list_type(_PAIR_TEST_OBS)], TEST),
    "f1_diff_test": (_f1_diff, [duckdb.list_type(_F1_PAIR)], TEST),
    "p_adjust": (_p_adjust, [duckdb.list_type("DOUBLE"), "VARCHAR"],
                 duckdb.list_type("DOUBLE")),
    "mde": (_mde, ["DOUBLE", "BIGINT"], "DOUBLE"),
    "fisher_p": (_fisher, ["BIGINT", "BIGINT", "BIGINT", "BIGINT"], "DOUBLE"),
    "binom_p": (_binom, ["BIGINT", "BIGINT", "DOUBLE"], "DOUBLE"),
}


# Connections that have every function already: a weak set, so a closed connection is forgotten
_REGISTERED: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Add every function of FUNCTIONS this connection does not have yet (idempotent):

    - `cochran_q(LIST(STRUCT(block, treatment, outcome)))` → STRUCT(q, df, p, blocks);
    - `mcnemar_p(a_only, b_only)` → exact p; NULL when there is no discordant pair (nothing
      was tested: use `mcnemar_test` to say so);
    - `suite_score(LIST(STRUCT(suite, value)))` → STRUCT(score, low, high, suites, cases):
      the mean of per-suite means, with a stratified bootstrap 95% CI over cases;
    - `paired_suite_diff(LIST(STRUCT(suite, a, b)))` → STRUCT(diff, low, high, p, cases):
      two models' overall scores on the same cases (a − b), paired bootstrap CI and p;
    - `power_two_prop(p_a, p_b, n)` → the power to tell rates p_a and p_b apart with n cases;
    - `macro_f1(LIST(STRUCT(gold, pred)))` → macro-averaged F1 over the gold labels
      (scikit-learn; a NULL prediction counts as a miss);
    - `wilson_ci(k, n)` → STRUCT(rate, low, high, successes, trials): k of n with its 95%
      Wilson interval (statsmodels); rate and interval NULL for 0 of 0;
    - `cluster_rate_ci(LIST(STRUCT(cluster, outcome)))` → STRUCT(rate, low, high,
      successes, samples, clusters): a rate over several samples per case, 95% bootstrap CI
      over cases (scipy);
    - `classifier_metrics(LIST(STRUCT(truth, pred)))` → STRUCT(n, positives, negatives, tp,
      fp, fn, tn, recall, precision, fpr, f1, each with _low/_high, accuracy, prevalence):
      both sides of a guard's trade-off (scikit-learn counts, Wilson, bootstrap F1);
    - `mcnemar_test(b_only, a_only, n)`, `paired_test(LIST(STRUCT(stratum, a, b)))`,
      `f1_diff_test(LIST(STRUCT(truth, a, b)))` → the TEST struct (estimate B − A, low,
      high, p, n, testable, reason, method) that a comparison claim reads;
    - `p_adjust(LIST(p), method)` → the list adjusted for the family ('holm', 'bh',
      'bonferroni', 'none'; statsmodels multipletests; NULLs stay NULL);
    - `mde(base_rate, n)` → the smallest difference a two-sided 5% test detects with 80%
      power at n per side (statsmodels);
    - `fisher_p(a_k, a_n, b_k, b_n)`, `binom_p(k, n, rate)` → exact two-sided p (scipy).
    """
    if con in _REGISTERED:  # asking DuckDB costs ~20 ms, once per page otherwise
        return
    names = ", ".join(f"'{n}'" for n in FUNCTIONS)
    have = {r[0] for r in con.execute(
        f"SELECT function_name FROM duckdb_functions() WHERE function_name IN ({names})"
        ).fetchall()}
    for name, (fn, args, ret) in FUNCTIONS.items():
        if name not in have:
            con.create_function(name, fn, args, ret, null_handling="special",
                                side_effects=False)
    _REGISTERED.add(con)
