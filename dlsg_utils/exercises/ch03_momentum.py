"""Checkers for chapter 3, "Momentum and Nesterov's accelerated gradient".

Every update uses the slides' form (Ruder 2016): the velocity ``v`` already contains the
learning rate and points *uphill*: v ← γv + η∇J(θ) (momentum) or v ← γv + η∇J(θ − γv)
(Nesterov), then θ ← θ − v.

The theory checkers use the notation of Goh (2017): step size α (= η), momentum β (= γ), and a
quadratic whose Hessian has eigenvalues between μ and L.
"""

from __future__ import annotations

import numpy as np

from ..optim import Momentum, Nesterov
from ..optim.theory import iteration_matrix, spectral_radius, stability_edge
from . import ch03_momentum_cases as cases
from .ch01_gradient_descent import _package_step, _same_count
from .engine import (
    Mistake,
    Result,
    call,
    check_function,
    cycle_cases,
    preamble,
    run_checker,
    without_numpy_warnings,
)

__all__ = ["check_ema_to_torch", "check_largest_stable_lr", "check_momentum_noise_floor",
           "check_momentum_step", "check_momentum_steps", "check_nesterov_edge",
           "check_nesterov_step"]

_BOTH_HINT = "return both the new parameters and the new velocity: `return theta, v`."
_OLD_V_HINT = ("you moved θ with the *old* velocity. Update v first, then subtract the new v: "
               "θ ← θ − v_t.")
_V_SIGN_HINT = ("θ is right but v has the opposite sign. In the slides' form v points uphill, "
                "v ← γv + η∇J, and θ ← θ − v.")


# --- exercise 1: one momentum step -----------------------------------------------------------

def _momentum_step(theta, v, grad, lr, gamma):
    """One step of the package's :class:`~dlsg_utils.optim.Momentum` from velocity v."""
    return _package_step(Momentum(lr=lr, gamma=gamma), theta, grad, v=v)


