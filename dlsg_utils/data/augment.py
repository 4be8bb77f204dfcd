"""Data augmentation on a batch, on the batch's own device."""

from __future__ import annotations

import torch

from ..checks import check_bool, check_int

__all__ = ["RandomCropFlip"]


class RandomCropFlip:
    """The CIFAR augmentation of He et al. (2015) and Krizhevsky et al. (2012), on a batch.

    ``RandomCropFlip(padding=4, flip=True)(xb)`` pads each image of the (N, C, H, W) batch by
    ``padding`` zeros, crops a random HxW window from it and mirrors it left-right with
    probability 1/2 -- a new draw for every image and every call, on the batch's own device
    (so it costs nothing on a GPU). Pass it to :func:`dlsg_utils.train.fit` as ``augment=``.
    ``flip=False`` for digits, whose mirror images are not digits.
    """

    def __init__(self, padding: int = 4, flip: bool = True, generator=None):
        self.padding = check_int("padding", padding, min=0)
        self.flip = check_bool("flip", flip)
        self.generator = generator

    def __call__(self, xb: torch.Tensor) -> torch.Tensor:
        if not isinstance(xb, torch.Tensor):
            raise TypeError(f"xb must be a torch tensor batch (N, C, H, W), got "
                            f"{type(xb).__name__} (convert it with torch.as_tensor)")
        if xb.ndim != 4:
            raise ValueError(f"expected a batch (N, C, H, W), got shape {tuple(xb.shape)}")
        n, _, h, w = xb.shape
        p = self.padding
        out = xb
        if p:
            padded = torch.nn.functional.pad(xb, (p, p, p, p))
            dy = torch.randint(0, 2 * p + 1, (n,), generator=self.generator).to(xb.device)
            dx = torch.randint(0, 2 * p + 1, (n,), generator=self.generator).to(xb.device)
            rows = (dy[:, None] + torch.arange(h, device=xb.device))[:, None, :, None]
            cols = (dx[:, None] + torch.arange(w, device=xb.device))[:, None, None, :]
            idx_n = torch.arange(n, device=xb.device)[:, None, None, None]
            idx_c = torch.arange(xb.shape[1], device=xb.device)[None, :, None, None]
            out = padded[idx_n, idx_c, rows, cols]
        if self.flip:
            mirror = torch.rand(n, generator=self.generator).to(xb.device) < 0.5
            out = torch.where(mirror[:, None, None, None], out.flip(-1), out)
        return out

    def __repr__(self) -> str:
        return f"RandomCropFlip(padding={self.padding}, flip={self.flip})"
