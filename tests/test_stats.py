"""dlsg_utils.stats: the sampling error of an accuracy and paired differences over seeds and images."""

import math

import numpy as np
import pytest

from dlsg_utils.stats import Difference, accuracy_se, mean_sd, paired_difference


def test_accuracy_se_is_the_binomial_standard_deviation():
    assert accuracy_se(0.9, 100) == pytest.approx(0.03)
    assert accuracy_se(1.0, 10) == 0.0
    assert accuracy_se(0.5, 2000) == pytest.approx(math.sqrt(0.25 / 2000))


def test_accuracy_se_matches_the_spread_of_simulated_test_sets():
    rng = np.random.default_rng(0)
    p, n = 0.93, 2000
    accs = (rng.random((4000, n)) < p).mean(axis=1)
    assert accs.std() == pytest.approx(accuracy_se(p, n), rel=0.05)


def test_mean_sd_uses_the_sample_standard_deviation():
    assert mean_sd([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1.0))
    with pytest.raises(ValueError, match="values"):
        mean_sd([1.0])


def test_identical_methods_differ_by_zero_with_zero_error():
    a = np.random.default_rng(0).random((3, 50)) < 0.8
    d = paired_difference(a, a)
    assert d.mean == 0 and d.se == 0 and d.z == 0 and not d.real()


def test_paired_difference_by_hand():
    a = np.array([[1, 1, 0, 1], [1, 0, 1, 1]])
    b = np.array([[1, 0, 0, 0], [1, 0, 0, 1]])
    d = paired_difference(a, b)
    per_seed = np.array([0.5, 0.25])
    per_item = np.array([0.0, 0.5, 0.5, 0.5])
    assert d.mean == pytest.approx(0.375)
    assert d.se_seeds == pytest.approx(per_seed.std(ddof=1) / math.sqrt(2))
    assert d.se_test == pytest.approx(per_item.std(ddof=1) / 2)
    assert d.se == pytest.approx(math.hypot(d.se_seeds, d.se_test))
    assert (d.seeds, d.items) == (2, 4)


def test_the_test_term_counts_only_images_where_the_methods_disagree():
    """For identical seeds the image term is sqrt((q - d²)/n) up to n/(n-1): McNemar's."""
    rng = np.random.default_rng(1)
    n = 5000
    a = rng.random(n) < 0.9
    b = a.copy()
    flip = rng.random(n) < 0.04  # the two disagree on about 4 % of the images
    b[flip] = ~b[flip]
    d = paired_difference(np.stack([a, a]), np.stack([b, b]))
    q, diff = flip.mean(), a.mean() - b.mean()
    assert d.mean == pytest.approx(diff)
    assert d.se_test == pytest.approx(math.sqrt((q - diff**2) / (n - 1)))
    # far below the unpaired error of two separate accuracies
    assert d.se_test < 0.5 * math.hypot(accuracy_se(a.mean(), n), accuracy_se(b.mean(), n))


def test_a_two_standard_error_rule_flags_about_five_percent_of_equal_methods():
    """Two methods of equal accuracy with independent seed-to-seed noise: the rule |z| > 2
    calls their difference real in about 5 % of experiments (or fewer: se errs large)."""
    rng = np.random.default_rng(2)
    flagged = 0
    for _ in range(400):
        a = rng.random((5, 300)) < 0.9
        b = rng.random((5, 300)) < 0.9
        flagged += paired_difference(a, b).real()
    assert flagged / 400 < 0.08


def test_z_is_infinite_for_a_difference_without_noise():
    d = Difference(mean=0.01, se_seeds=0.0, se_test=0.0, seeds=2, items=10)
    assert d.z == math.inf and d.real()
    assert "+0.0100" in str(d)


@pytest.mark.parametrize("a, b, match", [
    (np.ones((2, 3)), np.ones((2, 4)), "same shape"),
    (np.ones(3), np.ones(3), "shape"),
    (np.ones((1, 3)), np.ones((1, 3)), "2 seeds"),
    (np.full((2, 3), 0.5), np.ones((2, 3)), "0/1"),
    (np.ones((2, 1)), np.ones((2, 1)), "test items"),
])
def test_paired_difference_rejects_bad_arrays(a, b, match):
    with pytest.raises(ValueError, match=match):
        paired_difference(a, b)


# ---- confidence intervals, Holm, verdicts ----------------------------------------------------

def test_mean_interval_uses_t_with_n_minus_1_degrees_of_freedom():
    from dlsg_utils.stats import mean_interval

    x = [1.0, 2.0, 3.0, 4.0, 5.0]
    ci = mean_interval(x)
    half = 2.7764451051977987 * np.std(x, ddof=1) / np.sqrt(5)  # t(0.975, 4), a table value
    assert ci.df == 4 and ci.estimate == 3.0
    assert (ci.low, ci.high) == pytest.approx((3 - half, 3 + half), rel=1e-12)


def test_95_percent_intervals_from_three_seeds_cover_the_truth_95_percent_of_the_time():
    from dlsg_utils.stats import mean_interval

    rng = np.random.default_rng(0)
    covered = [mean_interval(rng.normal(1.0, 2.0, 3)) for _ in range(4000)]
    rate = np.mean([c.low <= 1.0 <= c.high for c in covered])
    assert abs(rate - 0.95) < 4 * np.sqrt(0.05 * 0.95 / 4000)
    # the two-standard-error rule with 3 seeds covers far less: that is why it is not used
    rule = np.mean([abs(c.estimate - 1.0) <= 2 * (c.high - c.estimate) / 4.302652729749464
                    for c in covered])
    assert rule < 0.85


