"""The optimizer lab and the convolution explorer (dlsg_utils.lab) in headless Chromium.

These tests need no built book: they write a standalone page with `dlsg_utils.lab` (two labs and
two explorers, so the scripts must be idempotent) to a temporary folder and open it as a file.
They check the JavaScript's numbers against the package (trajectories against
dlsg_utils.optim to 1e-12, output sizes against dlsg_utils.conv and torch), then what a reader
meets: no console errors or network, labelled keyboard-operable controls, no horizontal
overflow at desktop width or on a 390-px phone, axe-core (when vendored) and screenshots in
_build/screenshots.
"""

import itertools
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from browser_support import ROOT, SCREENSHOTS, PageVisit, why_no_chromium

from dlsg_utils.conv import conv_output_size, conv_transpose_output_size
from dlsg_utils.lab import (
    conv_explorer,
    lab_optimizer,
    lab_surface,
    optimizer_lab,
    ravine_matrix,
    reference_trajectory,
    standalone_page,
)
from dlsg_utils.optim import OPTIMIZERS, run
from dlsg_utils.optim.theory import iteration_matrix

pytestmark = pytest.mark.skipif(why_no_chromium() is not None, reason=str(why_no_chromium()))

AXE = ROOT / "_vendor" / "test" / "axe-core" / "axe.min.js"
PHONE, DESKTOP = (390, 844), (1280, 900)


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    """Two labs and two explorers on one page; a script between the two labs remembers the
    first window.dlsgLab, so the test can check the second copy did not replace it."""
    html = standalone_page(
        optimizer_lab("Ravine", ["SGD", "Momentum", "Nesterov"], hyper={"lr": 0.01, "gamma": 0.9},
                      steps=100, title="Momentum in the ravine"),
        "<script>window.firstLab = window.dlsgLab;</script>",
        optimizer_lab("Beale", ["SGD", "Momentum", "Nesterov", "RMSProp", "Adam", "AdaDelta"],
                      steps=300, hyper={"SGD": {"lr": 3e-5}, "Momentum": {"lr": 1e-5},
                                        "Nesterov": {"lr": 3e-6}, "RMSProp": {"lr": 0.03},
                                        "Adam": {"lr": 0.1}, "AdaDelta": {"eps": 1e-2}},
                      title="Race on Beale (chapter 5's knobs, roughly)"),
        conv_explorer(6, 3, 2, 1),
        conv_explorer(4, 3, transposed=True, controls=["n", "k", "play"]),
        title="The optimizer lab and the convolution explorer")
    path = tmp_path_factory.mktemp("lab") / "lab.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


@pytest.fixture
def open_page(browser, page_url):
    visits = []

    def open_(viewport=DESKTOP):
        v = PageVisit(browser, page_url, viewport=viewport)
        v.page.wait_for_function("() => document.querySelectorAll('.dlsg-lab canvas').length === 4")
        visits.append(v)
        return v

    yield open_
    for v in visits:
        v.close()


# --- the numbers ----------------------------------------------------------------------------

def _hyper_grid(name):
    lrs = [1e-4, 1e-3, 1e-2]
    betas = [{"beta1": 0.9, "beta2": 0.999}, {"beta1": 0.5, "beta2": 0.9}]
    adam_lrs = [1e-3, 1e-2, 0.1]
    grid = {
        "SGD": [{"lr": lr} for lr in lrs],
        "Momentum": [{"lr": lr, "gamma": g} for lr in lrs for g in (0.5, 0.9)],
        "Nesterov": [{"lr": lr, "gamma": g} for lr in lrs for g in (0.5, 0.9)],
        "Adagrad": [{"lr": lr, "eps": e} for lr in (1e-2, 0.1, 0.5) for e in (1e-8, 1e-3)],
        "RMSProp": [{"lr": lr, "decay": r} for lr in (1e-3, 1e-2) for r in (0.9, 0.99)],
        "AdaDelta": [{"rho": r, "eps": e} for r in (0.9, 0.95) for e in (1e-6, 1e-3)],
        "Adam": [{"lr": lr, **b} for lr in adam_lrs for b in betas]
        + [{"lr": 1e-2, "bias_correction": False}],
        "AdamW": [{"lr": lr, "weight_decay": w, **b} for lr in adam_lrs for b in betas
                  for w in (0.0, 0.1)],
    }
    return grid.get(name, [{"lr": lr, **b} for lr in adam_lrs for b in betas])


