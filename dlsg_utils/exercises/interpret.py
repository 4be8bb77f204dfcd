"""Checkers for chapter 14, "What ConvNets learn": saliency, occlusion and cosine retrieval.

The saliency and occlusion checkers build small random torch networks in float64 (a
convolution, tanh, a linear layer), so every case is different and the answers are exact to
rounding; the retrieval checker uses NumPy arrays.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from . import Mistake, Result, check_function

__all__ = ["check_cosine_neighbours", "check_occlusion", "check_saliency"]


def _random_net(rng: np.random.Generator, c: int, h: int, w: int, k: int) -> nn.Module:
    """conv 3x3 (3 filters, padding 1) -> tanh -> flatten -> linear (k scores), float64, with
    weights drawn from ``rng`` (smooth everywhere, so gradients are unambiguous)."""
    net = nn.Sequential(nn.Conv2d(c, 3, 3, padding=1), nn.Tanh(), nn.Flatten(),
                        nn.Linear(3 * h * w, k)).double()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.from_numpy(rng.normal(0, 0.6, size=tuple(p.shape))))
    return net.eval()


def _as_input(x: torch.Tensor) -> torch.Tensor:
    return x.detach().clone().requires_grad_(True)


# --- exercise 1: a saliency map -----------------------------------------------------------------

def _grad(model, x, target, objective="score"):
    xg = _as_input(x)
    scores = model(xg)
    if objective == "score":
        value = scores[0, target]
    elif objective == "prob":
        value = torch.softmax(scores, dim=1)[0, target]
    else:  # the cross-entropy loss of the target class
        value = -torch.log_softmax(scores, dim=1)[0, target]
    (g,) = torch.autograd.grad(value, xg)
    return g[0]  # (C, H, W)


def _saliency(model, x, target):
    """M[i, j] = max_c |∂S_target/∂x[0, c, i, j]| (Simonyan et al. 2014): shape (H, W)."""
    return _grad(model, x, target).abs().amax(dim=0)


def _case_saliency(rng):
    c = 3
    h, w = int(rng.integers(4, 7)), int(rng.integers(4, 7))
    k = int(rng.integers(3, 6))
    net = _random_net(rng, c, h, w, k)
    x = torch.from_numpy(rng.uniform(0, 1, size=(1, c, h, w)))
    with torch.no_grad():
        predicted = int(net(x).argmax())
    target = (predicted + 1 + int(rng.integers(0, k - 1))) % k  # never the predicted class
    return net, x, target


def _predicted(model, x):
    with torch.no_grad():
        return int(model(x).argmax())


def check_saliency(fn, *, verbose: bool = True) -> Result:
    """``saliency(model, x, target)``: the saliency map (H, W) of the one image ``x``
    (1, C, H, W) for class ``target``: max over channels of |∂ score_target / ∂ x|."""
    return check_function(
        fn, _saliency, _case_saliency, name="saliency", signature="saliency(model, x, target)",
        mistakes=[
            Mistake(lambda m, x, t: _grad(m, x, t).amax(dim=0),
                    "you forgot the absolute value: a pixel matters as much when raising it "
                    "lowers the score as when it raises it. Take |∂S/∂x| before the max over "
                    "channels."),
            Mistake(lambda m, x, t: _grad(m, x, t).abs().sum(dim=0),
                    "you summed |∂S/∂x| over the colour channels; Simonyan et al. take the "
                    "*maximum* over channels."),
            Mistake(lambda m, x, t: _grad(m, x, t).abs().mean(dim=0),
                    "you averaged |∂S/∂x| over the colour channels; take the maximum."),
            Mistake(lambda m, x, t: _grad(m, x, t).amax(dim=0).abs(),
                    "you took the max over channels before the absolute value: take |∂S/∂x| "
                    "first, then the maximum over channels."),
            Mistake(lambda m, x, t: _grad(m, x, t, "prob").abs().amax(dim=0),
                    "you differentiated the softmax probability; differentiate the class "
                    "*score* (the logit, before the softmax)."),
            Mistake(lambda m, x, t: _grad(m, x, t, "loss").abs().amax(dim=0),
                    "you differentiated the cross-entropy loss (−log p); differentiate the "
                    "class *score* (the logit, before the softmax)."),
            Mistake(lambda m, x, t: (_grad(m, x, t) * x[0]).abs().amax(dim=0),
                    "you multiplied the gradient by the input (that is 'gradient × input', "
                    "another method); the saliency map is |∂S/∂x| alone."),
            Mistake(lambda m, x, t: _saliency(m, x, _predicted(m, x)),
                    "you used the predicted class; use the score of the class `target` you "
                    "were given."),
            Mistake(lambda m, x, t: _saliency(m, x, t)[None],
                    "return one map of shape (H, W): drop the batch dimension."),
        ],
        verbose=verbose,
    )


# --- exercise 2: an occlusion map ---------------------------------------------------------------

def _occlusion(model, x, target, patch, stride, *, what="prob", last=True, channels=None,
               step=None, fill=0.0):
    """p[i, j] = softmax(model(x with x[..., i*s:i*s+patch, j*s:j*s+patch] = fill))[target]."""
    _, c, h, w = x.shape
    s = stride if step is None else step
    end = 1 if last else 0
    rows, cols = range(0, h - patch + end, s), range(0, w - patch + end, s)
    out = np.zeros((len(rows), len(cols)))
    with torch.no_grad():
        for a, i in enumerate(rows):
            for b, j in enumerate(cols):
                xo = x.clone()
                xo[:, slice(None) if channels is None else channels,
                   i:i + patch, j:j + patch] = fill
                scores = model(xo)
                if what == "prob":
                    out[a, b] = float(torch.softmax(scores, dim=1)[0, target])
                elif what == "score":
                    out[a, b] = float(scores[0, target])
                else:  # log-probability
                    out[a, b] = float(torch.log_softmax(scores, dim=1)[0, target])
    return out


def _reference_occlusion(model, x, target, patch, stride):
    return _occlusion(model, x, target, patch, stride)


def _case_occlusion(rng):
    c = 2
    patch, stride = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    # (H - patch) divisible by stride, so forgetting the last position changes the shape;
    # H != W, so swapping rows and columns changes it too
    h = patch + stride * int(rng.integers(2, 4))
    w = h + stride * int(rng.integers(1, 3))
    k = int(rng.integers(3, 6))
    net = _random_net(rng, c, h, w, k)
    x = torch.from_numpy(rng.uniform(0.2, 1, size=(1, c, h, w)))
    return net, x, int(rng.integers(0, k)), patch, stride


def _drop(m, x, t, p, s):
    with torch.no_grad():
        p0 = float(torch.softmax(m(x), dim=1)[0, t])
    return p0 - _occlusion(m, x, t, p, s)


def check_occlusion(fn, *, verbose: bool = True) -> Result:
    """``occlusion(model, x, target, patch, stride)``: for the one image ``x`` (1, C, H, W),
    the softmax probability of ``target`` with a ``patch`` x ``patch`` square of zeros at rows
    ``i*stride : i*stride+patch`` and columns ``j*stride : j*stride+patch``, for every position
    that fits: shape ((H − patch)//stride + 1, (W − patch)//stride + 1)."""
    return check_function(
        fn, _reference_occlusion, _case_occlusion, name="occlusion",
        signature="occlusion(model, x, target, patch, stride)",
        mistakes=[
            Mistake(lambda m, x, t, p, s: _occlusion(m, x, t, p, s, what="score"),
                    "you returned the class score (logit); apply the softmax and return the "
                    "probability of `target`."),
            Mistake(lambda m, x, t, p, s: _occlusion(m, x, t, p, s, what="logp"),
                    "you returned the log-probability; return the probability itself."),
            Mistake(_drop,
                    "you returned the *drop* in probability (p_original − p_occluded); return "
                    "the probability with the patch in place."),
            Mistake(lambda m, x, t, p, s: _occlusion(m, x, t, p, s, last=False),
                    "you missed the last position along each axis: a patch fits at rows "
                    "0, s, …, up to H − patch *inclusive*, i.e. range(0, H - patch + 1, stride)."),
            Mistake(lambda m, x, t, p, s: _occlusion(m, x, t, p, s).T,
                    "rows and columns are swapped: entry [i, j] is the patch at row i·stride, "
                    "column j·stride, so the map has (H − patch)//stride + 1 rows."),
            Mistake(lambda m, x, t, p, s: _occlusion(m, x, t, p, s, step=1),
                    "you moved the patch one pixel at a time; move it by `stride` pixels."),
            Mistake(lambda m, x, t, p, s: _occlusion(m, x, t, p, s, channels=0),
                    "you zeroed only the first channel; the square covers every channel "
                    "(x[:, :, rows, cols] = 0)."),
            Mistake(lambda m, x, t, p, s: _occlusion(m, x, t, p, s, fill=1.0),
                    "you filled the square with ones; fill it with zeros."),
        ],
        verbose=verbose,
    )


# --- exercise 3: cosine nearest neighbours ------------------------------------------------------

def _unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def _top(score, k, largest=True):
    order = np.argsort(-score if largest else score, axis=1, kind="stable")
    return order[:, :k]


def _cosine_neighbours(Q, D, k):
    """Indices (Q, k) of the k database rows with the largest cosine similarity, best first."""
    return _top(_unit(Q) @ _unit(D).T, k)


def _case_neighbours(rng):
    n_q, n_d, dim = int(rng.integers(2, 6)), int(rng.integers(8, 15)), int(rng.integers(3, 7))
    k = int(rng.integers(2, 5))
    # rows of very different lengths, so the dot product and the distance rank differently
    Q = rng.normal(size=(n_q, dim)) * rng.lognormal(0, 1, size=(n_q, 1))
    D = rng.normal(size=(n_d, dim)) * rng.lognormal(0, 1, size=(n_d, 1))
    return Q, D, k


def _euclid(Q, D, k):
    return _top(((Q[:, None, :] - D[None]) ** 2).sum(-1), k, largest=False)


def check_cosine_neighbours(fn, *, verbose: bool = True) -> Result:
    """``cosine_neighbours(Q, D, k)``: for each row of ``Q`` (n_q, dim) the indices of the
    ``k`` rows of ``D`` (n_d, dim) with the largest cosine similarity, most similar first:
    an int array (n_q, k)."""
    return check_function(
        fn, _cosine_neighbours, _case_neighbours, name="cosine_neighbours",
        signature="cosine_neighbours(Q, D, k)",
        mistakes=[
            Mistake(lambda Q, D, k: _top(Q @ D.T, k),
                    "you ranked by the plain dot product: divide each database vector by its "
                    "length too (cosine = q·d / (|q| |d|)); otherwise long vectors win."),
            Mistake(_euclid,
                    "you ranked by Euclidean distance; cosine similarity compares directions "
                    "only: normalise both sets of rows to unit length first."),
            Mistake(lambda Q, D, k: _top(_unit(Q) @ _unit(D).T, k, largest=False),
                    "you returned the *least* similar rows: sort by decreasing cosine "
                    "similarity (or increasing cosine distance 1 − cos)."),
            Mistake(lambda Q, D, k: _cosine_neighbours(Q, D, k)[:, ::-1],
                    "right neighbours, wrong order: list them most similar first."),
            Mistake(lambda Q, D, k: np.sort(_unit(Q) @ _unit(D).T, axis=1)[:, ::-1][:, :k],
                    "you returned the similarities; return the *indices* of the rows of D."),
            Mistake(lambda Q, D, k: _top(_unit(Q) @ _unit(D).T, k + 1)[:, 1:],
                    "you dropped the most similar row: only drop it when the query is itself "
                    "in the database (here it is not)."),
        ],
        verbose=verbose,
    )
