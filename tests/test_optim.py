"""dlsg_utils.optim: the NumPy optimizers equal torch.optim where the book says so, and the API.

Equality tests run in float64 for 100 steps on Beale from (1, 1.5) and Rosenbrock from
(-1.5, 2), feeding both sides the same analytic gradient, to within 1e-10 (measured: ≤ 2e-14).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlsg_utils.functions import BEALE, ROSENBROCK
from dlsg_utils.optim import (
    OPTIMIZERS,
    SGD,
    AdaDelta,
    Adagrad,
    Adam,
    AdaMax,
    AdamW,
    AMSGrad,
    Momentum,
    Nadam,
    Nesterov,
    Optimizer,
    RMSProp,
    run,
    torch_equivalent,
)
from dlsg_utils.optim.torch_compat import torch_path as _torch_path

STEPS = 100
TOL = 1e-10
STARTS = [pytest.param(BEALE, (1.0, 1.5), id="Beale"),
          pytest.param(ROSENBROCK, (-1.5, 2.0), id="Rosenbrock")]


def torch_path(make_opt, surface, x0, steps=STEPS):
    """Path of a torch.optim optimizer (float64) fed the surface's analytic gradient."""
    return _torch_path(make_opt, surface.grad, x0, steps)


def gap(ours, make_torch, surface, x0):
    """max |θ_ours − θ_torch| over the whole path; also checks the path stays bounded."""
    a = run(ours, surface.grad, x0, STEPS)
    b, _, _ = torch_path(make_torch, surface, x0)
    assert np.all(np.isfinite(a)) and np.abs(a).max() < 10, "the test path must stay bounded"
    assert np.linalg.norm(a[-1] - a[0]) > 0.05, "the test path must move"
    return np.abs(a - b).max()


def make(name: str) -> Optimizer:
    """Each optimizer with a learning rate that keeps Beale and Rosenbrock paths bounded."""
    if name == "AdaDelta":
        return AdaDelta()
    return OPTIMIZERS[name](lr=1e-3 if name in ("SGD", "Momentum", "Nesterov") else 0.01)


ALL = [make(name) for name in OPTIMIZERS]


# --- equal to torch.optim ---------------------------------------------------------------------

@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_sgd_equals_torch_sgd(surface, x0):
    assert gap(SGD(lr=1e-3), lambda p: torch.optim.SGD(p, lr=1e-3), surface, x0) < TOL


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_momentum_equals_torch_sgd_for_constant_lr(surface, x0):
    lr, gamma = 1e-3, 0.9
    ours = Momentum(lr=lr, gamma=gamma)
    path = run(ours, surface.grad, x0, STEPS)
    theirs, opt, p = torch_path(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=gamma), surface, x0)
    assert np.abs(path - theirs).max() < TOL
    buf = opt.state[p]["momentum_buffer"].numpy()
    assert np.abs(ours.state["v"][0] - lr * buf).max() < TOL  # v_slides = lr · buffer


