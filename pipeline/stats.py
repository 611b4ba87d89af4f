"""Statistics for honest numbers. Thin wrappers over statsmodels and scipy, so the method is
named. They import their library on first use: statsmodels costs half a second to import,
which a site build without intervals should not pay."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any


def wilson_interval(successes: int, trials: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    Wilson rather than the normal approximation: it stays inside [0, 1] and behaves at the
    small n and extreme rates that small-model experiments produce. trials == 0 → (nan, nan).
    statsmodels' `proportion_confint(method="wilson")`, written out with the standard
    library: a chart draws hundreds of these, and importing statsmodels and scipy for them
    cost a cold site build 1-3 s (tests/test_stats.py checks the two agree).
    """
    if trials <= 0:
        return float("nan"), float("nan")
    n = float(int(trials))
    q = int(successes) / n
    # scipy's norm.isf(0.025) to the last bit (the standard library's is 2 ulp off), so the
    # published 95% intervals are statsmodels' exactly
    crit = 1.9599639845400545 if alpha == 0.05 else NormalDist().inv_cdf(1 - alpha / 2)
    crit2 = crit**2
    denom = 1 + crit2 / n
    center = (q + crit2 / (2 * n)) / denom
    dist = crit * math.sqrt(q * (1.0 - q) / n + crit2 / (4.0 * n**2)) / denom
    return min(max(center - dist, 0.0), 1.0), min(max(center + dist, 0.0), 1.0)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Exact McNemar p-value from the discordant pairs (A right & B wrong, B right & A wrong).

    Exact (binomial) rather than chi-square: with the few discordant pairs small experiments
    have, the chi-square approximation is off. No discordant pairs → p = 1.
    """
    from statsmodels.stats.contingency_tables import mcnemar

    if a_only + b_only == 0:
        return 1.0
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


def _strata_indices(strata: list[str]) -> list[Any]:
    import numpy as np

    groups: dict[str, list[int]] = {}
    for i, s in enumerate(strata):
        groups.setdefault(s, []).append(i)
    return [np.asarray(ix) for ix in groups.values()]


def stratified_bootstrap_mean(strata: list[str], values: list[float], alpha: float = 0.05,
                              n_resamples: int = 10000,
                              seed: int = 0) -> tuple[float, float, float]:
    """An overall score that is the mean of per-stratum means (a suite = a stratum, so
    a 40-case suite weighs as much as a 64-case one), with a percentile bootstrap CI that
    resamples cases within each stratum. Seeded: the published interval is reproducible.
    Returns (score, low, high); no data → nans."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    groups = _strata_indices(strata)
    if not groups:
        return float("nan"), float("nan"), float("nan")
    est = float(np.mean([x[g].mean() for g in groups]))
    rng = np.random.default_rng(seed)
    boot = np.zeros(n_resamples)
    for g in groups:
        draws = rng.integers(0, len(g), size=(n_resamples, len(g)))
        boot += x[g][draws].mean(axis=1)
    boot /= len(groups)
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

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    groups = _strata_indices(strata)
    if not groups:
        return float("nan"), float("nan"), float("nan"), float("nan")
    est = float(np.mean([d[g].mean() for g in groups]))
    rng = np.random.default_rng(seed)
    boot = np.zeros(n_resamples)
    for g in groups:
        draws = rng.integers(0, len(g), size=(n_resamples, len(g)))
        boot += d[g][draws].mean(axis=1)
    boot /= len(groups)
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    if np.all(boot == 0):
        return est, float(lo), float(hi), 1.0
    p = min(1.0, 2 * min(float(np.mean(boot <= 0)), float(np.mean(boot >= 0))))
    return est, float(lo), float(hi), p


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
