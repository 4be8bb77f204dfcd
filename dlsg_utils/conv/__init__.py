"""dlsg_utils.conv: 2-D convolution and pooling in NumPy, forward and backward, tested against
``torch.nn.functional``.

Shapes follow cs231n and PyTorch: ``x: (N, C, H, W)``, ``w: (F, C, KH, KW)``, ``b: (F,)``,
``out: (N, F, OH, OW)``; stride, padding and dilation are ints (both axes) or ``(h, w)`` pairs.
Like PyTorch, "convolution" means cross-correlation (the kernel is not flipped).

- ``dlsg_utils.conv.arithmetic``: output sizes (Conv2d, pooling, ConvTranspose2d), receptive fields.
- ``dlsg_utils.conv.im2col``: ``im2col`` / ``col2im``, unfolding windows into the columns of a matrix.
- ``dlsg_utils.conv.forward``: ``conv2d_naive`` (the definition), ``conv2d_im2col``, ``conv2d_einsum``,
  ``conv2d_fft``, all with the same signature and result.
- ``dlsg_utils.conv.backward``: ``conv2d_backward`` (im2col), ``conv2d_backward_naive``,
  ``numerical_gradient`` for checking them.
- ``dlsg_utils.conv.layers``: max and average pooling, ReLU, forward and backward.
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
from .forward import conv2d_einsum, conv2d_fft, conv2d_im2col, conv2d_naive
from .im2col import col2im, im2col
from .layers import (
    PoolCache,
    avg_pool2d,
    avg_pool2d_backward,
    max_pool2d,
    max_pool2d_backward,
    relu,
    relu_backward,
)

__all__ = [
    "PoolCache",
    "avg_pool2d",
    "avg_pool2d_backward",
    "col2im",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_einsum",
    "conv2d_fft",
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
    "relu",
    "relu_backward",
    "transpose_output_padding",
]