def test_momentum_differs_from_torch_sgd_when_lr_changes():
    """PyTorch rescales its whole buffer by the new lr; the slides' v keeps the old steps."""
    lrs = [1e-3] * 30 + [1e-4] * 30
    ours, x = Momentum(lr=lrs[0], gamma=0.9), [np.array([1.0, 1.5])]
    p = torch.tensor(x[0], requires_grad=True)
    theirs = torch.optim.SGD([p], lr=lrs[0], momentum=0.9)
    gaps = []
    for lr in lrs:
        ours.lr = theirs.param_groups[0]["lr"] = lr
        ours.step(x, lambda ps: [BEALE.grad(ps[0])])
        p.grad = torch.from_numpy(BEALE.grad(p.detach().numpy()))
        theirs.step()
        gaps.append(np.abs(x[0] - p.detach().numpy()).max())
    assert max(gaps[:30]) < TOL  # equal while lr is constant
    assert gaps[30] > 1e-2  # the first step after the switch differs (measured 0.028)


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_nesterov_lookahead_equals_torch_sgd_nesterov_param(surface, x0):
    lr, gamma = 1e-3, 0.9
    opt, x = Nesterov(lr=lr, gamma=gamma), [np.array(x0)]
    thetas, looks = [x[0].copy()], [x[0].copy()]
    for _ in range(STEPS):
        opt.step(x, lambda ps: [surface.grad(ps[0])])
        thetas.append(x[0].copy())
        looks.append(x[0] - gamma * opt.state["v"][0])
    theirs, _, _ = torch_path(
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=gamma, nesterov=True), surface, x0)
    assert np.abs(np.array(looks) - theirs).max() < TOL
    assert np.abs(np.array(thetas) - theirs).max() > 1e-4  # θ itself is not torch's parameter


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_adagrad_equals_torch_adagrad(surface, x0):
    def make(p):
        return torch.optim.Adagrad(p, lr=0.1, eps=1e-8, lr_decay=0, initial_accumulator_value=0)

    assert gap(Adagrad(lr=0.1, eps=1e-8), make, surface, x0) < TOL


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_rmsprop_equals_torch_rmsprop_with_alpha_decay(surface, x0):
    def make(p):
        return torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)

    assert gap(RMSProp(lr=0.01, rho=0.9, eps=1e-8), make, surface, x0) < TOL


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_adam_equals_torch_adam(surface, x0):
    def make(p):
        return torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)

    assert gap(Adam(lr=0.01), make, surface, x0) < TOL


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_adadelta_equals_torch_adadelta_at_lr_1(surface, x0):
    def make(p):
        return torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6)

    assert gap(AdaDelta(rho=0.9, eps=1e-6), make, surface, x0) < TOL


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_adamax_equals_torch_adamax(surface, x0):
    def make(p):
        return torch.optim.Adamax(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)

    assert gap(AdaMax(lr=0.01), make, surface, x0) < TOL


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_adamw_equals_torch_adamw(surface, x0):
    def make(p):
        return torch.optim.AdamW(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)

    assert gap(AdamW(lr=0.01, weight_decay=0.1), make, surface, x0) < TOL


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_amsgrad_differs_from_torch_adam_amsgrad(surface, x0):
    """Reddi et al.'s AMSGrad has no bias correction; torch's bias-corrects (measured ≥ 0.27)."""
    make = lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True)  # noqa: E731
    assert gap(AMSGrad(lr=0.01), make, surface, x0) > 1e-2


@pytest.mark.parametrize(("surface", "x0"), STARTS)
def test_nadam_differs_from_torch_nadam(surface, x0):
    """Ruder/Dozat's Nadam vs torch's momentum_decay schedule (measured ≥ 0.027)."""
    make = lambda p: torch.optim.NAdam(p, lr=0.01)  # noqa: E731
    assert gap(Nadam(lr=0.01), make, surface, x0) > 1e-3


def test_amsgrad_first_step_is_sqrt_ratio_times_torch():
    """First step: ours η(1−β₁)/sqrt(1−β₂)·sign(g), torch's η·sign(g)."""
    ours = run(AMSGrad(lr=0.01), BEALE.grad, (1.0, 1.5), 1)
    theirs, _, _ = torch_path(lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True), BEALE,
                              (1.0, 1.5), steps=1)
    ratio = np.abs(ours[1] - ours[0]) / np.abs(theirs[1] - theirs[0])
    np.testing.assert_allclose(ratio, 0.1 / np.sqrt(0.001), rtol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "Adam",
                                  "AdaDelta", "AdaMax", "AdamW"])
def test_torch_equivalent_builds_a_matching_optimizer(name):
    ours = make(name)
    path = run(ours, BEALE.grad, (1.0, 1.5), 50)
    theirs, _, _ = torch_path(lambda p: torch_equivalent(ours, p), BEALE, (1.0, 1.5), steps=50)
    if name == "Nesterov":  # torch's parameter is the look-ahead point: compare the ends only
        path[-1] -= ours.gamma * ours.state["v"][0]
        path, theirs = path[-1:], theirs[-1:]
    assert np.abs(path - theirs).max() < TOL


