"""Statistics for honest numbers. Thin wrappers over statsmodels and scipy, so the method is
named. They import their library on first use: statsmodels costs half a second to import,
which a site build without intervals should not pay."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def wilson_interval(successes: int, trials: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default), statsmodels'
    `proportion_confint(method="wilson")`.

    Wilson rather than the normal approximation: it stays inside [0, 1] and behaves at the
    small n and extreme rates that small-model experiments produce. trials == 0 → (nan, nan):
    0 of 0 is not a rate, and every page prints it as "—".
    """
    if trials <= 0:
        return float("nan"), float("nan")
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(int(successes), int(trials), alpha=alpha, method="wilson")
    return float(lo), float(hi)


def wilson_intervals(successes: Sequence[int], trials: Sequence[int],
                     alpha: float = 0.05) -> tuple[list[float], list[float]]:
    """`wilson_interval` for many rates in one statsmodels call (a chart's bars): the same
    numbers, without a Python call per bar. Rows with trials == 0 get (nan, nan)."""
    import numpy as np
    from statsmodels.stats.proportion import proportion_confint

    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if len(k) != len(n):
        raise ValueError(f"{len(k)} success counts for {len(n)} trial counts")
    ok = n > 0
    lo = np.full(len(n), np.nan)
    hi = np.full(len(n), np.nan)
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(k[ok], n[ok], alpha=alpha, method="wilson")
    return lo.tolist(), hi.tolist()


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Exact McNemar p-value from the discordant pairs (A right & B wrong, B right & A wrong).

    Exact (binomial) rather than chi-square: with the few discordant pairs small experiments
    have, the chi-square approximation is off. No discordant pairs → nan: nothing was tested
    (0/n against 0/n is not "p = 1"); `mcnemar_test` says why.
    """
    from statsmodels.stats.contingency_tables import mcnemar

    if a_only + b_only == 0:
        return float("nan")
    table = [[0, a_only], [b_only, 0]]
    return float(mcnemar(table, exact=True).pvalue)


def paired_bootstrap_ci(diffs: list[float], alpha: float = 0.05, n_resamples: int = 9999,
                        seed: int = 0) -> tuple[float, float]:
    """Percentile-BCa bootstrap CI of the mean of paired differences (scipy), seeded so the
    published interval is reproducible build to build."""
    import numpy as np
    from scipy.stats import bootstrap

    data = np.asarray(diffs, dtype=float)
    if len(data) < 2 or np.all(data == data[0]):
        m = float(data.mean()) if len(data) else float("nan")
        return m, m
    res = bootstrap((data,), np.mean, confidence_level=1 - alpha, n_resamples=n_resamples,
                    method="BCa", random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def cochrans_q(blocks: list[str], treatments: list[str],
               outcomes: list[bool]) -> tuple[float, int, float, int]:
    """Cochran's Q test (statsmodels) that k paired binary outcomes share one rate.

    The paired design of a position-bias experiment: each block (a question) is answered
    under every treatment (a position). Only complete blocks (every treatment present once)
    enter the test, so a partial run never mixes unpaired rows in. Returns (Q, df, p, blocks
    used); fewer than two treatments or two complete blocks → (nan, df, nan, n). A table whose
    outcomes never vary gives Q = 0 and p = 1 (no evidence of a difference).
    """
    import numpy as np
    from statsmodels.stats.contingency_tables import cochrans_q as _cochrans_q

    levels = sorted(set(treatments))
    cells: dict[str, dict[str, bool]] = {}
    for b, t, o in zip(blocks, treatments, outcomes, strict=True):
        cells.setdefault(b, {})[t] = bool(o)
    rows = [[row[t] for t in levels] for row in cells.values() if len(row) == len(levels)]
    df = max(len(levels) - 1, 0)
    if len(levels) < 2 or len(rows) < 2:
        return float("nan"), df, float("nan"), len(rows)
    x = np.asarray(rows, dtype=int)
    if (x == x[0, 0]).all() or (x.sum(axis=1) % x.shape[1] == 0).all():
        return 0.0, df, 1.0, len(rows)
    res = _cochrans_q(x)
    return float(res.statistic), int(res.df), float(res.pvalue), len(rows)


def canonical(*columns: list[Any]) -> list[list[Any]]:
    """The rows of *columns* sorted, returned as columns again. A seeded bootstrap draws
    indices, so its interval depends on the order of its input; SQL's `list()` order follows
    the query plan. Sorting first makes every resampling function of this module a function
    of the data alone: the same rows in any order give the same published interval."""
    rows = sorted(zip(*columns, strict=True), key=lambda r: tuple(
        (v is None, str(v) if isinstance(v, str) else float(v) if v is not None else 0.0)
        for v in r))
    return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in columns]


def _strata_indices(strata: list[str]) -> list[Any]:
    import numpy as np

    groups: dict[str, list[int]] = {}
    for i, s in enumerate(strata):
        groups.setdefault(s, []).append(i)
    return [np.asarray(ix) for ix in groups.values()]


def _stratified_resamples(x: Any, groups: list[Any], n_resamples: int,
                          seed: int) -> tuple[float, Any]:
    """The mean of per-stratum means of *x*, and *n_resamples* seeded resamples of it, each
    drawing cases with replacement within every stratum: the one resampling scheme behind
    both bootstraps below, so an interval and a paired difference are drawn the same way."""
    import numpy as np

    est = float(np.mean([x[g].mean() for g in groups]))
    rng = np.random.default_rng(seed)
    boot = np.zeros(n_resamples)
    for g in groups:
        draws = rng.integers(0, len(g), size=(n_resamples, len(g)))
        boot += x[g][draws].mean(axis=1)
    boot /= len(groups)
    return est, boot


def stratified_bootstrap_mean(strata: list[str], values: list[float], alpha: float = 0.05,
                              n_resamples: int = 10000,
                              seed: int = 0) -> tuple[float, float, float]:
    """An overall score that is the mean of per-stratum means (a suite = a stratum, so
    a 40-case suite weighs as much as a 64-case one), with a percentile bootstrap CI that
    resamples cases within each stratum. Seeded: the published interval is reproducible.
    Returns (score, low, high); no data → nans."""
    import numpy as np

    strata, values = canonical(strata, values)
    x = np.asarray(values, dtype=float)
    groups = _strata_indices(strata)
    if not groups:
        return float("nan"), float("nan"), float("nan")
    est, boot = _stratified_resamples(x, groups, n_resamples, seed)
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return est, float(lo), float(hi)


def paired_stratified_bootstrap(strata: list[str], a: list[float], b: list[float],
                                alpha: float = 0.05, n_resamples: int = 10000,
                                seed: int = 0) -> tuple[float, float, float, float]:
    """The difference of two models' overall scores (mean of per-stratum means) on the same
    cases, with a paired bootstrap: each resample draws cases within each stratum and keeps
    both models' outcomes on a drawn case together. Returns (a - b, low, high, p), p the
    two-sided bootstrap p-value (twice the smaller tail share beyond 0, at most 1)."""
    import numpy as np

    strata, a, b = canonical(strata, a, b)
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    groups = _strata_indices(strata)
    if not groups:
        return float("nan"), float("nan"), float("nan"), float("nan")
    est, boot = _stratified_resamples(d, groups, n_resamples, seed)
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    if np.all(boot == 0):
        return est, float(lo), float(hi), 1.0
    return est, float(lo), float(hi), bootstrap_p(boot)


def bootstrap_p(boot: Any) -> float:
    """Two-sided bootstrap p that the statistic is 0: twice the smaller share of resamples
    on either side of 0, counted as (k + 1) / (B + 1) so that it is never 0 (with B
    resamples no p below 1 / (B + 1) is resolvable; a page prints "< 0.001", not "0")."""
    import numpy as np

    b = np.asarray(boot, dtype=float)
    tail = min(int(np.sum(b <= 0)), int(np.sum(b >= 0)))
    return min(1.0, 2 * (tail + 1) / (len(b) + 1))


def power_two_proportions(p_a: float, p_b: float, n: int, alpha: float = 0.05) -> float:
    """Power of a two-sided test at *alpha* to tell rates p_a and p_b apart with n cases
    each (statsmodels, Cohen's h, independent samples). For paired designs (the same cases
    for both models) this is a rough guide: pairing helps when the models fail on the same
    cases, which is why a post states it as an approximation."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    if n < 2 or p_a == p_b:
        return float(alpha) if p_a == p_b else float("nan")
    h = proportion_effectsize(min(max(p_a, 0.0), 1.0), min(max(p_b, 0.0), 1.0))
    return float(NormalIndPower().power(effect_size=abs(h), nobs1=n, alpha=alpha, ratio=1.0))


