"""Chapter 7 checkers accept every correct convention and reject known mistakes with their hint."""

import numpy as np
import torch
from checker_harness import checker_tests, solution_cells_run
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.exercises.ch07_history import (
    check_gabor_kernel,
    check_preferred_orientation,
    check_vgg_parameters,
)


def _gabor(size, theta, wavelength, sigma, carrier=np.cos, y_sign=-1, normalise=True):
    r = np.arange(size) - (size - 1) / 2
    x, y = np.meshgrid(r, y_sign * r)
    u = x * np.cos(theta) + y * np.sin(theta)
    v = -x * np.sin(theta) + y * np.cos(theta)
    g = np.exp(-(u**2 + v**2) / (2 * sigma**2)) * carrier(2 * np.pi * v / wavelength)
    if not normalise:
        return g
    g = g - g.mean()
    return g / np.linalg.norm(g)


def _circular_mean(responses, angles):
    a = np.deg2rad(2 * np.asarray(angles))
    c, s = (responses * np.cos(a)).sum(-1), (responses * np.sin(a)).sum(-1)
    return np.rad2deg(np.arctan2(s, c)) / 2 % 180


def _vgg(config, image_size, hidden, n_classes, biases=True, pooled=True, in_channels=3):
    """Written independently of the package: a torch network on the meta device, counted."""
    layers, c, size = [], in_channels, image_size
    for v in config:
        if v == "M":
            layers.append(torch.nn.MaxPool2d(2))
            size = size // 2 if pooled else size
        else:
            layers.append(torch.nn.Conv2d(c, v, 3, padding=1, bias=biases))
            c = v
    layers += [torch.nn.Flatten(), torch.nn.Linear(c * size * size, hidden, bias=biases),
               torch.nn.Linear(hidden, hidden, bias=biases),
               torch.nn.Linear(hidden, n_classes, bias=biases)]
    with torch.device("meta"):
        net = torch.nn.Sequential(*layers)
    return sum(p.numel() for p in net.parameters())


def _loop_vgg(config, image_size, hidden, n_classes):
    n, c, size = 0, 3, image_size
    for v in config:
        if v == "M":
            size //= 2
            continue
        n, c = n + (3 * 3 * c + 1) * v, v
    for fan_in, fan_out in [(c * size * size, hidden), (hidden, hidden), (hidden, n_classes)]:
        n += (fan_in + 1) * fan_out
    return n


