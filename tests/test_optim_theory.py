"""Theory the chapters state, checked numerically with dlsg_utils.optim and dlsg_utils.functions.

The quadratic J(w) = ½ wᵀ diag(1, 10) w has μ = 1, L = 10, κ = 10; runs start at w₀ = (1, 1).
Figures from /work/shared/REFERENCE_FACTS.md ("Theory that a test can check").
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlsg_utils.functions import BEALE, BOOTH, quadratic
from dlsg_utils.optim import SGD, Adagrad, Adam, Momentum, Nesterov, RMSProp, run
from dlsg_utils.optim.theory import (
    critical_damping,
    iteration_matrix,
    measured_rate,
    optimal_momentum,
    rate,
    spectral_radius,
    stability_edge,
)

MU, L = 1.0, 10.0
KAPPA = L / MU
QUAD = quadratic(np.diag([MU, L]))
W0 = np.array([1.0, 1.0])


def final_norm(opt, steps=100, surface=QUAD, x0=W0):
    return np.linalg.norm(run(opt, surface.grad, x0, steps)[-1])


ALPHA_OPT, BETA_OPT, RATE_OPT = optimal_momentum(MU, L)


# --- gradient descent ---------------------------------------------------------------------------

@pytest.mark.parametrize(("eta", "expected"), [
    (0.19, 2.7e-5), (0.199, 0.366), (0.2, 1.0), (0.201, 2.7), (0.21, 1.4e4)])
def test_gd_on_a_quadratic_converges_iff_eta_times_L_is_below_2(eta, expected):
    assert final_norm(SGD(lr=eta)) == pytest.approx(expected, rel=0.02)


def test_gd_best_fixed_step_two_over_mu_plus_L_has_rate_kappa_minus_1_over_kappa_plus_1():
    rate = final_norm(SGD(lr=2 / (MU + L))) ** (1 / 100)
    assert (KAPPA - 1) / (KAPPA + 1) == pytest.approx(0.81818, abs=1e-5)
    assert rate == pytest.approx((KAPPA - 1) / (KAPPA + 1), abs=0.01)


def test_booth_gd_diverges_above_one_ninth_and_has_rate_08_at_eta_01():
    x_star = np.array(BOOTH.minima[0])
    d0 = np.linalg.norm(BOOTH.start - x_star)
    above = run(SGD(lr=1.02 / 9), BOOTH.grad, BOOTH.start, 300)
    assert np.linalg.norm(above[-1] - x_star) > 1e3 * d0
    at_01 = run(SGD(lr=0.1), BOOTH.grad, BOOTH.start, 50)
    rate = (np.linalg.norm(at_01[-1] - x_star) / d0) ** (1 / 50)
    assert rate == pytest.approx(0.8, abs=1e-9)  # |1 − 0.1·2| = |1 − 0.1·18| = 0.8


# --- momentum -----------------------------------------------------------------------------------

@pytest.mark.parametrize("method, nesterov", [(Momentum, False), (Nesterov, True)])
def test_momentum_and_nesterov_paths_follow_their_iteration_matrices(method, nesterov):
    alpha, beta, steps = 0.05, 0.9, 60
    path = run(method(lr=alpha, gamma=beta), QUAD.grad, W0, steps)
    for i, lam in enumerate((MU, L)):
        M = iteration_matrix(alpha, beta, lam, nesterov)
        state, predicted = np.array([W0[i], 0.0]), [W0[i]]  # (error, velocity)
        for _ in range(steps):
            state = M @ state
            predicted.append(state[0])
        np.testing.assert_allclose(path[:, i], predicted, atol=1e-12)


def test_iteration_matrices_broadcast_over_a_grid_of_learning_rates_and_momenta():
    lrs, gammas = np.meshgrid(np.linspace(0.01, 0.3, 4), np.linspace(0, 0.9, 3))
    stack = rate(lrs, gammas, (MU, L))
    assert stack.shape == (3, 4)
    assert stack[2, 1] == pytest.approx(rate(lrs[2, 1], gammas[2, 1], (MU, L)))


def test_optimal_momentum_has_spectral_radius_sqrt_beta():
    assert ALPHA_OPT == pytest.approx(0.23089, abs=1e-5)
    assert BETA_OPT == pytest.approx(0.26987, abs=1e-5)
    rho = rate(ALPHA_OPT, BETA_OPT, (MU, L))
    assert RATE_OPT == pytest.approx(rho, abs=1e-6)
    assert rho == pytest.approx(np.sqrt(BETA_OPT), abs=1e-6)
    assert rho == pytest.approx(0.51949, abs=1e-5)
    assert rho == pytest.approx((np.sqrt(KAPPA) - 1) / (np.sqrt(KAPPA) + 1), abs=1e-6)


def test_optimal_momentum_converges_much_faster_than_the_best_gd():
    gd = final_norm(SGD(lr=2 / (MU + L)))
    heavy_ball = final_norm(Momentum(lr=ALPHA_OPT, gamma=BETA_OPT))
    assert gd > 1e-9 and heavy_ball < 1e-24  # 0.82^100 vs ~k·0.52^k
    rate_400 = final_norm(Momentum(lr=ALPHA_OPT, gamma=BETA_OPT), steps=400) ** (1 / 400)
    assert np.sqrt(BETA_OPT) < rate_400 < 0.54  # approaches √β slowly (0.528 at k = 400)


def test_the_optimum_is_the_lowest_rate_on_a_fine_grid():
    lrs, gammas = np.meshgrid(np.linspace(0.2, 0.26, 121), np.linspace(0.2, 0.34, 141))
    assert rate(lrs, gammas, (MU, L)).min() >= RATE_OPT - 1e-3


@pytest.mark.parametrize("beta", [0.5, 0.9])
@pytest.mark.parametrize("method, nesterov", [(Momentum, False), (Nesterov, True)])
def test_stable_iff_eta_lambda_below_the_edge(beta, method, nesterov):
    edge = stability_edge(beta, nesterov) / L
    assert edge * L == pytest.approx((2 + 2 * beta) / (1 + 2 * beta) if nesterov else 2 + 2 * beta)
    assert rate(0.98 * edge, beta, (MU, L), nesterov) < 1 < rate(1.02 * edge, beta, (MU, L),
                                                                  nesterov)
    assert final_norm(method(lr=0.98 * edge, gamma=beta), steps=2000) < 1e-3
    assert final_norm(method(lr=1.02 * edge, gamma=beta), steps=2000) > 1e3


def test_complex_momentum_eigenvalues_have_modulus_sqrt_beta():
    beta = 0.81
    for alpha_lam in (0.02, 0.5, 1.0, 2.5):  # (1 − √(αλ))² < β < (1 + √(αλ))²: complex
        z = np.linalg.eigvals(iteration_matrix(alpha_lam, beta, 1.0))
        assert np.iscomplex(z).all()
        np.testing.assert_allclose(np.abs(z), np.sqrt(beta), rtol=1e-12)


def test_critical_damping_rate_is_one_minus_sqrt_alpha_lambda():
    alpha_lam = 0.01
    beta = critical_damping(alpha_lam, 1.0)
    assert beta == pytest.approx(0.81)
    assert spectral_radius(alpha_lam, beta, 1.0) == pytest.approx(0.90, abs=1e-6)
    assert spectral_radius(alpha_lam, 0.0, 1.0) == pytest.approx(0.99)  # plain GD
    z = np.linalg.eigvals(iteration_matrix(alpha_lam, beta, 1.0))
    assert z[0] == pytest.approx(z[1], abs=1e-6)  # the two eigenvalues meet


def test_booth_optimal_momentum_rate_is_one_half():
    lams = np.linalg.eigvalsh(BOOTH.hessian(BOOTH.start))
    np.testing.assert_allclose(lams, [2, 18])
    alpha, beta, best = optimal_momentum(*lams)
    assert best == pytest.approx(0.5, abs=1e-12)
    assert rate(alpha, beta, lams) == pytest.approx(0.5, abs=1e-6)


def test_measured_rate_reads_the_rate_off_a_run():
    path = run(Momentum(lr=0.05, gamma=0.5), QUAD.grad, W0, 300)
    predicted = rate(0.05, 0.5, (MU, L))
    assert measured_rate(np.linalg.norm(path, axis=1)) == pytest.approx(predicted, abs=2e-3)


# --- adaptive methods ---------------------------------------------------------------------------

@pytest.mark.parametrize("g", [1e-3, 1.0, 1e3])
def test_adagrad_step_on_a_constant_gradient_is_lr_over_sqrt_t(g):
    lr, ts = 0.5, np.array([1, 100, 10_000])
    path = run(Adagrad(lr=lr, eps=1e-12), lambda x: np.array([g]), np.zeros(1), ts[-1])
    steps = np.abs(np.diff(path[:, 0]))
    np.testing.assert_allclose(steps[ts - 1] * np.sqrt(ts), lr, rtol=1e-8)


def test_adam_without_beta1_and_bias_correction_is_exactly_rmsprop():
    rms = run(RMSProp(lr=0.01, rho=0.9), BEALE.grad, BEALE.start, 100)
    adam = run(Adam(lr=0.01, beta1=0.0, beta2=0.9, bias_correction=False), BEALE.grad,
               BEALE.start, 100)
    assert np.linalg.norm(rms[-1] - rms[0]) > 0.1
    np.testing.assert_array_equal(adam, rms)


def test_torch_adam_with_beta1_zero_keeps_the_sqrt_bias_correction():
    """torch Adam(betas=(0, β₂)): first step = sqrt(1 − β₂) × RMSProp(rho=β₂)'s."""
    rms = run(RMSProp(lr=0.01, rho=0.9), BEALE.grad, BEALE.start, 1)
    p = torch.tensor(BEALE.start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01, betas=(0.0, 0.9))
    p.grad = torch.from_numpy(BEALE.grad(BEALE.start))
    opt.step()
    ratio = np.linalg.norm(p.detach().numpy() - BEALE.start) / np.linalg.norm(rms[1] - rms[0])
    assert ratio == pytest.approx(np.sqrt(1 - 0.9), rel=1e-6)


