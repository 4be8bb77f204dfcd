"""Chapter 4 checkers accept every correct answer and reject known-wrong ones with their hint."""

import numpy as np
import pytest
from checker_harness import checker_tests

from dlsg_utils.exercises.adaptive import (
    check_adagrad_step,
    check_adamw_step,
    check_lr_window,
    check_reddi_adam,
    check_rprop_step,
)
from dlsg_utils.optim import Adam, Rprop


def adagrad(theta, G, grad, lr, eps):
    G = G + grad**2
    return theta - lr * grad / (np.sqrt(G) + eps), G


def rprop(theta, prev, delta, grad, reset=True, move=False, clip=True, etas=(0.5, 1.2),
          old=False, direction=1):
    same = np.sign(grad) * np.sign(prev)
    new = delta * np.select([same > 0, same < 0], [etas[1], etas[0]], 1.0)
    if clip:
        new = np.clip(new, 1e-6, 50)
    moved = grad if move else np.where(same < 0, 0, grad)
    step = np.sign(moved) * (delta if old else new)
    return theta - direction * step, np.where(same < 0, 0, grad) if reset else grad, new


def rprop_with_the_package(theta, prev, delta, grad):
    """The package's Rprop, its state set by hand: the same answer by another route."""
    opt, p = Rprop(lr=1.0), [theta.copy()]
    opt.state = {"prev": [prev.copy()], "delta": [delta.copy()], "dw": [np.zeros_like(theta)]}
    opt.t = 1  # not the first step: Δ is not reset to lr
    opt.step(p, lambda ps: [grad])
    return p[0], opt.state["prev"][0], opt.state["delta"][0]


def reddi(beta2, steps, project=True, constant=False, corrected=True, phase=1, big=1010.0):
    x, m, v = 1.0, 0.0, 0.0
    for t in range(1, steps + 1):
        g = big if t % 101 == phase else -10.0
        m, v = 0.9 * m + 0.1 * g, beta2 * v + (1 - beta2) * g**2
        lr = 0.5 if constant else 0.5 / t**0.5
        c1, c2 = (1 - 0.9**t, 1 - beta2**t) if corrected else (1.0, 1.0)
        x = x - lr * (m / c1) / ((v / c2) ** 0.5 + 1e-8)
        x = min(max(x, -1.0), 1.0) if project else x
    return x


def reddi_with_the_package(beta2, steps):
    opt, x = Adam(lr=0.5, beta1=0.9, beta2=beta2), np.array([1.0])
    for t in range(1, steps + 1):
        opt.lr = 0.5 / np.sqrt(t)
        opt.step([x], lambda ps, t=t: [np.array([1010.0 if t % 101 == 1 else -10.0])])
        np.clip(x, -1, 1, out=x)
    return x[0]


def reddi_eps_inside_the_root(beta2, steps):
    """ε inside the square root: another convention, indistinguishable at ε = 1e-8."""
    x, m, v = 1.0, 0.0, 0.0
    for t in range(1, steps + 1):
        g = 1010.0 if t % 101 == 1 else -10.0
        m, v = 0.9 * m + 0.1 * g, beta2 * v + (1 - beta2) * g**2
        x = np.clip(x - 0.5 / np.sqrt(t) * (m / (1 - 0.9**t)) / np.sqrt(v / (1 - beta2**t) + 1e-8),
                    -1, 1)
    return x


def window(lrs, losses, factor):
    ok = np.isfinite(losses)
    best = losses[ok].min()
    inside = lrs[ok & (np.nan_to_num(losses, nan=np.inf) <= factor * best)]
    return np.log10(inside[-1]) - np.log10(inside[0])


def additive_window(lrs, losses, factor):
    ok = np.isfinite(losses)
    inside = lrs[ok & (np.nan_to_num(losses, nan=np.inf) <= losses[ok].min() + factor)]
    return np.log10(inside[-1] / inside[0])


def window_contiguous(lrs, losses, factor):
    """Walk out from the best learning rate while the loss stays inside: same on a U shape."""
    vals = np.where(np.isfinite(losses), losses, np.inf)
    i = lo = hi = int(np.argmin(vals))
    while lo > 0 and vals[lo - 1] <= factor * vals[i]:
        lo -= 1
    while hi < len(vals) - 1 and vals[hi + 1] <= factor * vals[i]:
        hi += 1
    return np.log10(lrs[hi] / lrs[lo])


def adamw(theta, m, v, grad, t, lr, weight_decay, l2=False, decay_lr=True, after=False):
    if l2:
        grad = grad + weight_decay * theta
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad**2
    step = lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    factor = 1 - (lr if decay_lr else 1) * (0 if l2 else weight_decay)
    theta = (theta - step) * factor if after else theta * factor - step
    return theta, m, v