# -- tests that say when they cannot test ------------------------------------------------

# The fewest discordant pairs with which an exact two-sided McNemar test can reach p < 0.05:
# with d pairs the smallest attainable p is 2 * 0.5**d, 0.0625 at d = 5 and 0.031 at d = 6.
MIN_DISCORDANT = 6
# The fewest cases (clusters) whose paired differences are not zero for a bootstrap test.
MIN_INFORMATIVE = 6


@dataclass(frozen=True)
class TestResult:
    """One comparison: what every test function returns and every claim reads.

    `estimate` is the signed effect, always B − A (B the second side named); `low`/`high` its
    interval where the method gives one (else nan); `p` two-sided, nan when `testable` is
    False, and then `reason` says why in words a reader understands; `n` the pairs (cases)
    the test rests on; `method` names the test and its library.
    """

    estimate: float
    low: float
    high: float
    p: float
    n: int
    testable: bool
    reason: str
    method: str


def mcnemar_test(b_only: int, a_only: int, n: int, alpha: float = 0.05) -> TestResult:
    """Paired comparison of two binary outcomes on the same n cases: exact McNemar
    (statsmodels) on the discordant pairs. B only right in *b_only* cases, A only in *a_only*.

    Not testable when the discordant pairs are too few for p to reach *alpha* at all (fewer
    than 6 at 0.05: 0/n vs 0/n, n/n vs n/n, or a handful of flips), because a p-value there
    reports the design, not the data.
    """
    b_only, a_only, n = int(b_only), int(a_only), int(n)
    d = a_only + b_only
    est = (b_only - a_only) / n if n > 0 else float("nan")
    method = "exact McNemar (statsmodels)"
    nan = float("nan")
    if n <= 0:
        return TestResult(nan, nan, nan, nan, 0, False, "no paired cases", method)
    if 2 * 0.5 ** d > alpha:
        why = ("no discordant pairs: both sides agree on every case" if d == 0 else
               f"only {d} discordant pair{'s' if d != 1 else ''}: an exact test cannot reach "
               f"p < {alpha:g} with fewer than {_min_discordant(alpha)}")
        return TestResult(est, nan, nan, nan, n, False, why, method)
    return TestResult(est, nan, nan, mcnemar_exact(a_only, b_only), n, True, "", method)