@pytest.mark.parametrize("opt", [Nadam(), AMSGrad(), Adam(bias_correction=False)], ids=repr)
def test_torch_equivalent_is_none_without_an_exact_counterpart(opt):
    assert torch_equivalent(opt, [torch.zeros(2, requires_grad=True)]) is None


# --- the interface ------------------------------------------------------------------------------


STATE = {"SGD": set(), "Momentum": {"v"}, "Nesterov": {"v"}, "Adagrad": {"G"}, "RMSProp": {"E"},
         "Adam": {"m", "v"}, "AdaDelta": {"Eg", "Edx"}, "AdaMax": {"m", "u"}, "Nadam": {"m", "v"},
         "AMSGrad": {"m", "v", "v_hat"}, "AdamW": {"m", "v"}}


def test_optimizers_dict_lists_every_method_in_book_order():
    assert list(OPTIMIZERS) == ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "Adam",
                                "AdaDelta", "AdaMax", "Nadam", "AMSGrad", "AdamW"]
    assert all(issubclass(cls, Optimizer) and cls.__name__ == name
               for name, cls in OPTIMIZERS.items())


@pytest.mark.parametrize("opt", ALL, ids=lambda o: type(o).__name__)
def test_step_updates_params_in_place_and_names_the_state(opt):
    opt.reset()
    a, b = np.array([1.0, -2.0]), np.ones((2, 3))
    ids = id(a), id(b)
    assert opt.state == {} and opt.t == 0
    opt.step([a, b], lambda ps: [2 * ps[0], 2 * ps[1]])
    assert (id(a), id(b)) == ids and opt.t == 1
    assert not np.allclose(a, [1.0, -2.0]) and not np.allclose(b, 1.0)
    assert set(opt.state) == STATE[type(opt).__name__]
    for arrays in opt.state.values():
        assert [s.shape for s in arrays] == [(2,), (2, 3)]
    assert opt.step([a, b], lambda ps: [2 * ps[0], 2 * ps[1]]) is None and opt.t == 2
    opt.reset()
    assert opt.state == {} and opt.t == 0


@pytest.mark.parametrize("opt", ALL, ids=lambda o: type(o).__name__)
def test_reset_makes_a_reused_optimizer_repeat_its_path(opt):
    first = run(opt, ROSENBROCK.grad, ROSENBROCK.start, 20)
    second = run(opt, ROSENBROCK.grad, ROSENBROCK.start, 20)
    np.testing.assert_array_equal(first, second)
    assert opt.t == 20


@pytest.mark.parametrize("opt", ALL, ids=lambda o: type(o).__name__)
def test_repr_shows_the_hyper_parameters(opt):
    text = repr(opt)
    assert text.startswith(type(opt).__name__ + "(")
    assert repr(eval(text, {type(opt).__name__: type(opt)})) == text  # it rebuilds opt


def test_repr_of_adam_lists_every_argument():
    assert repr(Adam(lr=0.01, bias_correction=False)) == (
        "Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08, bias_correction=False)")


def test_nesterov_calls_grad_fn_at_the_lookahead_point():
    opt, x, seen = Nesterov(lr=0.1, gamma=0.5), [np.array([1.0, 2.0])], []

    def grad_fn(ps):
        seen.append(ps[0].copy())
        return [np.array([1.0, 1.0])]

    opt.step(x, grad_fn)  # v = 0.1 g, θ = (0.9, 1.9)
    opt.step(x, grad_fn)
    np.testing.assert_allclose(seen[0], [1.0, 2.0])
    np.testing.assert_allclose(seen[1], np.array([0.9, 1.9]) - 0.5 * 0.1)


def test_step_counter_drives_adam_bias_correction():
    """On a constant gradient the first bias-corrected Adam step is exactly lr·sign(g)."""
    opt, x = Adam(lr=0.1, eps=1e-12), [np.zeros(2)]
    opt.step(x, lambda ps: [np.array([3.0, -0.5])])
    np.testing.assert_allclose(x[0], [-0.1, 0.1], rtol=1e-10)