SURFACE_SPECS = [
    {"name": "Ravine", "kappa": 100, "angle": 0}, {"name": "Ravine", "kappa": 10, "angle": 30},
    {"name": "Ravine", "kappa": 1000, "angle": 60}, "Beale", "Rosenbrock", "Himmelblau", "Saddle",
    "Booth", {"A": [[3.0, 1.0], [1.0, 2.0]], "b": [1.0, -2.0]},
]
STEPS = 120


def _starts(spec):
    surf = lab_surface(spec)
    (x0, x1), (y0, y1) = surf.bounds
    return [surf.start.tolist(), [x0 + 0.25 * (x1 - x0), y0 + 0.75 * (y1 - y0)],
            [x0 + 0.8 * (x1 - x0), y0 + 0.3 * (y1 - y0)]]


def _cases():
    return [{"surface": spec, "optimizer": name, "hyper": hyper, "start": start, "steps": STEPS}
            for spec in SURFACE_SPECS for start in _starts(spec) for name in OPTIMIZERS
            for hyper in _hyper_grid(name)]


# JSON keeps every digit of a double (and is far faster than Playwright's own serialisation);
# inf and NaN travel as strings.
TRAJECTORIES = """cases => JSON.stringify(cases.map(c => window.dlsgLab.trajectory(c).map(
    p => p.map(v => isFinite(v) ? v : String(v)))))"""
NOISE = 1e-15


def _relative_error(a, b):
    ok = np.isfinite(b)
    return (np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(b[ok]))).max(initial=0.0)


def _rounding_spread(case, py, seeds=3):
    """How far Python's own path moves when each gradient is taken at p (1 + 1e-15 z) and
    multiplied by 1 + 1e-15 z' (z, z' standard normal, per coordinate): what differences of
    a few ulps in computing the gradient grow to in this run (moving the point covers the
    cancellation in x a + y b, as rounding does)."""
    surf = lab_surface(case["surface"])
    spread = 0.0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)

        def noisy(p, rng=rng):
            return surf.grad(p * (1 + NOISE * rng.standard_normal(2))) * (
                1 + NOISE * rng.standard_normal(2))

        with np.errstate(all="ignore"):
            other = run(lab_optimizer(case["optimizer"], case["hyper"]), noisy, case["start"],
                        case["steps"])
        spread = max(spread, _relative_error(other, py))
    return spread


