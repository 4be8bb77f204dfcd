"""Checkers for chapter 14, "What ConvNets learn": saliency, occlusion, receptive fields,
retrieval quality at every k, and the class model of a linear score.

The saliency and occlusion checkers build small random torch networks in float64 (a
convolution, tanh, a linear layer), so every case is different and the answers are exact to
rounding; the others draw random layer stacks, labels and weights.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .engine import Mistake, Result, check_function, cycle_cases

__all__ = ["check_linear_ascent", "check_occlusion", "check_precision_at_k", "check_receptive_field_geometry",
           "check_saliency"]


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


def _case_saliency_any(rng):
    """Any image and class: one or three channels, the predicted class too, from 1×1 up."""
    c = int(rng.choice([1, 3]))
    h, w = int(rng.integers(1, 8)), int(rng.integers(1, 8))
    k = int(rng.integers(2, 6))
    net = _random_net(rng, c, h, w, k)
    x = torch.from_numpy(rng.normal(0, 1, size=(1, c, h, w)))
    return net, x, int(rng.integers(0, k))


def _predicted(model, x):
    with torch.no_grad():
        return int(model(x).argmax())


def check_saliency(fn, *, verbose: bool = True) -> Result:
    """``saliency(model, x, target)``: the saliency map (H, W) of the one image ``x``
    (1, C, H, W) for class ``target``: max over channels of |∂ score_target / ∂ x|."""
    return check_function(
        fn, _saliency, cycle_cases(_case_saliency, _case_saliency_any),
        signature="saliency(model, x, target)", n_cases=30,
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


def _case_occlusion_any(rng):
    """Any patch and stride: as large as the image, strides not dividing H − patch or > patch."""
    c = int(rng.choice([1, 3]))
    h, w = int(rng.integers(1, 9)), int(rng.integers(1, 9))
    patch = int(rng.integers(1, min(h, w) + 1))
    k = int(rng.integers(2, 6))
    net = _random_net(rng, c, h, w, k)
    x = torch.from_numpy(rng.uniform(0.2, 1, size=(1, c, h, w)))
    return net, x, int(rng.integers(0, k)), patch, int(rng.integers(1, 5))


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
        fn, _reference_occlusion, cycle_cases(_case_occlusion, _case_occlusion_any),
        signature="occlusion(model, x, target, patch, stride)", n_cases=30,
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


# --- exercise 3: the receptive field of a stack of layers -----------------------------------------

def _rf(layers, *, grow="jump", start="jump", update_first=False):
    """(size, jump, start) of one output unit of ``layers`` [(kernel, stride, padding), ...]."""
    size, jump, first = 1, 1, 0
    for k, s, p in layers:
        if update_first:
            jump *= s
        size += (k - 1) * (jump if grow == "jump" else s if grow == "stride" else 1)
        first -= p * (jump if start == "jump" else 1 if start == "padding" else 0)
        if not update_first:
            jump *= s
    return np.array([size, jump, first])


def _reference_rf(layers):
    """Size r, jump j and first pixel f of a unit's receptive field, layer by layer from the
    input (r = 1, j = 1, f = 0): r += (k − 1)·j; f −= p·j; then j *= s."""
    return _rf(layers)


def _case_rf(rng):
    n = int(rng.integers(2, 6))
    layers = [(int(rng.integers(1, 8)), int(rng.integers(1, 4)), int(rng.integers(0, 4)))
              for _ in range(n)]
    # a stride > 1 before a kernel > 1, so forgetting the jump always shows
    i = int(rng.integers(0, n - 1))
    layers[i] = (layers[i][0], int(rng.integers(2, 4)), layers[i][2])
    layers[i + 1] = (int(rng.integers(2, 8)), layers[i + 1][1], int(rng.integers(1, 4)))
    return (layers,)


def _case_rf_any(rng):
    """Any stack: one layer, all strides 1, windows equal to strides, 1×1 kernels, paddings."""
    layers = []
    for _ in range(int(rng.integers(1, 7))):
        s = int(rng.integers(1, 4))
        k = s if rng.random() < 0.25 else int(rng.integers(1, 8))
        layers.append((k, s, int(rng.integers(0, 5))))
    return (layers,)


def check_receptive_field_geometry(fn, *, verbose: bool = True) -> Result:
    """``receptive_field(layers)``: for ``layers`` = [(kernel, stride, padding), ...] from the
    input up, the (size, jump, start) of one unit of the last layer: how many input pixels its
    receptive field spans along one axis, how many input pixels apart neighbouring units'
    fields are, and the input coordinate of the first pixel of unit 0's field (negative when
    the field reaches into the padding)."""
    return check_function(
        fn, _reference_rf, cycle_cases(_case_rf, _case_rf_any), signature="receptive_field(layers)",
        n_cases=30,
        mistakes=[
            Mistake(lambda layers: _rf(layers, grow="stride"),
                    "you grew the field by (k − 1) × *this layer's* stride; it grows by (k − 1) "
                    "× the *jump*, the product of the strides of all the layers below, because "
                    "neighbouring inputs of this layer are that many pixels apart."),
            Mistake(lambda layers: _rf(layers, grow="one"),
                    "you added k − 1 per layer as if every stride were 1: after a stride-2 "
                    "layer, one step on the next layer's grid is 2 input pixels."),
            Mistake(lambda layers: _rf(layers, update_first=True),
                    "you multiplied the jump by this layer's stride *before* using it: a "
                    "layer's kernel moves over its input grid, whose spacing is the jump of the "
                    "layers below only."),
            Mistake(lambda layers: _rf(layers, start="padding"),
                    "the start moves back by padding × jump (padding counts units of this "
                    "layer's input grid), not by the padding alone."),
            Mistake(lambda layers: _rf(layers, start="none"),
                    "you ignored the padding: it shifts the first unit's field by padding × jump "
                    "pixels before the image (a negative start)."),
            Mistake(lambda layers: _rf(layers) + np.array([len(layers), 0, 0]),
                    "the size is one too large per layer: a k-pixel kernel adds k − 1 (not k) "
                    "to the field, since the field of one unit is already one pixel wide."),
        ],
        verbose=verbose,
    )


# --- exercise 4: label agreement at every k ------------------------------------------------------

def _agree(idx, y_query, y_db):
    return (torch.as_tensor(y_db)[torch.as_tensor(idx)]
            == torch.as_tensor(y_query)[:, None]).double()


def _precision_at_k(idx, y_query, y_db):
    """p[k-1] = mean over queries of the share of their k nearest items with the query's label."""
    hits = _agree(idx, y_query, y_db)
    k = torch.arange(1, hits.shape[1] + 1, dtype=torch.float64)
    return (hits.cumsum(dim=1) / k).mean(dim=0).numpy()


