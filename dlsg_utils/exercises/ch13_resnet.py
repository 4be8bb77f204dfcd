"""Checkers for chapter 13, "ResNet": a residual block's forward pass, the option-A shortcut,
the parameter count of ResNet-(6n+2), the parameters of a bottleneck block, and skipping a block
of a trained network (a lesion study)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .engine import Mistake, Result, check_function, cycle_cases

__all__ = ["check_block_forward", "check_bottleneck_params", "check_drop_block",
           "check_resnet_params", "check_shortcut_a"]


# --- exercise 1: the forward pass of a basic block ------------------------------------------------

def _residual(x, conv1, bn1, conv2, bn2):
    """F(x) = BN(conv2(ReLU(BN(conv1(x)))))."""
    return bn2(conv2(F.relu(bn1(conv1(x)))))


@torch.no_grad()
def _block_forward(x, conv1, bn1, conv2, bn2):
    """y = ReLU(F(x) + x), the basic block with an identity shortcut (He et al. 2015, Fig. 2)."""
    return F.relu(_residual(x, conv1, bn1, conv2, bn2) + x)


def _random_bn(channels: int, gen: torch.Generator) -> nn.BatchNorm2d:
    """A batch-norm layer in eval mode whose statistics and affine parameters are not trivial."""
    bn = nn.BatchNorm2d(channels)
    with torch.no_grad():
        bn.running_mean.normal_(0.0, 0.5, generator=gen)
        bn.running_var.uniform_(0.5, 2.0, generator=gen)
        bn.weight.uniform_(0.5, 1.5, generator=gen)
        bn.bias.normal_(0.0, 0.5, generator=gen)
    return bn.eval()


def _case_block(rng):
    seed = int(rng.integers(0, 2**31 - 1))
    gen = torch.Generator().manual_seed(seed)
    c = int(rng.integers(2, 6))
    n, h, w = int(rng.integers(1, 4)), int(rng.integers(3, 7)), int(rng.integers(3, 7))
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        conv1 = nn.Conv2d(c, c, 3, 1, 1, bias=False).eval()
        conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False).eval()
    x = torch.randn(n, c, h, w, generator=gen)  # any sign: a network's input may be negative
    return x, conv1, _random_bn(c, gen), conv2, _random_bn(c, gen)


def check_block_forward(fn, *, verbose: bool = True) -> Result:
    """``block_forward(x, conv1, bn1, conv2, bn2)``: ReLU(F(x) + x) with
    F(x) = bn2(conv2(ReLU(bn1(conv1(x))))), for x of shape (N, C, H, W)."""

    def mistake(f):
        return torch.no_grad()(f)

    return check_function(
        fn, _block_forward, _case_block, signature="block_forward(x, conv1, bn1, conv2, bn2)",
        mistakes=[
            Mistake(mistake(lambda x, c1, b1, c2, b2: F.relu(_residual(x, c1, b1, c2, b2)) + x),
                    "you applied the last ReLU before adding the shortcut: the block adds x to "
                    "F(x) first and then takes the ReLU of the sum, y = ReLU(F(x) + x)."),
            Mistake(mistake(lambda x, c1, b1, c2, b2: _residual(x, c1, b1, c2, b2) + x),
                    "the final ReLU is missing: y = ReLU(F(x) + x), not F(x) + x."),
            Mistake(mistake(lambda x, c1, b1, c2, b2: F.relu(_residual(x, c1, b1, c2, b2))),
                    "the shortcut is missing: that is a plain block. Add the input x to F(x) "
                    "before the final ReLU."),
            Mistake(mistake(lambda x, c1, b1, c2, b2: F.relu(b2(c2(b1(c1(x)))) + x)),
                    "the ReLU inside F is missing: F(x) = bn2(conv2(ReLU(bn1(conv1(x)))))."),
            Mistake(mistake(lambda x, c1, b1, c2, b2: F.relu(c2(F.relu(c1(x))) + x)),
                    "you skipped the batch-norm layers: apply bn1 after conv1 and bn2 after "
                    "conv2."),
            Mistake(mistake(lambda x, c1, b1, c2, b2: F.relu(_residual(x, c1, b1, c2, b2)
                                                             + F.relu(x))),
                    "you added ReLU(x) instead of x: the identity shortcut carries the input "
                    "unchanged."),
        ],
        rtol=1e-4, atol=1e-5,
        verbose=verbose,
    )


# --- exercise 2: the option-A shortcut ----------------------------------------------------------

def _shortcut_a(x, out_channels, stride):
    """Keep every ``stride``-th row and column, then add out_channels - C zero channels:
    (out_channels - C) // 2 before the input's channels and the rest after them."""
    sub = x[:, :, ::stride, ::stride]
    extra = out_channels - x.shape[1]
    return np.pad(sub, ((0, 0), (extra // 2, extra - extra // 2), (0, 0), (0, 0)))


def _case_shortcut(rng):
    n, c = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    h, w = 2 * int(rng.integers(2, 5)), 2 * int(rng.integers(2, 5))
    stride = int(rng.choice([1, 2, 2]))
    out_channels = c + int(rng.choice([0, c, c, c + 1]))
    return rng.normal(size=(n, c, h, w)), out_channels, stride


def _case_shortcut_any(rng):
    """Any input the question allows: odd sides (⌈H/stride⌉ rows are kept), stride 3, no new
    channels, an odd number of new channels."""
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 5))
    h, w = int(rng.integers(1, 8)), int(rng.integers(1, 8))
    return (rng.normal(size=(n, c, h, w)), c + int(rng.integers(0, 6)),
            int(rng.integers(1, 4)))


def _pad_end(x, out_channels, stride):
    sub = x[:, :, ::stride, ::stride]
    return np.pad(sub, ((0, 0), (0, out_channels - x.shape[1]), (0, 0), (0, 0)))


def _pad_front(x, out_channels, stride):
    sub = x[:, :, ::stride, ::stride]
    return np.pad(sub, ((0, 0), (out_channels - x.shape[1], 0), (0, 0), (0, 0)))


def _avg_pool(x, stride):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // stride, stride, w // stride, stride).mean(axis=(3, 5))


def check_shortcut_a(fn, *, verbose: bool = True) -> Result:
    """``shortcut_a(x, out_channels, stride)``: the parameter-free option-A shortcut of He et
    al. (2015) for x of shape (N, C, H, W); returns (N, out_channels, ⌈H/stride⌉, ⌈W/stride⌉)."""
    return check_function(
        fn, _shortcut_a, cycle_cases(_case_shortcut, _case_shortcut_any),
        signature="shortcut_a(x, out_channels, stride)", n_cases=30,
        mistakes=[
            Mistake(_pad_end,
                    "you appended all the zero channels after the input's channels. That is "
                    "also a parameter-free shortcut, but this exercise (like the package's "
                    "BasicBlock) puts (out_channels - C) // 2 zero channels before them and the "
                    "rest after."),
            Mistake(_pad_front,
                    "you put all the zero channels before the input's channels: put "
                    "(out_channels - C) // 2 before and the rest after."),
            Mistake(lambda x, c, s: _shortcut_a(x[:, :, s - 1:, s - 1:], c, s),
                    "you subsampled from the second row and column: keep rows and columns 0, "
                    "stride, 2·stride, ... (x[:, :, ::stride, ::stride]), the pixels a stride-2 "
                    "3x3 convolution with padding 1 is centred on."),
            Mistake(lambda x, c, s: _shortcut_a(_avg_pool(x, s), c, 1),
                    "you average-pooled: option A simply keeps every stride-th pixel "
                    "(x[:, :, ::stride, ::stride])."),
            Mistake(lambda x, c, s: _shortcut_a(x, c, 1),
                    "you did not subsample: with stride 2 the block's output maps are half as "
                    "large, so the shortcut must keep every stride-th row and column."),
            Mistake(lambda x, c, s: np.concatenate(
                        [x[:, :, ::s, ::s]] * (c // x.shape[1]), axis=1),
                    "you repeated the input's channels: option A fills the new channels with "
                    "zeros, so it adds no information and no parameters."),
        ],
        verbose=verbose,
    )


# --- exercise 3: the parameter count of ResNet-(6n+2) -------------------------------------------

def _resnet_params(n, width, num_classes):
    """Parameters of the CIFAR ResNet with option-A shortcuts (3 input channels):
    29w + n(378w² + 28w) − 90w² + 4wK + K; 269,722 for n = 3, w = 16, K = 10."""
    w, k = width, num_classes
    return 29 * w + n * (378 * w * w + 28 * w) - 90 * w * w + 4 * w * k + k


def _case_params(rng):
    return (int(rng.integers(1, 20)), int(rng.choice([4, 8, 16, 32])),
            int(rng.choice([10, 100, 7])))


def _case_params_any(rng):
    """Any network the question allows: any width (odd ones too), one class or a thousand,
    up to 1,000 blocks per stage (ResNet-6002)."""
    return (int(rng.choice([1, int(rng.integers(1, 1001))])), int(rng.integers(1, 129)),
            int(rng.choice([1, int(rng.integers(1, 1001))])))


def check_resnet_params(fn, *, verbose: bool = True) -> Result:
    """``resnet_params(n, width, num_classes)``: the number of parameters of ResNet-(6n+2) for
    3x32x32 images with option-A shortcuts, as ``count_parameters(ResNetCIFAR(6n+2, width=width,
    num_classes=num_classes))`` gives it (269,722 for n = 3, width 16, 10 classes)."""
    full = _resnet_params

    def no_bn(n, w, k):  # 2 parameters per channel for every BN layer: 1 stem + 2 per block
        return full(n, w, k) - 2 * w - n * (4 * w + 8 * w + 16 * w)

    return check_function(
        fn, full, cycle_cases(_case_params, _case_params_any),
        signature="resnet_params(n, width, num_classes)", n_cases=30,
        mistakes=[
            Mistake(no_bn,
                    "the batch-norm parameters are missing: every BN layer has a learned scale and "
                    "shift per channel (2C parameters); there is one after every convolution."),
            Mistake(lambda n, w, k: full(n, w, k) + 2 * w + n * (4 * w + 8 * w + 16 * w),
                    "you counted 4 numbers per channel for each BN layer: the running mean and "
                    "variance are buffers, not trained parameters; count only the scale and shift."),
            Mistake(lambda n, w, k: full(n, w, k) + w + n * (2 * w + 4 * w + 8 * w),
                    "you gave the convolutions biases: in the ResNet each convolution is "
                    "followed by batch norm, whose shift makes a bias redundant (bias=False)."),
            Mistake(lambda n, w, k: full(n, w, k) - k,
                    "the bias of the final fully connected layer is missing (K more parameters)."),
            Mistake(lambda n, w, k: full(n, w, k) - 27 * w - 2 * w,
                    "the first 3x3 convolution (3 -> width channels) and its batch norm are "
                    "missing."),
            Mistake(lambda n, w, k: full(n, w, k) + 18 * w * w + 72 * w * w,
                    "you counted the first block of stages 2 and 3 as if its first convolution "
                    "had as many input channels as outputs: it reads w (then 2w) channels and "
                    "writes 2w (then 4w)."),
            Mistake(lambda n, w, k: full(n, w, k) + 2 * w * w + 4 * w + 8 * w * w + 8 * w,
                    "you added 1x1 projection shortcuts (option B): the paper's CIFAR "
                    "networks use option A, which has no parameters."),
            Mistake(lambda n, w, k: _resnet_params(6 * n + 2, w, k),
                    "you treated the argument as the depth: n is the number of blocks per "
                    "stage, and the depth is 6n + 2."),
        ],
        rtol=0, atol=0.5,
        verbose=verbose,
    )


# --- exercise 4: the parameters of a bottleneck block ---------------------------------------------

def _bottleneck_params(in_channels, width, expansion):
    """1x1 (in -> w), 3x3 (w -> w), 1x1 (w -> e*w), each followed by BN (2 numbers a channel),
    plus a 1x1 projection with BN when in_channels != e*w (identity otherwise)."""
    c, w, e = in_channels, width, expansion
    out = e * w
    block = c * w + 9 * w * w + w * out + 2 * (w + w + out)
    return block + (c * out + 2 * out if c != out else 0)


def _case_bottleneck(rng):
    w = int(rng.choice([4, 8, 16, 64, 128]))
    e = int(rng.choice([1, 2, 4, 4]))
    c = int(rng.choice([e * w, e * w, w, 2 * w, 3 * w + 1]))
    return c, w, e


def _case_bottleneck_any(rng):
    """Any block the question allows: expansion 1 to 6, any width, any number of input
    channels (equal to expansion·width or not)."""
    w, e = int(rng.integers(1, 300)), int(rng.integers(1, 7))
    return int(rng.choice([e * w, int(rng.integers(1, 3000))])), w, e


def check_bottleneck_params(fn, *, verbose: bool = True) -> Result:
    """``bottleneck_params(in_channels, width, expansion)``: the trained parameters of the
    bottleneck block (He et al. 2015, Fig. 5 right) as ``count_parameters(Bottleneck(in_channels,
    width, expansion=expansion))`` counts them: 1x1, 3x3 and 1x1 convolutions without biases,
    batch norm after each, and a 1x1 projection with batch norm only where the shape changes."""
    full = _bottleneck_params

    def shortcut(c, w, e):
        return c * e * w + 2 * e * w if c != e * w else 0

    return check_function(
        fn, full, cycle_cases(_case_bottleneck, _case_bottleneck_any),
        signature="bottleneck_params(in_channels, width, expansion)", n_cases=30,
        mistakes=[
            Mistake(lambda c, w, e: full(c, w, e) - 2 * (2 * w + e * w)
                    - (2 * e * w if c != e * w else 0),
                    "the batch-norm parameters are missing: every BN layer has a scale and a "
                    "shift per channel, one after each convolution (and one in the projection)."),
            Mistake(lambda c, w, e: full(c, w, e) + 2 * (2 * w + e * w)
                    + (2 * e * w if c != e * w else 0),
                    "you counted 4 numbers per channel for each BN layer: the running mean and "
                    "variance are buffers, not trained parameters."),
            Mistake(lambda c, w, e: full(c, w, e) - shortcut(c, w, e),
                    "the projection shortcut is missing: where in_channels differs from "
                    "expansion * width the shortcut is a 1x1 convolution (in_channels x "
                    "expansion*width weights) followed by batch norm."),
            Mistake(lambda c, w, e: full(c, w, e) - shortcut(c, w, e) + c * e * w + 2 * e * w,
                    "you gave every block a projection: where the shapes match, the shortcut is "
                    "the identity and has no parameters (that is the point of the design)."),
            Mistake(lambda c, w, e: full(c, w, e) - (2 * e * w if c != e * w else 0),
                    "the projection's batch norm is missing (2 numbers per output channel)."),
            Mistake(lambda c, w, e: full(c, w, e) - 9 * w * w + 9 * c * w,
                    "the 3x3 convolution reads the width channels of the first 1x1 convolution, "
                    "not in_channels: 9 * width * width weights."),
            Mistake(lambda c, w, e: full(c, w, e) + 2 * w + e * w
                    + (e * w if c != e * w else 0),
                    "you gave the convolutions biases: each is followed by batch norm, whose "
                    "shift makes a bias redundant (bias=False)."),
        ],
        rtol=0, atol=0.5,
        verbose=verbose,
    )


# --- exercise 5: skip a block (a lesion study) ----------------------------------------------------

def _drop_block(model, stage, index):
    """A copy of ``model`` with block ``index`` of ``stage`` replaced by the identity."""
    import copy

    new = copy.deepcopy(model)
    getattr(new, f"stage{stage}")[index] = nn.Identity()
    return new


def _small_resnet(seed: int, depth: int) -> nn.Module:
    from ..models import ResNetCIFAR

    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = ResNetCIFAR(depth, width=4)
        with torch.no_grad():  # non-trivial running statistics for eval mode
            net.train()(torch.randn(16, 3, 32, 32))
    return net.eval()


def _case_drop(rng):
    n = int(rng.choice([1, 2, 3, 3]))
    stage = int(rng.integers(1, 4)) if n > 1 else 1
    index = int(rng.integers(0 if stage == 1 else 1, n))  # stages 2, 3: block 0 downsamples
    return int(rng.integers(0, 2**31 - 1)), 6 * n + 2, stage, index


def _run_drop(drop):
    """Call ``drop(model, stage, index)`` on a fresh small ResNet; return the new model's output
    and how much the ORIGINAL model's output changed (zero when it was left alone)."""

    def run(seed, depth, stage, index):
        model = _small_resnet(seed, depth)
        x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            before = model(x)
        new = drop(model, stage, index)
        if not isinstance(new, nn.Module):
            raise TypeError(f"drop_block must return a model (an nn.Module), got "
                            f"{type(new).__name__}")
        new.eval()
        model.eval()
        with torch.no_grad():
            return new(x), model(x) - before

    return run


def _drop_in_place(model, stage, index):
    getattr(model, f"stage{stage}")[index] = nn.Identity()
    return model


def _drop_shortcut_only(model, stage, index):
    import copy

    new = copy.deepcopy(model)
    getattr(new, f"stage{stage}")[index].shortcut = None
    return new


class _Zero(nn.Module):
    def forward(self, x):
        return torch.zeros_like(x)


def _drop_to_zero(model, stage, index):
    import copy

    new = copy.deepcopy(model)
    getattr(new, f"stage{stage}")[index] = _Zero()
    return new


def check_drop_block(fn, *, verbose: bool = True) -> Result:
    """``drop_block(model, stage, index)``: a copy of a CIFAR ResNet in which block ``index``
    (from 0) of ``stage`` (1, 2 or 3) is skipped -- the block becomes the identity -- while
    ``model`` itself is left unchanged. Only blocks that keep the shape are asked for."""
    result = check_function(
        fn, _run_drop(_drop_block), _case_drop, signature="drop_block(model, stage, index)",
        adapt=_run_drop, probe_args=(None, 1, 0),
        mistakes=[
            Mistake(_run_drop(_drop_in_place),
                    "your new model is right, but the original model changed too: copy it "
                    "first (copy.deepcopy(model)) and edit the copy, so that you can compare "
                    "the two."),
            Mistake(_run_drop(lambda m, s, i: _drop_block(m, s, i + 1)),
                    "you skipped the block after the one asked for: index counts from 0 "
                    "within the stage (stage1[0] is the first block)."),
            Mistake(_run_drop(lambda m, s, i: _drop_block(m, s, i - 1)),
                    "you skipped the block before the one asked for: index counts from 0 "
                    "within the stage (stage1[0] is the first block)."),
            Mistake(_run_drop(_drop_shortcut_only),
                    "you removed the shortcut and kept F: that turns the block into a plain "
                    "block. Skipping a block removes F and keeps the identity path."),
            Mistake(_run_drop(_drop_to_zero),
                    "your skipped block outputs zeros: a skipped block passes its input on "
                    "unchanged (nn.Identity()), as the shortcut would with F = 0."),
        ],
        rtol=1e-5, atol=1e-6, n_cases=8,
        verbose=False,
    )
    if verbose:
        print(result.message)
    return result