def test_trajectory_equals_dlsg_utils_optim_for_every_optimizer_surface_start_and_setting(
        open_page):
    """JS == dlsg_utils.optim.run to 1e-12 (relative to max(1, |theta|)), run by run.

    Two float64 programs agree to the last bit only if every operation is the same; NumPy is
    not always the same as itself (its BLAS fuses x*a + y*b into one rounding on CPUs with
    FMA, its pow is a SIMD routine), so paths may differ by an ulp now and then. That stays an
    ulp unless the run amplifies it: Adam-like methods with large steps hover chaotically
    around a minimum. Where a run differs by more than 1e-12, the test requires that Python
    itself moves by more than 1e-12 when rounding-sized noise (1e-15) is added to its
    gradients (a chaotic run, not a bug), and that the JS path stays within 100 times that
    spread.
    """
    v = open_page()
    cases = _cases()
    got = json.loads(v.page.evaluate(TRAJECTORIES, cases))
    strict_worst, strict_abs, chaotic, finite_points, diverged = 0.0, 0.0, [], 0, 0
    for case, path in zip(cases, got, strict=True):
        js = np.array([[float(c) for c in p] for p in path])
        py = reference_trajectory(**case)
        assert js.shape == py.shape == (STEPS + 1, 2)
        # the same steps overflow (inf) or become NaN
        assert np.array_equal(np.isnan(js), np.isnan(py)), case
        assert np.array_equal(np.isinf(js), np.isinf(py)), case
        assert (js[np.isinf(py)] == py[np.isinf(py)]).all(), case
        diverged += not np.isfinite(py).all()
        finite_points += int(np.isfinite(py).all(axis=1).sum())
        err = _relative_error(js, py)
        if err <= 1e-12:
            strict_worst = max(strict_worst, err)
            small = np.abs(py) <= 1  # there the relative test is an absolute one
            strict_abs = max(strict_abs, np.abs(js[small] - py[small]).max(initial=0.0))
            continue
        spread = _rounding_spread(case, py)
        assert spread > 1e-12, f"differs by {err:.2e} where rounding does not grow: {case}"
        assert err <= 100 * spread, (case, err, spread)
        chaotic.append((err, spread))
    summary = {"runs": len(cases), "surfaces": len(SURFACE_SPECS), "optimizers": len(OPTIMIZERS),
               "steps": STEPS, "finite_points": finite_points, "diverged_runs": diverged,
               "runs_within_1e-12": len(cases) - len(chaotic),
               "max_rel_diff_there": strict_worst,
               "max_abs_diff_there_where_|theta|<=1": strict_abs,
               "chaotic_runs": len(chaotic),
               "chaotic_max_rel_diff": max((e for e, _ in chaotic), default=0.0),
               "chaotic_max_ratio_to_python_spread": max((e / sp for e, sp in chaotic),
                                                         default=0.0)}
    print("\ntrajectory check:", json.dumps(summary))
    assert len(cases) > 1500 and finite_points > 100_000
    assert len(chaotic) < 0.05 * len(cases)


def test_the_ravine_matches_its_python_definition(open_page):
    v = open_page()
    for kappa, angle in [(100, 0), (10, 30), (1000, 60), (1, 45), (50, 90)]:
        js = v.page.evaluate("([k, a]) => { const s = window.dlsgLab.surface({name: 'Ravine', "
                             "kappa: k, angle: a}); return [s.A, s.start, s.eigenvalues]; }",
                             [kappa, angle])
        surf = lab_surface({"name": "Ravine", "kappa": kappa, "angle": angle})
        np.testing.assert_allclose(js[0], ravine_matrix(kappa, angle), rtol=0, atol=1e-15 * kappa)
        np.testing.assert_allclose(js[1], surf.start, rtol=0, atol=1e-14)
        np.testing.assert_allclose(sorted(js[2]), np.linalg.eigvalsh(surf.hessian(surf.start)),
                                   rtol=1e-12)
    assert np.array_equal(ravine_matrix(100, 0), np.diag([1.0, 100.0]))