def test_lr_can_change_between_steps():
    opt, x = SGD(lr=1.0), [np.zeros(1)]
    opt.step(x, lambda ps: [np.ones(1)])
    opt.lr = 0.25
    opt.step(x, lambda ps: [np.ones(1)])
    assert x[0][0] == -1.25 and opt.lr == 0.25


def test_adadelta_lr_attribute_is_one_and_scales_only_the_step():
    opt = AdaDelta()
    assert opt.lr == 1.0 and "lr" not in repr(opt)


def test_a_gradient_aliasing_its_parameter_is_safe():
    """grad_fn may return its input (∇ ½|x|² = x); AdamW shrinks θ before using g."""
    x = np.array([1.0, -2.0])
    a, b = AdamW(lr=0.1, weight_decay=0.5), AdamW(lr=0.1, weight_decay=0.5)
    y = [x.copy()]
    a.step(y, lambda ps: [ps[0]])
    z = [x.copy()]
    b.step(z, lambda ps: [ps[0].copy()])
    np.testing.assert_array_equal(y[0], z[0])


# --- run ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("steps", [0, 1, 7])
def test_run_returns_the_path_with_its_start(steps):
    x0 = np.array([-1.5, 2.0])
    path = run(Momentum(lr=1e-3), ROSENBROCK.grad, x0, steps)
    assert path.shape == (steps + 1, 2)
    np.testing.assert_array_equal(path[0], x0)
    np.testing.assert_array_equal(x0, [-1.5, 2.0])  # the start is not modified


def test_run_takes_a_tuple_start_and_any_dimension():
    path = run(SGD(lr=0.5), lambda x: x, (1.0, 2.0, 4.0), 3)  # ∇ ½|x|² = x: halves every step
    np.testing.assert_array_equal(path[-1], [0.125, 0.25, 0.5])


def test_run_resets_the_optimizer_first():
    opt = Adam(lr=0.01)
    run(opt, BEALE.grad, (1.0, 1.5), 5)  # leaves state for a 2-D point and t = 5
    path = run(opt, lambda x: x, np.ones(3), 5)  # another dimension: works after the reset
    np.testing.assert_array_equal(path, run(Adam(lr=0.01), lambda x: x, np.ones(3), 5))


@pytest.mark.parametrize(("x0", "steps", "error", "match"), [
    (np.zeros((2, 2)), 3, ValueError, r"x0 must be a 1-D point, got shape \(2, 2\)"),
    ((1.0, 2.0), -1, ValueError, "steps must be >= 0, got -1"),
    ((1.0, 2.0), 2.5, TypeError, "steps must be an int, got float"),
])
def test_run_rejects_bad_arguments(x0, steps, error, match):
    with pytest.raises(error, match=match):
        run(SGD(lr=0.1), BEALE.grad, x0, steps)


def test_run_rejects_something_that_is_not_an_optimizer():
    with pytest.raises(TypeError, match="opt must be a dlsg_utils.optim.Optimizer"):
        run(torch.optim.SGD, BEALE.grad, (1.0, 1.0), 1)


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("make", "match"), [
    (lambda: SGD(lr=-0.1), r"lr must be >= 0, got -0.1"),
    (lambda: Momentum(lr=0.1, gamma=1.0), r"gamma must be in \[0, 1\), got 1.0"),
    (lambda: Nesterov(lr=0.1, gamma=-0.1), r"gamma must be in \[0, 1\), got -0.1"),
    (lambda: Adagrad(eps=0), r"eps must be > 0, got 0"),
    (lambda: RMSProp(rho=1.5), r"rho must be in \[0, 1\), got 1.5"),
    (lambda: Adam(beta1=1.0), r"beta1 must be in \[0, 1\), got 1.0"),
    (lambda: Adam(beta2=-0.5), r"beta2 must be in \[0, 1\), got -0.5"),
    (lambda: AdaDelta(rho=1), r"rho must be in \[0, 1\), got 1"),
    (lambda: AdaDelta(eps=-1e-6), r"eps must be > 0, got -1e-06"),
    (lambda: AdaMax(lr=float("nan")), r"lr must be finite, got nan"),
    (lambda: Nadam(eps=0.0), r"eps must be > 0, got 0.0"),
    (lambda: AMSGrad(beta1=2), r"beta1 must be in \[0, 1\), got 2"),
    (lambda: AdamW(weight_decay=-0.01), r"weight_decay must be >= 0, got -0.01"),
])
def test_bad_hyper_parameters_raise_value_error_naming_them(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make", [lambda: SGD(lr="0.1"), lambda: Momentum(lr=0.1, gamma=None),
                                  lambda: Adam(lr=True), lambda: Adam(bias_correction=1)])