def check_momentum_step(fn, *, verbose: bool = True) -> Result:
    """``momentum_step(theta, v, grad, lr, gamma)`` returns ``(theta, v)`` after one step
    v ← γv + η∇J(θ), θ ← θ − v; ``grad`` is ∇J(θ) at the current θ."""
    step = _momentum_step
    return check_function(
        fn, step, cases._case_momentum, signature="momentum_step(theta, v, grad, lr, gamma)",
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
                    "that is PyTorch's form (b ← γb + g, θ ← θ − lr·b). In the slides' form the "
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
    """One step of the package's :class:`~dlsg_utils.optim.Nesterov` from velocity v."""
    return _package_step(Nesterov(lr=lr, gamma=gamma), theta, grad_fn, v=v)


def check_nesterov_step(fn, *, verbose: bool = True) -> Result:
    """``nesterov_step(theta, v, grad_fn, lr, gamma)`` returns ``(theta, v)`` after one step
    v ← γv + η∇J(θ − γv), θ ← θ − v; ``grad_fn(theta)`` returns ∇J at any point."""
    step = _nesterov_step
    return check_function(
        fn, step, cases._case_nesterov, signature="nesterov_step(theta, v, grad_fn, lr, gamma)",
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


# --- exercise 3: how many steps, from the rate of one direction ------------------------------

def _momentum_rate(lr, gamma, lam):
    return float(spectral_radius(lr, gamma, lam))


def _steps_from_rate(rate, factor):
    """The smallest whole k with rate^k ≤ factor (a k* that is whole up to rounding counts as
    that whole number); at least 1, since rate⁰ = 1 > factor (a rate of 0, γ = 0 and ηλ = 1,
    removes the error in one step)."""
    if rate == 0:
        return 1
    return max(1, int(np.ceil(np.log(factor) / np.log(rate) - 1e-9)))


def _momentum_steps(lr, gamma, lam, factor):
    """Steps until ρ^k ≤ factor, ρ the package's spectral radius of momentum's matrix."""
    return _steps_from_rate(_momentum_rate(lr, gamma, lam), factor)


def _case_rate_telling(rng):
    """A case on which each mistake that fails gives a count no other gives, so the first
    failure names its mistake (2√γ is right for real eigenvalues, √γ for complex ones)."""
    for _ in range(500):
        args = cases._case_rate(rng)
        ref = _momentum_steps(*args)
        counts = [_steps_count_or_nan(m.fn(*args)) for m in _STEPS_MISTAKES]
        wrong = [c for c in counts if c != ref and not np.isnan(c)]  # nan: does not apply
        if len(set(wrong)) == len(wrong):
            return args
    raise RuntimeError("no telling case in 500 draws")  # never seen; a bug of the checker


def _steps_count_or_nan(value) -> float:
    with np.errstate(invalid="ignore"):
        return float(np.ceil(float(value) - 1e-9))


def _complex_2sqrt(lr, gamma, lam):
    eig = np.linalg.eigvals(iteration_matrix(lr, gamma, lam))
    return 2 * np.sqrt(gamma) if abs(eig[0].imag) > 0 else float(np.abs(eig).max())


def _steps_with(rate_fn):
    """A mistake made in the rate, carried through to the count."""
    return without_numpy_warnings(lambda lr, gm, lam, f: np.log(f) / np.log(rate_fn(lr, gm, lam)))


_STEPS_MISTAKES = [
    Mistake(without_numpy_warnings(lambda lr, gm, lam, f: np.ceil(np.log(f) / np.log(abs(1 - lr * lam)))
                   if gm == 0 and abs(1 - lr * lam) < 1e-12 else np.nan),
            "with γ = 0 and ηλ = 1 the rate is 0: one step removes the error, so the count is "
            "1 (ln 0 = −∞ turns the formula into 0)."),
    Mistake(_steps_with(lambda lr, gm, lam: abs(1 - lr * lam)),
            "|1 − ηλ| is gradient descent's rate; with momentum the error and the "
            "velocity evolve together, so take the 2×2 matrix's eigenvalues."),
    Mistake(_steps_with(_complex_2sqrt),
            "for complex eigenvalues the modulus is √γ, not 2√γ (the two conjugate "
            "eigenvalues multiply to det = γ). Distill's article prints 2√β there: "
            "an erratum."),
    Mistake(_steps_with(lambda lr, gm, lam: float(
        np.linalg.eigvals(iteration_matrix(lr, gm, lam)).real.max())),
            "take the *modulus* of the eigenvalues (np.abs), not their real part."),
    Mistake(_steps_with(lambda lr, gm, lam: float(np.sqrt(gm))),
            "√γ is the rate only while the eigenvalues are complex (the ball "
            "oscillates); when they are real, the larger |eigenvalue| is the rate."),
    Mistake(_steps_with(lambda lr, gm, lam: float(
        np.abs(np.linalg.eigvals(iteration_matrix(lr, gm, lam))).min())),
            "the slowest mode sets the rate: take the *largest* |eigenvalue|."),
    Mistake(lambda lr, gm, lam, f: np.floor(np.log(f) / np.log(_momentum_rate(lr, gm, lam))),
            "you rounded down: after ⌊k*⌋ steps ρ^k is still above the factor. The "
            "count is the first whole k with ρ^k ≤ factor, ⌈ln(factor)/ln ρ⌉."),
    Mistake(lambda lr, gm, lam, f: np.log(1 / f) / np.log(_momentum_rate(lr, gm, lam)),
            "upside down: ln ρ < 0 and ln(factor) < 0, so k = ln(factor)/ln ρ is positive."),
]


def check_momentum_steps(fn, *, verbose: bool = True) -> Result:
    """``momentum_steps(lr, gamma, lam, factor)``: the smallest whole k with ρ^k ≤ factor, ρ the
    factor by which heavy-ball momentum shrinks the error per step along an eigen-direction with
    curvature λ, i.e. the spectral radius of [[1 − ηλ, −γ], [ηλ, γ]]. A real-valued
    k* = ln(factor)/ln ρ is accepted as the count ⌈k*⌉ it stands for. Every other case has a
    count of 10⁹ steps or more (compared to one part in a million): a loop cannot answer it."""
    return check_function(
        fn, _momentum_steps,
        cycle_cases(_case_rate_telling, cases._case_rate_slow, _case_rate_telling,
                    cases._case_rate_slow, cases._case_rate_no_momentum),
        signature="momentum_steps(lr, gamma, lam, factor)",
        mistakes=_STEPS_MISTAKES,
        compare=_same_count, verbose=verbose,
    )


# --- exercise 4: Nesterov's stability edge -----------------------------------------------------

def _nesterov_edge(gamma):
    return stability_edge(gamma, nesterov=True)


def check_nesterov_edge(fn, *, verbose: bool = True) -> Result:
    """``nesterov_edge(gamma)``: the largest ηλ for which Nesterov's iteration matrix
    [[1 − ηλ, −γ(1 − ηλ)], [ηλ, γ(1 − ηλ)]] has spectral radius below 1, i.e.
    (2 + 2γ)/(1 + 2γ). A numerical answer within 0.1 % is accepted."""
    return check_function(
        fn, _nesterov_edge, cycle_cases(cases._case_nesterov_edge, cases._case_nesterov_edge_ends),
        signature="nesterov_edge(gamma)",
        mistakes=[
            Mistake(lambda g: 2.0 + 2.0 * g,
                    "2 + 2γ is heavy-ball momentum's edge. Nesterov's look-ahead multiplies the "
                    "second column by 1 − ηλ, which changes where an eigenvalue reaches −1."),
            Mistake(lambda g: 2.0,
                    "2 is gradient descent's edge (γ = 0); with γ > 0 Nesterov's is smaller."),
            Mistake(lambda g: 4.0 / 3.0,
                    "4/3 is only the limit for γ → 1. For every γ < 1 the edge is larger: "
                    "solve for the ηλ at which an eigenvalue equals −1."),
            Mistake(lambda g: 1.0 + 1.0 / g,
                    "that is where |det M_N| = γ(ηλ − 1) reaches 1. Before that, a real "
                    "eigenvalue crosses −1: require |trace| < 1 + det."),
            Mistake(lambda g: 2.0 / (1.0 + 2.0 * g),
                    "close: the eigenvalue −1 is reached at ηλ = 1 + 1/(1 + 2γ) = "
                    "(2 + 2γ)/(1 + 2γ)."),
        ],
        rtol=1e-3, atol=0.0, verbose=verbose,
    )


# --- exercise 5: the noise floor of momentum -------------------------------------------------

def _momentum_noise_floor(lr, gamma, lam, sigma2):
    return lr * sigma2 * (1 + gamma) / (lam * (1 - gamma) * (2 * (1 + gamma) - lr * lam))


def check_momentum_noise_floor(fn, *, verbose: bool = True) -> Result:
    """``momentum_noise_floor(lr, gamma, lam, sigma2)``: the stationary E[x²] of heavy-ball
    momentum v ← γv + η(λx + ξ), x ← x − v with ξ ~ N(0, σ²):
    ησ²(1 + γ) / (λ(1 − γ)(2(1 + γ) − ηλ)). Solving the 2×2 covariance equation numerically is
    accepted (to 0.01 %)."""
    def gd(lr, lam, s2):
        return lr * s2 / (lam * (2 - lr * lam))

    return check_function(
        fn, _momentum_noise_floor, cycle_cases(cases._case_noise_floor, cases._case_noise_floor_edges),
        signature="momentum_noise_floor(lr, gamma, lam, sigma2)",
        mistakes=[
            Mistake(lambda lr, g, lam, s2: gd(lr, lam, s2),
                    "that is gradient descent's floor (γ = 0). Momentum sums the noise of many "
                    "steps into the velocity: write the recursion for the covariance of (x, v)."),
            Mistake(lambda lr, g, lam, s2: gd(lr / (1 - g), lam, s2),
                    "the effective learning rate η/(1 − γ) in gradient descent's formula gives "
                    "the right small-ηλ limit, ησ²/(2λ(1 − γ)), but not the floor itself: solve "
                    "C = M C Mᵀ + η²σ² uuᵀ with u = (−1, 1)."),
            Mistake(lambda lr, g, lam, s2: lr * s2 / (2 * lam * (1 - g)),
                    "that is the small-ηλ limit only; the exact floor has the factor "
                    "(1 + γ)/(2(1 + γ) − ηλ) where you wrote 1/2."),
            Mistake(lambda lr, g, lam, s2: _momentum_noise_floor(lr, g, lam, s2) * lam / 2,
                    "that is the loss gap E[λx²/2]; the question asks for E[x²]."),
        ],
        rtol=1e-4, atol=0.0, verbose=verbose,
    )


# --- exercise 6: the EMA form of momentum in torch.optim.SGD ------------------------------------

def _ema_to_torch(alpha, beta):
    return {"lr": alpha * (1 - beta), "momentum": beta, "dampening": 0.0}


def _as_kwargs(out):
    """The reader's answer as torch.optim.SGD keyword arguments, or None if it is not one."""
    try:
        if isinstance(out, dict):
            return {k: float(v) if k != "nesterov" else bool(v) for k, v in out.items()}
        if isinstance(out, (tuple, list)) and len(out) in (2, 3):
            return dict(zip(("lr", "momentum", "dampening"), map(float, out), strict=False))
    except (TypeError, ValueError):  # entries that are not numbers
        return None
    return None


def _torch_path(kwargs, A, b, theta0, steps):
    import torch

    p = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], **kwargs)
    path = []
    for _ in range(steps):
        p.grad = torch.as_tensor(A @ p.detach().numpy() - b)
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def _ema_path(alpha, beta, A, b, theta0, steps):
    theta, m, path = np.array(theta0, dtype=float), np.zeros(len(theta0)), []
    for _ in range(steps):
        m = beta * m + (1 - beta) * (A @ theta - b)
        theta = theta - alpha * m
        path.append(theta.copy())
    return np.array(path)