CASES = {
    check_gabor_kernel: (
        _gabor,
        [(lambda n, t, w, s: _gabor(n, np.deg2rad(t), w, s), "already in radians"),
         (lambda n, t, w, s: _gabor(n, t, w, s, carrier=np.sin), "sine carrier"),
         (lambda n, t, w, s: _gabor(n, t, w, s, normalise=False), "missing normalisation"),
         (lambda n, t, w, s: _gabor(n, t + np.pi / 2, w, s), "off by 90°"),
         (lambda n, t, w, s: _gabor(n, t, w, s, y_sign=1), "mirrored")],
    ),
    check_preferred_orientation: (
        _circular_mean,
        [(lambda r, a: np.asarray(a)[np.argmax(r, axis=-1)], "argmax"),
         (lambda r, a: np.rad2deg(np.arctan2((r * np.sin(np.deg2rad(a))).sum(-1),
                                             (r * np.cos(np.deg2rad(a))).sum(-1))) % 180,
          "repeats every 180°"),
         (lambda r, a: 2 * _circular_mean(r, a), "halve the angle"),
         (lambda r, a: np.deg2rad(_circular_mean(r, a)), "return degrees")],
    ),
    check_vgg_parameters: (
        _vgg,
        [(lambda c, i, h, k: _vgg(c, i, h, k, biases=False), "bias"),
         (lambda c, i, h, k: _vgg(c, i, h, k, pooled=False), "halves the height"),
         (lambda c, i, h, k: _vgg(c, i, h, k, in_channels=1), "3 input channels"),
         (lambda c, i, h, k: _vgg(c, i, h, k) - h * h - h, "three fully connected layers"),
         (lambda c, i, h, k: _loop_vgg(c, i, h, k) - _loop_vgg(c, i, 0, 0),
          "left out the convolutions")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_gabor_checker_accepts_a_float32_answer():
    """A correct kernel computed in float32 passes (the old atol 1e-9 rejected it)."""
    assert check_gabor_kernel(lambda *a: _gabor(*a).astype(np.float32), verbose=False)
    assert check_gabor_kernel(lambda *a: torch.tensor(_gabor(*a), dtype=torch.float32),
                              verbose=False)


def test_gabor_reference_prefers_its_own_orientation():
    """A cell built for θ responds more to a bar at θ than to bars at any other angle."""
    from dlsg_utils.exercises.ch07_history import _gabor_kernel

    size = 21
    r = np.arange(size) - (size - 1) / 2
    x, y = np.meshgrid(r, -r)
    angles = np.deg2rad(np.arange(0, 180, 15))
    bars = [np.clip(1.5 - np.abs(-x * np.sin(a) + y * np.cos(a)), 0, 1) for a in angles]
    for k, theta in enumerate(angles):
        g = _gabor_kernel(size, theta, 8.0, 3.5)
        assert abs(g.mean()) < 1e-12 and np.isclose(np.linalg.norm(g), 1.0)
        responses = [float((g * b).sum()) for b in bars]
        assert int(np.argmax(responses)) == k


def test_orientation_checker_accepts_every_representative_modulo_180():
    """−10° and 170° are the same orientation: answers in (−90, 90], in [0, 180), shifted by
    whole turns, in float32 or as a torch tensor all pass."""
    for answer in (lambda r, a: (_circular_mean(r, a) + 90) % 180 - 90,
                   lambda r, a: _circular_mean(r, a) + 540,
                   lambda r, a: _circular_mean(r, a).astype(np.float32),
                   lambda r, a: torch.as_tensor(_circular_mean(r, a))):
        assert check_preferred_orientation(answer, verbose=False)


def test_circular_mean_finds_a_preferred_orientation_between_the_samples():
    """On a 15° grid the argmax misses a 7° preference by 7°, the circular mean finds it
    (to within 0.001°: only the aliased higher harmonics of the tuning curve bias it)."""
    from dlsg_utils.exercises.ch07_history import _preferred_orientation

    angles = np.arange(0, 180, 15.0)
    responses = np.exp(3 * (np.cos(np.deg2rad(2 * (angles - 7.0))) - 1))
    assert abs(angles[np.argmax(responses)] - 7.0) == 7.0
    assert abs(_preferred_orientation(responses, angles) - 7.0) < 1e-3


def test_vgg_reference_gives_the_papers_vgg16_and_vgg19_sizes():
    """Simonyan & Zisserman, Table 2: 138M (D, VGG-16) and 144M (E, VGG-19) parameters."""
    from dlsg_utils.exercises.ch07_history import _vgg_parameters

    d = [64, 64, "M", 128, 128, "M"] + [256] * 3 + ["M"] + [512] * 3 + ["M"] + [512] * 3 + ["M"]
    e = [64, 64, "M", 128, 128, "M"] + [256] * 4 + ["M"] + [512] * 4 + ["M"] + [512] * 4 + ["M"]
    assert _vgg_parameters(d, 224, 4096, 1000) == _vgg(d, 224, 4096, 1000) == 138_357_544
    assert round(_vgg_parameters(e, 224, 4096, 1000) / 1e6) == 144


def _torch_vgg(config, image_size, hidden, n_classes):
    layers, channels = [], 3
    for v in config:
        if v == "M":
            layers.append(torch.nn.MaxPool2d(2, 2))
        else:
            layers += [torch.nn.Conv2d(channels, v, 3, padding=1), torch.nn.ReLU()]
            channels = v
    features = torch.nn.Sequential(*layers)
    flat = features(torch.zeros(1, 3, image_size, image_size)).numel()  # what reaches the fc
    return torch.nn.Sequential(features, torch.nn.Flatten(), torch.nn.Linear(flat, hidden),
                               torch.nn.ReLU(), torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
                               torch.nn.Linear(hidden, n_classes))


def test_reference_vgg_parameters_equal_count_parameters_of_the_torch_network_on_checker_cases():
    """The closed-form count is dlsg_utils.models.count_parameters of the VGG built in torch,
    on 40 of the checker's random configurations (exact integers)."""
    from dlsg_utils.exercises.ch07_history import _case_vgg, _vgg_parameters
    from dlsg_utils.models import count_parameters

    rng = np.random.default_rng(10)
    for _ in range(40):
        case = _case_vgg(rng)
        assert _vgg_parameters(*case) == count_parameters(_torch_vgg(*case)), case


# --- every checker: at least two more correct forms accepted ------------------------------------

def _torch_gabor(size, theta, wavelength, sigma):
    """Rows counted down from the top: y = (size − 1)/2 − row, in torch, float32."""
    idx = torch.arange(size, dtype=torch.float32)
    y, x = torch.meshgrid((size - 1) / 2 - idx, idx - (size - 1) / 2, indexing="ij")
    t = torch.tensor(theta, dtype=torch.float32)
    u, v = x * torch.cos(t) + y * torch.sin(t), -x * torch.sin(t) + y * torch.cos(t)
    g = torch.exp(-(u**2 + v**2) / (2 * sigma**2)) * torch.cos(2 * torch.pi * v / wavelength)
    g = g - g.mean()
    return g / g.norm()


def _complex_mean(responses, angles):
    """The resultant as a complex number: arg Σ r·e^(2iθ) / 2, in (−90°, 90°]."""
    z = (responses * np.exp(2j * np.deg2rad(angles))).sum(-1)
    return np.rad2deg(np.angle(z)) / 2


ALTERNATIVES = {
    check_gabor_kernel: [_torch_gabor, lambda *a: _gabor(*a).tolist()],
    check_preferred_orientation: [_complex_mean, lambda r, a: _circular_mean(r, a) - 180.0,
                                  lambda r, a: torch.tensor(_complex_mean(r, a))],
    check_vgg_parameters: [_loop_vgg, lambda *a: float(_loop_vgg(*a))],
}


def test_checkers_accept_other_correct_forms():
    """torch in float32, lists, complex numbers, any representative modulo 180°, floats."""
    for checker, answers in ALTERNATIVES.items():
        for answer in answers:
            assert checker(answer, verbose=False), checker.__name__


def _spy(checker, reference):
    seen = []

    def spy(*args):
        seen.append(args)
        return reference(*args)

    assert checker(spy, verbose=False)
    return seen


def test_checkers_draw_the_boundaries_of_their_questions():
    """Angles outside (0, π), 3 × 3 filters; two or three sampled angles; pools in a row and
    sizes that pooling floors."""
    seen = _spy(check_gabor_kernel, _gabor)
    assert any(n == 3 for n, *_ in seen) and any(not 0 < t < np.pi for _, t, _, _ in seen)
    seen = _spy(check_preferred_orientation, _circular_mean)
    assert any(len(a) <= 3 for _, a in seen) and any(np.ndim(r) == 3 for r, _ in seen)
    seen = _spy(check_vgg_parameters, _vgg)
    assert any(i % 2 ** c.count("M") for c, i, _, _ in seen)
    assert any("M" not in c or c[0] == "M" for c, *_ in seen)


# --- the chapter's hidden solutions, run as they stand, on the whole domain of each question -----

def _chapter():
    import json
    from pathlib import Path

    path = Path(__file__).parents[1] / "chapters" / "07_from_visual_cortex_to_convnets.ipynb"
    return [("".join(c["source"]), c) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"]


def _solutions():
    namespace = {"np": np, "torch": torch, "F": torch.nn.functional,
                 "print": lambda *a, **k: None}
    for src, _ in _chapter():  # the chapter's cells the solutions build on
        if src.startswith(("def grid(", "def bar(", "g0 = torch.tensor(bank[0])")):
            exec(src, namespace)
    return solution_cells_run("07", namespace, checkers=(
        "check_gabor_kernel", "check_preferred_orientation", "check_vgg_parameters"))


SOLUTIONS = _solutions()


def test_every_hidden_solution_passes_its_checker():
    for checker, name in [(check_gabor_kernel, "gabor_filter"),
                          (check_preferred_orientation, "preferred_orientation"),
                          (check_vgg_parameters, "vgg_parameters")]:
        assert checker(SOLUTIONS[name], verbose=False), name


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 15), st.floats(-10, 10), st.floats(2, 20), st.floats(0.5, 8))
def test_solution_gabor_filter_is_the_reference_for_any_odd_size_and_angle(half, theta, lam, sig):
    size = 2 * half + 1
    np.testing.assert_allclose(SOLUTIONS["gabor_filter"](size, theta, lam, sig),
                               _gabor(size, theta, lam, sig), atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 40), st.lists(st.integers(1, 3), max_size=2), st.integers(0, 2**32 - 1))
def test_solution_preferred_orientation_is_the_circular_mean_for_any_sampling(n, lead, seed):
    rng = np.random.default_rng(seed)
    angles = rng.uniform(0, 180 / n) + np.arange(n) * 180 / n
    responses = rng.uniform(0, 1, size=(*lead, n))
    got, want = SOLUTIONS["preferred_orientation"](responses, angles), _complex_mean(responses,
                                                                                   angles)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(np.cos(np.deg2rad(2 * got)), np.cos(np.deg2rad(2 * want)),
                               atol=1e-9)
    np.testing.assert_allclose(np.sin(np.deg2rad(2 * got)), np.sin(np.deg2rad(2 * want)),
                               atol=1e-9)


_entry = st.one_of(st.just("M"), st.integers(1, 16))


@settings(max_examples=60, deadline=None)
@given(st.lists(_entry, max_size=6), st.integers(0, 40), st.integers(1, 30), st.integers(1, 10))
def test_solution_vgg_parameters_counts_the_torch_network_for_any_configuration(config, extra,
                                                                                hidden, classes):
    size = 2 ** config.count("M") + extra
    assert SOLUTIONS["vgg_parameters"](config, size, hidden, classes) == _vgg(config, size,
                                                                              hidden, classes)


def test_investigate_solution_measures_the_energy_units_phase_tolerance():
    kept = SOLUTIONS["kept"]
    assert kept["energy"][0] > 0.5 > kept["simple cell"][0]  # within ±4 pixels
    assert kept["energy"][1] < 0.1  # the envelope limits it further out
