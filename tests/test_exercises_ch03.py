"""Chapter 3 checkers accept the reference and every correct form and reject known-wrong answers
with their hint; they cover the whole domain of their questions, the chapter's hidden solutions
pass them there, and the reference formulas reproduce the facts the chapter states."""

import json
from pathlib import Path

import numpy as np
import pytest
from checker_harness import checker_tests, solution_definitions
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.exercises.ch03_momentum import (
    check_ema_to_torch,
    check_largest_stable_lr,
    check_momentum_noise_floor,
    check_momentum_step,
    check_momentum_steps,
    check_nesterov_edge,
    check_nesterov_step,
)
from dlsg_utils.optim.theory import optimal_momentum, spectral_radius

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "03_momentum_and_nesterov.ipynb"


def _solutions():
    """The functions the chapter's hidden solution cells define, executed as written (only the
    definitions: the rest of a cell uses the chapter's variables)."""
    return solution_definitions("03", {"np": np})


SOLUTIONS = _solutions()


def momentum(t, v, g, lr, gm):
    v = gm * v + lr * g
    return t - v, v


def nesterov(t, v, f, lr, gm):
    v = gm * v + lr * f(t - gm * v)
    return t - v, v


def rate(lr, gm, lam):
    a = lr * lam
    return float(np.abs(np.linalg.eigvals([[1 - a, -gm], [a, gm]])).max())


def rate_by_formula(lr, gm, lam):
    """The same rate from the roots of z² − (1 + γ − ηλ)z + γ."""
    tr = 1 + gm - lr * lam
    disc = tr**2 - 4 * gm
    if disc < 0:
        return float(np.sqrt(gm))
    return float(max(abs(tr + np.sqrt(disc)), abs(tr - np.sqrt(disc))) / 2)


def steps(rho, factor):
    with np.errstate(all="ignore"):  # a mistaken rate of 0 or above 1 gives its own count
        return np.ceil(np.log(factor) / np.log(rho) - 1e-9)


def steps_at_least_one(rho, factor):
    return 1 if rho == 0 else max(1, steps(rho, factor))


def optimal(mu, L):
    k = np.sqrt(L / mu)
    return (2 / (np.sqrt(mu) + np.sqrt(L))) ** 2, ((k - 1) / (k + 1)) ** 2