def check_ema_to_torch(fn, *, verbose: bool = True) -> Result:
    """``ema_to_torch(alpha, beta)`` returns ``torch.optim.SGD`` settings (a dict of keyword
    arguments, or a tuple (lr, momentum[, dampening])) that reproduce m ← βm + (1 − β)∇J,
    θ ← θ − αm. The checker runs torch.optim.SGD with them on random quadratics."""
    return run_checker(_check_ema_to_torch, fn, name="ema_to_torch", verbose=verbose)


_EMA_MISTAKES = [
    ({"lr": lambda a, b: a, "momentum": lambda a, b: b, "dampening": lambda a, b: 0.0},
     "the (1 − β) of the average has to go somewhere: PyTorch's buffer is b ← βb + g, so the "
     "EMA is m = (1 − β)b and the step α m = α(1 − β) b: lr = α(1 − β)."),
    ({"lr": lambda a, b: a, "momentum": lambda a, b: b, "dampening": lambda a, b: b},
     "dampening = β scales every gradient by 1 − β except the first: PyTorch starts the buffer "
     "with b₁ = g₁, undamped, so the first step is 1/(1 − β) times too long. Put (1 − β) into lr "
     "and keep dampening = 0."),
    ({"lr": lambda a, b: a * (1 - b), "momentum": lambda a, b: b, "dampening": lambda a, b: b},
     "the factor (1 − β) is applied twice: with lr = α(1 − β), leave dampening at 0."),
    ({"lr": lambda a, b: a / (1 - b), "momentum": lambda a, b: b, "dampening": lambda a, b: 0.0},
     "multiply by (1 − β), do not divide: the EMA is (1 − β) times PyTorch's buffer."),
    ({"lr": lambda a, b: a * (1 - b), "momentum": lambda a, b: 1 - b,
      "dampening": lambda a, b: 0.0},
     "momentum is the weight of the *old* buffer: momentum = β, not 1 − β."),
]


