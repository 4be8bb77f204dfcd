"""dlsg_utils.functions: values, analytic gradients and Hessians, minima and metadata."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.functions import (
    BEALE,
    BOOTH,
    HIMMELBLAU,
    RASTRIGIN,
    ROSENBROCK,
    SADDLE,
    SURFACES,
    Surface,
    quadratic,
)
from dlsg_utils.optim import SGD, run

A_TEST = np.array([[3.0, 1.0], [1.0, 2.0]])
B_TEST = np.array([1.0, -1.0])
QUAD = quadratic(A_TEST, B_TEST)

# The textbook formulas typed again, in torch: autograd of these checks the analytic gradients.
TORCH = {
    "Beale": lambda x, y: ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2
                           + (2.625 - x + x * y**3) ** 2),
    "Rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "Himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "Booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "Saddle": lambda x, y: x**2 - y**2,
    "Rastrigin": lambda *xs: 10 * len(xs) + sum(x**2 - 10 * torch.cos(2 * math.pi * x)
                                                for x in xs),
    "Quadratic": lambda *xs: (0.5 * torch.stack(xs) @ torch.from_numpy(A_TEST) @ torch.stack(xs)
                              - torch.from_numpy(B_TEST) @ torch.stack(xs)),
}
ALL = [*SURFACES.values(), QUAD]

coordinate = st.floats(-4.0, 4.0, allow_nan=False, allow_infinity=False)


def autograd(surface: Surface, p: np.ndarray):
    """Value, gradient and Hessian of the torch formula at p."""
    fn = TORCH[surface.name]

    def f(t):
        return fn(*t.unbind())

    t = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    value = f(t)
    (grad,) = torch.autograd.grad(value, t)
    hess = torch.autograd.functional.hessian(f, t.detach())
    return value.item(), grad.numpy(), hess.numpy()


def close(a, b, tol=1e-10):
    """|a − b| ≤ tol·max(1, |b|): the values reach 1e5 on Beale's corners."""
    a, b = np.asarray(a), np.asarray(b)
    return np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b)))


@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
@settings(max_examples=50, deadline=None)
@given(x=coordinate, y=coordinate)
def test_gradient_and_value_agree_with_torch_autograd(surface, x, y):
    p = np.array([x, y])
    value, grad, hess = autograd(surface, p)
    assert close(surface(p), value)
    assert close(surface.grad(p), grad)
    if surface.hessian_fn is not None:
        assert close(surface.hessian(p), hess)


@settings(max_examples=50, deadline=None)
@given(p=st.lists(coordinate, min_size=1, max_size=6))
def test_rastrigin_gradient_agrees_with_autograd_in_any_dimension(p):
    p = np.array(p)
    value, grad, hess = autograd(RASTRIGIN, p)
    assert close(RASTRIGIN(p), value) and close(RASTRIGIN.grad(p), grad)
    assert close(RASTRIGIN.hessian(p), hess)


@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
def test_minima_have_zero_gradient_and_the_minimum_value(surface):
    for m in surface.minima:
        assert surface(m) == pytest.approx(surface.min_value, abs=1e-12)
        assert np.abs(surface.grad(m)).max() < 1e-12


@pytest.mark.parametrize("surface", [s for s in ALL if s.minima], ids=lambda s: s.name)
def test_known_minima_are_not_beaten_on_a_grid(surface):
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    X, Y = np.meshgrid(np.linspace(x_lo, x_hi, 301), np.linspace(y_lo, y_hi, 301))
    assert surface(X, Y).min() >= surface.min_value - 1e-12


def test_himmelblau_has_four_minima_and_a_local_maximum():
    assert len(HIMMELBLAU.minima) == 4
    np.testing.assert_allclose(HIMMELBLAU.minima[1], (-2.805118, 3.131312), atol=1e-6)
    assert HIMMELBLAU((-0.270845, -0.923039)) == pytest.approx(181.6165, abs=1e-4)


def test_booth_is_a_quadratic_with_hessian_eigenvalues_2_and_18():
    H = BOOTH.hessian((0.3, -0.7))
    np.testing.assert_array_equal(H, [[10, 8], [8, 10]])
    np.testing.assert_allclose(np.linalg.eigvalsh(H), [2, 18])
    p, m = np.array([0.3, -0.7]), np.array(BOOTH.minima[0])
    np.testing.assert_allclose(BOOTH.grad(p), H @ (p - m), atol=1e-12)


def test_saddle_has_no_minimum_and_traps_a_start_on_its_axis():
    assert SADDLE.minima == () and SADDLE.min_value is None
    on_axis = run(SGD(lr=0.1), SADDLE.grad, (1.0, 0.0), 200)
    np.testing.assert_allclose(on_axis[-1], [0, 0], atol=1e-15)  # converges to the saddle
    off_axis = run(SGD(lr=0.1), SADDLE.grad, SADDLE.start, 200)
    assert abs(off_axis[-1, 1]) > 1e3 * abs(SADDLE.start[1])  # grows like 1.2^t


def test_rastrigin_is_zero_at_the_origin_in_any_dimension():
    for n in (1, 2, 5):
        assert RASTRIGIN(np.zeros(n)) == 0.0
        np.testing.assert_array_equal(RASTRIGIN.grad(np.zeros(n)), np.zeros(n))