CASES = {
    check_momentum_step: (
        momentum,
        [(lambda t, v, g, lr, gm: momentum(t, v, g, lr, gm)[0], "return both"),
         (lambda t, v, g, lr, gm: (t - v, gm * v + lr * g), "*old* velocity"),
         (lambda t, v, g, lr, gm: (t + gm * v + lr * g, gm * v + lr * g), "wrong sign"),
         (lambda t, v, g, lr, gm: (t - v - lr * g, v + lr * g), "γ is missing"),
         (lambda t, v, g, lr, gm: (t - lr * (gm * v + g), gm * v + g), "PyTorch's form"),
         (lambda t, v, g, lr, gm: (t - gm * v - g, gm * v + g), "learning rate is missing")],
    ),
    check_nesterov_step: (
        nesterov,
        [(lambda t, v, f, lr, gm: momentum(t, v, f(t), lr, gm), "plain momentum"),
         (lambda t, v, f, lr, gm: momentum(t, v, f(t + gm * v), lr, gm), "wrong way"),
         (lambda t, v, f, lr, gm: momentum(t, v, f(t - v), lr, gm), "γ is missing"),
         (lambda t, v, f, lr, gm: (t - v, gm * v + lr * f(t - gm * v)), "*old* velocity"),
         (lambda t, v, f, lr, gm: (nesterov(t, v, f, lr, gm)[0] - gm * nesterov(t, v, f, lr, gm)[1],
                                   nesterov(t, v, f, lr, gm)[1]), "look-ahead point")],
    ),
    check_momentum_steps: (
        lambda lr, gm, lam, f: steps_at_least_one(rate_by_formula(lr, gm, lam), f),
        [(lambda lr, gm, lam, f: steps(abs(1 - lr * lam), f), "gradient descent's rate"),
         (lambda lr, gm, lam, f: steps(2 * np.sqrt(gm) if (1 + gm - lr * lam) ** 2 < 4 * gm
                                       else rate(lr, gm, lam), f), "erratum"),
         (lambda lr, gm, lam, f: steps(float(np.sqrt(gm)), f),
          "only while the eigenvalues are complex"),
         (lambda lr, gm, lam, f: steps(float(np.abs(np.linalg.eigvals(
             [[1 - lr * lam, -gm], [lr * lam, gm]])).min()), f), "*largest*"),
         (lambda lr, gm, lam, f: np.floor(np.log(f) / np.log(rate(lr, gm, lam))), "rounded down"),
         (lambda lr, gm, lam, f: np.log(1 / f) / np.log(rate(lr, gm, lam)), "upside down"),
         (lambda lr, gm, lam, f: steps(abs(1 - lr * lam), f) if gm == 0
          else steps(rate(lr, gm, lam), f), "the count is 1")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)






def test_momentum_step_does_not_depend_on_in_place_updates():
    def in_place(t, v, g, lr, gm):
        v *= gm
        v += lr * g
        t -= v
        return t, v

    assert check_momentum_step(in_place, verbose=False)


# --- the theory the chapter states, from dlsg_utils.optim.theory (REFERENCE_FACTS: eigenvalues 1
# and 10; the chapter: 1, 100) -----------------------------------------------------------------

def test_optimal_momentum_for_kappa_10_matches_the_reference_facts():
    alpha, beta, _ = optimal_momentum(1.0, 10.0)
    assert alpha == pytest.approx(0.23089, abs=5e-6)
    assert beta == pytest.approx(0.26987, abs=5e-6)
    assert np.sqrt(beta) == pytest.approx(0.51949, abs=5e-6)


def test_optimal_momentum_rate_is_sqrt_beta_at_both_ends_of_the_spectrum():
    for mu, L in [(1.0, 10.0), (1.0, 100.0), (0.3, 2000.0)]:
        alpha, beta, _ = optimal_momentum(mu, L)
        for lam in (mu, L):
            assert spectral_radius(alpha, beta, lam) == pytest.approx(np.sqrt(beta), rel=1e-6)


def test_momentum_stability_edge_is_two_plus_two_beta():
    for beta in (0.0, 0.5, 0.9):
        edge = 2 + 2 * beta
        assert spectral_radius(0.999 * edge, beta, 1.0) < 1
        assert spectral_radius(1.001 * edge, beta, 1.0) > 1


def test_complex_eigenvalues_have_modulus_sqrt_beta_not_two_sqrt_beta():
    lr, beta, lam = 0.5, 0.81, 1.0  # (1 + β − αλ)² = 1.31² < 4β = 3.24: complex
    assert spectral_radius(lr, beta, lam) == pytest.approx(0.9, rel=1e-9)


def test_critical_damping_for_alpha_lambda_001_gives_rate_090_against_gd_099():
    a = 0.01
    beta = (1 - np.sqrt(a)) ** 2
    assert beta == pytest.approx(0.81)
    assert spectral_radius(a, beta, 1.0) == pytest.approx(0.90, abs=1e-6)
    assert spectral_radius(a, 0.0, 1.0) == pytest.approx(0.99)


def test_booth_optimal_momentum_rate_is_one_half():
    alpha, beta, _ = optimal_momentum(2.0, 18.0)
    assert np.sqrt(beta) == pytest.approx(0.5)


# --- the new exercises: Nesterov's edge, momentum's noise floor, the EMA form in torch ----------

def nesterov_rate(a, g):
    return float(np.abs(np.linalg.eigvals([[1 - a, -g * (1 - a)], [a, g * (1 - a)]])).max())


def nesterov_edge_by_bisection(g):
    lo, hi = 0.5, 4.0  # stable at ηλ = 0.5, unstable at 4 for every γ in [0, 1)
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if nesterov_rate(mid, g) < 1 else (lo, mid)
    return lo


def noise_floor_closed_form(lr, g, lam, s2):
    return lr * s2 * (1 + g) / (lam * (1 - g) * (2 * (1 + g) - lr * lam))


def noise_floor_by_lyapunov(lr, g, lam, s2):
    """Solve C = M C Mᵀ + η²σ² u uᵀ for the stationary covariance of (x, v)."""
    a = lr * lam
    M = np.array([[1 - a, -g], [a, g]])
    Q = s2 * lr**2 * np.outer([-1.0, 1.0], [-1.0, 1.0])
    return np.linalg.solve(np.eye(4) - np.kron(M, M), Q.ravel())[0]


def gd_floor(lr, lam, s2):
    return lr * s2 / (lam * (2 - lr * lam))


NEW_CASES = {
    check_nesterov_edge: (
        lambda g: (2 + 2 * g) / (1 + 2 * g),
        [(lambda g: 2 + 2 * g, "heavy-ball momentum's edge"),
         (lambda g: 2.0, "gradient descent's edge"),
         (lambda g: 4 / 3, "only the limit"),
         (lambda g: 1 + 1 / g, "|det M_N|")],
    ),
    check_momentum_noise_floor: (
        noise_floor_closed_form,
        [(lambda lr, g, lam, s2: gd_floor(lr, lam, s2), "gradient descent's floor"),
         (lambda lr, g, lam, s2: gd_floor(lr / (1 - g), lam, s2), "effective learning rate"),
         (lambda lr, g, lam, s2: lr * s2 / (2 * lam * (1 - g)), "small-ηλ limit only"),
         (lambda lr, g, lam, s2: noise_floor_closed_form(lr, g, lam, s2) * lam / 2,
          "loss gap")],
    ),
}


def largest_by_scan(H, g, nest):
    """The largest stable η read off the spectral radius on a fine grid: the honest numerics."""
    lams = np.linalg.eigvalsh(H)

    def stable(lr):
        for lam in lams:
            a = lr * lam
            M = [[1 - a, -g * (1 - a)], [a, g * (1 - a)]] if nest else [[1 - a, -g], [a, g]]
            if np.abs(np.linalg.eigvals(M)).max() >= 1:
                return False
        return True

    lo, hi = 0.0, 5.0 / lams.max()
    for _ in range(60):
        lo, hi = ((lo + hi) / 2, hi) if stable((lo + hi) / 2) else (lo, (lo + hi) / 2)
    return lo


def _edge(g, nest):
    return (2 + 2 * g) / (1 + 2 * g) if nest else 2 + 2 * g


NEW_CASES[check_largest_stable_lr] = (
    lambda H, g, nest: _edge(g, nest) / np.linalg.eigvalsh(H).max(),
    [(lambda H, g, nest: _edge(g, nest) / np.linalg.eigvalsh(H).min(), "*largest* eigenvalue"),
     (lambda H, g, nest: 2 / np.linalg.eigvalsh(H).max(), "gradient descent's edge"),
     (lambda H, g, nest: _edge(g, False) / np.linalg.eigvalsh(H).max(), "narrower than the heavy"),
     (lambda H, g, nest: _edge(g, nest) / np.abs(H).max(), "largest *entry*")],
)


(test_new_checker_accepts_the_reference,
 test_new_checker_rejects_a_known_mistake_with_its_hint,
 test_new_checker_reports_a_wrong_signature_without_raising,
 test_new_checker_reports_an_unattempted_stub) = checker_tests(NEW_CASES)


def test_nesterov_edge_checker_accepts_a_numerical_bisection():
    assert check_nesterov_edge(nesterov_edge_by_bisection, verbose=False)


def test_nesterov_edge_exceeds_four_thirds_for_every_gamma_below_one_and_tends_to_it():
    gammas = np.linspace(0, 0.999, 200)
    edges = np.array([nesterov_edge_by_bisection(g) for g in gammas])
    assert np.all(edges > 4 / 3) and np.all(np.diff(edges) < 0)
    assert edges[0] == pytest.approx(2.0, abs=1e-9)
    assert nesterov_edge_by_bisection(0.9) == pytest.approx(3.8 / 2.8, rel=1e-9)
    assert nesterov_edge_by_bisection(0.999999) == pytest.approx(4 / 3, rel=1e-5)


def test_momentum_noise_floor_checker_accepts_the_lyapunov_solution():
    assert check_momentum_noise_floor(noise_floor_by_lyapunov, verbose=False)


def test_momentum_noise_floor_matches_a_simulation_of_many_runs():
    rng = np.random.default_rng(0)
    lr, g, lam = 0.05, 0.8, 2.0
    x, v, msq = np.zeros(50_000), np.zeros(50_000), []
    for t in range(1500):
        v = g * v + lr * (lam * x + rng.standard_normal(x.size))
        x = x - v
        if t >= 500:
            msq.append(np.mean(x**2))
    assert np.mean(msq) == pytest.approx(noise_floor_closed_form(lr, g, lam, 1.0), rel=0.02)


def test_ema_checker_accepts_dict_and_tuple_answers():
    assert check_ema_to_torch(lambda a, b: {"lr": a * (1 - b), "momentum": b}, verbose=False)
    assert check_ema_to_torch(lambda a, b: (a * (1 - b), b), verbose=False)
    assert check_ema_to_torch(lambda a, b: (a * (1 - b), b, 0.0), verbose=False)


@pytest.mark.parametrize("wrong, hint", [
    (lambda a, b: {"lr": a, "momentum": b}, "has to go somewhere"),
    (lambda a, b: {"lr": a, "momentum": b, "dampening": b}, "except the first"),
    (lambda a, b: {"lr": a * (1 - b), "momentum": b, "dampening": b}, "applied twice"),
    (lambda a, b: {"lr": a / (1 - b), "momentum": b}, "do not divide"),
    (lambda a, b: {"lr": a * (1 - b), "momentum": 1 - b}, "*old* buffer"),
])
def test_ema_checker_rejects_known_mistakes_with_their_hint(wrong, hint):
    result = check_ema_to_torch(wrong, verbose=False)
    assert not result and hint in result.message, result.message


def test_ema_checker_reports_stubs_signatures_and_non_answers_without_raising():
    def stub(a, b):
        raise NotImplementedError

    assert "not attempted yet" in check_ema_to_torch(stub, verbose=False).message
    assert "expected a function" in check_ema_to_torch(lambda a: 0, verbose=False).message
    assert "return a dict" in check_ema_to_torch(lambda a, b: "lr", verbose=False).message


def test_largest_stable_lr_checker_accepts_a_bisection_on_the_spectral_radius():
    assert check_largest_stable_lr(largest_by_scan, verbose=False)


def test_reference_noise_floor_equals_the_stationary_covariance_of_the_packages_iteration_matrix():
    """E[x²] of the reference is C[0, 0] of C = M C Mᵀ + η²σ² uuᵀ, u = (−1, 1), with M the
    package's dlsg_utils.optim.theory.iteration_matrix, on 200 of the checker's random cases."""
    from dlsg_utils.exercises.ch03_momentum import _momentum_noise_floor
    from dlsg_utils.exercises.ch03_momentum_cases import _case_noise_floor
    from dlsg_utils.optim.theory import iteration_matrix

    rng = np.random.default_rng(7)
    for _ in range(200):
        lr, g, lam, s2 = _case_noise_floor(rng)
        M = iteration_matrix(lr, g, lam)
        Q = s2 * lr**2 * np.outer([-1.0, 1.0], [-1.0, 1.0])
        C = np.linalg.solve(np.eye(4) - np.kron(M, M), Q.ravel()).reshape(2, 2)
        assert _momentum_noise_floor(lr, g, lam, s2) == pytest.approx(C[0, 0], rel=1e-9)


def test_reference_momentum_and_nesterov_steps_match_the_slides_formulas():
    """The references call the package's Momentum and Nesterov; on 40 random cases each they
    equal v ← γv + η∇J(θ [− γv]), θ ← θ − v written out."""
    from dlsg_utils.exercises.ch03_momentum import _momentum_step, _nesterov_step
    from dlsg_utils.exercises.ch03_momentum_cases import _case_momentum, _case_nesterov

    rng = np.random.default_rng(8)
    for _ in range(40):
        case = _case_momentum(rng)
        np.testing.assert_allclose(np.array(_momentum_step(*case)), np.array(momentum(*case)),
                                   rtol=1e-13, atol=1e-15)
        t, v, f, lr, gm = _case_nesterov(rng)
        want_v = gm * v + lr * f(t - gm * v)
        np.testing.assert_allclose(np.array(_nesterov_step(t, v, f, lr, gm)),
                                   np.array((t - want_v, want_v)), rtol=1e-13, atol=1e-15)


# --- more correct forms, the domain, the hidden solutions -----------------------------------

def _momentum_step_in_torch(theta, v, grad, lr, gamma):
    """torch.optim.SGD keeps b with v = lr·b (chapter 3): one step from b = v/lr."""
    import torch

    p = torch.tensor(theta, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=gamma)
    opt.state[p]["momentum_buffer"] = torch.tensor(v / lr)
    p.grad = torch.tensor(grad)
    opt.step()
    return p.detach().numpy(), lr * opt.state[p]["momentum_buffer"].numpy()


def _nesterov_as_momentum_at_the_look_ahead(theta, v, grad_fn, lr, gamma):
    ahead = theta - gamma * v
    v = gamma * v + lr * grad_fn(ahead)
    return theta - v, v


@pytest.mark.parametrize(("checker", "answer"), [
    (check_momentum_step, _momentum_step_in_torch),
    (check_momentum_step, lambda t, v, g, lr, gm: (t - (gm * v + lr * g), gm * v + lr * g)),
    (check_nesterov_step, _nesterov_as_momentum_at_the_look_ahead),
    (check_momentum_steps, lambda lr, gm, lam, f: np.log(f) / np.log(rate(lr, gm, lam))
     if rate(lr, gm, lam) > 0 else 1.0),
    (check_momentum_steps, lambda lr, gm, lam, f: int(steps_at_least_one(rate(lr, gm, lam), f))),
    (check_nesterov_edge, lambda g: 1 + 1 / (1 + 2 * g)),
    (check_momentum_noise_floor, noise_floor_by_lyapunov),
    (check_largest_stable_lr, largest_by_scan),
], ids=lambda x: getattr(x, "__name__", ""))
def test_checker_accepts_another_correct_form(checker, answer):
    assert checker(answer, verbose=False)


def test_momentum_steps_checker_needs_the_rate_a_loop_cannot_count_a_billion_steps():
    from dlsg_utils.exercises.ch03_momentum import _momentum_steps
    from dlsg_utils.exercises.ch03_momentum_cases import MOMENTUM_MIN_SLOW_COUNT, _case_rate_slow

    rng = np.random.default_rng(0)
    assert min(_momentum_steps(*_case_rate_slow(rng)) for _ in range(30)) >= MOMENTUM_MIN_SLOW_COUNT

    def capped_loop(lr, gm, lam, f):
        """Multiply by the rate until the factor is reached: capped at 10⁵ steps."""
        rho, r, k = rate(lr, gm, lam), 1.0, 0
        while r > f and k < 10**5:
            r, k = r * rho, k + 1
        return k

    result = check_momentum_steps(capped_loop, verbose=False)
    assert not result and result.cases == 2


def _spy(checker, reference):
    seen = []

    def spy(*args):
        seen.append(args)
        return reference(*args)

    assert checker(spy, verbose=False)
    return seen


def test_checkers_ask_for_no_momentum_and_momentum_close_to_one():
    gammas = [g for _, g, _, _ in _spy(check_momentum_steps,
                                       lambda lr, g, lam, f: steps_at_least_one(rate(lr, g, lam), f))]
    assert 0.0 in gammas
    gammas = [g for (g,) in _spy(check_nesterov_edge, lambda g: (2 + 2 * g) / (1 + 2 * g))]
    assert 0.0 in gammas and max(gammas) >= 0.9999
    seen = _spy(check_momentum_noise_floor, noise_floor_closed_form)
    assert any(g == 0 for _, g, _, _ in seen)
    assert any(lr * lam > 0.99 * (2 + 2 * g) for lr, g, lam, _ in seen)


@pytest.mark.parametrize(("name", "checker"), [
    ("momentum_step", check_momentum_step),
    ("nesterov_step", check_nesterov_step),
    ("momentum_steps", check_momentum_steps),
    ("nesterov_edge", check_nesterov_edge),
    ("momentum_noise_floor", check_momentum_noise_floor),
    ("ema_to_torch", check_ema_to_torch),
    ("largest_stable_lr", check_largest_stable_lr),
])
def test_the_chapters_hidden_solution_passes_its_checker(name, checker):
    assert checker(SOLUTIONS[name], verbose=False)


@settings(max_examples=150, deadline=None)
@given(a_frac=st.floats(1e-6, 0.999), gamma=st.floats(0.0, 0.999),
       factor_exp=st.floats(-300, -0.01))
def test_momentum_steps_solution_equals_the_reference_on_the_whole_stable_range(a_frac, gamma,
                                                                                factor_exp):
    from dlsg_utils.exercises.ch01_gradient_descent import _same_count
    from dlsg_utils.exercises.ch03_momentum import _momentum_steps

    args = (a_frac * (2 + 2 * gamma), gamma, 1.0, 10.0**factor_exp)
    assert _same_count(SOLUTIONS["momentum_steps"](*args), _momentum_steps(*args))


@settings(max_examples=100, deadline=None)
@given(gamma=st.floats(0.0, 0.9999), a_frac=st.floats(1e-4, 0.9999), lam=st.floats(0.1, 10))
def test_noise_floor_solution_equals_the_lyapunov_solution_on_the_whole_stable_range(gamma,
                                                                                     a_frac, lam):
    lr = a_frac * (2 + 2 * gamma) / lam
    assert SOLUTIONS["momentum_noise_floor"](lr, gamma, lam, 1.0) == pytest.approx(
        noise_floor_by_lyapunov(lr, gamma, lam, 1.0), rel=1e-6)


def test_investigate_exercise_is_last_and_its_solution_counts_steps_off_the_optimum():
    """The exercises end with the open investigation; at the optimal settings its count is the
    rate's prediction, and a learning rate twice the optimum diverges (None)."""
    sources = ["".join(c["source"]) for c in json.loads(CHAPTER.read_text())["cells"]]
    heads = [s for s in sources if s.startswith("### Exercise")]
    assert "(investigate)" in heads[-1]
    count = SOLUTIONS["steps_to_million_fold"]
    alpha, beta = optimal(1.0, 100.0)
    assert count(2 * alpha, beta) is None
    predicted = np.log(1e-6) / np.log(np.sqrt(beta))  # the rate alone; the double eigenvalue
    assert predicted <= count(alpha, beta) <= 2 * predicted  # adds a factor k: more steps
