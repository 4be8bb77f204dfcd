"""Checkers for chapter 4, "Adaptive learning rates".

Every update uses the slides' code form, with ε added *after* the square root
(``/ (np.sqrt(cache) + eps)``), which is also PyTorch's form. The random cases draw ε between
1e-3 and 1e-1 so that putting it inside the root gives a visibly different answer.
"""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = [
    "check_adagrad_step",
    "check_adam_bias_correction",
    "check_adamw_step",
    "check_rmsprop_step",
]

_EPS_HINT = ("ε is in the wrong place: add it *after* the square root, "
             "np.sqrt(cache) + eps, as in the slides' code.")
_SIGN_HINT = "wrong sign: the step goes *against* the gradient, θ − η·(…)."


def _eps(rng: np.random.Generator) -> float:
    return float(10 ** rng.uniform(-3, -1))


# --- exercise 1: one Adagrad step ------------------------------------------------------------

def _adagrad_step(theta, G, grad, lr, eps):
    G = G + grad**2
    return theta - lr * grad / (np.sqrt(G) + eps), G


def _case_adagrad(rng):
    d = int(rng.integers(1, 6))
    return (rng.normal(size=d), rng.uniform(0.1, 3.0, size=d), rng.normal(size=d),
            float(rng.uniform(0.01, 0.5)), _eps(rng))


def check_adagrad_step(fn, *, verbose: bool = True) -> Result:
    """``adagrad_step(theta, G, grad, lr, eps)`` returns ``(theta, G)`` after one Adagrad step:
    G ← G + g², θ ← θ − η g / (√G + ε)."""
    return check_function(
        fn, _adagrad_step, _case_adagrad, name="adagrad_step",
        signature="adagrad_step(theta, G, grad, lr, eps)",
        mistakes=[
            Mistake(lambda t, G, g, lr, e: _adagrad_step(t, G, g, lr, e)[0],
                    "return both the new parameters and the new sum: `return theta, G`."),
            Mistake(lambda t, G, g, lr, e: (t - lr * g / (np.sqrt(G) + e), G + g**2),
                    "you divided by the *old* sum G. Add g² to G first, then take the step "
                    "(the slides' code updates the cache before the parameters)."),
            Mistake(lambda t, G, g, lr, e: (t - lr * g / np.sqrt(G + g**2 + e), G + g**2),
                    _EPS_HINT),
            Mistake(lambda t, G, g, lr, e: (t - lr * g / (G + g**2 + e), G + g**2),
                    "the square root is missing: divide by √G + ε, not by G + ε."),
            Mistake(lambda t, G, g, lr, e: (t - lr * g / (np.abs(g) + e), g**2),
                    "G must *accumulate* the squared gradients (G + g²); you replaced it "
                    "with the current g² alone."),
            Mistake(lambda t, G, g, lr, e: (t + lr * g / (np.sqrt(G + g**2) + e), G + g**2),
                    _SIGN_HINT),
        ],
        verbose=verbose,
    )


# --- exercise 2: one RMSProp step ------------------------------------------------------------

def _rmsprop_step(theta, E, grad, lr, decay, eps):
    E = decay * E + (1 - decay) * grad**2
    return theta - lr * grad / (np.sqrt(E) + eps), E


def _case_rmsprop(rng):
    d = int(rng.integers(1, 6))
    return (rng.normal(size=d), rng.uniform(0.1, 3.0, size=d), rng.normal(size=d),
            float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.6, 0.99)), _eps(rng))