# --- evaluation on grids and points --------------------------------------------------------------

@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
def test_value_on_a_meshgrid_equals_value_at_each_point(surface):
    X, Y = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 3, 5))
    Z = surface(X, Y)
    assert Z.shape == (5, 7)
    np.testing.assert_array_equal(Z, surface(np.stack([X, Y], axis=-1)))
    assert Z[2, 3] == surface(np.array([X[2, 3], Y[2, 3]]))
    np.testing.assert_array_equal(Z, surface.value(X, Y))


def test_coordinates_broadcast_like_numpy():
    x, y = np.linspace(-1, 1, 4), np.linspace(0, 2, 3)[:, None]
    assert ROSENBROCK(x, y).shape == (3, 4)
    assert ROSENBROCK(0.5, 1.0) == pytest.approx(0.25 + 100 * 0.75**2)


@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
def test_grad_of_many_points_equals_grad_of_each(surface):
    P = np.random.default_rng(0).uniform(-2, 2, size=(4, 3, 2))
    G = surface.grad(P)
    assert G.shape == P.shape
    np.testing.assert_allclose(G[1, 2], surface.grad(P[1, 2]), rtol=1e-15)


def test_a_point_of_the_wrong_dimension_is_rejected():
    with pytest.raises(ValueError, match=r"Beale: a point must have shape \(\.\.\., 2\), got \(3,\)"):
        BEALE.grad(np.zeros(3))
    with pytest.raises(ValueError, match="Booth takes 2 coordinate arrays"):
        BOOTH(1.0, 2.0, 3.0)


def test_beale_has_no_analytic_hessian():
    with pytest.raises(NotImplementedError, match="Beale"):
        BEALE.hessian((1.0, 1.0))


# --- metadata -------------------------------------------------------------------------------------

def test_surfaces_dict_holds_the_six_named_surfaces():
    assert list(SURFACES) == ["Beale", "Rosenbrock", "Himmelblau", "Booth", "Saddle", "Rastrigin"]
    assert all(SURFACES[name].name == name for name in SURFACES)


@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
def test_minima_and_start_lie_inside_the_plot_bounds(surface):
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    for x, y in [*surface.minima, tuple(surface.start[:2])]:
        assert x_lo <= x <= x_hi and y_lo <= y <= y_hi


def test_documented_minima_bounds_and_starts():
    assert BEALE.minima == ((3.0, 0.5),) and BEALE.bounds == ((-4.5, 4.5), (-4.5, 4.5))
    np.testing.assert_array_equal(BEALE.start, [3.0, 4.0])
    assert ROSENBROCK.minima == ((1.0, 1.0),) and ROSENBROCK.bounds == ((-2, 2), (-1, 3))
    np.testing.assert_array_equal(ROSENBROCK.start, [-1.5, 2.0])
    assert BOOTH.minima == ((1.0, 3.0),)
    assert RASTRIGIN.bounds == ((-5.12, 5.12), (-5.12, 5.12))


def test_start_is_a_read_only_array_so_the_constant_cannot_change():
    assert isinstance(BEALE.start, np.ndarray) and not BEALE.start.flags.writeable
    x = BEALE.start.copy()
    x += 1.0
    np.testing.assert_array_equal(BEALE.start, [3.0, 4.0])


# --- quadratic ------------------------------------------------------------------------------------

def test_quadratic_minimum_is_a_inverse_b():
    x_star = np.linalg.solve(A_TEST, B_TEST)
    np.testing.assert_allclose(QUAD.minima[0], x_star)
    assert QUAD.min_value == pytest.approx(-0.5 * B_TEST @ x_star)
    np.testing.assert_array_equal(QUAD.hessian(np.zeros(2)), A_TEST)
    np.testing.assert_allclose(QUAD.grad(np.zeros(2)), -B_TEST)


def test_quadratic_works_in_any_dimension_and_defaults_b_to_zero():
    q = quadratic(np.diag([1.0, 2.0, 3.0]))
    p = np.array([1.0, 1.0, 1.0])
    assert q(p) == 3.0 and q.minima == ((0.0, 0.0, 0.0),) and q.min_value == 0.0
    np.testing.assert_array_equal(q.grad(p), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(q.start, [1.0, 1.0, 1.0])


@pytest.mark.parametrize(("A", "b", "match"), [
    (np.ones(3), None, r"A must be a square \(n, n\) matrix, got shape \(3,\)"),
    (np.ones((2, 3)), None, r"A must be a square \(n, n\) matrix, got shape \(2, 3\)"),
    ([[1.0, 2.0], [0.0, 1.0]], None, re.escape("A must be symmetric, got max |A - A.T| = 2")),
    ([[1.0, 0.0], [0.0, -1.0]], None, "A must be positive definite, got smallest eigenvalue -1"),
    ([[1.0, 0.0], [0.0, 0.0]], None, "A must be positive definite, got smallest eigenvalue 0"),
    ([[1.0, 0.0], [0.0, np.nan]], None, "A must be finite"),
    (np.eye(2), [1.0, 2.0, 3.0], r"b must have shape \(2,\) to match A, got \(3,\)"),
])
def test_quadratic_rejects_bad_matrices(A, b, match):
    with pytest.raises(ValueError, match=match):
        quadratic(A, b)
