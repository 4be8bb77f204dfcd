"""The optimizer interface shared by every method, its argument checks, and :func:`~dlsg_utils.optim.run`.

An optimizer updates a float NumPy array (or a list of them) in place::

    opt = Momentum(lr=0.01, gamma=0.9)
    opt.step(theta, grad_fn)      # grad_fn(theta) -> its gradient, e.g. ROSENBROCK.grad
    path = run(opt, ROSENBROCK.grad, x0, steps=100, lr_schedule=lambda t: 0.01 / (1 + t))

It calls ``grad_fn`` itself, once per step, at the point its method needs (Nesterov at the
look-ahead point). A new method subclasses :class:`Optimizer`, names its state in
``state_names`` and writes the update of one array in ``_update``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from ..checks import check_int, check_real

__all__ = ["GradFn", "Optimizer", "run"]

GradFn = Callable[[np.ndarray], np.ndarray] | Callable[[list[np.ndarray]], Sequence[np.ndarray]]
"""``grad_fn(theta) -> gradient``, in the form of what is optimised: an array for an array, a
list of arrays (one gradient per array, of its shape) for a list."""


# --- argument checks (scikit-learn style: say what was expected and what was received) ----------

def check_nonnegative(name: str, value: object) -> float:
    """``value >= 0`` (a learning rate, a weight decay)."""
    return check_real(name, value, min=0)


def check_positive(name: str, value: object) -> float:
    """``value > 0`` (an ε)."""
    return check_real(name, value, min=0, min_open=True)


def check_unit(name: str, value: object) -> float:
    """``0 <= value < 1`` (a momentum or decay rate: γ, ρ, β₁, β₂)."""
    return check_real(name, value, min=0, max=1, max_open=True)


def _check_params(params: object) -> list[np.ndarray]:
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
        raise TypeError("params must be a list of NumPy arrays (updated in place), "
                        f"got {type(params).__name__}")
    if not params:
        raise ValueError("params must hold at least one array, got an empty list")
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray):
            raise TypeError(f"params[{i}] must be a NumPy array, got {type(p).__name__}")
        if not np.issubdtype(p.dtype, np.floating):
            raise TypeError(f"params[{i}] must be a float array (it is updated in place), "
                            f"got dtype {p.dtype}")
        if not p.flags.writeable:
            raise ValueError(f"params[{i}] must be writeable (it is updated in place), "
                             "got a read-only array")
        for j in range(i):  # one array listed twice would take two steps (torch warns)
            if np.may_share_memory(params[j], p) and np.shares_memory(params[j], p):
                raise ValueError(f"params[{j}] and params[{i}] are the same array (or views "
                                 "sharing memory): each step would move it twice; list every "
                                 "parameter once")
    return list(params)


def _compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype of the state and the arithmetic for a parameter of ``dtype``: float32 at
    least. In float16, ε = 1e-8 rounds to 0, g² underflows at abs(g) = 1e-4 (a division by
    zero) and overflows at abs(g) = 300 (a step of 0); the parameter itself stays float16."""
    return np.promote_types(dtype, np.float32)


def _check_grads(grads: object, params: list[np.ndarray]) -> list[np.ndarray]:
    """The gradients as fresh arrays in the parameters' compute dtypes (float32 at least),
    after checking count, shapes and that each is a real array."""
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise TypeError("grad_fn must return a list of arrays, one per parameter, "
                        f"got {type(grads).__name__}")
    if len(grads) != len(params):
        raise ValueError(f"grad_fn must return {len(params)} gradient(s), one per parameter, "
                         f"got {len(grads)}")
    out = []
    for i, (g, p) in enumerate(zip(grads, params, strict=True)):
        if g is None:
            raise TypeError(f"gradient {i} is None: grad_fn must return an array for every "
                            f"parameter (params[{i}] has shape {p.shape})")
        kind = (a := np.asarray(g)).dtype.kind
        if kind == "c":
            raise TypeError(f"gradient {i} must be real, got a complex array: the optimizers "
                            "work on real parameters and would drop the imaginary part")
        if kind not in "biuf":
            raise TypeError(f"gradient {i} must hold real numbers, got dtype {a.dtype}")
        g = np.array(g, dtype=_compute_dtype(p.dtype))  # a copy: it may alias its parameter
        if g.shape != p.shape:
            raise ValueError(f"gradient {i} must have the shape of params[{i}], {p.shape}, "
                             f"got {g.shape}")
        out.append(g)
    return out


# --- the base class ------------------------------------------------------------------------------