def check_rmsprop_step(fn, *, verbose: bool = True) -> Result:
    """``rmsprop_step(theta, E, grad, lr, decay, eps)`` returns ``(theta, E)`` after one
    RMSProp step: E ← ρE + (1 − ρ)g², θ ← θ − η g / (√E + ε), with ρ = ``decay``."""
    return check_function(
        fn, _rmsprop_step, _case_rmsprop, name="rmsprop_step",
        signature="rmsprop_step(theta, E, grad, lr, decay, eps)",
        mistakes=[
            Mistake(lambda t, E, g, lr, r, e: _rmsprop_step(t, E, g, lr, r, e)[0],
                    "return both the new parameters and the new average: `return theta, E`."),
            Mistake(lambda t, E, g, lr, r, e: _rmsprop_step(t, E, g, lr, 1 - r, e),
                    "decay and 1 − decay are swapped: the *old* average keeps the weight "
                    "`decay` (0.9 on the slide), the new g² gets 1 − decay."),
            Mistake(lambda t, E, g, lr, r, e: (t - lr * g / (np.sqrt(r * E + g**2) + e),
                                               r * E + g**2),
                    "the factor (1 − decay) in front of g² is missing: without it E is a "
                    "decaying *sum* (Adagrad-like), not an average."),
            Mistake(lambda t, E, g, lr, r, e: (t - lr * g / (np.sqrt(E) + e),
                                               r * E + (1 - r) * g**2),
                    "you divided by the *old* average. Update E first, then take the step."),
            Mistake(lambda t, E, g, lr, r, e: (t - lr * g / np.sqrt(r * E + (1 - r) * g**2 + e),
                                               r * E + (1 - r) * g**2),
                    _EPS_HINT),
            Mistake(lambda t, E, g, lr, r, e: (t - lr * g / (r * E + (1 - r) * g**2 + e),
                                               r * E + (1 - r) * g**2),
                    "the square root is missing: divide by √E + ε (a root *mean* square)."),
            Mistake(lambda t, E, g, lr, r, e: (t + lr * g / (np.sqrt(r * E + (1 - r) * g**2) + e),
                                               r * E + (1 - r) * g**2),
                    _SIGN_HINT),
        ],
        verbose=verbose,
    )


# --- exercise 3: Adam's bias correction ------------------------------------------------------

def _bias_correction(m, v, t, beta1, beta2):
    return m / (1 - beta1**t), v / (1 - beta2**t)


def _case_bias(rng):
    d = int(rng.integers(1, 6))
    return (rng.normal(size=d), rng.uniform(0.01, 2.0, size=d), int(rng.integers(2, 13)),
            float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.999)))


def check_adam_bias_correction(fn, *, verbose: bool = True) -> Result:
    """``adam_bias_correction(m, v, t, beta1, beta2)`` returns ``(m_hat, v_hat)``:
    m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), for step t = 1, 2, ..."""
    return check_function(
        fn, _bias_correction, _case_bias, name="adam_bias_correction",
        signature="adam_bias_correction(m, v, t, beta1, beta2)",
        mistakes=[
            Mistake(lambda m, v, t, b1, b2: _bias_correction(m, v, t - 1, b1, b2),
                    "off by one: after the t-th update the zero start still weighs β^t, so "
                    "divide by 1 − β^t, not 1 − β^(t−1)."),
            Mistake(lambda m, v, t, b1, b2: _bias_correction(m, v, t + 1, b1, b2),
                    "off by one: use 1 − β^t, not 1 − β^(t+1)."),
            Mistake(lambda m, v, t, b1, b2: (m / b1**t, v / b2**t),
                    "divide by 1 − β^t (the weight the data has received so far), not by "
                    "β^t (the weight still on the zero start)."),
            Mistake(lambda m, v, t, b1, b2: (m / (1 - b1**t), v),
                    "you corrected m but not v: the second moment starts at zero too."),
            Mistake(lambda m, v, t, b1, b2: (m, v / (1 - b2**t)),
                    "you corrected v but not m: the first moment starts at zero too."),
            Mistake(lambda m, v, t, b1, b2: (m * (1 - b1**t), v * (1 - b2**t)),
                    "multiply → divide: the zero start makes m and v too *small*, so the "
                    "correction must make them larger."),
            Mistake(lambda m, v, t, b1, b2: _bias_correction(m, v, t, b1, b1),
                    "v is averaged with β₂, so its correction is 1 − β₂ᵗ (you used β₁)."),
            Mistake(lambda m, v, t, b1, b2: (m / (1 - b1**t), v / np.sqrt(1 - b2**t)),
                    "v̂ = v / (1 − β₂ᵗ) with no square root; the root is taken later, of v̂."),
        ],
        verbose=verbose,
    )


