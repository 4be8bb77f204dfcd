"""A whole (tiny) ConvNet in NumPy, forward and backward side by side, cs231n style (chapter 10).

Every layer follows the convention of :mod:`dlsg_utils.conv`: a forward function returns
``(out, cache)`` and its backward takes ``(dout, cache)`` and returns the gradients of a scalar
loss with respect to the forward's inputs. The convolution, ReLU and max-pooling are the
package's own (:func:`~dlsg_utils.conv.conv2d_forward`, :func:`~dlsg_utils.conv.relu_forward`,
:func:`~dlsg_utils.conv.max_pool2d`), the loss is :func:`dlsg_utils.linear.softmax_loss`; this
module adds

- :func:`~dlsg_utils.conv.affine_forward` / :func:`~dlsg_utils.conv.affine_backward`: a fully connected layer,
  ``out = x.reshape(N, D) @ w + b``;
- :class:`~dlsg_utils.conv.TinyConvNet`: conv → ReLU → max-pool → affine → softmax, with ``loss(X, y)`` returning
  the loss and the gradient of every parameter; :func:`~dlsg_utils.conv.torch_twin` builds the same network in
  torch with the same weights; :func:`~dlsg_utils.conv.sgd_step` updates a parameter dict in place.
"""

from __future__ import annotations

import numpy as np
import torch

from ..checks import check_int, check_real
from ..linear import softmax_loss
from .arithmetic import conv_output_size, pool_output_size
from .backward import conv2d_backward
from .forward import conv2d_forward
from .layers import max_pool2d, max_pool2d_backward, relu_backward, relu_forward

__all__ = ["TinyConvNet", "affine_backward", "affine_forward", "sgd_step", "torch_twin"]


# --- fully connected ----------------------------------------------------------------------------

def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """``out = x.reshape(N, D) @ w + b``: ``x: (N, d_1, ..., d_k)`` with D = d_1·…·d_k,
    ``w: (D, M)``, ``b: (M,)``, ``out: (N, M)``."""
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    if x.ndim < 1 or w.ndim != 2 or b.shape != (w.shape[1],):
        raise ValueError(f"need x (N, ...), w (D, M), b (M,); got {x.shape}, {w.shape}, {b.shape}")
    x2 = x.reshape(x.shape[0], -1)
    if x2.shape[1] != w.shape[0]:
        raise ValueError(f"x has D = {x2.shape[1]} features per example but w expects {w.shape[0]}")
    return x2 @ w + b, (x, w)


