"""Chapter 8 checkers accept every correct convention and reject known mistakes with their hint."""

from pathlib import Path

import numpy as np
import torch
from checker_harness import checker_tests, solution_cells_run
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils.exercises.ch08_convolution import (
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


def _rows_of_conv1d(image, kernel, *, reverse=True, start=None, same_row=False):
    """Exercise 2 the way it asks: full 1-D convolutions of image rows with kernel rows."""
    (H, W), (kh, kw) = image.shape, kernel.shape
    start = kw - 1 if start is None else start
    out = np.zeros((H - kh + 1, W - kw + 1))
    for y in range(H - kh + 1):
        for i in range(kh):
            full = _loop_conv1d(image[y if same_row else y + i],
                                kernel[i, ::-1] if reverse else kernel[i])
            out[y] += full[start : start + W - kw + 1]
    return out


def _closed_form_for_wide_images(H, W, k):
    """The old hidden solution: right when H and W exceed p = (k − 1)/2, wrong below."""
    p = (k - 1) // 2
    return (H * k - p * (p + 1)) * (W * k - p * (p + 1))


def _probe_connections(H, W, k):
    kernel = np.ones((k, k))
    return int((_probe_matrix(kernel, H, W, padding=(k - 1) // 2) != 0).sum())


def _pairs_per_axis(H, W, k):
    """Count, axis by axis, the (input, output) pairs at most p = (k − 1)/2 apart."""
    p = (k - 1) // 2
    return (sum(abs(a - b) <= p for a in range(H) for b in range(H))
            * sum(abs(a - b) <= p for a in range(W) for b in range(W)))


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
         (lambda im, k: _xcorr(im, k.T), "you transposed the kernel"),
         (lambda im, k: _rows_of_conv1d(im, k, reverse=False), "left-right only"),
         (lambda im, k: _rows_of_conv1d(im, k, start=0), "first W − kw + 1 entries"),
         (lambda im, k: _rows_of_conv1d(im, k, same_row=True), "the same image row")],
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
    from dlsg_utils.exercises.ch08_convolution import _conv_matrix

    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(6, 9)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(_conv_matrix(kernel, 6, 9) @ image.ravel(),
                               _xcorr(image, kernel).ravel(), atol=1e-12)


def test_n_connections_reference_counts_the_nonzeros_of_the_padded_layers_matrix():
    from dlsg_utils.exercises.ch08_convolution import _n_connections

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


def test_reference_conv_matrix_times_an_image_equals_package_conv2d_im2col_on_the_checker_cases():
    """M @ image.ravel() is the package's convolution (im2col, a different implementation from
    the naive loops behind the conv2d_single reference), on 60 of the checker's random cases."""
    from dlsg_utils.conv import conv2d_im2col
    from dlsg_utils.exercises.ch08_convolution import _case_matrix, _conv_matrix

    rng = np.random.default_rng(9)
    for _ in range(60):
        kernel, H, W = _case_matrix(rng)
        image = rng.normal(size=(H, W))
        want = conv2d_im2col(image[None, None], kernel[None, None])[0, 0]
        np.testing.assert_allclose(_conv_matrix(kernel, H, W) @ image.ravel(), want.ravel(),
                                   rtol=1e-12, atol=1e-12)


# --- every checker: at least two more correct forms accepted ------------------------------------

ALTERNATIVES = {
    check_conv1d: [
        lambda f, g: np.polynomial.polynomial.polymul(f, g)[: len(f) + len(g) - 1],
        lambda f, g: torch.nn.functional.conv1d(  # torch cross-correlates: flip g, pad fully
            torch.as_tensor(f)[None, None], torch.as_tensor(g).flip(0)[None, None],
            padding=len(g) - 1)[0, 0],
        lambda f, g: [float(v) for v in _loop_conv1d(f, g)]],
    check_conv2d_single: [_rows_of_conv1d, _torch_xcorr,
                          lambda im, k: _xcorr(im.astype(np.float32), k.astype(np.float32))],
    check_conv_matrix: [
        lambda k, H, W: _probe_matrix(k, H, W).tolist(),
        lambda k, H, W: np.array([np.pad(k, ((y, H - y - k.shape[0]), (z, W - z - k.shape[1])))
                                  .ravel() for y in range(H - k.shape[0] + 1)
                                  for z in range(W - k.shape[1] + 1)])],
    check_n_connections: [_pairs_per_axis, lambda H, W, k: float(_probe_connections(H, W, k))],
}


def test_checkers_accept_other_correct_forms():
    """Lists for arrays, float32, polynomial products, torch, padding each window into place."""
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
    """Lengths 1 and g longer than f; 1 × 1 kernels and kernels as large as the image; k = 1 and
    one-pixel images for the connection count."""
    seen = _spy(check_conv1d, _loop_conv1d)
    assert any(len(f) == 1 for f, _ in seen) and any(len(g) > len(f) for f, g in seen)
    seen = _spy(check_conv2d_single, _xcorr)
    assert any(k.shape[0] == 1 or k.shape[1] == 1 for _, k in seen)
    assert any(k.shape[0] == im.shape[0] for im, k in seen)
    seen = _spy(check_conv_matrix, _probe_matrix)
    assert any(k.shape[0] == H or k.shape[1] == W for k, H, W in seen)
    seen = _spy(check_n_connections, _probe_connections)
    assert any(k == 1 for *_, k in seen) and any(min(H, W) == 1 for H, W, _ in seen)


# --- the chapter's hidden solutions, run as they stand, on the whole domain of each question -----

CHAPTER = Path(__file__).parents[1] / "chapters" / "08_convolution.ipynb"


def _solutions():
    """The namespace the chapter's hidden solution cells define, run in order (checkers
    replaced by no-ops)."""
    return solution_cells_run("08", {"np": np, "torch": torch, "F": torch.nn.functional,
                                     "rng": np.random.default_rng(0)}, checkers=(
        "check_conv1d", "check_conv2d_single", "check_conv_matrix", "check_n_connections"))


SOLUTIONS = _solutions()


def test_every_hidden_solution_passes_its_checker():
    for checker, name in [(check_conv1d, "conv1d"), (check_conv2d_single, "conv2d_single"),
                          (check_conv_matrix, "conv_matrix"),
                          (check_n_connections, "n_connections")]:
        assert checker(SOLUTIONS[name], verbose=False), name


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_solution_conv1d_is_np_convolve_for_any_lengths(n, m, seed):
    rng = np.random.default_rng(seed)
    f, g = rng.normal(size=n), rng.normal(size=m)
    np.testing.assert_allclose(SOLUTIONS["conv1d"](f, g), np.convolve(f, g), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.data())
def test_solution_conv2d_single_built_from_conv1d_is_torchs_for_any_sizes(H, W, data):
    kh, kw = data.draw(st.integers(1, H)), data.draw(st.integers(1, W))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    image, kernel = rng.normal(size=(H, W)), rng.normal(size=(kh, kw))
    np.testing.assert_allclose(SOLUTIONS["conv2d_single"](image, kernel),
                               _torch_xcorr(image, kernel).numpy(), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.data())
def test_solution_conv_matrix_is_the_probed_matrix_for_any_sizes(H, W, data):
    kh, kw = data.draw(st.integers(1, H)), data.draw(st.integers(1, W))
    kernel = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).normal(size=(kh, kw))
    np.testing.assert_allclose(SOLUTIONS["conv_matrix"](kernel, H, W),
                               _probe_matrix(kernel, H, W), atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.integers(0, 15))
def test_solution_n_connections_counts_the_pairs_for_any_image_and_odd_kernel(H, W, half):
    """H = W = 1 with k = 7 included: the old solution gave 25 there instead of 1."""
    k = 2 * half + 1
    assert SOLUTIONS["n_connections"](H, W, k) == _pairs_per_axis(H, W, k)


def test_solution_n_connections_agrees_with_the_padded_layers_matrix_on_small_images():
    for H, W, k in [(1, 1, 7), (2, 2, 7), (1, 5, 9), (3, 3, 3), (6, 4, 1), (5, 7, 5)]:
        assert SOLUTIONS["n_connections"](H, W, k) == _probe_connections(H, W, k)


def test_investigate_solution_measures_the_padding_share_with_a_count_of_ones():
    share = SOLUTIONS["padding_share"]
    assert abs(share(7, 3) - (1 - (19 / 21) ** 2)) < 1e-12  # 7·3 − 1·2 = 19 per axis
    assert share(224, 3) < 0.01 and 1 / (1 - share(7, 3)) - 1 > 0.2  # overstated by > 20%
    assert SOLUTIONS["real_products"](7, 7) == 37 ** 2  # 7·7 − 3·4 = 37 per axis
