r"""Live explorables for the static book: the optimizer lab and the convolution explorer.

Both are small dependency-free JavaScript programs shipped in this package
(``optimizer_lab.js``, ``conv_explorer.js``, ``lab.css``). The functions here return an
``IPython.display.HTML`` object with the script *inlined*, so the same cell works in the HTML
book (no kernel, no network), in Jupyter and in Colab::

    from dlsg_utils.lab import conv_explorer, optimizer_lab
    optimizer_lab("Ravine", ["SGD", "Momentum", "Nesterov"], hyper={"lr": 0.01, "gamma": 0.9})
    conv_explorer(n=6, k=3, s=2, p=1)

Each call makes its own root element; the script defines ``window.dlsgLab`` (``window.dlsgConv``)
once per page, so several instances can share a page.

How this lab computes
---------------------
``window.dlsgLab.trajectory({surface, optimizer, hyper, start, steps})`` returns the points
θ₀, …, θ_steps as ``[[x, y], ...]``: the path :func:`dlsg_utils.optim.run` returns for
``OPTIMIZERS[optimizer](**hyper)`` from ``start`` on the surface's analytic gradient
(:func:`reference_trajectory` is that Python call). Each rule is written with the same float64
operations in the same order as the ``_update`` method of its class, one gradient call per step
(Nesterov's at the look-ahead point), state starting at 0, ``t`` counting from 1:

- SGD (:class:`~dlsg_utils.optim.SGD`, chapter 1): θ ← θ − ηg
- Momentum (chapter 3): v ← γv + ηg, θ ← θ − v
- Nesterov (chapter 3): v ← γv + η∇J(θ − γv), θ ← θ − v
- Adagrad (chapter 4): G ← G + g², θ ← θ − ηg/(√G + ε)
- RMSProp (chapter 4): E ← ρE + (1 − ρ)g², θ ← θ − ηg/(√E + ε), with ρ = ``rho`` (the lab's
  control ``decay``, separate from AdaDelta's ρ)
- AdaDelta (chapter 4): E[g²] ← ρE[g²] + (1 − ρ)g², Δ = −√(E[Δ²] + ε)/√(E[g²] + ε)·g,
  E[Δ²] ← ρE[Δ²] + (1 − ρ)Δ², θ ← θ + Δ (no η)
- Adam (chapter 4): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ),
  v̂ = v/(1 − β₂ᵗ), θ ← θ − ηm̂/(√v̂ + ε) (``bias_correction=False``: m, v for m̂, v̂)
- AdamW (chapter 4): θ ← θ(1 − ηλ), then the Adam step
- AdaMax (chapter 4): u ← max(β₂u, abs(g) + ε), θ ← θ − η/(1 − β₁ᵗ)·m/u
- Nadam (chapter 4): θ ← θ − η/(√v̂ + ε)·(β₁m̂ + (1 − β₁)g/(1 − β₁ᵗ))
- AMSGrad (chapter 4): v̂ ← max(v̂, v), θ ← θ − ηm/(√v̂ + ε) (no bias correction)

each the ``_update`` of the class of that name in :mod:`dlsg_utils.optim` (g = ∇J(θ), per
coordinate; the docstring of each class has its equation and its PyTorch counterpart).

The surfaces are those of :mod:`dlsg_utils.functions` (``BEALE``, ``ROSENBROCK``,
``HIMMELBLAU``, ``SADDLE``, ``BOOTH``) with the same gradient expressions, and the ravine of
chapters 3-4, :func:`ravine`: ``quadratic(R diag(1, κ) Rᵀ)`` with R the rotation by ``angle``
degrees, whose gradient ``θ @ A`` is computed as NumPy does.
``tests/browser/test_lab_in_browser.py`` checks every optimizer on every surface over a grid of
hyper-parameters and starts against :func:`reference_trajectory`: difference ≤ 1e-12 relative
to max(1, ‖θ‖), except in chaotic runs (Adam-like methods hovering around a minimum with large
steps), which amplify the last-bit differences between any two float64 programs (NumPy's BLAS
fuses multiply-adds on some CPUs); there the lab stays within what Python's own path does when
rounding-sized noise is added. The rate readout on
a quadratic is chapter 3's: predicted, the largest spectral radius over the Hessian's
eigenvalues λ of [[1 − ηλ, −γd], [ηλ, γd]] (d = 1, or 1 − ηλ for Nesterov; γ = 0 for SGD);
measured, exp of the slope of log ‖θ_t − θ*‖ fitted over the second half of the run.

``window.dlsgConv.outputSize({n, k, s, p, d, transposed, output_padding})`` returns
:func:`dlsg_utils.conv.conv_output_size` (or :func:`~dlsg_utils.conv.conv_transpose_output_size`)
and throws with the same message where they raise.
"""

from .embed import (
    CONV_CONTROLS,
    LAB_CONTROLS,
    LiveHTML,
    asset,
    conv_explorer,
    optimizer_lab,
    standalone_page,
)
from .reference import (
    LAB_SURFACES,
    lab_optimizer,
    lab_surface,
    ravine,
    ravine_matrix,
    reference_trajectory,
)

__all__ = [
    "CONV_CONTROLS", "LAB_CONTROLS", "LAB_SURFACES", "LiveHTML", "asset", "conv_explorer",
    "lab_optimizer", "lab_surface", "optimizer_lab", "ravine", "ravine_matrix",
    "reference_trajectory", "standalone_page",
]