class Optimizer:
    """Base class: the step loop, the state, the step counter ``t`` and the learning rate.

    ``state`` maps the names in ``state_names`` (as in the book's equations) to one array per
    parameter, created with zeros on the first step. ``t`` counts the steps taken: it is
    incremented at the start of :meth:`step`, so the first step uses ``t = 1``. ``lr`` may be
    changed between steps (a learning-rate schedule). The state and the arithmetic of a step
    are float32 at least: a float16 parameter stays float16, rounded once per step.
    """

    state_names: tuple[str, ...] = ()

    def __new__(cls, *args, **kwargs):
        if args:  # Adam(0.05), or torch's Adam(params, lr): say what goes where
            raise TypeError(
                f"{cls.__name__} takes its hyper-parameters by keyword, e.g. "
                f"{cls.__name__}(lr=0.05), and the params to update in step(params, grad_fn), "
                f"not in the constructor; got the positional argument(s) {args!r}")
        return super().__new__(cls)

    def __init__(self, *, lr: float) -> None:
        self.lr = lr
        self.state: dict[str, list[np.ndarray]] = {}
        self.t = 0

    @property
    def lr(self) -> float:
        """The learning rate η; settable between steps (checked to be a number >= 0)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_nonnegative("lr", value)

    def reset(self) -> None:
        """Forget the state and set ``t`` back to 0, as if no step had been taken."""
        self.state = {}
        self.t = 0

    def step(self, params: np.ndarray | list[np.ndarray], grad_fn: GradFn) -> None:
        """One update of ``params``, in place.

        One convention for every caller: ``grad_fn`` takes what is being optimised and returns
        its gradient in the same form. ``params`` is a float array (``grad_fn(theta) ->
        gradient``, as a surface's ``.grad``) or a list of float arrays (``grad_fn(points) ->
        [one gradient per array]``). It is called once per step, at ``params`` or, for
        Nesterov, at the look-ahead point.
        """
        if not callable(grad_fn):
            raise TypeError(f"grad_fn must be callable, got {type(grad_fn).__name__}")
        if isinstance(params, np.ndarray):
            single, fn = params, grad_fn
            params = [single]

            def grad_fn(points, fn=fn):
                return [fn(points[0])]

        params = _check_params(params)
        self._init_state(params)
        grads = _check_grads(grad_fn(self._grad_points(params)), params)
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            state = {name: arrays[i] for name, arrays in self.state.items()}
            if p.dtype == g.dtype:
                self._update(p, g, **state)
            else:  # a float16 parameter: the step in float32, the result rounded back once
                work = p.astype(g.dtype)
                self._update(work, g, **state)
                p[...] = work

    def _init_state(self, params: list[np.ndarray]) -> None:
        if not self.state_names:
            return
        if not self.state:
            self.state = {name: [np.zeros(p.shape, _compute_dtype(p.dtype)) for p in params]
                          for name in self.state_names}
            return
        have = [a.shape for a in self.state[self.state_names[0]]]
        got = [p.shape for p in params]
        if have != got:
            raise ValueError(f"the state was made for params of shapes {have}, got shapes {got}; "
                             "call reset() before optimizing other parameters")

    def _grad_points(self, params: list[np.ndarray]) -> list[np.ndarray]:
        """Where the gradient is evaluated: the parameters themselves (Nesterov overrides)."""
        return params

    def _update(self, p: np.ndarray, g: np.ndarray, **state: np.ndarray) -> None:
        """Update one parameter ``p`` in place from its gradient ``g`` and its state arrays."""
        raise NotImplementedError

    def __repr__(self) -> str:
        names = inspect.signature(type(self)).parameters
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__name__}({args})"


# --- a whole path --------------------------------------------------------------------------------

def run(opt: Optimizer, grad_fn: Callable[[np.ndarray], np.ndarray], x0: object,
        steps: int, *, lr_schedule=None) -> np.ndarray:
    """The path of ``opt`` from the point ``x0``: an array ``(steps + 1, d)``, first row ``x0``.

    ``x0``: a 1-D point of ``d`` coordinates (copied, never modified). ``grad_fn(x)`` takes one
    point ``(d,)`` and returns its gradient ``(d,)``, e.g. ``ROSENBROCK.grad`` (the convention
    of :meth:`Optimizer.step` for one array). ``lr_schedule``: the learning rate of each step,
    a callable ``t -> lr`` (t = 0, ..., steps - 1) or a sequence of ``steps`` rates; it is set
    as ``opt.lr`` before step t (as :mod:`dlsg_utils.schedules` does for torch). ``run`` first
    calls ``opt.reset()``, so an optimizer can be reused for several runs; afterwards ``opt``
    holds the state and ``t`` of this run. A diverging run fills the path with ``inf``/``nan``
    (NumPy warns about the overflow).
    """
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be a dlsg_utils.optim.Optimizer, got {type(opt).__name__}")
    steps = check_int("steps", steps, min=0)
    if not callable(grad_fn):
        raise TypeError(f"grad_fn must be callable, got {type(grad_fn).__name__}")
    x = np.array(x0, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x0 must be a 1-D point, got shape {x.shape}")
    rates = _schedule(lr_schedule, steps)

    opt.reset()
    path = np.empty((steps + 1, x.size))
    path[0] = x
    for k in range(1, steps + 1):
        if rates is not None:
            opt.lr = rates(k - 1)
        opt.step(x, grad_fn)
        path[k] = x
    return path


def _schedule(lr_schedule, steps: int):
    """``lr_schedule`` as a function of the step, after checking it."""
    if lr_schedule is None:
        return None
    if callable(lr_schedule):
        return lr_schedule
    if isinstance(lr_schedule, (str, bytes)) or not hasattr(lr_schedule, "__len__"):
        raise TypeError("lr_schedule must be a callable t -> lr or a sequence of rates, got "
                        f"{type(lr_schedule).__name__}")
    if len(lr_schedule) < steps:
        raise ValueError(f"lr_schedule must give a rate for each of the {steps} steps, got "
                         f"{len(lr_schedule)}")
    rates = [check_real("lr_schedule", r, min=0) for r in lr_schedule]
    return rates.__getitem__
