"""Chapter 14 checkers accept every correct convention and reject known-wrong answers with
their hint."""

import numpy as np
import pytest
import torch
from checker_harness import checker_tests, solution_function
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsg_utils import visualize as V
from dlsg_utils.exercises.ch14_interpret import (
    check_linear_ascent,
    check_occlusion,
    check_precision_at_k,
    check_receptive_field_geometry,
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
    check_receptive_field_geometry: (
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
        _ascent_closed,
        [(lambda w, l2, lr, t: w / l2 * (1 - (1 - lr * l2) ** t), "not l2·I"),
         (lambda w, l2, lr, t: w / (2 * l2), "the limit"),
         (lambda w, l2, lr, t: lr * t * w, "left out the penalty"),
         (lambda w, l2, lr, t: _ascent_closed(w, l2, lr, t + 1), "off by one step"),
         (lambda w, l2, lr, t: _ascent_closed(w, l2, lr, t - 1), "off by one step")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_receptive_field_checker_accepts_a_list_and_the_output_to_input_recurrence():
    assert check_receptive_field_geometry(_receptive_field_list, verbose=False)
    assert check_receptive_field_geometry(_receptive_field, verbose=False)


def test_precision_checker_accepts_torch_and_numpy_answers():
    assert check_precision_at_k(_precision_torch, verbose=False)
    assert check_precision_at_k(_precision_loop, verbose=False)


def test_linear_ascent_closed_form_equals_the_loop_of_the_class_model_section():
    """The closed form is the loop's result; the loop itself is the definition, checked here on
    the checker's short horizons (the checker also asks for up to 10⁹ steps, out of a loop's
    reach)."""
    from dlsg_utils.exercises.ch14_interpret import _case_linear_ascent, _reference_linear_ascent

    rng = np.random.default_rng(18)
    for _ in range(30):
        w, l2, lr, steps = _case_linear_ascent(rng)
        np.testing.assert_allclose(_ascent_loop(w, l2, lr, steps),
                                   _reference_linear_ascent(w, l2, lr, steps), rtol=1e-10)


def test_linear_ascent_checker_asks_for_horizons_a_loop_cannot_reach_cheaply():
    from dlsg_utils.exercises.ch14_interpret import _case_linear_ascent, _case_linear_ascent_any
    from dlsg_utils.exercises.engine import cycle_cases

    draw, rng = cycle_cases(_case_linear_ascent, _case_linear_ascent_any), np.random.default_rng(0)
    steps = [draw(rng)[3] for _ in range(24)]  # the checker's own seed and number of cases
    assert sum(t >= 10**6 for t in steps) >= 5 and min(steps) <= 1


def test_receptive_field_of_the_chapters_conv2_is_10_pixels_with_jump_2_from_pixel_minus_4():
    # conv1 5x5 pad 2, pool 2x2 stride 2, conv2 3x3 pad 1: the worked example of the chapter
    from dlsg_utils.exercises.ch14_interpret import _reference_rf

    assert _reference_rf([(5, 1, 2), (2, 2, 0), (3, 1, 1)]).tolist() == [10, 2, -4]


def test_package_functions_pass_the_checkers():
    assert check_saliency(lambda m, x, t: V.saliency_map(m, x, t)[0], verbose=False)


def test_package_occlusion_map_passes_the_checker_in_float32_tolerance():
    from dlsg_utils.exercises import check_function
    from dlsg_utils.exercises.ch14_interpret import _case_occlusion, _reference_occlusion

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
    from dlsg_utils.exercises.ch14_interpret import _case_rf, _reference_rf

    rng = np.random.default_rng(16)
    for _ in range(60):
        (layers,) = _case_rf(rng)
        size, jump, _ = _reference_rf(layers)
        assert size == receptive_field([(k, s) for k, s, _ in layers])
        assert jump == np.prod([s for _, s, _ in layers])


def test_reference_linear_ascent_equals_the_packages_class_model_on_a_linear_score():
    """The closed form is what dlsg_utils.visualize.class_model computes for a linear score
    S(I) = Σ w·I (a float64 linear layer), from the zero image, on 20 of the checker's cases."""
    from dlsg_utils.exercises.ch14_interpret import _case_linear_ascent, _reference_linear_ascent

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


# --- the hidden solutions, taken from the chapter, on the question's whole domain ---------------

def _solution(name):
    """The function ``name`` as the chapter's hidden solution cell defines it (only its ``def``
    runs here, not the measurements that follow it in the cell)."""
    return solution_function("14", name, {"np": np, "torch": torch})


SOLVED = {"saliency": check_saliency, "occlusion": check_occlusion,
          "receptive_field": check_receptive_field_geometry, "precision_at_k": check_precision_at_k,
          "linear_ascent": check_linear_ascent}


@pytest.mark.parametrize("name", SOLVED)
def test_hidden_solution_of_the_chapter_passes_its_checker(name):
    result = SOLVED[name](_solution(name), verbose=False)
    assert result, result.message


def test_every_solution_cell_follows_its_exercise_stub():
    """The reader meets the stub first: in every exercise the hidden solution comes after the
    cell that raises NotImplementedError for the same function."""
    import json
    from pathlib import Path

    path = Path(__file__).parents[1] / "chapters" / "14_what_convnets_learn.ipynb"
    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    for name in SOLVED:
        stub = next(i for i, c in enumerate(cells)
                    if f"def {name}(" in c and "raise NotImplementedError" in c)
        solution = next(i for i, c in enumerate(cells)
                        if f"def {name}(" in c and c.startswith("#@title Solution"))
        assert stub < solution, name


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 8), st.integers(1, 5),
       st.integers(0, 2**32 - 1))
def test_occlusion_solution_is_right_for_every_patch_and_stride(h, w, patch, stride, seed):
    from dlsg_utils.exercises.ch14_interpret import _random_net, _reference_occlusion

    patch = min(patch, h, w)
    rng = np.random.default_rng(seed)
    net = _random_net(rng, 2, h, w, 3)
    x = torch.from_numpy(rng.uniform(size=(1, 2, h, w)))
    np.testing.assert_allclose(_solution("occlusion")(net, x, 1, patch, stride),
                               _reference_occlusion(net, x, 1, patch, stride), rtol=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 9), st.integers(1, 4), st.integers(0, 4)),
                min_size=0, max_size=8))