def _case_precision(rng):
    n_q, n_db, k = int(rng.integers(5, 12)), int(rng.integers(20, 40)), int(rng.integers(4, 9))
    y_db = torch.from_numpy(rng.integers(0, 3, size=n_db))
    y_query = torch.from_numpy(rng.integers(0, 3, size=n_q))
    idx = torch.from_numpy(np.stack([rng.permutation(n_db)[:k] for _ in range(n_q)]))
    return idx, y_query, y_db


def _case_precision_any(rng):
    """Any retrieval: one query, K = 1, ten classes, a database as small as the list."""
    k = int(rng.integers(1, 12))
    n_q, n_db = int(rng.integers(1, 12)), k + int(rng.integers(0, 30))
    classes = int(rng.choice([2, 10]))
    y_db = torch.from_numpy(rng.integers(0, classes, size=n_db))
    y_query = torch.from_numpy(rng.integers(0, classes, size=n_q))
    idx = torch.from_numpy(np.stack([rng.permutation(n_db)[:k] for _ in range(n_q)]))
    return idx, y_query, y_db


def check_precision_at_k(fn, *, verbose: bool = True) -> Result:
    """``precision_at_k(idx, y_query, y_db)``: for neighbour indices ``idx`` (Q, K) (nearest
    first) into a database labelled ``y_db``, and the queries' labels ``y_query`` (Q,): the
    array (K,) whose entry k − 1 is the label agreement of the k nearest neighbours, averaged
    over the queries."""
    return check_function(
        fn, _precision_at_k, cycle_cases(_case_precision, _case_precision_any),
        signature="precision_at_k(idx, y_query, y_db)", n_cases=30,
        mistakes=[
            Mistake(lambda i, q, d: _agree(i, q, d).mean(dim=0).numpy(),
                    "you returned the agreement of the k-th neighbour alone; entry k − 1 is the "
                    "share of agreeing labels among the *first k* neighbours (a running mean "
                    "along each row)."),
            Mistake(lambda i, q, d: _agree(i, q, d).cumsum(dim=1).mean(dim=0).numpy(),
                    "you returned the *number* of agreeing neighbours among the first k; divide "
                    "it by k to get a share."),
            Mistake(lambda i, q, d: (_agree(i, q, d).cumsum(dim=1)
                                     / torch.arange(2, i.shape[1] + 2)).mean(dim=0).numpy(),
                    "off by one: the first k neighbours are columns 0 … k − 1, so divide the "
                    "running count by k, not k + 1."),
            Mistake(lambda i, q, d: np.full(i.shape[1], float(_agree(i, q, d).mean())),
                    "you returned one number for every k: compute the agreement separately for "
                    "the first 1, 2, …, K neighbours."),
        ],
        verbose=verbose,
    )


