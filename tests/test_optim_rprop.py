"""dlsg_utils.optim.Rprop: resilient backpropagation (Riedmiller & Braun 1993), chapter 4."""

import numpy as np
import pytest
import torch

from dlsg_utils.functions import BEALE, ROSENBROCK
from dlsg_utils.optim import Rprop, run, torch_equivalent

STEPS = 150


def torch_rprop_path(surface, x0, **kw):
    p = torch.tensor(np.array(x0, dtype=float), requires_grad=True)
    opt = torch.optim.Rprop([p], **kw)
    path = [p.detach().numpy().copy()]
    for _ in range(STEPS):
        p.grad = torch.from_numpy(surface.grad(p.detach().numpy()))
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("surface", [BEALE, ROSENBROCK], ids=lambda s: s.name)
@pytest.mark.parametrize("kw", [{}, {"lr": 0.1}, {"lr": 0.05, "etas": (0.3, 1.5),
                                                 "step_sizes": (1e-4, 0.2)}], ids=str)
def test_rprop_equals_torch_rprop(surface, kw):
    ours = run(Rprop(**kw), surface.grad, (1.0, 1.5), STEPS)
    assert np.abs(ours - torch_rprop_path(surface, (1.0, 1.5), **kw)).max() < 1e-12


def test_torch_equivalent_maps_rprop_but_not_the_backtracking_variant():
    p = [torch.zeros(2, requires_grad=True)]
    built = torch_equivalent(Rprop(lr=0.03, etas=(0.4, 1.3), step_sizes=(1e-5, 2.0)), p)
    assert isinstance(built, torch.optim.Rprop)
    group = built.param_groups[0]
    assert group["lr"] == 0.03 and group["etas"] == (0.4, 1.3) and group["step_sizes"] == (1e-5, 2.0)
    assert torch_equivalent(Rprop(backtrack=True), p) is None


def given(g):
    return lambda params: [np.array([g], dtype=float)]


def test_rprop_uses_only_the_sign_of_the_gradient():
    paths = [run(Rprop(lr=0.1), lambda x, s=s: s * np.array([1.0, 2.0]), (0.0, 0.0), 5)
             for s in (1e-6, 1.0, 1e6)]
    assert np.allclose(paths[0], paths[1]) and np.allclose(paths[1], paths[2])


def test_rprop_step_grows_by_etaplus_while_the_sign_holds_and_is_capped():
    opt, x = Rprop(lr=1.0, step_sizes=(1e-6, 3.0)), np.zeros(1)
    sizes = []
    for _ in range(10):
        before = x.copy()
        opt.step([x], given(1.0))
        sizes.append(abs(x[0] - before[0]))
    assert np.allclose(sizes[:7], [1.0, 1.2, 1.44, 1.728, 2.0736, 2.48832, 2.985984])
    assert np.allclose(sizes[7:], 3.0)


def test_after_a_flip_rprop_halves_the_step_skips_the_move_and_forgets_the_sign():
    opt, x = Rprop(lr=1.0), np.zeros(1)
    opt.step([x], given(1.0))           # Δ = 1, x = -1
    opt.step([x], given(-1.0))          # flip: Δ = 0.5, no move, stored gradient 0
    assert x[0] == -1.0 and opt.state["delta"][0][0] == 0.5 and opt.state["prev"][0][0] == 0
    opt.step([x], given(-1.0))          # compared with 0: Δ kept, move by +0.5
    assert x[0] == -0.5 and opt.state["delta"][0][0] == 0.5


def test_backtracking_undoes_the_previous_update_on_a_flip():
    opt, x = Rprop(lr=1.0, backtrack=True), np.zeros(1)
    opt.step([x], given(1.0))           # x = -1
    opt.step([x], given(1.0))           # Δ = 1.2, x = -2.2
    opt.step([x], given(-1.0))          # flip: undo the last update, x back to -1
    assert np.isclose(x[0], -1.0) and np.isclose(opt.state["delta"][0][0], 0.6)


def test_a_zero_gradient_neither_moves_nor_changes_the_step():
    opt, x = Rprop(lr=0.5), np.zeros(1)
    opt.step([x], given(0.0))
    assert x[0] == 0.0 and opt.state["delta"][0][0] == 0.5


def test_rprop_on_hintons_sequence_drifts_and_its_step_grows_to_the_cap():
    """Nine gradients +0.1, one -0.9: they cancel, but rprop's step grows by 1.2^8 * 0.5 per
    cycle and the weight runs away (chapter 4, "From rprop to rmsprop")."""
    opt, x = Rprop(lr=0.01), np.zeros(1)
    deltas = []
    for t in range(300):
        opt.step([x], given(0.1 if t % 10 < 9 else -0.9))
        deltas.append(opt.state["delta"][0][0])
    assert np.isclose(deltas[19] / deltas[9], 1.2**8 * 0.5)  # one cycle, flip to flip
    assert max(deltas) == 50.0 and x[0] < -1000


@pytest.mark.parametrize(("kw", "error", "match"), [
    ({"etas": (1.2, 0.5)}, ValueError, "etaminus"),
    ({"etas": (0.5,)}, ValueError, "pairs"),
    ({"step_sizes": (1.0, 0.1)}, ValueError, "min <= max"),
    ({"lr": -1.0}, ValueError, "lr"),
    ({"backtrack": 1}, TypeError, "backtrack"),
])
def test_rprop_rejects_bad_hyper_parameters(kw, error, match):
    with pytest.raises(error, match=match):
        Rprop(**kw)


def test_rprop_repr_and_state_names():
    opt = Rprop()
    assert repr(opt) == ("Rprop(lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-06, 50.0), "
                         "backtrack=False)")
    opt.step([np.ones(3)], lambda ps: [ps[0]])
    assert set(opt.state) == {"prev", "delta", "dw"}
