"""Checkers for chapter 3, "Momentum and Nesterov's accelerated gradient".

Every update uses the slides' form (Ruder 2016): the velocity ``v`` already contains the
learning rate and points *uphill*,

    v ← γ v + η ∇J(θ)            (momentum)
    v ← γ v + η ∇J(θ − γ v)      (Nesterov)
    θ ← θ − v.

The theory checkers use the notation of Goh (2017): step size α (= η), momentum β (= γ), and a
quadratic whose Hessian has eigenvalues between μ and L.
"""

from __future__ import annotations

import numpy as np

from . import Mistake, Result, check_function

__all__ = [
    "check_max_stable_lr_momentum",
    "check_momentum_rate",
    "check_momentum_step",
    "check_nesterov_step",
    "check_optimal_momentum",
]

_BOTH_HINT = "return both the new parameters and the new velocity: `return theta, v`."
_OLD_V_HINT = ("you moved θ with the *old* velocity. Update v first, then subtract the new v: "
               "θ ← θ − v_t.")
_V_SIGN_HINT = ("θ is right but v has the opposite sign. In the slides' form v points uphill, "
                "v ← γv + η∇J, and θ ← θ − v.")


# --- exercise 1: one momentum step -----------------------------------------------------------

def _momentum_step(theta, v, grad, lr, gamma):
    v = gamma * v + lr * grad
    return theta - v, v


def _case_momentum(rng):
    d = int(rng.integers(1, 6))
    return (rng.normal(size=d), rng.normal(size=d), rng.normal(size=d),
            float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.95)))


def check_momentum_step(fn, *, verbose: bool = True) -> Result:
    """``momentum_step(theta, v, grad, lr, gamma)`` returns ``(theta, v)`` after one step
    v ← γv + η∇J(θ), θ ← θ − v; ``grad`` is ∇J(θ) at the current θ."""
    step = _momentum_step
    return check_function(
        fn, step, _case_momentum, name="momentum_step",
        signature="momentum_step(theta, v, grad, lr, gamma)",
        mistakes=[
            Mistake(lambda t, v, g, lr, gm: step(t, v, g, lr, gm)[0], _BOTH_HINT),
            Mistake(lambda t, v, g, lr, gm: (t - v, gm * v + lr * g), _OLD_V_HINT),
            Mistake(lambda t, v, g, lr, gm: (t + gm * v + lr * g, gm * v + lr * g),
                    "wrong sign: θ ← θ − v, the velocity points uphill and we step against it."),
            Mistake(lambda t, v, g, lr, gm: (t - gm * v - lr * g, -(gm * v + lr * g)),
                    _V_SIGN_HINT),
            Mistake(lambda t, v, g, lr, gm: (t - v - lr * g, v + lr * g),
                    "γ is missing: the old velocity decays, v ← γv + η∇J, it is not kept whole."),
            Mistake(lambda t, v, g, lr, gm: (t - lr * g, lr * g),
                    "the old velocity is missing: with v ← η∇J this is plain gradient descent."),
            Mistake(lambda t, v, g, lr, gm: (t - gm * v - g, gm * v + g),
                    "the learning rate is missing: v ← γv + η∇J."),
            Mistake(lambda t, v, g, lr, gm: (t - lr * (gm * v + g), gm * v + g),
                    "that is PyTorch's form (b ← μb + g, θ ← θ − lr·b). In the slides' form the "
                    "velocity already contains η: v ← γv + η∇J, θ ← θ − v."),
            Mistake(lambda t, v, g, lr, gm: (t - gm * v - (1 - gm) * lr * g,
                                             gm * v + (1 - gm) * lr * g),
                    "you wrote an exponential moving average, v ← γv + (1−γ)η∇J. The slides' "
                    "momentum adds the full η∇J: v ← γv + η∇J."),
        ],
        verbose=verbose,
    )


# --- exercise 2: one Nesterov step -----------------------------------------------------------

def _nesterov_step(theta, v, grad_fn, lr, gamma):
    v = gamma * v + lr * grad_fn(theta - gamma * v)
    return theta - v, v


def _case_nesterov(rng):
    d = int(rng.integers(1, 6))
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = (Q * rng.uniform(0.5, 10.0, size=d)) @ Q.T
    b = rng.normal(size=d)
    return (rng.normal(size=d), rng.normal(size=d), (lambda th: A @ th - b),
            float(rng.uniform(0.01, 0.2)), float(rng.uniform(0.5, 0.95)))