# --- exercise 5: a class model of a linear score, in closed form ----------------------------------

def _linear_ascent(w, l2, lr, steps, *, factor=2.0, power=0):
    """(1 − (1 − factor·lr·l2)^(steps + power)) · w / (factor·l2), with the power computed as
    exp(t·log1p(−x)) so that it stays accurate for billions of steps."""
    w = np.asarray(w, dtype=float)
    covered = -np.expm1((steps + power) * np.log1p(-factor * lr * l2))
    return covered * w / (factor * l2)


def _reference_linear_ascent(w, l2, lr, steps):
    """I_t = (1 − (1 − 2·lr·l2)^t) · w / (2·l2): t steps of I ← I + lr·(w − 2·l2·I) from 0."""
    return _linear_ascent(w, l2, lr, steps)


def _case_linear_ascent(rng):
    w = rng.normal(size=(int(rng.integers(1, 3)), int(rng.integers(2, 5)),
                         int(rng.integers(2, 5))))
    l2 = float(rng.uniform(0.01, 0.5))
    lr = float(rng.uniform(0.05, 0.9)) / (2 * l2) * 0.9  # 0 < 2·lr·l2 < 1: the ascent converges
    return w, l2, lr, int(rng.integers(2, 40))


def _case_linear_ascent_any(rng):
    """The rest of the domain, t ≥ 0 and 0 < 2·lr·l2 < 1: 0 or 1 step, rates near 0 or 1, and
    10⁶ to 10⁹ steps (hours for a loop) with t·2·lr·l2 from 0.1 to 10 (still on its way)."""
    w = rng.normal(size=(int(rng.integers(1, 3)), int(rng.integers(1, 5))))
    l2 = float(rng.uniform(0.01, 0.5))
    if rng.random() < 0.7:
        steps = int(10 ** rng.uniform(6, 9))
        rate = float(10 ** rng.uniform(-1, 1)) / steps
    else:
        steps = int(rng.integers(0, 3))
        rate = float(rng.choice([1e-6, rng.uniform(0, 1), 0.999]))
    return w, l2, rate / (2 * l2), steps


def check_linear_ascent(fn, *, verbose: bool = True) -> Result:
    """``linear_ascent(w, l2, lr, steps)``: the image after ``steps`` steps of gradient ascent on
    ``S(I) − l2·||I||²`` with ``S(I) = Σ w·I``, step size ``lr``, from the zero image: an array
    shaped like ``w``."""
    return check_function(
        fn, _reference_linear_ascent, cycle_cases(_case_linear_ascent, _case_linear_ascent_any),
        signature="linear_ascent(w, l2, lr, steps)", n_cases=24, rtol=1e-5, atol=1e-12,
        mistakes=[
            Mistake(lambda w, l2, lr, t: _linear_ascent(w, l2, lr, t, factor=1.0),
                    "the gradient of l2·||I||² is 2·l2·I, not l2·I: the factor 2 changes both "
                    "the limit, w / (2·l2), and the rate, 1 − 2·lr·l2."),
            Mistake(lambda w, l2, lr, t: np.asarray(w, dtype=float) / (2 * l2),
                    "that is the limit the ascent approaches, reached only after infinitely many "
                    "steps; after t steps it has covered a share 1 − (1 − 2·lr·l2)^t of the way."),
            Mistake(lambda w, l2, lr, t: lr * t * np.asarray(w, dtype=float),
                    "you left out the penalty: its gradient −2·l2·I pulls the image back, so the "
                    "steps shrink geometrically instead of adding up."),
            Mistake(lambda w, l2, lr, t: _linear_ascent(w, l2, lr, t, power=-1),
                    "off by one step: after the first step the image is lr·w, i.e. the exponent "
                    "is the number of steps taken."),
            Mistake(lambda w, l2, lr, t: _linear_ascent(w, l2, lr, t, power=1),
                    "off by one step: after the first step the image is lr·w, i.e. the exponent "
                    "is the number of steps taken."),
        ],
        verbose=verbose,
    )
