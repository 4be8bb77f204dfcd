"""Checkers for chapter 4, "Adaptive learning rates".

Every update uses the slides' code form, with ε added *after* the square root
(``/ (np.sqrt(cache) + eps)``), which is also PyTorch's form. The random cases draw ε between
1e-3 and 1e-1 so that putting it inside the root gives a visibly different answer.

Exercises: 1 one Adagrad step (warm-up); 2 one rprop step, then rprop on Hinton's sequence;
3 Reddi et al.'s online problem with your own Adam; 4 how wide is a learning-rate window;
5 one AdamW step, in PyTorch's or in Loshchilov & Hutter's form (warm-up); 6 how long Adam
remembers a large gradient (investigate, no checker).

The references of exercises 1, 2, 3 and 5 are the package's own optimizers
(:class:`~dlsg_utils.optim.Adagrad`, :class:`~dlsg_utils.optim.Rprop`,
:class:`~dlsg_utils.optim.Adam`, :class:`~dlsg_utils.optim.AdamW`); the mistakes are written out.
"""

from __future__ import annotations

import numpy as np

from ..optim import Adagrad, Adam, AdamW, Rprop
from .ch01_gradient_descent import _package_step
from .engine import Mistake, Result, check_function, cycle_cases

__all__ = [
    "check_adagrad_step",
    "check_adamw_step",
    "check_lr_window",
    "check_reddi_adam",
    "check_rprop_step",
]

_EPS_HINT = ("ε is in the wrong place: add it *after* the square root, "
             "np.sqrt(cache) + eps, as in the slides' code.")
_SIGN_HINT = "wrong sign: the step goes *against* the gradient, θ − η·(…)."


def _eps(rng: np.random.Generator) -> float:
    return float(10 ** rng.uniform(-3, -1))


# --- exercise 1: one Adagrad step ------------------------------------------------------------

def _adagrad_step(theta, G, grad, lr, eps):
    """One step of the package's :class:`~dlsg_utils.optim.Adagrad` from the sum G."""
    return _package_step(Adagrad(lr=lr, eps=eps), theta, grad, G=G)


def _case_adagrad(rng):
    d = int(rng.integers(1, 6))
    return (rng.normal(size=d), rng.uniform(0.1, 3.0, size=d), rng.normal(size=d),
            float(rng.uniform(0.01, 0.5)), _eps(rng))


def _case_adagrad_edges(rng):
    """The rest of the domain: the very first step (G = 0), coordinates whose gradient is 0,
    a single parameter, whole-number arrays."""
    d = int(rng.integers(1, 4))
    G = np.zeros(d) if rng.random() < 0.5 else rng.integers(0, 4, size=d).astype(float)
    grad = rng.normal(size=d)
    grad[int(rng.integers(d))] = 0.0
    return rng.integers(-3, 4, size=d).astype(float), G, grad, float(rng.uniform(0.01, 0.5)), _eps(rng)


