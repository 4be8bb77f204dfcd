"""Chapter 14 checkers accept every correct convention and reject known-wrong answers with
their hint."""

import numpy as np
import torch
from checker_harness import checker_tests

from dlsg_utils import visualize as V
from dlsg_utils.exercises.interpret import (
    check_linear_ascent,
    check_occlusion,
    check_precision_at_k,
    check_receptive_field,
    check_saliency,
)


def _grad(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    model(x)[0, target].backward()
    return x.grad[0]


def _saliency(model, x, target):
    return _grad(model, x, target).abs().max(dim=0).values


def _occlusion(model, x, target, patch, stride, fill=0.0, probs=True):
    H, W = x.shape[2:]
    rows = list(range(0, H - patch + 1, stride))
    cols = list(range(0, W - patch + 1, stride))
    out = torch.zeros(len(rows), len(cols), dtype=torch.float64)
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            xo = x.clone()
            xo[:, :, i:i + patch, j:j + patch] = fill
            with torch.no_grad():
                s = model(xo)
            out[a, b] = torch.softmax(s, 1)[0, target] if probs else s[0, target]
    return out


def _receptive_field(layers):
    """Written from the output back to the input: r ← s·r + (k − s), f ← s·f − p."""
    size, first = 1, 0
    for k, s, p in reversed(layers):
        size, first = s * size + (k - s), s * first - p
    return size, int(np.prod([s for _, s, _ in layers])), first


def _receptive_field_list(layers):
    r, j, f = 1, 1, 0
    for k, s, p in layers:
        r, f, j = r + (k - 1) * j, f - p * j, j * s
    return [r, j, f]


def _precision_loop(idx, y_query, y_db):
    idx, yq, yd = np.asarray(idx), np.asarray(y_query), np.asarray(y_db)
    return [np.mean([np.mean(yd[row[:k]] == q) for row, q in zip(idx, yq, strict=True)])
            for k in range(1, idx.shape[1] + 1)]


def _precision_torch(idx, y_query, y_db):
    hits = (y_db[idx] == y_query[:, None]).float()
    return hits.cumsum(1).mean(0) / torch.arange(1, idx.shape[1] + 1)


def _ascent_loop(w, l2, lr, steps):
    img = np.zeros_like(w)
    for _ in range(steps):
        img = img + lr * (w - 2 * l2 * img)
    return img


def _ascent_closed(w, l2, lr, steps):
    return w / (2 * l2) * (1 - (1 - 2 * lr * l2) ** steps)


def _rf_wrong(layers, grow):
    r, j = 1, 1
    f = 0
    for k, s, p in layers:
        r += (k - 1) * (s if grow == "stride" else 1)
        f -= p * j
        j *= s
    return (r, j, f)


def _rf_jump_first(layers):
    r, j, f = 1, 1, 0
    for k, s, p in layers:
        j *= s
        r, f = r + (k - 1) * j, f - p * j
    return (r, j, f)


CASES = {
    check_saliency: (
        _saliency,
        [(lambda m, x, t: _grad(m, x, t).max(dim=0).values, "forgot the absolute value"),
         (lambda m, x, t: _grad(m, x, t).abs().sum(dim=0), "summed |∂S/∂x| over the colour"),
         (lambda m, x, t: _saliency(m, x, int(m(x).argmax())), "used the predicted class"),
         (lambda m, x, t: (_grad(m, x, t) * x[0]).abs().max(dim=0).values, "gradient × input"),
         (lambda m, x, t: _saliency(m, x, t)[None], "drop the batch dimension")],
    ),
    check_occlusion: (
        _occlusion,
        [(lambda m, x, t, p, s: _occlusion(m, x, t, p, s, probs=False), "class score (logit)"),
         (lambda m, x, t, p, s: _occlusion(m, x, t, p, s).T, "rows and columns are swapped"),
         (lambda m, x, t, p, s: _occlusion(m, x, t, p, 1), "one pixel at a time"),
         (lambda m, x, t, p, s: _occlusion(m, x, t, p, s, fill=1.0), "filled the square with ones"),
         (lambda m, x, t, p, s: _occlusion(m, x, t, p, s)[:-1, :-1], "missed the last position")],
    ),
    check_receptive_field: (
        _receptive_field,
        [(lambda layers: _rf_wrong(layers, "stride"), "*this layer's* stride"),
         (lambda layers: _rf_wrong(layers, "one"), "as if every stride were 1"),
         (lambda layers: (lambda r, j, f: (r + len(layers), j, f))(*_receptive_field(layers)),
          "one too large per layer"),
         (_rf_jump_first, "*before* using it"),
         (lambda layers: (lambda r, j, f: (r, j, 0))(*_receptive_field(layers)),
          "you ignored the padding"),
         (lambda layers: (lambda r, j, f: (r, j, -sum(p for _, _, p in layers)))(
             *_receptive_field(layers)), "padding × jump")],
    ),
    check_precision_at_k: (
        _precision_loop,
        [(lambda i, q, d: (d[i] == q[:, None]).float().mean(0), "k-th neighbour alone"),
         (lambda i, q, d: (d[i] == q[:, None]).float().cumsum(1).mean(0), "*number*"),
         (lambda i, q, d: ((d[i] == q[:, None]).float().cumsum(1)
                           / torch.arange(2, i.shape[1] + 2)).mean(0), "off by one"),
         (lambda i, q, d: np.full(i.shape[1], float((d[i] == q[:, None]).float().mean())),
          "one number for every k")],
    ),
    check_linear_ascent: (
        _ascent_loop,
        [(lambda w, l2, lr, t: w / l2 * (1 - (1 - lr * l2) ** t), "not l2·I"),
         (lambda w, l2, lr, t: w / (2 * l2), "the limit"),
         (lambda w, l2, lr, t: lr * t * w, "left out the penalty"),
         (lambda w, l2, lr, t: _ascent_loop(w, l2, lr, t + 1), "off by one step"),
         (lambda w, l2, lr, t: _ascent_loop(w, l2, lr, t - 1), "off by one step")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_receptive_field_checker_accepts_a_list_and_the_output_to_input_recurrence():
    assert check_receptive_field(_receptive_field_list, verbose=False)
    assert check_receptive_field(_receptive_field, verbose=False)


def test_precision_checker_accepts_torch_and_numpy_answers():
    assert check_precision_at_k(_precision_torch, verbose=False)
    assert check_precision_at_k(_precision_loop, verbose=False)


def test_linear_ascent_checker_accepts_the_closed_form_and_the_loop():
    assert check_linear_ascent(_ascent_closed, verbose=False)
    assert check_linear_ascent(_ascent_loop, verbose=False)


def test_receptive_field_of_the_chapters_conv2_is_10_pixels_with_jump_2_from_pixel_minus_4():
    # conv1 5x5 pad 2, pool 2x2 stride 2, conv2 3x3 pad 1: the worked example of the chapter
    from dlsg_utils.exercises.interpret import _reference_rf

    assert _reference_rf([(5, 1, 2), (2, 2, 0), (3, 1, 1)]).tolist() == [10, 2, -4]


def test_package_functions_pass_the_checkers():
    assert check_saliency(lambda m, x, t: V.saliency_map(m, x, t)[0], verbose=False)


def test_package_occlusion_map_passes_the_checker_in_float32_tolerance():
    from dlsg_utils.exercises import check_function
    from dlsg_utils.exercises.interpret import _case_occlusion, _reference_occlusion

    result = check_function(
        lambda m, x, t, p, s: V.occlusion_map(m, x, t, patch=p, stride=s),
        _reference_occlusion, _case_occlusion, name="occlusion",
        signature="occlusion(model, x, target, patch, stride)", rtol=1e-4, atol=1e-6,
        verbose=False)
    assert result, result.message


def test_reference_rf_size_and_jump_equal_the_packages_receptive_field_and_stride_product():
    """Size and jump of the (size, jump, start) reference are conv.receptive_field of the (k, s)
    pairs and the product of the strides, on 60 of the checker's random stacks."""
    from dlsg_utils.conv import receptive_field
    from dlsg_utils.exercises.interpret import _case_rf, _reference_rf

    rng = np.random.default_rng(16)
    for _ in range(60):
        (layers,) = _case_rf(rng)
        size, jump, _ = _reference_rf(layers)
        assert size == receptive_field([(k, s) for k, s, _ in layers])
        assert jump == np.prod([s for _, s, _ in layers])


def test_reference_linear_ascent_equals_the_packages_class_model_on_a_linear_score():
    """The closed form is what dlsg_utils.visualize.class_model computes for a linear score
    S(I) = Σ w·I (a float64 linear layer), from the zero image, on 20 of the checker's cases."""
    from dlsg_utils.exercises.interpret import _case_linear_ascent, _reference_linear_ascent

    rng = np.random.default_rng(17)
    for _ in range(20):
        w, l2, lr, steps = _case_linear_ascent(rng)
        layer = torch.nn.Linear(w.size, 2, bias=False).double()
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(np.stack([rng.normal(size=w.size), w.ravel()])))
        model = torch.nn.Sequential(torch.nn.Flatten(), layer)
        image, _ = V.class_model(model, 1, w.shape, steps=steps, lr=lr, l2=l2)
        np.testing.assert_allclose(image.numpy(), _reference_linear_ascent(w, l2, lr, steps),
                                   rtol=1e-9, atol=1e-12)