def check_nesterov_step(fn, *, verbose: bool = True) -> Result:
    """``nesterov_step(theta, v, grad_fn, lr, gamma)`` returns ``(theta, v)`` after one step
    v ← γv + η∇J(θ − γv), θ ← θ − v; ``grad_fn(theta)`` returns ∇J at any point."""
    step = _nesterov_step
    return check_function(
        fn, step, _case_nesterov, name="nesterov_step",
        signature="nesterov_step(theta, v, grad_fn, lr, gamma)",
        mistakes=[
            Mistake(lambda t, v, f, lr, gm: step(t, v, f, lr, gm)[0], _BOTH_HINT),
            Mistake(lambda t, v, f, lr, gm: _momentum_step(t, v, f(t), lr, gm),
                    "you evaluated the gradient at θ: that is plain momentum. Nesterov looks "
                    "ahead first and evaluates it at θ − γv."),
            Mistake(lambda t, v, f, lr, gm: _momentum_step(t, v, f(t + gm * v), lr, gm),
                    "the look-ahead goes the wrong way: θ is about to move by −γv, so look at "
                    "θ − γv, not θ + γv."),
            Mistake(lambda t, v, f, lr, gm: _momentum_step(t, v, f(t - v), lr, gm),
                    "γ is missing from the look-ahead: the momentum part of the next step is "
                    "γv, so evaluate the gradient at θ − γv."),
            Mistake(lambda t, v, f, lr, gm: (t - v, gm * v + lr * f(t - gm * v)), _OLD_V_HINT),
            Mistake(lambda t, v, f, lr, gm: (step(t, v, f, lr, gm)[0] - gm * step(t, v, f, lr,
                                                                                gm)[1],
                                             step(t, v, f, lr, gm)[1]),
                    "you returned the next look-ahead point θ − γv (the variable PyTorch's "
                    "nesterov=True stores), not θ itself."),
            Mistake(lambda t, v, f, lr, gm: (t + gm * v + lr * f(t - gm * v),
                                             gm * v + lr * f(t - gm * v)),
                    "wrong sign: θ ← θ − v, the velocity points uphill and we step against it."),
        ],
        verbose=verbose,
    )


# --- exercise 3: the spectral radius of heavy-ball momentum ---------------------------------

def _momentum_matrix(lr, gamma, lam):
    a = lr * lam
    return np.array([[1.0 - a, -gamma], [a, gamma]])


def _momentum_rate(lr, gamma, lam):
    return float(np.abs(np.linalg.eigvals(_momentum_matrix(lr, gamma, lam))).max())


def _case_rate(rng):
    gamma = float(rng.uniform(0.0, 0.99))
    lam = float(rng.uniform(0.5, 50.0))
    a = float(rng.uniform(0.001, 2 + 2 * gamma))  # αλ inside the stable range
    return a / lam, gamma, lam


def _complex_2sqrt(lr, gamma, lam):
    eig = np.linalg.eigvals(_momentum_matrix(lr, gamma, lam))
    return 2 * np.sqrt(gamma) if abs(eig[0].imag) > 0 else float(np.abs(eig).max())


def check_momentum_rate(fn, *, verbose: bool = True) -> Result:
    """``momentum_rate(lr, gamma, lam)``: the factor by which heavy-ball momentum shrinks the
    error per step along an eigen-direction with curvature λ, i.e. the spectral radius of
    [[1 − ηλ, −γ], [ηλ, γ]]."""
    return check_function(
        fn, _momentum_rate, _case_rate, name="momentum_rate",
        signature="momentum_rate(lr, gamma, lam)",
        mistakes=[
            Mistake(lambda lr, gm, lam: abs(1 - lr * lam),
                    "|1 − ηλ| is gradient descent's rate; with momentum the error and the "
                    "velocity evolve together, so take the 2×2 matrix's eigenvalues."),
            Mistake(_complex_2sqrt,
                    "for complex eigenvalues the modulus is √γ, not 2√γ (the two conjugate "
                    "eigenvalues multiply to det = γ). Distill's article prints 2√β there: "
                    "an erratum."),
            Mistake(lambda lr, gm, lam: float(
                np.linalg.eigvals(_momentum_matrix(lr, gm, lam)).real.max()),
                    "take the *modulus* of the eigenvalues (np.abs), not their real part."),
            Mistake(lambda lr, gm, lam: float(np.sqrt(gm)),
                    "√γ is the rate only while the eigenvalues are complex (the ball "
                    "oscillates); when they are real, the larger |eigenvalue| is the rate."),
            Mistake(lambda lr, gm, lam: float(
                np.abs(np.linalg.eigvals(_momentum_matrix(lr, gm, lam))).min()),
                    "the slowest mode sets the rate: take the *largest* |eigenvalue|."),
        ],
        verbose=verbose,
    )