def check_adagrad_step(fn, *, verbose: bool = True) -> Result:
    """``adagrad_step(theta, G, grad, lr, eps)`` returns ``(theta, G)`` after one Adagrad step:
    G ← G + g², θ ← θ − η g / (√G + ε)."""
    return check_function(
        fn, _adagrad_step, cycle_cases(_case_adagrad, _case_adagrad_edges),
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


# --- exercise 2: one rprop step -------------------------------------------------------------

_ETAS, _STEP_SIZES = (0.5, 1.2), (1e-6, 50.0)


def _rprop_step(theta, prev, delta, grad):
    """One step of the package's :class:`~dlsg_utils.optim.Rprop` (PyTorch's variant) from the
    stored gradient ``prev`` and step sizes ``delta``; ``t=1``: not the first step, whose Δ
    would be reset to Δ₀."""
    rprop = Rprop(etas=_ETAS, step_sizes=_STEP_SIZES)
    return _package_step(rprop, theta, grad, t=1, prev=prev, delta=delta,
                         dw=np.zeros_like(theta))[:3]


def _rprop_variant(theta, prev, delta, grad, *, etas=_ETAS, clip=True, reset=True,
                   move_on_flip=False, magnitude=False, old_delta=False, sign=1.0):
    same = grad * prev
    new = delta * np.where(same > 0, etas[1], np.where(same < 0, etas[0], 1.0))
    if clip:
        new = np.clip(new, *_STEP_SIZES)
    flipped = same < 0
    moved = grad if move_on_flip else np.where(flipped, 0.0, grad)
    size = delta if old_delta else new
    step = moved * size if magnitude else np.sign(moved) * size
    stored = np.where(flipped, 0.0, grad) if reset else grad
    return theta - sign * step, stored, new


def _case_rprop(rng):
    """Coordinates with the same sign as before, a flipped sign, and a zero on either side."""
    d = int(rng.integers(8, 14))
    prev = rng.normal(size=d)
    grad = np.abs(rng.normal(size=d)) * np.sign(prev) * rng.choice([1, -1], size=d)
    grad[0] = abs(grad[0]) * np.sign(prev[0])  # same sign
    grad[1] = -prev[1]  # flipped
    grad[2], prev[3] = 0.0, 0.0  # a zero now, a zero before
    delta = 10 ** rng.uniform(-6, np.log10(50), size=d)
    delta[4], delta[5] = 45.0, 1.5e-6  # grows past the cap / shrinks below the floor
    grad[4], prev[4] = abs(grad[4]) + 0.1, abs(prev[4]) + 0.1
    grad[5], prev[5] = abs(grad[5]) + 0.1, -abs(prev[5]) - 0.1
    return rng.normal(size=d), prev, delta, grad


def check_rprop_step(fn, *, verbose: bool = True) -> Result:
    """``rprop_step(theta, prev, delta, grad)`` returns ``(theta, prev, delta)`` after one step
    of rprop as in the chapter's equations (PyTorch's variant) with η⁻ = 0.5, η⁺ = 1.2,
    Δ clipped to [1e-6, 50]: Δ grows where ``grad`` has the sign of ``prev``, shrinks where
    the sign flipped; a flipped coordinate does not move and stores 0 as its previous gradient;
    every other coordinate moves by −Δ·sign(grad)."""
    return check_function(
        fn, _rprop_step, _case_rprop, signature="rprop_step(theta, prev, delta, grad)",
        mistakes=[
            Mistake(lambda *a: _rprop_variant(*a, reset=False, move_on_flip=True),
                    "after a flip your coordinate still moves and keeps the flipped gradient: "
                    "that is the variant Igel & Hüsken call Rprop−. In the chapter's rprop (and "
                    "PyTorch's) a flipped coordinate does not move this step and stores 0, so "
                    "the next comparison leaves Δ unchanged."),
            Mistake(lambda *a: _rprop_variant(*a, move_on_flip=True),
                    "a coordinate whose sign flipped must not move this step (its gradient is "
                    "set to 0): the flip says the last step jumped over a minimum."),
            Mistake(lambda *a: _rprop_variant(*a, reset=False),
                    "store 0 as the previous gradient of a flipped coordinate; otherwise the "
                    "next step compares with the flipped sign and shrinks Δ a second time."),
            Mistake(lambda *a: _rprop_variant(*a, clip=False),
                    "clip the step sizes to [Δmin, Δmax] = [1e-6, 50] after multiplying."),
            Mistake(lambda *a: _rprop_variant(*a, magnitude=True),
                    "rprop uses only the *sign* of the gradient: step by Δ·sign(g), not Δ·g."),
            Mistake(lambda *a: _rprop_variant(*a, old_delta=True),
                    "update Δ first, then step with the *new* Δ."),
            Mistake(lambda *a: _rprop_variant(*a, etas=(_ETAS[1], _ETAS[0])),
                    "η⁺ and η⁻ are swapped: the step grows (×1.2) while the sign holds and "
                    "shrinks (×0.5) when it flips."),
            Mistake(lambda *a: _rprop_variant(*a, sign=-1.0),
                    "wrong sign: the step goes *against* the gradient, θ − Δ·sign(g)."),
            Mistake(lambda t, p, d, g: _rprop_step(t, p, d, g)[0],
                    "return all three: `return theta, prev, delta`."),
        ],
        verbose=verbose,
    )


# --- exercise 3: Reddi et al.'s online problem with your own Adam ----------------------------

def _reddi_adam(beta2, steps, *, project=True, decay_lr=True, correct=True, phase=1, big=1010.0):
    """The package's :class:`~dlsg_utils.optim.Adam` on Reddi et al.'s problem (the keywords
    model the mistakes)."""
    adam = Adam(lr=0.5, beta1=0.9, beta2=beta2, eps=1e-8, bias_correction=correct)
    x = np.ones(1)
    for t in range(1, steps + 1):
        adam.lr = 0.5 / np.sqrt(t) if decay_lr else 0.5
        g = np.array([big if t % 101 == phase else -10.0])
        adam.step(x, lambda _, g=g: g)
        if project:
            np.clip(x, -1.0, 1.0, out=x)
    return float(x[0])


def _case_reddi(rng):
    return float(rng.choice([0.9, 0.99, 0.999]) * rng.uniform(0.998, 1.0)), int(rng.integers(250, 1500))


def _case_reddi_edges(rng):
    """The rest of the domain: no step at all (x stays 1), one or two steps, the steps around
    the second large gradient (t = 102), β₂ from 0 (no memory) to 0.9999."""
    beta2 = float(rng.choice([0.0, 0.5, 0.9999, rng.uniform(0.0, 0.9999)]))
    return beta2, int(rng.choice([0, 1, 2, 101, 102, 103, int(rng.integers(3, 300))]))


def check_reddi_adam(fn, *, verbose: bool = True) -> Result:
    """``reddi_adam(beta2, steps)`` returns the final x of Adam (β₁ = 0.9, ε = 1e-8, bias
    correction, η_t = 0.5/√t) on Reddi et al.'s problem: x₀ = 1, gradient 1010 at the steps
    t = 1, 102, 203, ... (t mod 101 = 1) and −10 otherwise, x projected back into [−1, 1]
    after every step. Any 0 ≤ β₂ < 1 and any number of steps ≥ 0 (0: x stays at 1)."""
    return check_function(
        fn, _reddi_adam, cycle_cases(_case_reddi, _case_reddi, _case_reddi_edges),
        signature="reddi_adam(beta2, steps)", n_cases=9,
        mistakes=[
            Mistake(lambda b, n: _reddi_adam(b, n, project=False),
                    "project x back into [−1, 1] after every step (np.clip(x, -1, 1)): the "
                    "problem lives on that interval."),
            Mistake(lambda b, n: _reddi_adam(b, n, decay_lr=False),
                    "the learning rate decays: η_t = 0.5/√t, with t = 1 at the first step."),
            Mistake(lambda b, n: _reddi_adam(b, n, correct=False),
                    "Adam corrects both moments: m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)."),
            Mistake(lambda b, n: _reddi_adam(b, n, phase=0),
                    "the large gradient comes at t = 1, 102, 203, … (t % 101 == 1, counting "
                    "t from 1), not at t % 101 == 0."),
            Mistake(lambda b, n: 1.0,
                    "your x is exactly 1, where it starts: either it never moves (return the x "
                    "you update, after the last step) or every step pushes it up against the "
                    "bound, as happens when the large gradient has the wrong sign: it is +1010 "
                    "(the loss 1010·x), the small ones −10."),
        ],
        verbose=verbose,
    )


# --- exercise 4: how wide is a learning-rate window? ----------------------------------------

def _good_rates(lrs, losses, factor, *, additive=False):
    """The learning rates of the finite runs whose loss is within ``factor`` of the best: at
    most factor × best (or, the additive mistake, best + factor)."""
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    ok = np.isfinite(losses)
    best = losses[ok].min()
    return lrs[ok][losses[ok] <= (best + factor if additive else factor * best)]


def _lr_window(lrs, losses, factor):
    good = _good_rates(lrs, losses, factor)
    return float(np.log10(good.max() / good.min()))


def _on_good_rates(width, **kwargs):
    """A window measure that applies ``width`` to the good rates (the mistakes' shapes)."""
    return lambda lrs, losses, factor: width(_good_rates(lrs, losses, factor, **kwargs))


def _case_window(rng):
    """A U-shaped sweep on a grid of half or quarter decades, diverged (inf or nan) at the top."""
    step = float(rng.choice([0.25, 0.5]))
    lrs = 10 ** (rng.uniform(-5, -3) + step * np.arange(int(rng.integers(8, 16))))
    x = np.log10(lrs)
    best = rng.uniform(x[1], x[-3])
    losses = 0.1 + rng.uniform(0.05, 2.0) * (x - best) ** 2 + rng.uniform(0, 0.01, size=len(x))
    losses[-int(rng.integers(1, 3)):] = rng.choice([np.inf, np.nan])
    return lrs, losses, float(rng.uniform(1.1, 3.0))


def _case_window_edges(rng):
    """The boundaries: factor 1 (only the best rate: width 0), the best rate at either end of
    the grid, every run finite, and both inf and nan among the diverged ones."""
    lrs, losses, factor = _case_window(rng)
    kind = int(rng.integers(4))
    if kind == 0:
        factor = 1.0
    elif kind == 1:
        losses = np.where(np.isfinite(losses), losses, 10.0 + np.arange(len(losses)))
    elif kind == 2:
        x = np.log10(lrs)  # the smallest rate is the best: the losses only rise
        losses = np.where(np.isfinite(losses), 0.1 + rng.uniform(0.05, 2.0) * (x - x[0]) ** 2,
                          losses)
    else:
        losses[-2:] = [np.inf, np.nan]
    return lrs, losses, float(factor)


def check_lr_window(fn, *, verbose: bool = True) -> Result:
    """``lr_window(lrs, losses, factor)``: the width, in decades, of the range of learning rates
    whose loss is at most ``factor`` times the best loss of the sweep, log10(lr_max / lr_min);
    diverged runs (inf or nan) never count."""
    return check_function(
        fn, _lr_window, cycle_cases(_case_window, _case_window_edges),
        signature="lr_window(lrs, losses, factor)",
        mistakes=[
            Mistake(_on_good_rates(lambda g: np.log(g.max() / g.min())),
                    "use decades, log10(lr_max / lr_min): you took the natural log."),
            Mistake(_on_good_rates(lambda g: float(len(g))),
                    "count decades, not grid points: log10(lr_max / lr_min)."),
            Mistake(_on_good_rates(lambda g: g.max() - g.min()),
                    "measure the width on a log scale, log10(lr_max / lr_min), not lr_max − lr_min."),
            Mistake(_on_good_rates(lambda g: float(np.log10(g.max() / g.min())), additive=True),
                    "the window is *relative* to the best loss: loss ≤ factor × best, not "
                    "loss ≤ best + factor."),
        ],
        verbose=verbose,
    )


# --- exercise 5: one AdamW step, in either form --------------------------------------------

_B1, _B2, _EPS = 0.9, 0.999, 1e-8

ADAMW_FORMS = {
    "torch": "PyTorch's form (torch.optim.AdamW): the decay is multiplied by the learning "
             "rate, θ(1 − ηλ)",
    "paper": "Loshchilov & Hutter's form (their Algorithm 2) with the schedule multiplier "
             "η_t = 1: the decay λθ is not multiplied by the learning rate α",
}
"""The two correct readings of AdamW that :func:`check_adamw_step` accepts, by name."""


def _adam_moments(m, v, grad):
    return _B1 * m + (1 - _B1) * grad, _B2 * v + (1 - _B2) * grad**2


def _adam_direction(m, v, t):
    return (m / (1 - _B1**t)) / (np.sqrt(v / (1 - _B2**t)) + _EPS)


def _adamw_step(theta, m, v, grad, t, lr, weight_decay):
    """PyTorch's AdamW, θ ← θ(1 − lr·λ) − lr·m̂/(√v̂ + ε): step t of the package's
    :class:`~dlsg_utils.optim.AdamW`."""
    opt = AdamW(lr=lr, beta1=_B1, beta2=_B2, eps=_EPS, weight_decay=weight_decay)
    return _package_step(opt, theta, grad, t=t - 1, m=m, v=v)


def _adamw_paper_step(theta, m, v, grad, t, lr, weight_decay):
    """Loshchilov & Hutter, Algorithm 2, with η_t = 1: θ ← θ − (α·m̂/(√v̂ + ε) + λθ), which is
    the package's (PyTorch's) AdamW with weight decay λ/α: θ(1 − α·λ/α) = θ − λθ."""
    return _adamw_step(theta, m, v, grad, t, lr, weight_decay / lr)


def _adam_l2_step(theta, m, v, grad, t, lr, weight_decay):
    m, v = _adam_moments(m, v, grad + weight_decay * theta)
    return theta - lr * _adam_direction(m, v, t), m, v


def _adamw_decay_after(theta, m, v, grad, t, lr, weight_decay, paper=False):
    m, v = _adam_moments(m, v, grad)
    return (theta - lr * _adam_direction(m, v, t)) * (1 - (1 if paper else lr) * weight_decay), m, v


def _adamw_no_correction(theta, m, v, grad, t, lr, weight_decay):
    m, v = _adam_moments(m, v, grad)
    return theta * (1 - lr * weight_decay) - lr * m / (np.sqrt(v) + _EPS), m, v


def _case_adamw(rng):
    d = int(rng.integers(1, 6))
    return (rng.normal(size=d), 0.3 * rng.normal(size=d), rng.uniform(0.01, 1.0, size=d),
            rng.normal(size=d), int(rng.integers(2, 30)), float(rng.uniform(0.01, 0.3)),
            float(rng.uniform(0.01, 0.3)))


def _case_adamw_edges(rng):
    """The first step (t = 1, m = v = 0), no weight decay at all, a single parameter."""
    d = int(rng.integers(1, 4))
    first = rng.random() < 0.5
    return (rng.normal(size=d), np.zeros(d) if first else 0.3 * rng.normal(size=d),
            np.zeros(d) if first else rng.uniform(0.01, 1.0, size=d), rng.normal(size=d),
            1 if first else int(rng.integers(2, 1000)), float(rng.uniform(0.001, 0.3)),
            float(rng.choice([0.0, rng.uniform(0.01, 0.3)])))


_ADAMW_MISTAKES = [
    Mistake(_adam_l2_step,
            "that is Adam with an L2 penalty: you added λθ to the gradient, so the decay is "
            "divided by √v̂ like everything else. AdamW keeps it out of m and v and shrinks θ "
            "directly."),
    Mistake(_adamw_decay_after,
            "decay the *current* θ and subtract the Adam step, θ(1 − ηλ) − η·(…); you decayed "
            "θ after the step, so the step got decayed too."),
    Mistake(lambda *a: _adamw_decay_after(*a, paper=True),
            "decay the *current* θ: θ − (α·m̂/(√v̂ + ε) + λθ); you decayed θ after the step, "
            "so the step got decayed too."),
    Mistake(_adamw_no_correction,
            "the bias correction is missing: use m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ) in the "
            "step."),
    Mistake(lambda th, m, v, g, t, lr, wd: (_adamw_step(th, m, v, g, t, lr, wd)[0], m, v),
            "return the *updated* moments m and v, not the ones you were given."),
    Mistake(lambda th, m, v, g, t, lr, wd: (_adamw_paper_step(th, m, v, g, t, lr, wd)[0], m, v),
            "return the *updated* moments m and v, not the ones you were given."),
    Mistake(lambda th, m, v, g, t, lr, wd: _adamw_step(th, m, v, g, t - 1, lr, wd),
            "off by one in the bias correction: this is step t, so use β^t."),
]


def check_adamw_step(fn, *, verbose: bool = True) -> Result:
    """``adamw_step(theta, m, v, grad, t, lr, weight_decay)`` returns ``(theta, m, v)`` after
    AdamW's t-th step with β₁ = 0.9, β₂ = 0.999, ε = 1e-8, the moments updated with the loss
    gradient only. Two forms are correct and both are accepted; the verdict says which one
    was written (``result.details["form"]`` is ``"torch"`` or ``"paper"``):

    * PyTorch's: θ ← θ(1 − ηλ) − η m̂/(√v̂ + ε);
    * Loshchilov & Hutter's Algorithm 2, θ ← θ − η_t(α m̂/(√v̂ + ε) + λθ), with the schedule
      multiplier η_t = 1 and ``lr`` = α: the decay is λθ, not multiplied by α.

    The two agree when λ_torch = λ_paper / α.
    """
    common = dict(signature="adamw_step(theta, m, v, grad, t, lr, weight_decay)")
    first = check_function(fn, _adamw_step, cycle_cases(_case_adamw, _case_adamw_edges),
                           mistakes=_ADAMW_MISTAKES, verbose=False, **common)
    if first:
        result = Result(True, first.message + f" This is {ADAMW_FORMS['torch']}.", first.cases,
                        {"form": "torch"})
    else:
        second = check_function(fn, _adamw_paper_step, cycle_cases(_case_adamw, _case_adamw_edges),
                                verbose=False, **common)
        result = (Result(True, second.message + f" This is {ADAMW_FORMS['paper']}.",
                         second.cases, {"form": "paper"}) if second else first)
    if verbose:
        print(result.message)
    return result