def test_predicted_and_measured_rates_are_chapter_3s(open_page):
    v = open_page()
    cases = [{"optimizer": name, "lr": lr, "gamma": g, "eigenvalues": [1.0, kappa]}
             for name in ("SGD", "Momentum", "Nesterov")
             for lr in (1e-3, 0.01, 0.019, 0.05) for g in (0.0, 0.5, 0.9, 0.99)
             for kappa in (1.0, 10.0, 100.0)]
    got = v.page.evaluate("cs => cs.map(c => window.dlsgLab.predictedRate(c))", cases)
    for c, rate in zip(cases, got, strict=True):
        g = 0.0 if c["optimizer"] == "SGD" else c["gamma"]
        want = max(np.abs(np.linalg.eigvals(iteration_matrix(
            c["lr"], g, lam, c["optimizer"] == "Nesterov"))).max() for lam in c["eigenvalues"])
        assert rate == pytest.approx(want, rel=1e-9, abs=1e-12), c
    assert v.page.evaluate("window.dlsgLab.predictedRate({optimizer: 'Adam', lr: 0.1, "
                           "eigenvalues: [1, 2]})") is None
    rng = np.random.default_rng(0)
    for n in (3, 10, 101, 400):
        dist = np.exp(-0.05 * np.arange(n) + 0.3 * rng.normal(size=n))
        t = np.arange(n)[n // 2:]
        want = np.exp(np.polyfit(t, np.log(dist[n // 2:]), 1)[0])
        got = v.page.evaluate("d => window.dlsgLab.measuredRate(d)", dist.tolist())
        assert got == pytest.approx(want, rel=1e-9)


def _torch_conv(i, k, s, p, d):
    try:
        z = torch.zeros
        return F.conv2d(z(1, 1, i, i + 1), z(1, 1, k, k), stride=s, padding=p, dilation=d).shape[2]
    except RuntimeError:
        return None


def _torch_transpose(i, k, s, p, d, a):
    try:
        z = torch.zeros
        size = F.conv_transpose2d(z(1, 1, i, i), z(1, 1, k, k), stride=s, padding=p,
                                  output_padding=a, dilation=d).shape[2]
    except RuntimeError:
        return None
    # size 0: torch's oneDNN kernel returns an empty tensor, its native one raises (see
    # test_conv_explorer_tells_an_empty_transposed_output_from_a_refused_layer); we refuse it
    return size or None


def _python(fn, *args):
    try:
        return {"value": fn(*args)}
    except ValueError as err:
        return {"error": str(err)}


# The grid of tests/test_conv_arithmetic.py: i <= 13, k <= 5, s <= 3, p <= 3, d <= 3.
GRID = list(itertools.product(range(1, 14), range(1, 6), range(1, 4), range(4), range(1, 4)))
CALL = """cs => cs.map(c => { try { return {value: window.dlsgConv.outputSize(c)}; }
                              catch (e) { return {error: e.message}; } })"""


@pytest.fixture
def one_torch_thread():
    """Thousands of tiny convolutions: a thread pool only adds overhead (10x here)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_output_size_equals_dlsg_utils_conv_and_torch_errors_included(open_page, one_torch_thread):
    v = open_page()
    cases, want, torch_sizes = [], [], []
    for i, k, s, p, d in GRID:
        cases.append({"n": i, "k": k, "s": s, "p": p, "d": d})
        want.append(_python(conv_output_size, i, k, s, p, d))
        torch_sizes.append(_torch_conv(i, k, s, p, d))
        for a in range(max(s, d) + 1):  # a = max(s, d) is refused by torch and by us
            cases.append({"n": i, "k": k, "s": s, "p": p, "d": d, "transposed": True,
                          "output_padding": a})
            want.append(_python(conv_transpose_output_size, i, k, s, p, d, a))
            torch_sizes.append(_torch_transpose(i, k, s, p, d, a) if a < max(s, d) else None)
    got = v.page.evaluate(CALL, cases)
    assert got == want
    for g, t in zip(got, torch_sizes, strict=True):
        assert g.get("value") == t  # torch's shape, or None where torch refuses
    valid = sum("value" in g for g in got)
    print(f"\noutputSize check: {len(cases)} configurations, {valid} valid, "
          f"{len(cases) - valid} refused with dlsg_utils.conv's message")
    assert len(cases) > 8000 and 0 < valid < len(cases)


LAYOUTS = """cs => cs.map(c => { const L = window.dlsgConv.layout(c);
    return {grid: L.grid, real: L.real, out: L.out, offset: L.offset, stride: L.stride,
            macs: window.dlsgConv.multiplyAdds(L)}; })"""


def test_the_picture_is_conv_draws_and_counts_the_products_torch_computes(
        open_page, one_torch_thread):
    """The explorer draws what dlsg_utils.plot.conv_layout draws, and the multiply-adds
    it counts as touching an input value are those torch performs: conv2d of all-ones
    images and kernels sums exactly them (the transposed case runs ConvTranspose2d on the
    explorer's input size n)."""
    from dlsg_utils.conv import transpose_output_padding
    from dlsg_utils.plot import conv_layout

    v = open_page()
    cases, expected = [], []
    for i, k, s, p, d in GRID:
        if _torch_conv(i, k, s, p, d) is None:
            continue
        lay = conv_layout(i, k, s, p, d)
        cases.append({"n": i, "k": k, "s": s, "p": p, "d": d})
        ones = F.conv2d(torch.ones(1, 1, i, i), torch.ones(1, 1, k, k), stride=s, padding=p,
                        dilation=d)
        expected.append((lay.grid, list(lay.real), lay.out, lay.stride, int(ones.sum())))
        if p <= d * (k - 1):  # conv_draw draws the transpose only when it needs no cropping
            o, a = conv_output_size(i, k, s, p, d), transpose_output_padding(i, k, s, p, d)
            lay = conv_layout(i, k, s, p, d, transposed=True)
            cases.append({"n": o, "k": k, "s": s, "p": p, "d": d, "transposed": True,
                          "output_padding": a})
            ones = F.conv_transpose2d(torch.ones(1, 1, o, o), torch.ones(1, 1, k, k), stride=s,
                                      padding=p, output_padding=a, dilation=d)
            expected.append((lay.grid, list(lay.real), lay.out, lay.stride, int(ones.sum())))
    got = v.page.evaluate(LAYOUTS, cases)
    for case, g, (grid, real, out, stride, products) in zip(cases, got, expected, strict=True):
        assert (g["grid"], g["real"], g["out"], g["stride"]) == (grid, real, out, stride), case
        assert g["macs"]["real"] == products, case
        assert g["macs"]["total"] == out * out * case["k"] ** 2
    # and where PyTorch crops (p > d(k - 1)), the real products still match torch
    crop = [{"n": n, "k": 3, "s": s, "p": p, "d": 1, "transposed": True}
            for n in (4, 6) for s in (2, 3) for p in (3, 4)
            if "value" in _python(conv_transpose_output_size, n, 3, s, p)]
    assert len(crop) >= 6
    got = v.page.evaluate(LAYOUTS, crop)
    for c, g in zip(crop, got, strict=True):
        ones = F.conv_transpose2d(torch.ones(1, 1, c["n"], c["n"]), torch.ones(1, 1, 3, 3),
                                  stride=c["s"], padding=c["p"])
        assert g["out"] == ones.shape[-1] and g["macs"]["real"] == int(ones.sum()), c
    assert len(cases) > 3000


def test_output_size_rejects_bad_arguments_with_the_packages_message(open_page):
    v = open_page()
    bad = [{"n": 5, "k": 3, "s": 0}, {"n": 5, "k": 3, "p": -1}, {"n": 5, "k": 3, "d": 0},
           {"n": 0, "k": 3}, {"n": 5, "k": 2.5}, {"n": 4, "k": 3, "d": 2},
           {"n": 3, "k": 3, "s": 2, "transposed": True, "output_padding": 2},
           {"n": 1, "k": 1, "p": 1, "transposed": True}]
    got = v.page.evaluate(CALL, bad)
    want = [_python(conv_output_size, 5, 3, 0), _python(conv_output_size, 5, 3, 1, -1),
            _python(conv_output_size, 5, 3, 1, 0, 0), _python(conv_output_size, 0, 3),
            _python(conv_output_size, 5, 2.5), _python(conv_output_size, 4, 3, 1, 0, 2),
            _python(conv_transpose_output_size, 3, 3, 2, 0, 1, 2),
            _python(conv_transpose_output_size, 1, 1, 1, 1)]
    assert got == want
    assert all("error" in g for g in got)
    forward_a = v.page.evaluate(CALL, [{"n": 5, "k": 3, "output_padding": 1}])[0]
    assert "transposed convolution only" in forward_a["error"]


# --- what a reader meets --------------------------------------------------------------------

def test_page_works_offline_without_console_errors_and_scripts_are_idempotent(open_page):
    v = open_page()
    assert v.console_errors == [] and v.failed == [] and v.external == []
    assert v.page.evaluate("window.firstLab === window.dlsgLab")
    roots = v.page.evaluate("""() => Array.from(document.querySelectorAll('.dlsg-widget'))
        .map(r => [r.id, !!(r.dlsgLab || r.dlsgConv)])""")
    assert len(roots) == 4 and all(ok for _, ok in roots)
    assert len({rid for rid, _ in roots}) == 4
    ids = v.page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids)), "duplicate element ids"


def test_every_control_has_a_label(open_page):
    v = open_page()
    unlabelled = v.page.evaluate("""() => Array.from(document.querySelectorAll(
        '.dlsg-widget input, .dlsg-widget select, .dlsg-widget button, '
        + '.dlsg-widget canvas[tabindex]'))
        .filter(e => !((e.labels && e.labels.length && e.labels[0].textContent.trim())
                       || e.getAttribute('aria-label')
                       || (e.tagName === 'BUTTON' && e.textContent.trim())))
        .map(e => e.outerHTML.slice(0, 80))""")
    assert unlabelled == []


def _first_lab(v):
    return v.page.locator(".dlsg-lab").first


def test_the_lab_is_operable_by_keyboard(open_page):
    v = open_page()
    lab, page = _first_lab(v), v.page
    status = lab.locator(".dlsg-lab-status")
    before = status.text_content()
    lr = lab.locator("input[type=range][id$='-lr']").first
    lr.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert status.text_content() != before, "moving the learning rate must change the paths"
    # the map: arrow keys move the start
    before = status.text_content()
    lab.locator("canvas.dlsg-lab-map").focus()
    page.keyboard.press("ArrowLeft")
    assert status.text_content() != before and "Start (" in status.text_content()
    # a checkbox adds a method, Space toggles it
    adam = lab.locator("input[type=checkbox][id$='-use-Adam']")
    adam.focus()
    page.keyboard.press("Space")
    assert adam.is_checked() and "Adam" in status.text_content()
    # the play button starts the run from step 0 and the step shown advances
    play = lab.locator("button.dlsg-lab-play")
    play.focus()
    page.keyboard.press("Enter")
    scrub = lab.locator("input[type=range][id$='-t']")
    page.wait_for_function("el => Number(el.value) > 0 && Number(el.value) < Number(el.max)",
                           arg=scrub.element_handle(), timeout=5000)
    page.keyboard.press("Enter")  # pause
    assert v.console_errors == []


def test_clicking_the_map_moves_the_start(open_page):
    v = open_page()
    lab = _first_lab(v)
    canvas = lab.locator("canvas.dlsg-lab-map")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.25})
    start = v.page.evaluate("""() => { const lab = document.querySelector('.dlsg-widget').dlsgLab;
        return lab.startPoint; }""")
    assert start[0] > 0 and start[1] > 0  # upper right quarter of a map centred on the origin
    text = lab.locator(".dlsg-lab-status").text_content()
    assert text.startswith(f"Start ({float(f'{start[0]:.3g}'):g}")


def test_arrow_keys_and_clicks_keep_the_start_on_the_plotted_map(open_page):
    """Holding an arrow key (or clicking in the axes' margin) stops the start at the map's
    edge: the start is always a point of the plotted domain."""
    v = open_page()
    lab = _first_lab(v)
    state = """() => { const lab = document.querySelector('.dlsg-widget').dlsgLab;
        return {start: lab.startPoint, bounds: lab.bounds}; }"""
    canvas = lab.locator("canvas.dlsg-lab-map")
    canvas.focus()
    (x_lo, x_hi), (y_lo, y_hi) = v.page.evaluate(state)["bounds"]
    for key, axis, edge in [("ArrowLeft", 0, x_lo), ("ArrowUp", 1, y_hi),
                            ("ArrowRight", 0, x_hi), ("ArrowDown", 1, y_lo)]:
        for _ in range(15):  # 15 x 10% of the map's width: far past any edge
            v.page.keyboard.press(f"Shift+{key}")
        start = v.page.evaluate(state)["start"]
        assert start[axis] == pytest.approx(edge, abs=1e-9), (key, start)
        assert x_lo - 1e-9 <= start[0] <= x_hi + 1e-9 and y_lo - 1e-9 <= start[1] <= y_hi + 1e-9
    # the status line shows the clamped start
    text = lab.locator(".dlsg-lab-status").text_content()
    assert text.startswith(f"Start ({float(f'{x_hi:.3g}'):g}, {float(f'{y_lo:.3g}'):g})"), text
    # a click left of the axes (in the tick labels' margin) starts on the left edge
    box = canvas.bounding_box()
    canvas.click(position={"x": 2, "y": box["height"] * 0.4})
    start = v.page.evaluate(state)["start"]
    assert start[0] == pytest.approx(x_lo, abs=1e-9) and y_lo <= start[1] <= y_hi
    assert v.console_errors == []


def test_quadratic_shows_predicted_and_measured_rates(open_page):
    v = open_page()
    rows = _first_lab(v).locator(".dlsg-lab-rates tbody tr")
    assert rows.count() == 3
    texts = [rows.nth(i).locator("td").all_text_contents() for i in range(3)]
    for predicted, measured in texts:
        assert abs(float(predicted) - float(measured)) < 0.01, texts


def test_conv_explorer_plays_and_reports_refused_layers(open_page):
    v = open_page()
    ex = v.page.locator(".dlsg-conv").first
    assert "= 3" in ex.locator(".dlsg-conv-formula").text_content()  # i=6, k=3, s=2, p=1
    counts = ex.locator(".dlsg-conv-counts").text_content()
    assert "Multiply-adds: 3² outputs × 3² taps = 81" in counts
    ex.get_by_role("button", name="Next position").click()
    assert ex.locator("output[for$='-pos']").text_content() == "2 / 9"
    ex.locator("button", has_text="Play").click()
    v.page.wait_for_function("el => el.textContent.startsWith('4 /')",
                             arg=ex.locator("output[for$='-pos']").element_handle(), timeout=8000)
    # a kernel larger than the padded input: refused, with dlsg_utils.conv's message
    ex.locator("input[id$='-p']").focus()
    v.page.keyboard.press("ArrowLeft")  # p = 0
    ex.locator("input[id$='-d']").focus()
    for _ in range(2):
        v.page.keyboard.press("ArrowRight")  # d = 3: the kernel spans 7 > 6 cells
    counts = ex.locator(".dlsg-conv-counts").text_content()
    assert "PyTorch refuses this layer" in counts
    assert "kernel (3, dilated 7) is larger than the padded input (6)" in counts
    assert ex.locator("button", has_text="Play").is_disabled()
    assert v.console_errors == []


def _set_layer(ex, **values):
    """Set the explorer's sliders as a reader would (each fires its input event)."""
    for key, value in values.items():
        ex.locator(f"input[type=range][id$='-{key}']").evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", value)


def _torch_transposed_outcomes(i, k, s, p, d, a):
    """What F.conv_transpose2d does on a float32 i x i input, with oneDNN on and off: 'empty'
    (a tensor with no elements), 'too small' (RuntimeError "Output size is too small"), or the
    shape."""
    outcomes = set()
    for onednn in (True, False):
        with torch.backends.mkldnn.flags(enabled=onednn):
            try:
                y = F.conv_transpose2d(torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k), stride=s,
                                       padding=p, output_padding=a, dilation=d)
                outcomes.add("empty" if y.numel() == 0 else tuple(y.shape))
            except RuntimeError as err:
                assert "Output size is too small" in str(err)
                outcomes.add("too small")
    return outcomes


def test_conv_explorer_tells_an_empty_transposed_output_from_a_refused_layer(open_page):
    """o' = 0: torch returns an empty tensor or raises, depending on the CPU kernel it picks
    (oneDNN's float32 kernel returns one for these sizes, the native kernel raises), so the
    explorer must not say PyTorch refuses it; o' < 0 is refused by every kernel."""
    empty_layers = [dict(n=1, k=4, s=1, p=2, d=1), dict(n=1, k=2, s=1, p=1, d=1)]
    for layer in empty_layers:  # torch 2.13 on x86: {"empty", "too small"}, then {"too small"}
        outcomes = _torch_transposed_outcomes(layer["n"], layer["k"], layer["s"], layer["p"],
                                              layer["d"], 0)
        assert set() < outcomes <= {"empty", "too small"}
    assert _torch_transposed_outcomes(1, 1, 1, 1, 1, 0) == {"too small"}  # o' = -1
    v = open_page()
    ex = v.page.locator(".dlsg-conv").first
    ex.locator("input[id$='-transposed']").check()
    for layer in empty_layers:
        _set_layer(ex, a=0, **layer)
        counts = ex.locator(".dlsg-conv-counts").text_content()
        assert "empty output (0×0)" in counts and "PyTorch returns an empty tensor" in counts
        assert "Output size is too small" in counts
        assert "refuses this layer" not in counts
        assert "output size would be 0" in counts  # dlsg_utils.conv's message
        assert ex.locator(".dlsg-conv-formula").text_content().endswith("+ 1 = 0")
        assert ex.locator("button", has_text="Play").is_disabled()
    _set_layer(ex, n=1, k=1, s=1, p=1, d=1, a=0)  # o' = -1
    counts = ex.locator(".dlsg-conv-counts").text_content()
    assert counts.startswith("PyTorch refuses this layer") and "would be -1" in counts
    assert "empty" not in counts and ex.locator(".dlsg-conv-formula").text_content() == ""
    _set_layer(ex, p=0)  # o' = 1: drawn again
    assert "Output 1×1" in ex.locator(".dlsg-conv-counts").text_content()
    assert v.console_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_horizontal_overflow(open_page, viewport):
    v = open_page(viewport)
    width = v.page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport[0], f"page is {width}px wide in a {viewport[0]}px window"
    wide = v.page.evaluate(f"""() => Array.from(document.querySelectorAll('.dlsg-widget *'))
        .filter(e => e.getBoundingClientRect().right > {viewport[0]} + 0.5)
        .map(e => e.tagName + '.' + e.className)""")
    assert wide == []


def test_axe_finds_no_accessibility_violations(open_page):
    if not AXE.exists():
        pytest.skip("axe-core is not vendored: run `python tools/vendor_js.py _vendor`")
    for viewport in (DESKTOP, PHONE):
        v = open_page(viewport)
        v.page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = v.page.evaluate("""() => axe.run(document.querySelectorAll('.dlsg-widget'),
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                             'best-practice']}})""")
        problems = [(r["id"], r["help"], [n["html"][:80] for n in r["nodes"][:3]])
                    for r in result["violations"]]
        assert problems == []


def test_screenshots_of_the_lab_mid_run_and_the_explorer_on_a_phone(open_page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    v = open_page(DESKTOP)
    lab = v.page.locator(".dlsg-lab").nth(1)  # Beale, six methods, 300 steps
    lab.scroll_into_view_if_needed()
    scrub = lab.locator("input[type=range][id$='-t']")
    scrub.evaluate("el => { el.value = 120; el.dispatchEvent(new Event('input')); }")
    assert lab.locator("output[for$='-t']").text_content() == "120 / 300"
    out = SCREENSHOTS / "lab_desktop_mid_run.png"
    lab.screenshot(path=str(out))
    assert out.stat().st_size > 20_000
    p = open_page(PHONE)
    ex = p.page.locator(".dlsg-conv").first
    ex.get_by_role("button", name="Next position").click()
    ex.get_by_role("button", name="Next position").click()
    out = SCREENSHOTS / "conv_explorer_phone.png"
    ex.screenshot(path=str(out))
    assert out.stat().st_size > 10_000
    lab_phone = SCREENSHOTS / "lab_phone.png"
    p.page.locator(".dlsg-lab").first.screenshot(path=str(lab_phone))
    from PIL import Image

    with Image.open(lab_phone) as shot:  # the whole lab fits the phone's width, and is drawn
        assert shot.size[0] <= PHONE[0] and shot.size[1] > 200, shot.size
        assert len(shot.convert("L").getcolors(1 << 16) or ()) > 20  # not a blank box