def _min_discordant(alpha: float) -> int:
    d = 0
    while 2 * 0.5 ** d > alpha:
        d += 1
    return d


def paired_bootstrap_test(strata: list[str], a: list[float], b: list[float],
                          alpha: float = 0.05, n_resamples: int = 10000,
                          seed: int = 0) -> TestResult:
    """Paired comparison of per-case values (a case's share of bad samples, a 0/1 outcome, a
    score) on the same cases: the mean of per-stratum mean differences B − A with a
    percentile bootstrap over cases within strata (cases, not samples, are resampled: the
    samples of one case are not independent). Not testable when fewer than 6 cases differ."""
    import numpy as np

    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    method = "paired bootstrap over cases (numpy, 10,000 resamples)"
    nan = float("nan")
    if len(d) == 0:
        return TestResult(nan, nan, nan, nan, 0, False, "no paired cases", method)
    informative = int(np.count_nonzero(d))
    # the same draws as paired_suite_diff(a, b), mirrored: one comparison gives one interval
    # and one p whichever function and argument order a page uses
    neg, neg_lo, neg_hi, p = paired_stratified_bootstrap(strata, list(a), list(b), alpha,
                                                         n_resamples, seed)
    est, lo, hi = -neg, -neg_hi, -neg_lo
    if informative < MIN_INFORMATIVE:
        why = ("the two sides agree on every case" if informative == 0 else
               f"only {informative} case{'s' if informative != 1 else ''} differ: too few "
               f"to test (at least {MIN_INFORMATIVE})")
        return TestResult(est, lo, hi, nan, len(d), False, why, method)
    return TestResult(est, lo, hi, p, len(d), True, "", method)


