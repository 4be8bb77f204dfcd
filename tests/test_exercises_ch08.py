"""Chapter 8 checkers accept every correct convention and reject known mistakes with their hint."""

import numpy as np
import torch
from checker_harness import checker_tests

from dlsg_utils.exercises.convolution import (
    check_conv1d,
    check_conv2d_single,
    check_conv_matrix,
    check_n_connections,
)


def _loop_conv1d(f, g):
    out = np.zeros(len(f) + len(g) - 1)
    for n in range(len(out)):
        for m in range(len(f)):
            if 0 <= n - m < len(g):
                out[n] += f[m] * g[n - m]
    return out


def _xcorr(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    return np.array([[np.sum(image[y : y + kh, z : z + kw] * kernel) for z in range(W - kw + 1)]
                     for y in range(H - kh + 1)])


def _torch_xcorr(image, kernel):
    return torch.nn.functional.conv2d(torch.as_tensor(image)[None, None],
                                      torch.as_tensor(kernel)[None, None])[0, 0]


def _probe_matrix(kernel, H, W, padding=0):
    """Independent of the package: column j is the layer's response to the j-th one-pixel
    image."""
    eye = torch.eye(H * W, dtype=torch.float64).reshape(H * W, 1, H, W)
    out = torch.nn.functional.conv2d(eye, torch.as_tensor(kernel)[None, None], padding=padding)
    return out.reshape(H * W, -1).T.numpy()


def _closed_form_for_wide_images(H, W, k):
    """The old hidden solution: right when H and W exceed p = (k − 1)/2, wrong below."""
    p = (k - 1) // 2
    return (H * k - p * (p + 1)) * (W * k - p * (p + 1))


def _probe_connections(H, W, k):
    kernel = np.ones((k, k))
    return int((_probe_matrix(kernel, H, W, padding=(k - 1) // 2) != 0).sum())


CASES = {
    check_conv1d: (
        _loop_conv1d,
        [(lambda f, g: _loop_conv1d(f, g[::-1]), "no flip"),
         (lambda f, g: np.correlate(f, g, mode="full"), "no flip"),
         (lambda f, g: np.convolve(f, g, mode="valid"), "'valid' part"),
         (lambda f, g: _loop_conv1d(f, g)[:-1], "last entry is missing")],
    ),
    check_conv2d_single: (
        _xcorr,
        [(lambda im, k: _xcorr(im, k[::-1, ::-1]), "you flipped the kernel"),
         (lambda im, k: _xcorr(im, k)[:-1, :-1], "off by one"),
         (lambda im, k: _xcorr(im, k).T, "transposed"),
         (lambda im, k: _xcorr(im, k.T), "you transposed the kernel")],
    ),
    check_conv_matrix: (
        _probe_matrix,
        [(lambda k, H, W: _probe_matrix(k[::-1, ::-1].copy(), H, W), "flipped the kernel"),
         (lambda k, H, W: _probe_matrix(k, H, W).T, "transpose"),
         (lambda k, H, W: _probe_matrix(k.T.copy(), W, H), "column by column")],
    ),
    check_n_connections: (
        _probe_connections,
        [(lambda H, W, k: H * W * k * k, "zero padding"),
         (lambda H, W, k: (H - k + 1) * (W - k + 1) * k * k, "valid convolution"),
         (_closed_form_for_wide_images, "holds only when the axis is wider than p"),
         (lambda H, W, k: H * W * k, "both axes")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_conv2d_single_reference_is_torch_cross_correlation():
    assert check_conv2d_single(lambda im, k: _torch_xcorr(im, k), verbose=False)


def test_conv_checkers_accept_float32_answers():
    """Correct answers computed in float32 pass: the tolerances allow single precision."""
    assert check_conv1d(lambda f, g: _loop_conv1d(f, g).astype(np.float32), verbose=False)
    assert check_conv2d_single(lambda im, k: _torch_xcorr(im, k).float(), verbose=False)
    assert check_conv_matrix(lambda k, H, W: _probe_matrix(k, H, W).astype(np.float32),
                             verbose=False)


def test_conv1d_accepts_the_hand_loop_and_rejects_np_correlate():
    assert check_conv1d(_loop_conv1d, verbose=False)
    assert not check_conv1d(lambda f, g: np.correlate(f, g, mode="full"), verbose=False)


def test_conv_matrix_reference_times_an_image_is_the_convolution():
    from dlsg_utils.exercises.convolution import _conv_matrix

    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(6, 9)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(_conv_matrix(kernel, 6, 9) @ image.ravel(),
                               _xcorr(image, kernel).ravel(), atol=1e-12)


def test_n_connections_reference_counts_the_nonzeros_of_the_padded_layers_matrix():
    from dlsg_utils.exercises.convolution import _n_connections

    for H, W, k in [(8, 8, 3), (28, 28, 3), (5, 11, 5), (7, 9, 7), (9, 9, 9),
                    (1, 1, 7), (2, 3, 7), (1, 12, 9), (3, 2, 5), (4, 1, 9)]:
        assert _n_connections(H, W, k) == _probe_connections(H, W, k)


def test_n_connections_checker_draws_images_narrower_than_the_kernels_reach():
    """Every other case has an axis of fewer than p = (k − 1)/2 pixels, where a closed form
    that is right only for wider images (H = W = 1, k = 7: 25 instead of 1) fails."""
    seen = []

    def spy(H, W, k):
        seen.append((H, W, k))
        return _probe_connections(H, W, k)

    assert check_n_connections(spy, verbose=False)
    assert any(min(H, W) < (k - 1) // 2 for H, W, k in seen)
    assert any(min(H, W) >= k for H, W, k in seen)
    assert _closed_form_for_wide_images(1, 1, 7) == 25 and _probe_connections(1, 1, 7) == 1
    result = check_n_connections(_closed_form_for_wide_images, verbose=False)
    assert not result and result.cases == 1 and "wider than p" in result.message


def test_chapter_8_hidden_solution_of_exercise_4_counts_small_images_right():
    """The solution cell of the chapter, run as it stands, agrees with the probe on images
    smaller than the kernel."""
    import json
    from pathlib import Path

    cells = json.loads((Path(__file__).parents[1] / "chapters" / "08_convolution.ipynb")
                       .read_text())["cells"]
    src = next("".join(c["source"]) for c in cells
               if c["cell_type"] == "code" and "#@title Solution" in "".join(c["source"])
               and "def n_connections" in "".join(c["source"]))
    namespace = {"check_n_connections": lambda fn: None, "print": lambda *a, **k: None}
    exec(src, namespace)
    for H, W, k in [(1, 1, 7), (2, 2, 7), (1, 5, 9), (3, 3, 3), (28, 28, 5)]:
        assert namespace["n_connections"](H, W, k) == _probe_connections(H, W, k)


def test_reference_conv_matrix_times_an_image_equals_package_conv2d_im2col_on_the_checker_cases():
    """M @ image.ravel() is the package's convolution (im2col, a different implementation from
    the naive loops behind the conv2d_single reference), on 60 of the checker's random cases."""
    from dlsg_utils.conv import conv2d_im2col
    from dlsg_utils.exercises.convolution import _case_matrix, _conv_matrix

    rng = np.random.default_rng(9)
    for _ in range(60):
        kernel, H, W = _case_matrix(rng)
        image = rng.normal(size=(H, W))
        want = conv2d_im2col(image[None, None], kernel[None, None])[0, 0]
        np.testing.assert_allclose(_conv_matrix(kernel, H, W) @ image.ravel(), want.ravel(),
                                   rtol=1e-12, atol=1e-12)
