"""Chapter 6 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
from checker_harness import checker_tests

from dlsg_utils.exercises.tips import (
    check_early_stopping_epoch,
    check_ensemble_average,
    check_noise_std,
    check_step_lr,
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


CASES = {
    check_noise_std: (
        lambda eta, t, gamma=0.55: (eta / (1 + t) ** gamma) ** 0.5,
        [(lambda eta, t, gamma=0.55: eta / (1 + t) ** gamma, "variance"),
         (lambda eta, t, gamma=0.55: (eta / t**gamma) ** 0.5, "off by one"),
         (lambda eta, t, gamma=0.55: (eta / (1 + t)) ** 0.5, "power γ is missing"),
         (lambda eta, t, gamma=0.55: eta**0.5 / (1 + t) ** gamma, "square root must cover")],
    ),
    check_early_stopping_epoch: (
        stop_epoch,
        [(lambda v, p: stop_epoch(v, p) - 1, "counted from 1"),
         (lambda v, p: stop_epoch(v, p + 1), "patience + 1"),
         (stop_at_first_increase, "first increase"),
         (lambda v, p: int(np.argmin(v)) + 1, "best epoch")],
    ),
    check_ensemble_average: (
        lambda probs: np.mean(probs, axis=0),
        [(lambda probs: np.sum(probs, axis=0), "summed"),
         (lambda probs: np.mean(probs, axis=1), "wrong axis"),
         (lambda probs: np.eye(probs.shape[2])[probs.argmax(axis=2)].mean(axis=0), "votes"),
         (lambda probs: probs[0], "first model")],
    ),
    check_step_lr: (
        lambda epoch, lr0, drop, every: lr0 * drop ** (epoch // every),
        [(lambda e, lr0, d, k: lr0 * d ** (e / k), "missing the floor"),
         (lambda e, lr0, d, k: lr0 * d ** ((e + 1) // k), "off by one"),
         (lambda e, lr0, d, k: lr0 * d * (e // k), "a power"),
         (lambda e, lr0, d, k: lr0 * d**e, "every epoch")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_noise_std_reference_matches_the_training_loop():
    """The exercise's σ_t is the square root of what dlsg_utils.train.GradientNoise adds."""
    from dlsg_utils.exercises.tips import _noise_std
    from dlsg_utils.train import GradientNoise

    t = np.arange(0, 1000, 37)
    np.testing.assert_allclose(_noise_std(0.3, t, 0.55) ** 2,
                               GradientNoise(0.3, gamma=0.55).variance(t))


def test_early_stopping_reference_matches_the_training_loop():
    """The exercise's stopping epoch is the one dlsg_utils.train.EarlyStopping reports."""
    from dlsg_utils.exercises.tips import _case_losses, _early_stopping_epoch
    from dlsg_utils.train import EarlyStopping

    rng = np.random.default_rng(1)
    for _ in range(50):
        losses, patience = _case_losses(rng)
        stopper = EarlyStopping(patience=patience)
        stopped = next((e for e, v in enumerate(losses, 1) if stopper.update(v)), len(losses))
        assert stopped == _early_stopping_epoch(losses, patience)