# --- exercise 4: one AdamW step --------------------------------------------------------------

_B1, _B2, _EPS = 0.9, 0.999, 1e-8


def _adam_moments(m, v, grad):
    return _B1 * m + (1 - _B1) * grad, _B2 * v + (1 - _B2) * grad**2


def _adam_direction(m, v, t):
    return (m / (1 - _B1**t)) / (np.sqrt(v / (1 - _B2**t)) + _EPS)


def _adamw_step(theta, m, v, grad, t, lr, weight_decay):
    m, v = _adam_moments(m, v, grad)
    theta = theta * (1 - lr * weight_decay) - lr * _adam_direction(m, v, t)
    return theta, m, v


def _adam_l2_step(theta, m, v, grad, t, lr, weight_decay):
    m, v = _adam_moments(m, v, grad + weight_decay * theta)
    return theta - lr * _adam_direction(m, v, t), m, v


def _adamw_decay_after(theta, m, v, grad, t, lr, weight_decay):
    m, v = _adam_moments(m, v, grad)
    return (theta - lr * _adam_direction(m, v, t)) * (1 - lr * weight_decay), m, v


def _adamw_no_lr(theta, m, v, grad, t, lr, weight_decay):
    m, v = _adam_moments(m, v, grad)
    return theta * (1 - weight_decay) - lr * _adam_direction(m, v, t), m, v


def _adamw_no_correction(theta, m, v, grad, t, lr, weight_decay):
    m, v = _adam_moments(m, v, grad)
    return theta * (1 - lr * weight_decay) - lr * m / (np.sqrt(v) + _EPS), m, v


def _case_adamw(rng):
    d = int(rng.integers(1, 6))
    return (rng.normal(size=d), 0.3 * rng.normal(size=d), rng.uniform(0.01, 1.0, size=d),
            rng.normal(size=d), int(rng.integers(2, 30)), float(rng.uniform(0.01, 0.3)),
            float(rng.uniform(0.01, 0.3)))


def check_adamw_step(fn, *, verbose: bool = True) -> Result:
    """``adamw_step(theta, m, v, grad, t, lr, weight_decay)`` returns ``(theta, m, v)`` after
    AdamW's t-th step with β₁ = 0.9, β₂ = 0.999, ε = 1e-8: the moments are updated with the
    loss gradient only, and θ ← θ(1 − ηλ) − η m̂ / (√v̂ + ε)."""
    return check_function(
        fn, _adamw_step, _case_adamw, name="adamw_step",
        signature="adamw_step(theta, m, v, grad, t, lr, weight_decay)",
        mistakes=[
            Mistake(_adam_l2_step,
                    "that is Adam with an L2 penalty: you added λθ to the gradient, so the "
                    "decay is divided by √v̂ like everything else. AdamW keeps it out of m "
                    "and v and shrinks θ directly: θ(1 − ηλ)."),
            Mistake(_adamw_no_lr,
                    "the decay must be scaled by the learning rate: θ(1 − ηλ), not θ(1 − λ) "
                    "(PyTorch's AdamW, and the schedule multiplies both)."),
            Mistake(_adamw_decay_after,
                    "decay the *current* θ and subtract the Adam step, θ(1 − ηλ) − η·(…); "
                    "you decayed θ after the step, so the step got decayed too."),
            Mistake(_adamw_no_correction,
                    "the bias correction is missing: use m̂ = m/(1 − β₁ᵗ) and "
                    "v̂ = v/(1 − β₂ᵗ) in the step."),
            Mistake(lambda th, m, v, g, t, lr, wd: (_adamw_step(th, m, v, g, t, lr, wd)[0], m, v),
                    "return the *updated* moments m and v, not the ones you were given."),
            Mistake(lambda th, m, v, g, t, lr, wd: _adamw_step(th, m, v, g, t - 1, lr, wd),
                    "off by one in the bias correction: this is step t, so use β^t."),
        ],
        verbose=verbose,
    )
