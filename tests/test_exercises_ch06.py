"""Chapter 6 checkers accept every correct convention and reject known mistakes with their hint."""

import math

import numpy as np
import pytest
from checker_harness import checker_tests, solution_definitions, solution_sources
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.exercises.ch06_tips import (
    check_early_stopping_epoch,
    check_goyal_lr,
    check_lr_scaling_exponent,
    check_majority_vote_error,
    check_test_images_needed,
)


def stop_epoch(val_losses, patience):
    best, wait = float("inf"), 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, wait = loss, 0
        else:
            wait += 1
            if wait == patience:
                return epoch
    return len(val_losses)


def stop_at_first_increase(val_losses, patience):
    for i in range(1, len(val_losses)):
        if val_losses[i] > val_losses[i - 1]:
            return i + 1
    return len(val_losses)


def vote_error(error, K):
    return sum(math.comb(K, k) * error**k * (1 - error) ** (K - k) for k in range((K + 1) // 2, K + 1))


def images_needed(d, q, z=2.0):
    return z**2 * (q - d**2) / d**2


def scaling_exponent(batch_sizes, lrs):
    return np.polyfit(np.log(batch_sizes), np.log(lrs), 1)[0]


def goyal(step, base_lr, k, warmup_steps):
    return k * base_lr if step >= warmup_steps else base_lr * (1 + (k - 1) * step / warmup_steps)


CASES = {
    check_early_stopping_epoch: (
        stop_epoch,
        [(lambda v, p: stop_epoch(v, p) - 1, "counted from 1"),
         (lambda v, p: stop_epoch(v, p + 1), "patience + 1"),
         (stop_at_first_increase, "first increase"),
         (lambda v, p: int(np.argmin(v)) + 1, "best epoch")],
    ),
    check_majority_vote_error: (
        vote_error,
        [(lambda e, K: 1 - vote_error(e, K), "*right*"),
         (lambda e, K: sum(math.comb(K, k) * e**k * (1 - e) ** (K - k)
                           for k in range(K // 2, K + 1)), "one term too many"),
         (lambda e, K: sum(e**k * (1 - e) ** (K - k) for k in range((K + 1) // 2, K + 1)),
          "count the ways"),
         (lambda e, K: e ** ((K + 1) // 2), "*particular*"),
         (lambda e, K: e**K, "not all members")],
    ),
    check_test_images_needed: (
        images_needed,
        [(lambda d, q, z=2.0: z**2 * q * (1 - q) / d**2, "variance of a 0/1 variable"),
         (lambda d, q, z=2.0: z**2 * (q + d**2) / d**2, "q − d², not q + d²"),
         (lambda d, q, z=2.0: z * q / d**2, "z enters squared"),
         (lambda d, q, z=2.0: z**2 * q / abs(d), "d enters squared"),
         (lambda d, q, z=2.0: z * math.sqrt(q) / abs(d), "that is sqrt(n)")],
    ),
    check_lr_scaling_exponent: (
        scaling_exponent,
        [(lambda b, lr: np.polyfit(b, lr, 1)[0], "log–log"),
         (lambda b, lr: np.polyfit(np.log(b), lr, 1)[0], "logarithm of the learning rates"),
         (lambda b, lr: np.polyfit(np.log(lr), np.log(b), 1)[0], "regressed log b"),
         (lambda b, lr: np.polyfit(np.log(b), np.log(lr), 1)[1], "intercept"),
         (lambda b, lr: np.log(lr[-1] / lr[0]) / np.log(b[-1] / b[0]), "two end points")],
    ),
    check_goyal_lr: (
        goyal,
        [(lambda t, lr, k, w: lr * (1 + (k - 1) * t / w), "keeps climbing"),
         (lambda t, lr, k, w: lr if t >= w else goyal(t, lr, k, w), "not η again"),
         (lambda t, lr, k, w: k * lr * min(t / w, 1.0), "not at 0"),
         (lambda t, lr, k, w: goyal(t + 1, lr, k, w), "off by one")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


# --- the other correct conventions are accepted ----------------------------------------------

@pytest.mark.parametrize("answer", [
    lambda d, q, z=2.0: z**2 * q / d**2,                            # McNemar's approximation
    lambda d, q, z=2.0: math.ceil(z**2 * (q - d**2) / d**2),        # whole images, exact
    lambda d, q, z=2.0: math.ceil(z**2 * q / d**2),                 # whole images, McNemar
    lambda d, q, z=2.0: np.float32(z**2 * (q - d**2) / d**2),       # a NumPy scalar
], ids=["mcnemar", "ceil", "ceil_mcnemar", "float32"])
def test_images_needed_accepts_the_approximation_and_whole_images(answer):
    assert check_test_images_needed(answer, verbose=False)


def test_images_needed_rejects_rounding_down():
    result = check_test_images_needed(lambda d, q, z=2.0: math.floor(images_needed(d, q, z)),
                                      verbose=False)
    assert not result


def test_scaling_exponent_accepts_any_base_of_the_logarithm():
    assert check_lr_scaling_exponent(
        lambda b, lr: np.polyfit(np.log10(b), np.log10(lr), 1)[0], verbose=False)
    assert check_lr_scaling_exponent(
        lambda b, lr: np.polyfit(np.log2(b), np.log2(lr), 1)[0], verbose=False)


def test_scaling_exponent_accepts_lists_and_a_hand_written_least_squares():
    def by_hand(b, lr):
        x, y = np.log(list(b)), np.log(list(lr))
        return float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())

    assert check_lr_scaling_exponent(by_hand, verbose=False)


def test_goyal_lr_accepts_a_ramp_that_ends_on_the_last_warmup_step():
    def last_step(step, base_lr, k, warmup_steps):
        if step >= warmup_steps - 1:
            return k * base_lr
        return base_lr * (1 + (k - 1) * step / (warmup_steps - 1))

    assert check_goyal_lr(last_step, verbose=False)


def test_goyal_lr_reference_is_eta_at_step_zero_and_k_eta_after_the_warmup():
    assert goyal(0, 0.1, 8, 50) == pytest.approx(0.1)
    assert goyal(25, 0.1, 8, 50) == pytest.approx(0.45)
    assert goyal(50, 0.1, 8, 50) == goyal(500, 0.1, 8, 50) == pytest.approx(0.8)
    assert check_goyal_lr(goyal, verbose=False)


def test_majority_vote_of_one_member_is_its_own_error_and_falls_with_K_below_one_half():
    from dlsg_utils.exercises.ch06_tips import _majority_vote_error

    assert _majority_vote_error(0.2, 1) == pytest.approx(0.2)
    assert _majority_vote_error(0.2, 3) == pytest.approx(3 * 0.04 * 0.8 + 0.008)
    errors = [_majority_vote_error(0.2, K) for K in (1, 3, 5, 11, 21)]
    assert all(a > b for a, b in zip(errors, errors[1:], strict=False))
    assert _majority_vote_error(0.6, 21) > 0.6  # above one half a vote makes things worse


def test_images_needed_matches_a_simulated_paired_comparison():
    """At n = z²(q − d²)/d² images the paired difference of two simulated classifiers is z
    standard errors: the formula of exercise 3 is the one dlsg_utils.stats uses."""
    from dlsg_utils.stats import paired_difference

    rng = np.random.default_rng(0)
    d, q, z = 0.01, 0.05, 2.0
    n = int(images_needed(d, q, z))
    p10, p01 = (q + d) / 2, (q - d) / 2  # A right & B wrong, A wrong & B right
    u = rng.random(n)
    a = (u < p10).astype(float)
    b = ((u >= p10) & (u < p10 + p01)).astype(float)
    diff = paired_difference(np.stack([a, a]), np.stack([b, b]))  # two identical seeds
    assert diff.se_seeds == 0
    assert diff.se_test == pytest.approx(math.sqrt((q - d**2) / n), rel=0.05)


def test_early_stopping_reference_matches_the_training_loop():
    """The exercise's stopping epoch is the one dlsg_utils.train.EarlyStopping reports."""
    from dlsg_utils.exercises.ch06_tips import _case_losses, _early_stopping_epoch
    from dlsg_utils.train import EarlyStopping

    rng = np.random.default_rng(1)
    for _ in range(50):
        losses, patience = _case_losses(rng)
        stopper = EarlyStopping(patience=patience)
        stopped = next((e for e, v in enumerate(losses, 1) if stopper.update(v)), len(losses))
        assert stopped == _early_stopping_epoch(losses, patience)


def test_reference_images_needed_inverts_stats_paired_difference_exactly():
    """On two identical seeds with n_ab images only A gets right and n_ba only B gets right,
    dlsg_utils.stats.paired_difference gives z with se² = (q − d²)/(n − 1) (sample variance of
    the per-image differences); the reference's n = z²(q − d²)/d² for that z is then n − 1,
    exactly. Checked on 200 random tables (the package's d and q, the reference's formula)."""
    from dlsg_utils.exercises.ch06_tips import _images_needed
    from dlsg_utils.stats import paired_difference

    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(20, 3000))
        n_ab, n_ba = (int(c) for c in rng.multinomial(int(rng.integers(1, n)), [0.6, 0.4]))
        if n_ab == n_ba:
            continue  # d = 0: no number of images resolves it
        a, b = np.zeros(n), np.zeros(n)
        a[:n_ab] = 1
        b[n_ab:n_ab + n_ba] = 1
        both = int(rng.integers(0, n - n_ab - n_ba + 1))  # images both get right
        a[n - both:], b[n - both:] = 1, 1
        diff = paired_difference(np.stack([a, a]), np.stack([b, b]))
        d, q = (n_ab - n_ba) / n, (n_ab + n_ba) / n
        assert diff.mean == pytest.approx(d, abs=1e-15)
        assert _images_needed(diff.mean, q, diff.z) == pytest.approx(n - 1, rel=1e-9)


def test_reference_goyal_lr_equals_the_packages_warmup_schedule():
    """Goyal et al.'s ramp from η to kη over w steps is dlsg_utils.schedules' "warmup" (torch's
    LinearLR) with lr = kη and start_factor = 1/k, at every step of 2w + 10, for 24 settings."""
    from dlsg_utils.exercises.ch06_tips import _goyal_lr
    from dlsg_utils.schedules import lr_curve

    for k in (2, 4, 8, 32):
        for warmup in (1, 5, 17, 64, 100, 499):
            base = 0.1 / k
            curve = lr_curve("warmup", 2 * warmup + 10, lr=k * base, warmup=warmup,
                             start_factor=1 / k)
            want = [_goyal_lr(t, base, k, warmup) for t in range(len(curve))]
            np.testing.assert_allclose(curve, want, rtol=1e-9, atol=0)


# --- every checker: at least two more correct forms accepted ------------------------------------

def _stop_by_index(val_losses, patience):
    """Index arithmetic instead of a counter: the epochs since the running minimum."""
    losses = np.asarray(val_losses, dtype=float)
    for i in range(len(losses)):
        best_at = int(np.argmin(losses[: i + 1]))  # the first of tied minima: no new best
        if i - best_at >= patience:
            return i + 1
    return len(losses)


def _vote_error_by_complement(error, K):
    """1 − P(at most (K − 1)/2 wrong)."""
    return 1 - sum(math.comb(K, k) * error**k * (1 - error) ** (K - k) for k in range((K + 1) // 2))


def _goyal_interp(step, base_lr, k, warmup_steps):
    return float(np.interp(step, [0, warmup_steps], [base_lr, k * base_lr]))


ALTERNATIVES = {
    check_early_stopping_epoch: [_stop_by_index, lambda v, p: float(stop_epoch(v, p))],
    check_majority_vote_error: [_vote_error_by_complement,
                                lambda e, K: np.float32(vote_error(e, K))],
    check_goyal_lr: [_goyal_interp,  # and the ramp that reaches kη one step early:
                     lambda t, lr, k, w: k * lr if t >= w - 1 else lr * (1 + (k - 1) * t / (w - 1))],
}


def test_checkers_accept_other_correct_forms():
    """Index arithmetic, the complement, float32, np.interp, the other reading of the ramp (and,
    above, McNemar, whole images and logarithms to any base)."""
    for checker, answers in ALTERNATIVES.items():
        for answer in answers:
            assert checker(answer, verbose=False), checker.__name__


def _spy(checker, reference):
    seen = []

    def spy(*args):
        seen.append(args)
        return reference(*args)

    assert checker(spy, verbose=False)
    return seen


def test_checkers_draw_the_boundaries_of_their_questions():
    """Ties, patience 1 and longer than the run; one member, errors 0 and 1; q = |d|; two
    points; one warm-up step, k = 1 and the step that ends the warm-up."""
    seen = _spy(check_early_stopping_epoch, stop_epoch)
    assert any(p == 1 for _, p in seen) and any(p > len(v) for v, p in seen)
    assert any(len(set(v)) < len(v) for v, _ in seen)
    seen = _spy(check_majority_vote_error, vote_error)
    assert any(K == 1 for _, K in seen) and any(e in (0.0, 1.0) for e, _ in seen)
    seen = _spy(check_test_images_needed, images_needed)
    assert any(q == abs(d) for d, q, *_ in seen) and any(abs(d) > 0.1 for d, *_ in seen)
    seen = _spy(check_lr_scaling_exponent, scaling_exponent)
    assert any(len(b) == 2 for b, _ in seen)
    seen = _spy(check_goyal_lr, goyal)
    assert any(w == 1 for *_, w in seen) and any(t == w for t, _, _, w in seen)


# --- the chapter's hidden solutions, run as they stand, on the whole domain of each question -----

def _solutions():
    """The functions the hidden solutions define (their other lines need the chapter's runs),
    and the investigate exercise's cell, which runs on its own."""
    import torch

    namespace = solution_definitions("06", {"np": np, "math": math, "torch": torch,
                                            "print": lambda *a, **k: None}, imports=False)
    exec(next(src for src in solution_sources("06") if "rng_p" in src), namespace)
    return namespace


SOLUTIONS = _solutions()


def test_every_hidden_solution_passes_its_checker():
    for checker, name in [(check_early_stopping_epoch, "early_stopping_epoch"),
                          (check_majority_vote_error, "majority_vote_error"),
                          (check_test_images_needed, "test_images_needed"),
                          (check_lr_scaling_exponent, "lr_scaling_exponent"),
                          (check_goyal_lr, "goyal_lr")]:
        assert checker(SOLUTIONS[name], verbose=False), name


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.5, 1.0]), min_size=1, max_size=15),
       st.integers(1, 20))
def test_solution_early_stopping_epoch_agrees_with_index_arithmetic_ties_included(losses, p):
    assert SOLUTIONS["early_stopping_epoch"](losses, p) == _stop_by_index(losses, p)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.integers(0, 60))
def test_solution_majority_vote_error_is_the_binomial_tail_for_any_error_and_odd_K(e, half):
    K = 2 * half + 1
    assert math.isclose(SOLUTIONS["majority_vote_error"](e, K), _vote_error_by_complement(e, K),
                        rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.001, 0.9), st.floats(0, 1), st.floats(1, 4), st.booleans())
def test_solution_test_images_needed_puts_d_at_z_standard_errors(d, share, z, negative):
    q = d + share * (1 - d)  # |d| ≤ q ≤ 1
    d = -d if negative else d
    n = SOLUTIONS["test_images_needed"](d, q, z)
    assert math.isclose(abs(d), z * math.sqrt((q - d**2) / n), rel_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 10**4), min_size=2, max_size=8, unique=True),
       st.floats(-1, 2), st.integers(0, 2**32 - 1))
def test_solution_lr_scaling_exponent_recovers_an_exact_power_law(sizes, alpha, seed):
    lrs = 0.1 * np.asarray(sizes, dtype=float) ** alpha
    assert math.isclose(SOLUTIONS["lr_scaling_exponent"](sizes, lrs), alpha, abs_tol=1e-6)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10**6), st.floats(1e-4, 1), st.integers(1, 64), st.integers(1, 1000))
def test_solution_goyal_lr_is_the_linear_ramp_for_any_step_and_warmup(t, lr, k, w):
    assert math.isclose(SOLUTIONS["goyal_lr"](t, lr, k, w), _goyal_interp(t, lr, k, w),
                        rel_tol=1e-12)


def test_investigate_solution_measures_a_coin_toss_at_n_and_80_percent_near_twice_n():
    powers = SOLUTIONS["powers"]
    assert abs(powers[1] - 0.5) < 0.02 and abs(powers[2] - 0.8) < 0.03
    assert abs(((1.96 + SOLUTIONS["z80"]) / 1.96) ** 2 - 2.04) < 0.01