def test_receptive_field_solution_is_right_on_every_stack(layers):
    from dlsg_utils.exercises.ch14_interpret import _reference_rf

    assert list(_solution("receptive_field")(layers)) == _reference_rf(layers).tolist()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10), st.integers(1, 12), st.integers(2, 10), st.integers(0, 2**32 - 1))
def test_precision_solution_is_right_on_every_retrieval(n_q, k, classes, seed):
    from dlsg_utils.exercises.ch14_interpret import _precision_at_k

    rng = np.random.default_rng(seed)
    y_db = torch.from_numpy(rng.integers(0, classes, size=k + 5))
    y_query = torch.from_numpy(rng.integers(0, classes, size=n_q))
    idx = torch.from_numpy(np.stack([rng.permutation(k + 5)[:k] for _ in range(n_q)]))
    np.testing.assert_allclose(_solution("precision_at_k")(idx, y_query, y_db),
                               _precision_at_k(idx, y_query, y_db), rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-9, 0.999), st.floats(0.01, 1.0), st.integers(0, 10**9))
def test_linear_ascent_solution_is_right_for_every_rate_and_horizon(rate, l2, steps):
    from dlsg_utils.exercises.ch14_interpret import _reference_linear_ascent

    w = np.array([1.0, -2.0, 0.5])
    lr = rate / (2 * l2)
    np.testing.assert_allclose(_solution("linear_ascent")(w, l2, lr, steps),
                               _reference_linear_ascent(w, l2, lr, steps), rtol=1e-5, atol=1e-12)


# --- alternative correct forms each checker accepts ---------------------------------------------

def _saliency_by_jacobian(model, x, target):
    jac = torch.autograd.functional.jacobian(lambda inp: model(inp)[0, target], x)
    return jac[0].abs().max(dim=0).values.numpy()


def _saliency_by_backward_of_one_hot(model, x, target):
    x = x.detach().clone().requires_grad_(True)
    scores = model(x)
    scores.backward(torch.nn.functional.one_hot(torch.tensor([target]), scores.shape[1]).double())
    return torch.stack([x.grad[0, c].abs() for c in range(x.shape[1])]).max(dim=0).values


def _occlusion_numpy(model, x, target, patch, stride):
    H, W = x.shape[2:]
    out = []
    for i in range(0, H - patch + 1, stride):
        row = []
        for j in range(0, W - patch + 1, stride):
            mask = torch.ones_like(x)
            mask[..., i:i + patch, j:j + patch] = 0
            with torch.no_grad():
                row.append(torch.softmax(model(x * mask), 1)[0, target].item())
        out.append(row)
    return np.array(out)


def _occlusion_batched(model, x, target, patch, stride):
    H, W = x.shape[2:]
    n_rows, n_cols = (H - patch) // stride + 1, (W - patch) // stride + 1
    batch = x.repeat(n_rows * n_cols, 1, 1, 1)
    for n in range(n_rows * n_cols):
        i, j = divmod(n, n_cols)
        batch[n, :, i * stride:i * stride + patch, j * stride:j * stride + patch] = 0
    with torch.no_grad():
        return torch.softmax(model(batch), 1)[:, target].reshape(n_rows, n_cols)


def _precision_running_loop(idx, y_query, y_db):
    out = np.zeros(idx.shape[1])
    for row, q in zip(np.asarray(idx), np.asarray(y_query), strict=True):
        hits = 0
        for k, i in enumerate(row, start=1):
            hits += int(np.asarray(y_db)[i] == q)
            out[k - 1] += hits / k / len(idx)
    return out.tolist()


def _ascent_torch(w, l2, lr, steps):
    w = torch.as_tensor(w, dtype=torch.float64)
    return w / (2 * l2) * -torch.expm1(steps * torch.log1p(torch.tensor(-2 * lr * l2)))


ALTERNATIVES = {
    check_saliency: [_saliency_by_jacobian, _saliency_by_backward_of_one_hot],
    check_occlusion: [_occlusion_numpy, _occlusion_batched],
    check_receptive_field_geometry: [_receptive_field_list, _receptive_field],
    check_precision_at_k: [_precision_torch, _precision_running_loop],
    check_linear_ascent: [_ascent_torch,
                          lambda w, l2, lr, t: np.asarray(w) * (1 - np.exp(t * np.log(1 - 2 * lr * l2)))
                          / (2 * l2)],
}


@pytest.mark.parametrize("checker, answer",
                         [(c, a) for c, answers in ALTERNATIVES.items() for a in answers],
                         ids=lambda v: getattr(v, "__name__", "")[:30])
def test_checker_accepts_an_alternative_correct_form(checker, answer):
    result = checker(answer, verbose=False)
    assert result, result.message


def test_every_checker_has_three_named_mistakes_and_two_alternative_forms():
    assert all(len(CASES[c][1]) >= 3 and len(ALTERNATIVES[c]) >= 2 for c in CASES)