def test_non_numeric_hyper_parameters_raise_type_error(make):
    with pytest.raises(TypeError, match="must be"):
        make()


def test_setting_a_bad_lr_later_raises():
    opt = Adam()
    with pytest.raises(ValueError, match="lr must be >= 0, got -1"):
        opt.lr = -1


@pytest.mark.parametrize(("params", "grads", "error", "match"), [
    ([np.zeros(2)], [np.zeros(2), np.zeros(2)], ValueError,
     r"grad_fn must return 1 gradient\(s\), one per parameter, got 2"),
    ([np.zeros(2)], [np.zeros(3)], ValueError,
     r"gradient 0 must have the shape of params\[0\], \(2,\), got \(3,\)"),
    ([np.zeros(2)], np.zeros(2), TypeError, "grad_fn must return a list of arrays"),
    ([np.zeros(2, dtype=int)], [np.zeros(2)], TypeError,
     r"params\[0\] must be a float array .* got dtype int64"),
    ([[0.0, 0.0]], [np.zeros(2)], TypeError, r"params\[0\] must be a NumPy array, got list"),
    (np.zeros(2), [np.zeros(2)], ValueError,  # one array in, a list back: mixed conventions
     r"gradient 0 must have the shape of params\[0\], \(2,\), got \(1, 2\)"),
    ({"w": np.zeros(2)}, [np.zeros(2)], TypeError, "params must be a list of NumPy arrays"),
    ([], [], ValueError, "params must hold at least one array"),
])
def test_step_rejects_mismatched_params_and_gradients(params, grads, error, match):
    opt = Adam()
    with pytest.raises(error, match=match):
        opt.step(params, lambda ps: grads)
    assert opt.t == 0  # a failed step is not counted


def test_step_rejects_params_of_other_shapes_until_reset():
    opt = Momentum(lr=0.1)
    opt.step([np.zeros(2)], lambda ps: [np.ones(2)])
    with pytest.raises(ValueError, match=r"state was made for params of shapes \[\(2,\)\]"):
        opt.step([np.zeros(3)], lambda ps: [np.ones(3)])
    opt.reset()
    opt.step([np.zeros(3)], lambda ps: [np.ones(3)])


def test_step_rejects_a_read_only_parameter():
    x = np.zeros(2)
    x.setflags(write=False)
    with pytest.raises(ValueError, match=r"params\[0\] must be writeable"):
        SGD(lr=0.1).step([x], lambda ps: [np.ones(2)])


def test_step_on_one_array_takes_a_gradient_function_of_that_array():
    x, y = np.array([1.0, 2.0]), [np.array([1.0, 2.0])]
    SGD(lr=0.5).step(x, lambda theta: 2 * theta)  # ∇|θ|² = 2θ: one step to zero
    SGD(lr=0.5).step(y, lambda ps: [2 * ps[0]])   # the same, as a list of parameters
    np.testing.assert_array_equal(x, [0.0, 0.0])
    np.testing.assert_array_equal(y[0], x)