def cluster_rate_interval(clusters: list[str], outcomes: list[bool], alpha: float = 0.05,
                          n_resamples: int = 10000,
                          seed: int = 0) -> tuple[float, float, float, int, int]:
    """A rate over samples that come in clusters (several samples of one case), with a
    percentile bootstrap CI that resamples whole clusters (scipy.stats.bootstrap), so the
    interval does not pretend the samples of one case are independent.

    Returns (rate, low, high, successes, samples). When every sample has the same outcome the
    bootstrap has nothing to resample; the interval is then Wilson's over the clusters
    (each case counted once), the honest width for that many independent units."""
    import numpy as np
    from scipy.stats import bootstrap

    clusters, outcomes = canonical([str(c) for c in clusters], [bool(o) for o in outcomes])
    groups: dict[str, list[bool]] = {}
    for c, o in zip(clusters, outcomes, strict=True):
        groups.setdefault(str(c), []).append(bool(o))
    k = np.asarray([sum(v) for v in groups.values()], dtype=float)
    m = np.asarray([len(v) for v in groups.values()], dtype=float)
    total_k, total_n = int(k.sum()), int(m.sum())
    nan = float("nan")
    if total_n == 0:
        return nan, nan, nan, 0, 0
    rate = total_k / total_n
    if total_k in (0, total_n) or len(groups) < 2:
        lo, hi = wilson_interval(round(rate * len(groups)), len(groups), alpha)
        return rate, lo, hi, total_k, total_n

    def ratio(ks: Any, ms: Any, axis: int = -1) -> Any:
        return ks.sum(axis=axis) / ms.sum(axis=axis)

    res = bootstrap((k, m), ratio, paired=True, vectorized=True, n_resamples=n_resamples,
                    confidence_level=1 - alpha, method="percentile",
                    random_state=np.random.default_rng(seed))
    ci = res.confidence_interval
    return rate, float(ci.low), float(ci.high), total_k, total_n


# -- classifiers: both sides of the trade-off --------------------------------------------


@dataclass(frozen=True)
class ClassifierMetrics:
    """A binary classifier (a guard: block or not) against the truth, with every number a
    reader needs to see both sides of its trade-off: recall (violations caught) never comes
    without precision and the false-positive rate (benign cases blocked).

    Rates are nan where undefined (precision with nothing flagged, recall with no positive
    case, the false-positive rate with no negative case): pages print "—", never 0%.
    """

    n: int
    positives: int
    negatives: int
    tp: int
    fp: int
    fn: int
    tn: int
    recall: float
    recall_low: float
    recall_high: float
    precision: float
    precision_low: float
    precision_high: float
    fpr: float
    fpr_low: float
    fpr_high: float
    f1: float
    f1_low: float
    f1_high: float
    accuracy: float
    prevalence: float


