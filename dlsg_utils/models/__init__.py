"""The networks of Part II: LeNet-5, AlexNet, the CIFAR ResNets and their plain twins.

* :class:`LeNet5` -- ``variant="modern"`` (ReLU, max-pooling, 6-16-120-84-10, padding 2 on
  28x28 inputs: 61,706 parameters) or ``variant="classic"`` (LeCun et al. 1998: scaled tanh,
  trainable average-pool "subsampling", the sparse C3 connection table, 32x32 inputs and an
  RBF output layer with fixed codes: 60,000 trainable parameters, 340,908 connections).
* :class:`AlexNet` -- ``variant="single"`` (one tower, 64-192-384-256-256 filters on 224x224
  with padding 2 in conv1, 61,100,840 parameters: torchvision's layout, whose conv4 width of 256
  comes from the single-GPU configuration of Krizhevsky's cuda-convnet2, not from "One weird
  trick" (2014), whose one-column model has 64-192-384-384-256) or ``variant="paper"``
  (Krizhevsky et al. 2012: 96-256-384-384-256 filters, two-tower grouped convolutions, local
  response normalisation, 227x227 inputs: 60,965,224 parameters).
* :class:`MiniAlexNet` -- the same recipe (five convolutions, overlapping max-pooling, ReLU,
  dropout, optional LRN) sized for 32x32 images and a CPU.
* :class:`ResNetCIFAR` and :class:`PlainCIFAR` -- He et al. (2015), section 4.2: 6n+2 layers,
  16/32/64 filters on 32/16/8 maps, with shortcut option A (identity, zero-padded channels) or
  B (1x1 projections where the shape changes); the plain net is the same stack without
  shortcuts. :class:`PreActBlock` -- the pre-activation unit of He et al. (2016);
  :class:`Bottleneck` -- the 1x1-3x3-1x1 block of the ImageNet ResNet-50/101/152.
* :func:`summary` -- a per-layer table (output shape, parameters, multiply-accumulates)
  computed by torchinfo; :func:`count_connections` -- LeCun's "connections";
  :func:`dlsg_utils.plot.draw_architecture` draws the feature maps of any of these networks.

Modules: :mod:`~dlsg_utils.models.lenet`, :mod:`~dlsg_utils.models.alexnet`,
:mod:`~dlsg_utils.models.resnet`, and :mod:`~dlsg_utils.models.counts` (counts and tables), :mod:`~dlsg_utils.models.blocks` (LeNet's
own layers).
"""

from .alexnet import AlexNet, MiniAlexNet
from .counts import count_connections, count_parameters, feature_layers, init_he, summary
from .lenet import LECUN_C3_TABLE, LeNet5
from .resnet import BasicBlock, Bottleneck, PlainCIFAR, PreActBlock, ResNetCIFAR

__all__ = [
    "AlexNet",
    "BasicBlock",
    "Bottleneck",
    "LeNet5",
    "LECUN_C3_TABLE",
    "MiniAlexNet",
    "PlainCIFAR",
    "PreActBlock",
    "ResNetCIFAR",
    "count_connections",
    "count_parameters",
    "feature_layers",
    "init_he",
    "summary",
]
