"""Chapter 4 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
import pytest
from checker_harness import checker_tests

from dlsg_utils.exercises.adaptive import (
    check_adagrad_step,
    check_adam_bias_correction,
    check_adamw_step,
    check_rmsprop_step,
)


def adagrad(theta, G, grad, lr, eps):
    G = G + grad**2
    return theta - lr * grad / (np.sqrt(G) + eps), G


def rmsprop(theta, E, grad, lr, decay, eps):
    E = decay * E + (1 - decay) * grad**2
    return theta - lr * grad / (np.sqrt(E) + eps), E


def correct(m, v, t, beta1, beta2):
    return m / (1 - beta1**t), v / (1 - beta2**t)


def adamw(theta, m, v, grad, t, lr, weight_decay, l2=False, decay_lr=True, after=False):
    if l2:
        grad = grad + weight_decay * theta
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad**2
    step = lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    factor = 1 - (lr if decay_lr else 1) * (0 if l2 else weight_decay)
    theta = (theta - step) * factor if after else theta * factor - step
    return theta, m, v


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
    check_rmsprop_step: (
        rmsprop,
        [(lambda t, E, g, lr, r, e: rmsprop(t, E, g, lr, 1 - r, e), "swapped"),
         (lambda t, E, g, lr, r, e: (t - lr * g / (np.sqrt(r * E + g**2) + e), r * E + g**2),
          "(1 − decay)"),
         (lambda t, E, g, lr, r, e: (t - lr * g / (np.sqrt(E) + e), r * E + (1 - r) * g**2),
          "*old* average"),
         (lambda t, E, g, lr, r, e: (t - lr * g / np.sqrt(r * E + (1 - r) * g**2 + e),
                                     r * E + (1 - r) * g**2), "ε is in the wrong place")],
    ),
    check_adam_bias_correction: (
        correct,
        [(lambda m, v, t, b1, b2: correct(m, v, t - 1, b1, b2), "off by one"),
         (lambda m, v, t, b1, b2: (m / b1**t, v / b2**t), "not by β^t"),
         (lambda m, v, t, b1, b2: (m / (1 - b1**t), v), "corrected m but not v"),
         (lambda m, v, t, b1, b2: (m * (1 - b1**t), v * (1 - b2**t)), "multiply → divide"),
         (lambda m, v, t, b1, b2: correct(m, v, t, b1, b1), "you used β₁")],
    ),
    check_adamw_step: (
        adamw,
        [(lambda *a: adamw(*a, l2=True), "L2 penalty"),
         (lambda *a: adamw(*a, decay_lr=False), "scaled by the learning rate"),
         (lambda *a: adamw(*a, after=True), "after the step"),
         (lambda th, m, v, g, t, lr, wd: (adamw(th, m, v, g, t, lr, wd)[0], m, v),
          "*updated* moments")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)






def test_adam_bias_correction_hint_for_off_by_one_does_not_divide_by_zero():
    # the cases start at t = 2, so a t − 1 answer is finite and recognised, not a warning
    with np.errstate(all="raise"):
        result = check_adam_bias_correction(
            lambda m, v, t, b1, b2: correct(m, v, t - 1, b1, b2), verbose=False)
    assert "off by one" in result.message


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

    assert check_adamw_step(torch_adamw, verbose=False)