# --- exercise 4: the best step size and momentum ---------------------------------------------

def _optimal_momentum(mu, L):
    alpha = (2.0 / (np.sqrt(mu) + np.sqrt(L))) ** 2
    sk = np.sqrt(L / mu)
    return float(alpha), float(((sk - 1) / (sk + 1)) ** 2)


def _case_optimal(rng):
    mu = float(10 ** rng.uniform(-2, 0.7))
    return mu, mu * float(10 ** rng.uniform(0.2, 3))


def check_optimal_momentum(fn, *, verbose: bool = True) -> Result:
    """``optimal_momentum(mu, L)`` returns ``(alpha, beta)`` that minimise heavy-ball's worst
    rate on a quadratic with curvatures in [μ, L]: α = (2/(√μ+√L))², β = ((√κ−1)/(√κ+1))²."""
    ref = _optimal_momentum
    return check_function(
        fn, ref, _case_optimal, name="optimal_momentum", signature="optimal_momentum(mu, L)",
        mistakes=[
            Mistake(lambda mu, L: tuple(reversed(ref(mu, L))),
                    "right numbers, wrong order: return (alpha, beta)."),
            Mistake(lambda mu, L: (ref(mu, L)[0], float(np.sqrt(ref(mu, L)[1]))),
                    "(√κ−1)/(√κ+1) is the *rate* √β; the momentum β is its square."),
            Mistake(lambda mu, L: (float(np.sqrt(ref(mu, L)[0])), ref(mu, L)[1]),
                    "α is the *square* of 2/(√μ+√L)."),
            Mistake(lambda mu, L: (2.0 / (mu + L), ref(mu, L)[1]),
                    "2/(μ+L) is gradient descent's best step; with momentum it is "
                    "(2/(√μ+√L))²."),
            Mistake(lambda mu, L: (2.0 / (mu + L), 0.0),
                    "that is gradient descent's best step with no momentum; the optimum has "
                    "β = ((√κ−1)/(√κ+1))² > 0."),
            Mistake(lambda mu, L: (ref(mu, L)[0], ((L / mu - 1) / (L / mu + 1)) ** 2),
                    "use √κ, not κ, in β = ((√κ−1)/(√κ+1))²."),
        ],
        verbose=verbose,
    )


# --- exercise 5: the largest stable learning rate with momentum -----------------------------

def _max_stable_lr_momentum(lam, beta):
    return 2.0 * (1.0 + beta) / lam


def _case_edge(rng):
    return float(rng.uniform(0.1, 100.0)), float(rng.uniform(0.05, 0.99))


def check_max_stable_lr_momentum(fn, *, verbose: bool = True) -> Result:
    """``max_stable_lr_momentum(lam, beta)``: heavy-ball momentum on curvature λ converges iff
    0 < ηλ < 2 + 2β, so the edge is 2(1 + β)/λ."""
    return check_function(
        fn, _max_stable_lr_momentum, _case_edge, name="max_stable_lr_momentum",
        signature="max_stable_lr_momentum(lam, beta)",
        mistakes=[
            Mistake(lambda lam, b: 2.0 / lam,
                    "2/λ is gradient descent's edge; momentum tolerates more, up to "
                    "ηλ = 2 + 2β."),
            Mistake(lambda lam, b: (1.0 + b) / lam,
                    "a factor 2 too small: the edge is where 1 + β − ηλ = −(1 + β)."),
            Mistake(lambda lam, b: 2.0 / (lam * (1.0 - b)),
                    "η/(1−β) is the effective step along a *flat* direction, but stability is "
                    "decided where the curvature is high: solve |1 + β − ηλ| < 1 + β."),
            Mistake(lambda lam, b: 2.0 * (1.0 + b) / ((1.0 + 2.0 * b) * lam),
                    "that is Nesterov's edge, 2(1+β)/((1+2β)λ); heavy-ball momentum allows "
                    "2(1+β)/λ."),
            Mistake(lambda lam, b: 2.0 * (1.0 - b) / lam,
                    "wrong sign: the edge is 2(1 + β)/λ, momentum *widens* the stable range."),
            Mistake(lambda lam, b: 2.0 * (1.0 + b) * lam,
                    "divide by λ: the condition is on the product ηλ."),
        ],
        verbose=verbose,
    )