def affine_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``dx = dout @ wᵀ`` reshaped to x's shape, ``dw = x_flatᵀ @ dout``, ``db = Σ_n dout``.

    ``dout: (N, M)``; returns ``(dx: x.shape, dw: (D, M), db: (M,))``.
    """
    x, w = cache
    dout = np.asarray(dout)
    if dout.shape != (x.shape[0], w.shape[1]):
        raise ValueError(f"dout must have shape (N, M) = {(x.shape[0], w.shape[1])}, got {dout.shape}")
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    return dx, dw, dout.sum(axis=0)


# --- a tiny ConvNet ------------------------------------------------------------------------------

class TinyConvNet:
    """conv (F filters k×k, stride 1, padding p) → ReLU → max-pool (pool×pool) → affine → softmax.

    Parameters (a dict ``params``): ``W1: (F, C, k, k)``, ``b1: (F,)``, ``W2: (F·PH·PW, K)``,
    ``b2: (K,)``, with PH×PW the pooled map size. W1 starts from N(0, 2/fan_in) (He et al.'s
    scale for a layer followed by a ReLU, fan_in = C·k·k), W2 from N(0, 1/D), biases at zero,
    all from ``seed``; float64 by default.
    """

    def __init__(self, input_shape=(1, 28, 28), num_filters=4, kernel=5, padding=0, pool=2,
                 num_classes=10, seed=0, dtype=np.float64):
        C, H, W = input_shape
        num_filters = check_int("num_filters", num_filters, min=1)
        num_classes = check_int("num_classes", num_classes, min=1)
        self.input_shape, self.padding, self.pool = tuple(input_shape), padding, pool
        OH, OW = conv_output_size(H, kernel, 1, padding), conv_output_size(W, kernel, 1, padding)
        PH, PW = pool_output_size(OH, pool), pool_output_size(OW, pool)
        D = num_filters * PH * PW
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": (rng.normal(size=(num_filters, C, kernel, kernel)) * np.sqrt(2 / (C * kernel**2))).astype(dtype),
            "b1": np.zeros(num_filters, dtype=dtype),
            "W2": (rng.normal(size=(D, num_classes)) * np.sqrt(1 / D)).astype(dtype),
            "b2": np.zeros(num_classes, dtype=dtype),
        }

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Class scores ``(N, K)`` for images ``X: (N, C, H, W)``."""
        return self._forward(X)[0]

    def _forward(self, X):
        p = self.params
        a1, c1 = conv2d_forward(X, p["W1"], p["b1"], 1, self.padding)  # (N, F, OH, OW)
        h1, c2 = relu_forward(a1)
        h2, c3 = max_pool2d(h1, self.pool)  # (N, F, PH, PW)
        s, c4 = affine_forward(h2, p["W2"], p["b2"])  # (N, K)
        return s, (c1, c2, c3, c4)

    def loss(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Mean cross-entropy on ``(X, y)`` and its gradient for every parameter (same keys)."""
        s, (c1, c2, c3, c4) = self._forward(X)
        loss, ds = softmax_loss(s, y)
        dh2, dW2, db2 = affine_backward(ds, c4)
        dh1 = max_pool2d_backward(dh2, c3)
        da1 = relu_backward(dh1, c2)
        _, dW1, db1 = conv2d_backward(da1, c1)
        return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    def layer_shapes(self, X: np.ndarray) -> list[tuple[str, tuple[int, ...]]]:
        """``(layer name, output shape)`` for each layer on the batch ``X``."""
        p = self.params
        a1, _ = conv2d_forward(X, p["W1"], p["b1"], 1, self.padding)
        h2, _ = max_pool2d(relu_forward(a1)[0], self.pool)
        s, _ = affine_forward(h2, p["W2"], p["b2"])
        return [("input", X.shape), ("conv", a1.shape), ("relu", a1.shape),
                ("max-pool", h2.shape), ("affine (scores)", s.shape)]


def sgd_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float) -> None:
    """Plain SGD in place: ``params[k] -= lr · grads[k]`` for every key."""
    lr = check_real("lr", lr, min=0)
    if set(grads) != set(params):
        raise ValueError(f"grads must have the keys of params, {sorted(params)}; got "
                         f"{sorted(grads)}")
    for k in params:
        params[k] -= lr * grads[k]


def torch_twin(net: TinyConvNet, device: torch.device | str = "cpu") -> torch.nn.Sequential:
    """The same network as ``net`` in torch, with a copy of its current weights.

    Conv2d(C, F, k, padding) → ReLU → MaxPool2d(pool) → Flatten → Linear(D, K). torch's Linear
    stores its weight as ``(K, D)``, the transpose of ``W2``; Flatten uses the same (F, PH, PW)
    order as ``reshape``. The dtype follows the NumPy parameters.
    """
    p = net.params
    F, C, k, _ = p["W1"].shape
    D, K = p["W2"].shape
    model = torch.nn.Sequential(
        torch.nn.Conv2d(C, F, k, padding=net.padding), torch.nn.ReLU(),
        torch.nn.MaxPool2d(net.pool), torch.nn.Flatten(), torch.nn.Linear(D, K),
    )
    dtype = torch.from_numpy(p["W1"]).dtype
    model.to(device=device, dtype=dtype)
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(p["W1"]))
        model[0].bias.copy_(torch.from_numpy(p["b1"]))
        model[4].weight.copy_(torch.from_numpy(p["W2"].T.copy()))
        model[4].bias.copy_(torch.from_numpy(p["b2"]))
    return model
