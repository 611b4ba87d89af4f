"""Statistics for honest numbers. Thin wrappers over statsmodels, so the method is named."""

from __future__ import annotations

from statsmodels.stats.proportion import proportion_confint


def wilson_interval(successes: int, trials: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    Wilson rather than the normal approximation: it stays inside [0, 1] and behaves at the
    small n and extreme rates that small-model experiments produce. trials == 0 → (nan, nan).
    """
    if trials <= 0:
        return float("nan"), float("nan")
    lo, hi = proportion_confint(int(successes), int(trials), alpha=alpha, method="wilson")
    return float(lo), float(hi)