def adamw_paper(theta, m, v, grad, t, lr, weight_decay, schedule=1.0):
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad**2
    adam = (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return theta - schedule * (lr * adam + weight_decay * theta), m, v


CASES = {
    check_adagrad_step: (
        adagrad,
        [(lambda t, G, g, lr, e: adagrad(t, G, g, lr, e)[0], "return both"),
         (lambda t, G, g, lr, e: (t - lr * g / (np.sqrt(G) + e), G + g**2), "*old* sum"),
         (lambda t, G, g, lr, e: (t - lr * g / np.sqrt(G + g**2 + e), G + g**2),
          "ε is in the wrong place"),
         (lambda t, G, g, lr, e: (t - lr * g / (np.abs(g) + e), g**2), "*accumulate*"),
         (lambda t, G, g, lr, e: (t + lr * g / (np.sqrt(G + g**2) + e), G + g**2),
          "wrong sign")],
    ),
    check_rprop_step: (
        rprop,
        [(lambda *a: rprop(*a, reset=False, move=True), "Rprop−"),
         (lambda *a: rprop(*a, move=True), "must not move"),
         (lambda *a: rprop(*a, reset=False), "shrinks Δ a second time"),
         (lambda *a: rprop(*a, clip=False), "clip the step sizes"),
         (lambda t, p, d, g: (t - d * g, g, d), None),
         (lambda *a: rprop(*a, etas=(1.2, 0.5)), "swapped"),
         (lambda *a: rprop(*a, old=True), "*new* Δ"),
         (lambda *a: rprop(*a, direction=-1), "wrong sign"),
         (lambda t, p, d, g: rprop(t, p, d, g)[0], "return all three")],
    ),
    check_reddi_adam: (
        reddi,
        [(lambda b, n: reddi(b, n, project=False), "project x back"),
         (lambda b, n: reddi(b, n, constant=True), "η_t = 0.5/√t"),
         (lambda b, n: reddi(b, n, corrected=False), "corrects both moments"),
         (lambda b, n: reddi(b, n, phase=0), "t % 101 == 1"),
         (lambda b, n: reddi(b, n, big=-1010.0), "it is +1010"),
         (lambda b, n: 1.0, "never moves")],
    ),
    check_lr_window: (
        window,
        [(lambda a, b, f: np.log(10) * window(a, b, f), "natural log"),
         (lambda a, b, f: 10 ** window(a, b, f), None),
         (additive_window, "*relative*"),
         (lambda a, b, f: float(np.sum(np.isfinite(b) & (np.nan_to_num(b, nan=np.inf)
                                                        <= f * np.nanmin(np.where(np.isfinite(b), b, np.nan))))),
          "not grid points")],
    ),
    check_adamw_step: (
        adamw,
        [(lambda *a: adamw(*a, l2=True), "L2 penalty"),
         (lambda *a: adamw(*a, after=True), "after the step"),
         (lambda th, m, v, g, t, lr, wd: (adamw(th, m, v, g, t, lr, wd)[0], m, v),
          "*updated* moments")],
    ),
}
# None: a wrong answer that no hint describes; the checker must still reject it
CASES = {c: (ref, [(w, h or "wrong answer") for w, h in wrongs]) for c, (ref, wrongs) in CASES.items()}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


# --- every correct convention is accepted ------------------------------------------------------

@pytest.mark.parametrize(("checker", "answer"), [
    (check_rprop_step, rprop_with_the_package),
    (check_reddi_adam, reddi_with_the_package),
    (check_reddi_adam, reddi_eps_inside_the_root),
    (check_lr_window, window_contiguous),
], ids=lambda x: getattr(x, "__name__", ""))
def test_checker_accepts_another_correct_route(checker, answer):
    assert checker(answer, verbose=False)


def test_adamw_checker_accepts_pytorchs_form_and_says_so():
    result = check_adamw_step(adamw, verbose=False)
    assert result and result.details["form"] == "torch" and "PyTorch's form" in result.message


def test_adamw_checker_accepts_loshchilov_and_hutters_form_and_says_so():
    result = check_adamw_step(adamw_paper, verbose=False)
    assert result and result.details["form"] == "paper"
    assert "Loshchilov & Hutter's form" in result.message


def test_adamw_checker_rejects_the_paper_form_with_a_schedule_that_is_not_one():
    result = check_adamw_step(lambda *a: adamw_paper(*a, schedule=0.5), verbose=False)
    assert not result


def test_adamw_paper_form_equals_torch_form_with_weight_decay_over_lr():
    """λ_torch = λ_paper / α makes the two forms take the same step (the chapter's claim)."""
    rng = np.random.default_rng(0)
    theta, m, v, g = rng.normal(size=4), rng.normal(size=4), rng.uniform(size=4), rng.normal(size=4)
    lr, lam = 0.05, 0.01
    a = adamw_paper(theta, m, v, g, 7, lr, lam)
    b = adamw(theta, m, v, g, 7, lr, lam / lr)
    assert all(np.allclose(x, y) for x, y in zip(a, b, strict=True))


def test_adamw_checker_accepts_torch_adamw():
    torch = pytest.importorskip("torch")

    def torch_adamw(theta, m, v, grad, t, lr, weight_decay):
        p = torch.tensor(theta, requires_grad=True)
        opt = torch.optim.AdamW([p], lr=lr, weight_decay=weight_decay)
        opt.state[p] = {"step": torch.tensor(float(t - 1)),
                        "exp_avg": torch.tensor(m), "exp_avg_sq": torch.tensor(v)}
        p.grad = torch.tensor(grad)
        opt.step()
        s = opt.state[p]
        return p.detach().numpy(), s["exp_avg"].numpy(), s["exp_avg_sq"].numpy()

    result = check_adamw_step(torch_adamw, verbose=False)
    assert result and result.details["form"] == "torch"


def test_rprop_checker_cases_contain_every_kind_of_coordinate():
    from dlsg_utils.exercises.adaptive import _case_rprop

    _, prev, delta, grad = _case_rprop(np.random.default_rng(1))
    same = grad * prev
    assert (same > 0).any() and (same < 0).any() and (same == 0).any()
    assert (delta * 1.2 > 50).any() and (delta * 0.5 < 1e-6).any()


def test_reddi_reference_reproduces_the_chapters_failure_of_adam():
    """With β₂ = 0.99 Adam ends near +1, the worst point (chapter 4's online problem)."""
    assert reddi(0.99, 5000) > 0.9
