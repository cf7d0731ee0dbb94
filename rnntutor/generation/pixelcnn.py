"""PixelCNN and Gated PixelCNN (van den Oord et al., 2016): masked convolutions instead of a recurrence.

**Masked convolutions.** A centred ``k x k`` convolution reads a window around pixel
``(r, c)``. Multiplying its kernel by a 0/1 mask (:func:`~rnntutor.generation.image_mask`)
keeps only the taps *before* the centre in raster order: the rows above whole, and in
the centre row the taps left of the centre. Mask ``"A"`` (first layer, which reads the
image) also drops the centre, so the feature at ``(r, c)`` never sees pixel ``(r, c)``;
mask ``"B"`` (later layers, which read features that are already causal) keeps it::

    mask A (3x3)    mask B (3x3)
    1 1 1           1 1 1
    1 0 0           1 1 0
    0 0 0           0 0 0

**PixelCNN.** One mask-A convolution of the image, then residual layers
``u <- u + K_B (*) relu(u)`` with mask-B kernels, then a per-pixel MLP (1x1 convolutions)
that gives the logits (one per pixel for binary images, ``K`` for ``K`` levels).
Every logit of the image comes out of **one pass** of convolutions: training is as
parallel as for any CNN. Sampling is not: pixel ``i`` must be drawn before the network
can compute the logits of pixel ``i + 1``, so sampling is ``H * W`` passes.

**The blind spot.** Stacking mask-B convolutions grows the context up and to the left,
but not to the upper right: the feature at ``(r, c)`` reads ``(r - 1, c + 1)``, which reads
``(r - 2, c + 2)``, ... and never a pixel further right in those rows, since the features
of row ``r`` to the right of ``c`` are never read. The context of pixel ``(r, c)`` is a
cone whose right edge climbs one column per row: the pixels above and to the right of it
form a **blind spot** that no depth removes (measure it with
:func:`~rnntutor.generation.dependency_matrix`).

**Gated PixelCNN** (van den Oord et al., 2016, "Conditional image generation with
PixelCNN decoders") splits every layer in two stacks:

- a **vertical stack** ``v``: ``k x k`` convolutions whose masks keep the whole rows above
  the centre (first layer) and also the centre row (later layers, whose input already
  depends on the rows above only): the feature ``v(r, c)`` sees a window of the rows
  *strictly above* ``r``, growing by ``k // 2`` rows and columns on both sides per layer:
  no blind spot;
- a **horizontal stack** ``h``: ``1 x k`` convolutions along the row, mask A in the first
  layer and B later: ``h(r, c)`` sees pixels ``(r, c' < c)``; the vertical stack's
  pre-activations at ``(r, c)`` are added to it through a 1x1 convolution (they see only
  rows above ``r``).

Both use the gated activation ``tanh(a) * sigmoid(b)`` on the two halves of ``2C``
channels::

    [a_v; b_v] = K_v (*) v,               v' = tanh(a_v) * sigmoid(b_v)
    [a_h; b_h] = K_h (*) h + W_vh [a_v; b_v],  h' = h + W_o (tanh(a_h) * sigmoid(b_h))

(the first layer has no residual ``h +``: its input is the image, which holds ``x_{r, c}``).
The logits are read from the last horizontal stack.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor.generation.base import AutoregressiveImageModel, _check_levels
from rnntutor.generation.diagonal_bilstm import MaskedConv2d, _kernel_pair

__all__ = ["GatedPixelCNN", "GatedPixelCNNLayer", "PixelCNN", "vertical_mask"]


def vertical_mask(kernel_size: int, first: bool) -> Tensor:
    """The ``(k, k)`` 0/1 mask of the Gated PixelCNN's vertical stack.

    The rows above the centre are kept whole. The centre row is kept too, except in the
    first layer (``first=True``), which reads the image itself: row ``r`` of the image
    holds the pixel being predicted and the pixels right of it.
    """
    (k, _) = _kernel_pair(int(kernel_size))
    mask = torch.zeros(k, k)
    mask[: k // 2 + (0 if first else 1)] = 1.0
    return mask


class _FixedMaskConv2d(nn.Conv2d):
    """A centred ``Conv2d`` whose kernel is multiplied by a fixed 0/1 ``mask`` ``(kh, kw)``."""

    def __init__(self, in_channels: int, out_channels: int, mask: Tensor):
        kh, kw = mask.shape
        super().__init__(
            in_channels, out_channels, (kh, kw), padding=(kh // 2, kw // 2)
        )
        self.register_buffer(
            "mask", mask[None, None].clone(), persistent=False
        )  # (1, 1, kh, kw)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(
            x, self.weight * self.mask, self.bias, padding=self.padding
        )


def _check_sizes(num_layers, channels) -> None:
    if (
        isinstance(num_layers, bool)
        or not isinstance(num_layers, int)
        or num_layers < 1
    ):
        raise ValueError(
            f"num_layers must be an integer >= 1, got {num_layers!r}"
        )
    if (
        isinstance(channels, bool)
        or not isinstance(channels, int)
        or channels < 1
    ):
        raise ValueError(
            f"channels must be a positive integer, got {channels!r}"
        )


class PixelCNN(AutoregressiveImageModel):
    """Mask-A convolution, ``num_layers`` residual mask-B convolutions, per-pixel MLP; logits ``(N, [K,] H, W)``.

    ``in_kernel`` (odd ``k`` or ``(kh, kw)``) is the first, mask-A convolution (the paper
    uses 7x7); ``kernel`` the mask-B ones (3x3). ``levels=K > 2`` gives ``K`` logits per
    pixel (pixels are the levels ``0..K-1``, read as ``x / (K - 1)``).
    """

    def __init__(
        self,
        image_shape=(8, 8),
        channels: int = 32,
        num_layers: int = 4,
        in_kernel=5,
        kernel=3,
        head: int = 64,
        levels: int = 2,
        pixel_bias: bool = False,
    ):
        super().__init__()
        h, w = (int(s) for s in image_shape)
        _check_sizes(num_layers, channels)
        self.image_shape = (h, w)
        self.levels = _check_levels(levels)
        kin, k = _kernel_pair(in_kernel), _kernel_pair(kernel)
        self._config = {
            "image_shape": [h, w],
            "channels": channels,
            "num_layers": num_layers,
            "in_kernel": list(kin),
            "kernel": list(k),
            "head": head,
            "levels": self.levels,
            "pixel_bias": bool(pixel_bias),
        }
        out = self.out_channels
        self.input_conv = MaskedConv2d(1, channels, kin, "A")
        self.layers = nn.ModuleList(
            [
                MaskedConv2d(channels, channels, k, "B")
                for _ in range(num_layers)
            ]
        )
        self.head = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(channels, head, 1),
            nn.ReLU(),
            nn.Conv2d(head, out, 1),
        )
        self.pixel_bias = (
            nn.Parameter(
                torch.zeros((out, h, w) if self.categorical else (h, w))
            )
            if pixel_bias
            else None
        )

    def logits(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(
                f"x must have shape (N, {self.image_shape[0]}, "
                f"{self.image_shape[1]}), got {tuple(x.shape)}"
            )
        u = self.input_conv(
            self.scaled(x)[:, None]
        )  # (N, C, H, W): feature (r, c) has seen pixels < (r, c)
        for conv in self.layers:
            u = u + conv(torch.relu(u))  # mask B keeps it causal
        logits = self._as_logits(
            self.head(u)
        )  # (N, H, W) binary, (N, K, H, W) categorical
        return logits if self.pixel_bias is None else logits + self.pixel_bias


class GatedPixelCNNLayer(nn.Module):
    """One gated layer: ``(v, h)`` ``(N, C_in, H, W)`` each -> ``(v', h')`` ``(N, C, H, W)`` each."""

    def __init__(
        self, in_channels: int, channels: int, kernel_size: int, first: bool
    ):
        super().__init__()
        self.first = bool(first)
        self.channels = channels
        self.vertical = _FixedMaskConv2d(
            in_channels, 2 * channels, vertical_mask(kernel_size, self.first)
        )
        self.horizontal = MaskedConv2d(
            in_channels,
            2 * channels,
            (1, kernel_size),
            "A" if self.first else "B",
        )
        self.vertical_to_horizontal = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.horizontal_out = nn.Conv2d(channels, channels, 1)

    @staticmethod
    def gate(pre: Tensor) -> Tensor:
        """``tanh(a) * sigmoid(b)`` of the two channel halves ``[a; b]`` of ``pre`` ``(N, 2C, H, W)``."""
        a, b = pre.chunk(2, dim=1)
        return torch.tanh(a) * torch.sigmoid(b)

    def forward(self, v: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        v_pre = self.vertical(v)  # (N, 2C, H, W): sees rows strictly above
        h_pre = self.horizontal(h) + self.vertical_to_horizontal(
            v_pre
        )  # (N, 2C, H, W)
        h_out = self.horizontal_out(self.gate(h_pre))
        return self.gate(v_pre), h_out if self.first else h + h_out


class GatedPixelCNN(AutoregressiveImageModel):
    """Vertical and horizontal stacks of gated layers (no blind spot), per-pixel MLP; logits ``(N, [K,] H, W)``.

    ``in_kernel`` (odd) is the first layer's kernel (``k x k`` vertical, ``1 x k`` horizontal),
    ``kernel`` that of the ``num_layers - 1`` later layers. ``levels`` as in :class:`PixelCNN`.
    """

    def __init__(
        self,
        image_shape=(8, 8),
        channels: int = 32,
        num_layers: int = 4,
        in_kernel: int = 5,
        kernel: int = 3,
        head: int = 64,
        levels: int = 2,
        pixel_bias: bool = False,
    ):
        super().__init__()
        h, w = (int(s) for s in image_shape)
        _check_sizes(num_layers, channels)
        for name, value in (("in_kernel", in_kernel), ("kernel", kernel)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < 1
                or value % 2 == 0
            ):
                raise ValueError(
                    f"{name} must be a positive odd integer, got {value!r}"
                )
        self.image_shape = (h, w)
        self.levels = _check_levels(levels)
        self._config = {
            "image_shape": [h, w],
            "channels": channels,
            "num_layers": num_layers,
            "in_kernel": in_kernel,
            "kernel": kernel,
            "head": head,
            "levels": self.levels,
            "pixel_bias": bool(pixel_bias),
        }
        out = self.out_channels
        self.layers = nn.ModuleList(
            [GatedPixelCNNLayer(1, channels, in_kernel, first=True)]
            + [
                GatedPixelCNNLayer(channels, channels, kernel, first=False)
                for _ in range(num_layers - 1)
            ]
        )
        self.head = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(channels, head, 1),
            nn.ReLU(),
            nn.Conv2d(head, out, 1),
        )
        self.pixel_bias = (
            nn.Parameter(
                torch.zeros((out, h, w) if self.categorical else (h, w))
            )
            if pixel_bias
            else None
        )

    def logits(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(
                f"x must have shape (N, {self.image_shape[0]}, "
                f"{self.image_shape[1]}), got {tuple(x.shape)}"
            )
        v = h = self.scaled(x)[:, None]  # (N, 1, H, W)
        for layer in self.layers:
            v, h = layer(v, h)
        logits = self._as_logits(
            self.head(h)
        )  # (N, H, W) binary, (N, K, H, W) categorical
        return logits if self.pixel_bias is None else logits + self.pixel_bias
