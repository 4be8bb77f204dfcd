"""Chapter 14 checkers accept the reference and reject known-wrong answers with their hint."""

import numpy as np
import torch
from checker_harness import checker_tests

from dlsg_utils import visualize as V
from dlsg_utils.exercises.interpret import (
    check_cosine_neighbours,
    check_occlusion,
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


def _cosine(Q, D, k):
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    Dn = D / np.linalg.norm(D, axis=1, keepdims=True)
    return np.argsort(-(Qn @ Dn.T), axis=1)[:, :k]


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
    check_cosine_neighbours: (
        _cosine,
        [(lambda Q, D, k: np.argsort(-(Q @ D.T), axis=1)[:, :k], "plain dot product"),
         (lambda Q, D, k: np.argsort(((Q[:, None] - D[None]) ** 2).sum(-1), axis=1)[:, :k],
          "Euclidean distance"),
         (lambda Q, D, k: _cosine(Q, D, k)[:, ::-1], "wrong order"),
         (lambda Q, D, k: _cosine(Q, D, len(D))[:, ::-1][:, :k], "*least* similar"),
         (lambda Q, D, k: _cosine(Q, D, k + 1)[:, 1:], "dropped the most similar row")],
    ),
}


(test_checker_accepts_the_reference,
 test_checker_rejects_a_known_mistake_with_its_hint,
 test_checker_reports_a_wrong_signature_without_raising,
 test_checker_reports_an_unattempted_stub) = checker_tests(CASES)


def test_package_functions_pass_the_checkers():
    assert check_saliency(lambda m, x, t: V.saliency_map(m, x, t)[0], verbose=False)
    assert check_cosine_neighbours(
        lambda Q, D, k: V.nearest_neighbours(Q, D, k, "cosine")[0], verbose=False)


def test_package_occlusion_map_passes_the_checker_in_float32_tolerance():
    from dlsg_utils.exercises import check_function
    from dlsg_utils.exercises.interpret import _case_occlusion, _reference_occlusion

    result = check_function(
        lambda m, x, t, p, s: V.occlusion_map(m, x, t, patch=p, stride=s),
        _reference_occlusion, _case_occlusion, name="occlusion",
        signature="occlusion(model, x, target, patch, stride)", rtol=1e-4, atol=1e-6,
        verbose=False)
    assert result, result.message