def _f1_vec(truth: Any, pred: Any, axis: int = -1) -> Any:
    """F1 per resample along *axis*: 2TP / (2TP + FP + FN), scikit-learn's definition, 0
    where it is undefined (scikit-learn's zero_division default); tests check it equals
    `sklearn.metrics.f1_score`."""
    import numpy as np

    t, p = truth.astype(bool), pred.astype(bool)
    tp = (t & p).sum(axis=axis)
    wrong = (t ^ p).sum(axis=axis)
    den = 2 * tp + wrong
    return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0)


def classifier_metrics(truth: list[bool], pred: list[bool], alpha: float = 0.05,
                       n_resamples: int = 10000, seed: int = 0) -> ClassifierMetrics:
    """Confusion counts and rates from scikit-learn; Wilson intervals (statsmodels) for
    recall, precision and the false-positive rate; a percentile bootstrap over cases
    (scipy.stats.bootstrap, seeded, 10,000 resamples: with 2,000 an interval on a set of 17
    violations moved by 4 points with the seed) for F1."""
    import numpy as np
    from scipy.stats import bootstrap
    from sklearn.metrics import confusion_matrix, f1_score

    truth, pred = canonical([bool(x) for x in truth], [bool(x) for x in pred])
    t = np.asarray(truth, dtype=bool)
    p = np.asarray(pred, dtype=bool)
    n = len(t)
    nan = float("nan")
    if n == 0:
        return ClassifierMetrics(0, 0, 0, 0, 0, 0, 0, *([nan] * 14))
    tn, fp, fn, tp = (int(x) for x in confusion_matrix(t, p, labels=[False, True]).ravel())

    def rate(k: int, m: int) -> tuple[float, float, float]:
        if m == 0:
            return nan, nan, nan
        return (k / m, *wilson_interval(k, m, alpha))

    f1 = float(f1_score(t, p, zero_division=0)) if (tp + fp + fn) else nan
    f1_lo = f1_hi = f1
    if f1 == f1 and n > 1 and not ((t == t[0]).all() and (p == p[0]).all()):
        res = bootstrap((t.astype(int), p.astype(int)), _f1_vec, paired=True,
                        vectorized=True, n_resamples=n_resamples,
                        confidence_level=1 - alpha, method="percentile",
                        random_state=np.random.default_rng(seed))
        f1_lo, f1_hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return ClassifierMetrics(
        n, tp + fn, tn + fp, tp, fp, fn, tn, *rate(tp, tp + fn), *rate(tp, tp + fp),
        *rate(fp, fp + tn), f1, f1_lo, f1_hi, (tp + tn) / n, (tp + fn) / n)


def f1_diff_test(truth: list[bool], pred_a: list[bool], pred_b: list[bool],
                 alpha: float = 0.05, n_resamples: int = 10000,
                 seed: int = 0) -> TestResult:
    """F1 of classifier B minus classifier A on the same cases, with a paired percentile
    bootstrap over cases (scipy.stats.bootstrap, both classifiers judged on each resample)
    and its two-sided bootstrap p (twice the smaller tail beyond 0). Not testable when the
    two classifiers disagree on fewer than 6 cases."""
    import numpy as np
    from scipy.stats import bootstrap
    from sklearn.metrics import f1_score

    truth, pred_a, pred_b = canonical([bool(x) for x in truth], [bool(x) for x in pred_a],
                                      [bool(x) for x in pred_b])
    t = np.asarray(truth, dtype=int)
    a = np.asarray(pred_a, dtype=int)
    b = np.asarray(pred_b, dtype=int)
    method = "paired bootstrap of F1 over cases (scipy, scikit-learn; 10,000 resamples)"
    nan = float("nan")
    n = len(t)
    if n == 0:
        return TestResult(nan, nan, nan, nan, 0, False, "no paired cases", method)
    est = float(f1_score(t, b, zero_division=0) - f1_score(t, a, zero_division=0))
    differ = int((a != b).sum())
    if differ < MIN_INFORMATIVE:
        why = ("the two classifiers agree on every case" if differ == 0 else
               f"the classifiers disagree on only {differ} cases: too few to test")
        return TestResult(est, nan, nan, nan, n, False, why, method)

    def diff(tt: Any, aa: Any, bb: Any, axis: int = -1) -> Any:
        return _f1_vec(tt, bb, axis) - _f1_vec(tt, aa, axis)

    res = bootstrap((t, a, b), diff, paired=True, vectorized=True, n_resamples=n_resamples,
                    confidence_level=1 - alpha, method="percentile",
                    random_state=np.random.default_rng(seed))
    return TestResult(est, float(res.confidence_interval.low),
                      float(res.confidence_interval.high), bootstrap_p(res.bootstrap_distribution),
                      n, True, "", method)