def _check_ema_to_torch(fn) -> Result:
    name = "ema_to_torch"
    problem = preamble(fn, "ema_to_torch(alpha, beta)", (0.1, 0.9))
    if problem is not None:
        return problem
    rng = np.random.default_rng(0)
    for case in range(1, 11):
        alpha, beta = float(rng.uniform(0.01, 0.3)), float(rng.uniform(0.5, 0.95))
        d = int(rng.integers(1, 4))
        Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        A = (Q * rng.uniform(0.5, 3.0, size=d)) @ Q.T
        b, theta0 = rng.normal(size=d), rng.normal(size=d)
        want = _ema_path(alpha, beta, A, b, theta0, 15)
        out, problem = call(fn, (alpha, beta), name=name, case=case)
        if problem is not None:
            return problem
        kwargs = _as_kwargs(out)
        if kwargs is None:
            return Result(False, f"✗ {name}: return a dict of torch.optim.SGD arguments, e.g. "
                                 f"{{'lr': ..., 'momentum': ...}}, got {out!r:.80}.", case)
        try:
            got = _torch_path(kwargs, A, b, theta0, 15)
        except Exception as err:
            return Result(False, f"✗ {name}: torch.optim.SGD(**{kwargs}) failed: {err}", case)
        if np.allclose(got, want, rtol=1e-9, atol=1e-12):
            continue
        for settings, hint in _EMA_MISTAKES:
            wrong = {k: f(alpha, beta) for k, f in settings.items()}
            if all(np.isclose(kwargs.get(k, 0.0), v) for k, v in wrong.items()):
                return Result(False, f"✗ {name}: {hint}", case, {"mistake": hint})
        return Result(False, f"✗ {name}: with α = {alpha:.3f}, β = {beta:.3f} your settings "
                             f"{kwargs} give a different path from the EMA form (first step "
                             f"{got[0]} instead of {want[0]}).", case)
    return Result(True, f"✓ {name}: torch.optim.SGD with your settings follows the EMA form "
                        "on all 10 random quadratics.", 10)


