"""Chapter 4 checkers accept every correct answer and reject known-wrong ones with their hint,
cover the whole domain of their questions, and the chapter's hidden solutions pass them there."""

import json
from pathlib import Path

import numpy as np
import pytest
from checker_harness import checker_tests, solution_definitions
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.exercises import ch04_adaptive as ch04
from dlsg_utils.exercises.ch04_adaptive import (
    check_adagrad_step,
    check_adamw_step,
    check_lr_window,
    check_reddi_adam,
    check_rprop_step,
)
from dlsg_utils.optim import Adam, Rprop

CHAPTER = Path(__file__).resolve().parents[1] / "chapters" / "04_adaptive_learning_rates.ipynb"


def _solutions():
    """The functions the chapter's hidden solution cells define, executed as written (only the
    definitions: the rest of a cell uses the chapter's variables)."""
    return solution_definitions("04", {"np": np})


SOLUTIONS = _solutions()


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


def adamw_paper_after(theta, m, v, grad, t, lr, weight_decay):
    """The paper's form with the decay applied to θ after the Adam step: a mistake."""
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad**2
    adam = (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return (theta - lr * adam) * (1 - weight_decay), m, v


def adamw_uncorrected(theta, m, v, grad, t, lr, weight_decay):
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad**2
    return theta * (1 - lr * weight_decay) - lr * m / (np.sqrt(v) + 1e-8), m, v


CASES = {
    check_adagrad_step: (
        adagrad,
        [(lambda t, G, g, lr, e: adagrad(t, G, g, lr, e)[0], "return both"),
         (lambda t, G, g, lr, e: (t - lr * g / (np.sqrt(G) + e), G + g**2), "*old* sum"),
         (lambda t, G, g, lr, e: (t - lr * g / np.sqrt(G + g**2 + e), G + g**2),
          "ε is in the wrong place"),
         (lambda t, G, g, lr, e: (t - lr * g / (np.abs(g) + e), g**2), "*accumulate*"),
         (lambda t, G, g, lr, e: (t - lr * g / (G + g**2 + e), G + g**2), "square root is missing"),
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
         (ch04._on_good_rates(lambda g: g.max() - g.min()),
          "not lr_max − lr_min"),
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
          "*updated* moments"),
         (lambda *a: adamw_paper_after(*a), "θ − (α·m̂/(√v̂ + ε) + λθ)"),
         (lambda th, m, v, g, t, lr, wd: adamw_uncorrected(th, m, v, g, t, lr, wd),
          "bias correction is missing"),
         (lambda th, m, v, g, t, lr, wd: adamw(th, m, v, g, t - 1, lr, wd), "use β^t")],
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
    from dlsg_utils.exercises.ch04_adaptive import _case_rprop

    _, prev, delta, grad = _case_rprop(np.random.default_rng(1))
    same = grad * prev
    assert (same > 0).any() and (same < 0).any() and (same == 0).any()
    assert (delta * 1.2 > 50).any() and (delta * 0.5 < 1e-6).any()


def test_reddi_reference_reproduces_the_chapters_failure_of_adam():
    """With β₂ = 0.99 Adam ends near +1, the worst point (chapter 4's online problem)."""
    assert reddi(0.99, 5000) > 0.9


# --- more correct forms -------------------------------------------------------------------

def adagrad_in_place_by_coordinate(theta, G, grad, lr, eps):
    theta, G = np.array(theta, dtype=float), np.array(G, dtype=float)
    for i in range(len(theta)):
        G[i] += grad[i] ** 2
        theta[i] -= lr * grad[i] / (G[i] ** 0.5 + eps)
    return theta, G


def adagrad_with_torch(theta, G, grad, lr, eps):
    torch = pytest.importorskip("torch")
    p = torch.tensor(theta, requires_grad=True)
    opt = torch.optim.Adagrad([p], lr=lr, eps=eps)
    opt.state[p]["sum"] = torch.tensor(G)
    opt.state[p]["step"] = torch.tensor(1.0)
    p.grad = torch.tensor(grad)
    opt.step()
    return p.detach().numpy(), opt.state[p]["sum"].numpy()


def rprop_by_coordinate(theta, prev, delta, grad):
    theta, prev, delta = (np.array(a, dtype=float) for a in (theta, prev, delta))
    for i in range(len(theta)):
        if grad[i] * prev[i] > 0:
            delta[i] = min(delta[i] * 1.2, 50.0)
        elif grad[i] * prev[i] < 0:
            delta[i] = max(delta[i] * 0.5, 1e-6)
            prev[i] = 0.0
            continue
        theta[i] -= np.sign(grad[i]) * delta[i]
        prev[i] = grad[i]
    return theta, prev, delta


def window_by_mask(lrs, losses, factor):
    losses = np.asarray(losses, dtype=float)
    best = np.nanmin(np.where(np.isfinite(losses), losses, np.nan))
    inside = np.flatnonzero(np.isfinite(losses) & (losses <= factor * best))
    return np.log10(lrs[inside[-1]]) - np.log10(lrs[inside[0]])


@pytest.mark.parametrize(("checker", "answer"), [
    (check_adagrad_step, adagrad_in_place_by_coordinate),
    (check_adagrad_step, adagrad_with_torch),
    (check_rprop_step, rprop_by_coordinate),
    (check_lr_window, window_by_mask),
], ids=lambda x: getattr(x, "__name__", ""))
def test_checker_accepts_yet_another_correct_form(checker, answer):
    assert checker(answer, verbose=False)


# --- the domain: the first step, zero gradients, no steps, factor 1 -------------------------

def _spy(checker, reference):
    seen = []

    def spy(*args):
        seen.append(args)
        return reference(*args)

    assert checker(spy, verbose=False)
    return seen


def test_adagrad_checker_asks_for_the_first_step_and_zero_gradients():
    seen = _spy(check_adagrad_step, adagrad)
    assert any(np.all(G == 0) for _, G, _, _, _ in seen)
    assert any(np.any(g == 0) for _, _, g, _, _ in seen)


def test_reddi_checker_asks_for_no_step_one_step_and_beta2_from_0_to_09999():
    seen = _spy(check_reddi_adam, reddi)
    steps, betas = {n for _, n in seen}, [b for b, _ in seen]
    assert steps & {0, 1, 2, 101, 102, 103} and len(seen) == 9
    assert min(betas) < 0.9 and max(betas) >= 0.9


@pytest.mark.parametrize("beta2", [0.0, 0.5, 0.9999])
@pytest.mark.parametrize("steps", [0, 1, 2, 101, 102])
def test_reddi_reference_equals_the_written_out_update_at_the_edges(beta2, steps):
    assert ch04._reddi_adam(beta2, steps) == pytest.approx(reddi(beta2, steps), abs=1e-12)


def test_reddi_checker_names_return_1_and_each_mistake_on_the_first_case_it_fails():
    """`return 1.0` is told it never moved (the bug reported in issue 23: another mistake's
    hint), and no two listed mistakes share an answer where the first of them fails."""
    result = check_reddi_adam(lambda b, n: 1.0, verbose=False)
    assert not result and result.cases == 1 and "never moves" in result.message


def test_lr_window_checker_asks_for_factor_1_and_a_best_rate_at_the_edge():
    seen = _spy(check_lr_window, window)
    assert any(f == 1.0 for _, _, f in seen)
    assert any(np.nanargmin(np.where(np.isfinite(b), b, np.nan)) == 0 for _, b, _ in seen)


def test_adamw_checker_asks_for_the_first_step_and_no_decay():
    seen = _spy(check_adamw_step, adamw)
    assert any(t == 1 and not np.any(m) for _, m, _, _, t, _, _ in seen)
    assert any(wd == 0 for *_, wd in seen)


# --- the hidden solutions -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "checker"), [
    ("adagrad_step", check_adagrad_step),
    ("rprop_step", check_rprop_step),
    ("reddi_adam", check_reddi_adam),
    ("lr_window", check_lr_window),
    ("adamw_step", check_adamw_step),
])
def test_the_chapters_hidden_solution_passes_its_checker(name, checker):
    assert checker(SOLUTIONS[name], verbose=False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3), st.sampled_from([-1.0, 0.0, 1.0]),
                          st.floats(-3, 3), st.floats(-6, np.log10(50))), min_size=1, max_size=8))
