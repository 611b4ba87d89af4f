"""Statistics for honest numbers. Thin wrappers over statsmodels and scipy, so the method is
named. They import their library on first use: statsmodels costs half a second to import,
which a site build without intervals should not pay."""

from __future__ import annotations


def wilson_interval(successes: int, trials: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    Wilson rather than the normal approximation: it stays inside [0, 1] and behaves at the
    small n and extreme rates that small-model experiments produce. trials == 0 → (nan, nan).
    """
    if trials <= 0:
        return float("nan"), float("nan")
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(int(successes), int(trials), alpha=alpha, method="wilson")
    return float(lo), float(hi)


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