def test_welch_interval_matches_scipys_welch_test_and_the_satterthwaite_df():
    from scipy import stats as st

    from dlsg_utils.stats import welch_interval

    a, b = [0.50, 0.52, 0.55], [0.40, 0.47, 0.41, 0.44]
    ci = welch_interval(a, b)
    ref = st.ttest_ind(a, b, equal_var=False)
    assert ci.p == pytest.approx(ref.pvalue, rel=1e-10)
    va, vb = np.var(a, ddof=1) / 3, np.var(b, ddof=1) / 4
    assert ci.df == pytest.approx((va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 3), rel=1e-12)
    assert ci.estimate == pytest.approx(np.mean(a) - np.mean(b))


def test_paired_interval_is_the_mean_interval_of_the_differences():
    from dlsg_utils.stats import mean_interval, paired_interval

    a, b = [3.0, 5.0, 4.0], [1.0, 2.0, 2.5]
    assert paired_interval(a, b) == mean_interval([2.0, 3.0, 1.5])
    with pytest.raises(ValueError, match="pair up"):
        paired_interval(a, b[:2])


def test_ratio_interval_is_a_geometric_mean_ratio_and_never_negative():
    from dlsg_utils.stats import ratio_interval

    ci = ratio_interval([12.0, 18.0, 15.0], [2.0, 3.0, 2.5])
    assert ci.estimate == pytest.approx(6.0) and ci.null == 1.0 and ci.low > 0
    assert ci.low < 6.0 < ci.high and ci.excludes_null()
    with pytest.raises(ValueError, match="positive"):
        ratio_interval([1.0, -1.0], [1.0, 2.0])


def test_holm_adjusts_step_down_and_keeps_the_order():
    from dlsg_utils.stats import holm

    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5]
    assert holm([0.4, 0.4, 0.4]) == pytest.approx([1.0, 1.0, 1.0])


def test_a_verdict_calls_a_difference_real_only_when_its_interval_excludes_zero():
    from dlsg_utils.stats import Interval, verdict

    real = Interval(0.03, 0.01, 0.05, 4, 0.01)
    unclear = Interval(0.01, -0.02, 0.04, 4, 0.4)
    assert verdict(real, scale=100, unit=" points") == "higher by 3.0 points (95% CI 1.0 to 5.0)"
    assert verdict(Interval(-0.03, -0.05, -0.01, 4, 0.01), scale=100) == \
        "lower by 3.0 (95% CI 1.0 to 5.0)"  # the interval of the size of the drop
    assert verdict(real, scale=100, adjusted_p=0.08) == (
        "not distinguishable after Holm's correction for multiple comparisons (+3.0, 95% CI 1.0 to "
        "5.0, Holm-adjusted p = 0.08)")
    assert verdict(unclear, scale=100, unit=" points") == (
        "not distinguishable (+1.0 points, 95% CI -2.0 to 4.0): the data rule out a difference "
        "larger than 4.0 points")
    ratio = Interval(1.2, 0.8, 1.7, 3, 0.3, null=1.0)
    assert verdict(ratio).endswith("the data rule out a factor above 1.7 either way")
    fast = Interval(6.0, 3.0, 12.0, 3, 0.01, null=1.0)
    assert verdict(fast) == "higher by a factor of 6.0 (95% CI 3.0 to 12.0)"
    slow = Interval(0.25, 0.125, 0.5, 3, 0.01, null=1.0)
    assert verdict(slow) == "lower by a factor of 4.0 (95% CI 2.0 to 8.0)"


def test_a_paired_difference_interval_uses_satterthwaite_degrees_of_freedom():
    d = Difference(mean=0.02, se_seeds=0.01, se_test=0.0, seeds=5, items=1000)
    assert d.df == pytest.approx(4.0)  # the test term is zero: only the seeds' 4 df remain
    ci = d.interval()
    assert ci.high - ci.estimate == pytest.approx(2.7764451051977987 * 0.01)
    both = Difference(mean=0.02, se_seeds=0.01, se_test=0.01, seeds=5, items=1000)
    assert 4 < both.df < 999 and both.interval().p < ci.p * 10
    only_test = Difference(mean=0.02, se_seeds=0.0, se_test=0.01, seeds=5, items=1000)
    assert only_test.df == pytest.approx(999)


def test_accuracy_interval_is_wilsons_interval_of_the_test_set_sampling():
    from dlsg_utils.stats import accuracy_interval

    ci = accuracy_interval(9125, 10_000)
    assert ci.estimate == 0.9125
    half = 1.959963984540054 * math.sqrt(0.9125 * 0.0875 / 10_000)  # Wald, close at this n
    assert ci.low == pytest.approx(0.9125 - half, abs=2e-4)
    assert ci.high == pytest.approx(0.9125 + half, abs=2e-4)
    assert accuracy_interval(0, 10).low == 0.0 and accuracy_interval(10, 10).high == 1.0
    with pytest.raises(ValueError, match="at most"):
        accuracy_interval(11, 10)

