import math

import pytest
from scipy.stats import binomtest

from pipeline.stats import mcnemar_exact, paired_bootstrap_ci, wilson_interval, wilson_intervals


def test_wilson_matches_the_formula():
    lo, hi = wilson_interval(2, 3)
    z = 1.959963984540054
    p, n = 2 / 3, 3
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert lo == pytest.approx(centre - half) and hi == pytest.approx(centre + half)
    assert wilson_interval(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))



def test_wilson_is_statsmodels_wilson():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 1), (1, 1), (2, 3), (7, 40), (400, 1000), (99_999, 100_000), (0, 5)]:
        for alpha in (0.05, 0.1):
            ours = wilson_interval(k, n, alpha)
            theirs = proportion_confint(k, n, alpha=alpha, method="wilson")
            assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)
            if alpha == 0.05:  # the published 95% intervals: the same floats
                assert ours == tuple(map(float, theirs))


def test_wilson_intervals_are_the_same_floats_as_one_at_a_time():
    """A chart's bars use the array form: the published error bars must not move."""
    pairs = [(0, 1), (1, 1), (2, 3), (7, 40), (400, 1000), (99_999, 100_000), (0, 5), (0, 0)]
    lo, hi = wilson_intervals([k for k, _ in pairs], [n for _, n in pairs])
    for (k, n), low, high in zip(pairs, lo, hi, strict=True):
        if n == 0:
            assert math.isnan(low) and math.isnan(high)
        else:
            assert (low, high) == wilson_interval(k, n)
    assert wilson_intervals([], []) == ([], [])
    with pytest.raises(ValueError, match="2 success counts for 1"):
        wilson_intervals([1, 2], [3])


def test_mcnemar_exact_is_the_binomial_test_on_discordant_pairs():
    assert mcnemar_exact(9, 1) == pytest.approx(binomtest(1, 10, 0.5).pvalue)
    assert mcnemar_exact(2, 1) == pytest.approx(1.0)
    assert math.isnan(mcnemar_exact(0, 0))  # nothing tested: not p = 1


def test_paired_bootstrap_ci_brackets_the_mean_and_is_reproducible():
    diffs = [0.5, 0.25, 0.0, 0.75, 0.5, 0.25, 0.5, 1.0, 0.0, 0.25]
    lo, hi = paired_bootstrap_ci(diffs)
    assert lo < sum(diffs) / len(diffs) < hi
    assert (lo, hi) == paired_bootstrap_ci(diffs)
    assert paired_bootstrap_ci([0.0, 0.0, 0.0]) == (0.0, 0.0)


def test_every_resampling_function_depends_on_the_data_not_its_order():
    """SQL's list() order follows the query plan: a published interval must not."""
    import random

    from pipeline import stats

    rng = random.Random(5)
    n = 90
    strata = [f"s{i % 3}" for i in range(n)]
    a = [float(rng.random() < 0.4) for _ in range(n)]
    b = [float(rng.random() < 0.6) for _ in range(n)]
    clusters = [f"c{i // 5}" for i in range(n)]
    order = list(range(n))
    rng.shuffle(order)

    def shuffled(xs):
        return [xs[i] for i in order]

    calls = [
        (stats.stratified_bootstrap_mean, (strata, a)),
        (stats.paired_stratified_bootstrap, (strata, a, b)),
        (stats.paired_bootstrap_test, (strata, a, b)),
        (stats.cluster_rate_interval, (clusters, [x > 0 for x in a])),
        (stats.classifier_metrics, ([x > 0 for x in a], [x > 0 for x in b])),
        (stats.f1_diff_test, ([x > 0 for x in a], [x > 0 for x in b], [True] * n)),
    ]
    for fn, args in calls:
        assert fn(*args) == fn(*(shuffled(x) for x in args)), fn.__name__


def test_a_paired_comparison_has_one_interval_whichever_function_reads_it():
    import random

    from pipeline import stats

    rng = random.Random(9)
    strata = [f"s{i % 4}" for i in range(120)]
    a = [float(rng.random() < 0.5) for _ in range(120)]
    b = [float(rng.random() < 0.6) for _ in range(120)]
    t = stats.paired_bootstrap_test(strata, a, b)
    diff, lo, hi, p = stats.paired_stratified_bootstrap(strata, a, b)  # a − b
    assert (t.estimate, t.low, t.high, t.p) == pytest.approx((-diff, -hi, -lo, p))