# --- stochastic gradients -----------------------------------------------------------------------

def noisy_sgd(schedule, steps: int, runs: int = 2000, seed: int = 0) -> np.ndarray:
    """SGD on f = x²/2 with N(0, 1) gradient noise, `runs` copies at once; x_t² per step."""
    rng, opt, x = np.random.default_rng(seed), SGD(lr=1.0), [np.full(runs, 5.0)]
    squares = np.empty((steps, runs))
    for t in range(steps):
        opt.lr = schedule(t)
        opt.step(x, lambda ps: [ps[0] + rng.standard_normal(runs)])
        squares[t] = x[0] ** 2
    return squares


def test_robbins_monro_step_one_over_t_gives_mean_square_one_over_t():
    squares = noisy_sgd(lambda t: 1 / (t + 1), 1000)
    for T in (10, 100, 1000):
        assert T * squares[T - 1].mean() == pytest.approx(1.0, rel=0.15)


def test_constant_step_leaves_a_noise_floor():
    eta, lam, sigma2 = 0.1, 1.0, 1.0
    floor = eta * sigma2 / (lam * (2 - eta * lam))
    assert floor == pytest.approx(0.0526, abs=1e-4)
    squares = noisy_sgd(lambda t: eta, 600)
    assert squares[200:].mean() == pytest.approx(floor, rel=0.05)