def test_run_with_a_schedule_sets_the_learning_rate_before_each_step():
    rates = [0.5, 0.25, 0.0]
    by_list = run(SGD(lr=1.0), lambda x: x, (8.0,), 3, lr_schedule=rates)
    by_fn = run(SGD(lr=1.0), lambda x: x, (8.0,), 3, lr_schedule=lambda t: rates[t])
    np.testing.assert_array_equal(by_list[:, 0], [8.0, 4.0, 3.0, 3.0])  # x ← x(1 − η_t)
    np.testing.assert_array_equal(by_fn, by_list)
    with pytest.raises(ValueError, match="lr_schedule must give a rate for each of the 3 steps"):
        run(SGD(lr=1.0), lambda x: x, (8.0,), 3, lr_schedule=[0.1])


def test_optimizers_take_their_hyper_parameters_by_keyword_only():
    with pytest.raises(TypeError, match="positional"):
        Momentum(0.1)  # the point of the test: no positional lr


# --- issue 25: what torch refuses, and float16 ----------------------------------------------------

def _make(name):
    cls = OPTIMIZERS[name]
    return cls(lr=0.01) if name in ("SGD", "Momentum", "Nesterov") else cls()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_the_same_array_twice_in_params_is_refused_before_any_step(name):
    p = np.ones(2)
    opt = _make(name)
    with pytest.raises(ValueError, match=r"params\[0\] and params\[1\] are the same array"):
        opt.step([p, p], lambda ps: [np.ones(2), np.ones(2)])
    with pytest.raises(ValueError, match=r"params\[0\] and params\[1\]"):  # a view of it too
        opt.step([p, p[:]], lambda ps: [np.ones(2), np.ones(2)])
    np.testing.assert_array_equal(p, [1.0, 1.0])  # not moved at all
    assert opt.t == 0


def test_two_halves_of_one_array_are_two_parameters():
    a = np.ones(4)
    SGD(lr=0.5).step([a[:2], a[2:]], lambda ps: [np.ones(2), 2 * np.ones(2)])
    np.testing.assert_array_equal(a, [0.5, 0.5, 0.0, 0.0])


@pytest.mark.parametrize(("grads", "match"), [
    ([np.ones(2) * 1j], "gradient 0 must be real, got a complex array"),
    ([None], "gradient 0 is None"),
    ([np.array(["a", "b"])], "gradient 0 must hold real numbers"),
])
def test_complex_none_or_text_gradients_are_refused(grads, match):
    p = np.ones(2)
    with pytest.raises(TypeError, match=match):
        Adam().step([p], lambda ps: grads)
    np.testing.assert_array_equal(p, [1.0, 1.0])


def test_none_gradients_of_scalar_parameters_do_not_become_nan():
    ps = [np.ones(()), np.ones(())]
    with pytest.raises(TypeError, match="gradient 0 is None"):
        Adam().step(ps, lambda points: [None, None])
    assert all(p == 1.0 for p in ps)


def test_a_learning_rate_passed_where_torch_puts_params_names_both():
    with pytest.raises(TypeError, match=r"Adam\(lr=0.05\), and the params .* step\(params"):
        Adam(0.05)


@pytest.mark.parametrize(("name", "g"), [
    *[(n, 1e-4) for n in ("Adam", "AdamW", "Nadam", "AMSGrad", "Adagrad", "RMSProp")],
    ("Adagrad", 300.0), ("AdaDelta", 300.0)])
def test_a_float16_step_is_the_float32_step_rounded_once(name, g):
    """In float16 ε rounds to 0 and g² under- or overflows; the step is computed in float32."""
    p16, p32 = np.ones(3, np.float16), np.ones(3, np.float32)
    opt16, opt32 = _make(name), _make(name)
    opt16.step([p16], lambda ps: [np.full(3, g, np.float16)])
    opt32.step([p32], lambda ps: [np.full(3, g, np.float32)])
    assert p16.dtype == np.float16
    assert np.all(np.isfinite(p16)) and np.all(p16 < 1)  # it moved, and stayed finite
    np.testing.assert_array_equal(p16, p32.astype(np.float16))
    assert all(a[0].dtype == np.float32 for a in opt16.state.values())
