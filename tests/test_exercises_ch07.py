"""Chapter 7 checkers accept every correct convention and reject known mistakes with their hint."""

import numpy as np
import torch
from checker_harness import checker_tests

from dlsg_utils.exercises.history import (
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
         (lambda c, i, h, k: _vgg(c, i, h, k, in_channels=1), "3 input channels")],
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
    from dlsg_utils.exercises.history import _gabor_kernel

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
    from dlsg_utils.exercises.history import _preferred_orientation

    angles = np.arange(0, 180, 15.0)
    responses = np.exp(3 * (np.cos(np.deg2rad(2 * (angles - 7.0))) - 1))
    assert abs(angles[np.argmax(responses)] - 7.0) == 7.0
    assert abs(_preferred_orientation(responses, angles) - 7.0) < 1e-3


def test_vgg_reference_gives_the_papers_vgg16_and_vgg19_sizes():
    """Simonyan & Zisserman, Table 2: 138M (D, VGG-16) and 144M (E, VGG-19) parameters."""
    from dlsg_utils.exercises.history import _vgg_parameters

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
    from dlsg_utils.exercises.history import _case_vgg, _vgg_parameters
    from dlsg_utils.models import count_parameters

    rng = np.random.default_rng(10)
    for _ in range(40):
        case = _case_vgg(rng)
        assert _vgg_parameters(*case) == count_parameters(_torch_vgg(*case)), case