# --- going further: the largest stable learning rate on a whole quadratic -----------------------

def _largest_stable_lr(hessian, gamma, nesterov):
    """The package's stability edge of ηL, divided by L, the largest eigenvalue."""
    return stability_edge(gamma, nesterov) / float(np.linalg.eigvalsh(hessian).max())


def check_largest_stable_lr(fn, *, verbose: bool = True) -> Result:
    """``largest_stable_lr(hessian, gamma, nesterov)``: the largest η for which heavy-ball
    momentum (``nesterov=False``) or Nesterov (``nesterov=True``) with momentum γ converges at
    a minimum with this Hessian: (2 + 2γ)/L or (2 + 2γ)/((1 + 2γ)L), L its largest eigenvalue.
    A numerical answer within 0.1 % is accepted."""
    def edge(g, nest):
        return stability_edge(g, nest)

    def lam(H, which):
        e = np.linalg.eigvalsh(H)
        return float(e.max() if which == "max" else e.min())

    return check_function(
        fn, _largest_stable_lr, cases._case_largest, signature="largest_stable_lr(hessian, gamma, nesterov)",
        mistakes=[
            Mistake(lambda H, g, nest: edge(g, nest) / lam(H, "min"),
                    "the steepest direction breaks first: divide by the *largest* eigenvalue of "
                    "the Hessian, not the smallest."),
            Mistake(lambda H, g, nest: 2.0 / lam(H, "max"),
                    "2/L is gradient descent's edge; momentum and Nesterov have their own, which "
                    "depend on γ."),
            Mistake(lambda H, g, nest: edge(g, False) / lam(H, "max"),
                    "Nesterov's edge is narrower than the heavy ball's 2 + 2γ: use your "
                    "nesterov_edge(γ) when nesterov is True."),
            Mistake(lambda H, g, nest: edge(g, not nest) / lam(H, "max"),
                    "you swapped the two methods: heavy ball allows ηL < 2 + 2γ, Nesterov only "
                    "ηL < (2 + 2γ)/(1 + 2γ)."),
            Mistake(lambda H, g, nest: edge(g, nest) / float(np.abs(H).max()),
                    "the largest *entry* of the Hessian is not its largest eigenvalue: use "
                    "np.linalg.eigvalsh."),
        ],
        rtol=1e-3, atol=0.0, verbose=verbose,
    )
