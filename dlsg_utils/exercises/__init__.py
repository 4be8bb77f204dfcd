"""Self-study exercises: checkers that test a reader's function against a reference.

The pattern every chapter uses:

1. a markdown prompt;
2. a code cell with a stub the reader edits (it raises ``NotImplementedError``);
3. a checker call, e.g. ``check_gd_step(gd_step)``: it runs the reader's function on random
   inputs, compares with the reference and prints a verdict. For the first failure it prints a
   specific hint: when the wrong output matches a known mistake (wrong sign, off-by-one, a
   missing term) it names the mistake. It never raises, so an unsolved exercise does not stop
   the notebook; it returns a ``Result`` that is truthy when the answer is right;
4. a hidden solution cell, then the checker again to confirm it.

Each chapter's checkers live in a module named by the chapter (``ch01_gradient_descent`` …
``ch14_interpret``), and every chapter imports them the same way::

    from dlsg_utils.exercises.ch08_convolution import check_conv2d, ...

This package itself exports only the engine, so one checker has one name and one home.
"""

from .engine import Mistake, Result, check_function

__all__ = ["CHAPTER_MODULES", "Mistake", "Result", "check_function"]

#: The checker module of each chapter, by chapter number (chapter 11's measurements are in
#: ``ch11_lenet_measures``, re-exported by ``ch11_lenet``).
CHAPTER_MODULES = {
    1: "ch01_gradient_descent", 2: "ch02_sgd", 3: "ch03_momentum", 4: "ch04_adaptive",
    5: "ch05_visual_demo", 6: "ch06_tips", 7: "ch07_history", 8: "ch08_convolution",
    9: "ch09_arithmetic", 10: "ch10_conv_layer", 11: "ch11_lenet", 12: "ch12_alexnet",
    13: "ch13_resnet", 14: "ch14_interpret",
}
