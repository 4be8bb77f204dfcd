"""dlsg_utils.conv: 2-D convolution and pooling in NumPy, forward and backward, tested against
``torch.nn.functional``.

Shapes follow cs231n and PyTorch: ``x: (N, C, H, W)``, ``w: (F, C, KH, KW)``, ``b: (F,)``,
``out: (N, F, OH, OW)``; stride, padding and dilation are ints (both axes) or ``(h, w)`` pairs.
Like PyTorch, "convolution" means cross-correlation (the kernel is not flipped).

- ``dlsg_utils.conv.arithmetic``: output sizes (Conv2d, pooling, ConvTranspose2d), receptive fields.
- ``dlsg_utils.conv.im2col``: ``im2col`` / ``col2im``, unfolding windows into the columns of a matrix.
- ``dlsg_utils.conv.forward``: ``conv2d_naive`` (the definition), ``conv2d_im2col``, ``conv2d_einsum``,
  ``conv2d_fft``, all with the same signature and result; ``conv2d_forward``, the layer form.
- ``dlsg_utils.conv.backward``: ``conv2d_backward`` (im2col), ``conv2d_backward_naive``,
  ``numerical_gradient`` for checking them.
- ``dlsg_utils.conv.layers``: max and average pooling, ReLU, forward and backward.
- ``dlsg_utils.conv.net``: a fully connected layer and :class:`TinyConvNet`, chapter 10's whole
  ConvNet in NumPy, with its torch twin.

One convention for every layer: the forward function returns ``(out, cache)`` and the backward
function takes ``(dout, cache)``: ``conv2d_forward`` / ``conv2d_backward``, ``relu_forward`` /
``relu_backward``, ``max_pool2d`` / ``max_pool2d_backward``, ``avg_pool2d`` /
``avg_pool2d_backward``, ``affine_forward`` / ``affine_backward``. The other forward functions
(``conv2d_naive``, ``conv2d_im2col``, ...) return the output alone: they are ways to compute it.
"""

from .arithmetic import (
    conv_output_size,
    conv_transpose_output_size,
    dilated_kernel_size,
    pool_output_size,
    receptive_field,
    transpose_output_padding,
)
from .backward import conv2d_backward, conv2d_backward_naive, numerical_gradient
from .forward import (
    ConvCache,
    conv2d_einsum,
    conv2d_fft,
    conv2d_forward,
    conv2d_im2col,
    conv2d_naive,
)
from .im2col import col2im, im2col
from .layers import (
    PoolCache,
    avg_pool2d,
    avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
    relu_backward,
    relu_forward,
)
from .net import TinyConvNet, affine_backward, affine_forward, sgd_step, torch_twin

__all__ = [
    "ConvCache",
    "PoolCache",
    "TinyConvNet",
    "affine_backward",
    "affine_forward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "col2im",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_einsum",
    "conv2d_fft",
    "conv2d_forward",
    "conv2d_im2col",
    "conv2d_naive",
    "conv_output_size",
    "conv_transpose_output_size",
    "dilated_kernel_size",
    "im2col",
    "max_pool2d",
    "max_pool2d_backward",
    "numerical_gradient",
    "pool_output_size",
    "receptive_field",
    "relu_backward",
    "relu_forward",
    "sgd_step",
    "torch_twin",
    "transpose_output_padding",
]