def test_rprop_solution_equals_the_package_on_any_signs_and_step_sizes(rows):
    theta, sign, grad, log_delta = (np.array(c) for c in zip(*rows, strict=True))
    prev = sign * np.abs(grad[::-1] + 0.5)
    args = (theta, prev, 10.0**log_delta, grad)
    for got, want in zip(SOLUTIONS["rprop_step"](*args), ch04._rprop_step(*args), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(losses=st.lists(st.one_of(st.floats(0.01, 100), st.sampled_from([np.inf, np.nan])),
                       min_size=2, max_size=12).filter(lambda v: np.isfinite(v).any()),
       factor=st.floats(1.0, 5.0))
def test_lr_window_solution_equals_the_reference_on_any_sweep(losses, factor):
    """Any losses, not only U shapes: the window is the extreme rates of the good ones."""
    lrs = 10.0 ** (-4 + 0.5 * np.arange(len(losses)))
    assert SOLUTIONS["lr_window"](lrs, np.array(losses), factor) == pytest.approx(
        ch04._lr_window(lrs, np.array(losses), factor))


@settings(max_examples=60, deadline=None)
@given(t=st.integers(1, 10**6), lr=st.floats(1e-4, 1.0), wd=st.floats(0.0, 0.5),
       seed=st.integers(0, 2**32 - 1))
def test_adamw_solution_equals_the_package_at_any_step(t, lr, wd, seed):
    rng = np.random.default_rng(seed)
    args = (rng.normal(size=3), 0.3 * rng.normal(size=3), rng.uniform(0, 1, size=3),
            rng.normal(size=3), t, lr, wd)
    for got, want in zip(SOLUTIONS["adamw_step"](*args), ch04._adamw_step(*args), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_investigate_exercise_is_last_and_its_solution_measures_adams_memory():
    """The exercises end with the open investigation; its solution's count grows in proportion
    to 1/(1 − β₂), the prediction it discusses."""
    sources = ["".join(c["source"]) for c in json.loads(CHAPTER.read_text())["cells"]]
    heads = [s for s in sources if s.startswith("### Exercise")]
    assert "(investigate)" in heads[-1]
    recover = SOLUTIONS["steps_to_recover"]
    counts = {b: recover(b) for b in (0.9, 0.99)}
    predicted = {b: np.log(1 / (3 * 1e-3**2)) / -np.log(b) for b in counts}
    for b in counts:
        assert counts[b] == pytest.approx(predicted[b], rel=0.1)