# -- families of tests --------------------------------------------------------------------

ADJUSTMENTS = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni"}
ADJUSTMENT_NAMES = {"holm": "Holm", "bh": "Benjamini–Hochberg", "bonferroni": "Bonferroni",
                    "none": "no adjustment"}


def adjust_p(pvalues: list[float], method: str = "holm") -> list[float]:
    """p-values adjusted for the family they belong to (statsmodels `multipletests`):
    Holm (family-wise error, the default for a post's claims), Benjamini–Hochberg ("bh",
    false discovery rate), Bonferroni, or "none". nan entries (untestable comparisons) stay
    nan and do not count towards the family's size."""
    if method == "none":
        return [float(x) for x in pvalues]
    if method not in ADJUSTMENTS:
        raise ValueError(f"unknown adjustment {method!r} (valid: "
                         f"{', '.join([*ADJUSTMENTS, 'none'])})")
    return list(_adjust(tuple(float(x) for x in pvalues), method))


@functools.lru_cache(maxsize=1024)
def _adjust(pvalues: tuple[float, ...], method: str) -> tuple[float, ...]:
    # Cached: `multipletests` runs a full gc.collect() on every call (0.3-0.8 s inside a
    # site build's heap), and the SQL idiom `p_adjust(list(p) OVER w, ...)[row_number() ...]`
    # asks for the same family once per row.
    import numpy as np
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method=ADJUSTMENTS[method])[1]
    return tuple(float(x) for x in out)


def min_detectable_difference(base_rate: float, n: int, alpha: float = 0.05,
                              power: float = 0.8) -> float:
    """The smallest rise from *base_rate* that a two-sided test at *alpha* would detect with
    *power* at n cases per side (statsmodels `NormalIndPower` on Cohen's h, mapped back to a
    rate). For paired designs it is an approximation: it ignores the pairing. A "no
    difference" verdict prints it, so a reader sees what the data could not have shown."""
    import math

    from statsmodels.stats.power import NormalIndPower

    if n < 2 or not 0 <= base_rate <= 1:
        return float("nan")
    h = float(NormalIndPower().solve_power(effect_size=None, nobs1=n, alpha=alpha,
                                           power=power, ratio=1.0))
    phi = math.asin(math.sqrt(base_rate))
    # Cohen's h = 2·asin(√p2) − 2·asin(√p1): the rate h above base_rate (or below, near 1)
    up = phi + h / 2
    if up <= math.pi / 2:
        return math.sin(up) ** 2 - base_rate
    return base_rate - math.sin(max(phi - h / 2, 0.0)) ** 2


def fisher_exact_p(a_successes: int, a_trials: int, b_successes: int, b_trials: int) -> float:
    """Two-sided Fisher exact p (scipy) for two independent proportions: the exact test
    where n is small and the two sides are different cases."""
    from scipy.stats import fisher_exact

    table = [[a_successes, a_trials - a_successes], [b_successes, b_trials - b_successes]]
    return float(fisher_exact(table).pvalue)


def binomial_test_p(successes: int, trials: int, rate: float) -> float:
    """Two-sided exact binomial p (scipy) that *successes* of *trials* come from *rate*:
    "is this run's rate compatible with the published figure?"."""
    from scipy.stats import binomtest

    if trials <= 0:
        return float("nan")
    return float(binomtest(int(successes), int(trials), rate).pvalue)
