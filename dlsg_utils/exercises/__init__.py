"""Self-study exercises: checkers that test a reader's function against a reference.

The pattern every chapter uses:

1. a markdown prompt;
2. a code cell with a stub the reader edits (it raises ``NotImplementedError``);
3. a checker call, e.g. ``check_gd_step(gd_step)``: it runs the reader's function on random
   inputs, compares with the reference and prints a verdict. For the first failure it prints a
   specific hint: when the wrong output matches a known mistake (wrong sign, off-by-one, a
   missing term) it names the mistake. It never raises, so an unsolved exercise does not stop
   the notebook; it returns a :class:`Result` that is truthy when the answer is right;
4. a hidden solution cell, then the checker again to confirm it.

Chapter checkers live in the submodules and are re-exported here.
"""

from .engine import Mistake, Result, _describe, check_function  # noqa: F401 (the engine)

__all__ = ["Mistake", "Result", "check_function"]


# Chapter checkers, one module per chapter, all re-exported here.
from . import (  # noqa: E402
    adaptive,
    alexnet,
    arithmetic,
    conv_layer,
    convolution,
    gradient_descent,
    history,
    interpret,
    lenet,
    momentum,
    resnet,
    sgd,
    tips,
    visual,
)
from .adaptive import *  # noqa: E402,F403
from .alexnet import *  # noqa: E402,F403
from .arithmetic import *  # noqa: E402,F403
from .conv_layer import *  # noqa: E402,F403
from .convolution import *  # noqa: E402,F403
from .gradient_descent import *  # noqa: E402,F403
from .history import *  # noqa: E402,F403
from .interpret import *  # noqa: E402,F403
from .lenet import *  # noqa: E402,F403
from .momentum import *  # noqa: E402,F403
from .resnet import *  # noqa: E402,F403
from .sgd import *  # noqa: E402,F403
from .tips import *  # noqa: E402,F403
from .visual import *  # noqa: E402,F403

for _module in (gradient_descent, sgd, momentum, adaptive, visual, tips, history, convolution,
                arithmetic, conv_layer, lenet, alexnet, resnet, interpret):
    __all__ += _module.__all__
