"""A pixel-by-pixel LSTM: reads the image in raster order and predicts the next pixel.

At step ``t`` (pixel ``t`` in raster order, ``t = r * W + c``) the LSTM reads the pixel
just before, ``x_{t-1}`` (zero at ``t = 0``), and, with ``above=True``, also the pixel
directly above, ``x_{t-W}`` (zero in the first row): both are in the past. Its hidden
state ``h_t`` has then seen exactly ``x_<t`` and gives the logit of pixel ``t``::

    h_t, c_t = LSTM([x_{t-1}, x_{t-W}], (h_{t-1}, c_{t-1}))
    p(x_t = 1 | x_<t) = sigmoid(w^T h_t + b + b_t)

``b_t`` (``pixel_bias=True``) is a learned bias per pixel position: the LSTM would
otherwise have to count steps to know where in the image it is.

The LSTM is the package's own :class:`rnntutor.nn.LSTM` (same equations as Chapter 2).
Shifting the input by one step is what makes the model causal: feeding ``x_t`` itself
would let the model copy the answer (see the causality checker).

With ``levels=K > 2`` the pixels are the levels ``0..K-1``, read as ``x / (K - 1)``, and
the readout gives ``K`` logits per step, ``p(x_t = k | x_<t) = softmax(W h_t + b + b_t)_k``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor.generation.base import AutoregressiveImageModel, _check_levels
from rnntutor.nn import LSTM

__all__ = ["PixelLSTM", "shift_right"]


def shift_right(seq: Tensor, k: int = 1) -> Tensor:
    """Delay a sequence ``(N, T)`` by ``k`` steps, filling with zeros: ``out[:, t] = seq[:, t - k]``."""
    return F.pad(seq, (k, 0))[:, : seq.shape[1]]


class PixelLSTM(AutoregressiveImageModel):
    """LSTM over the ``H*W`` pixels in raster order; logits ``(N, H, W)``."""

    def __init__(
        self,
        image_shape=(8, 8),
        hidden: int = 64,
        num_layers: int = 1,
        above: bool = True,
        impl: str = "fused",
        pixel_bias: bool = True,
        levels: int = 2,
    ):
        super().__init__()
        h, w = (int(s) for s in image_shape)
        self.image_shape = (h, w)
        self.levels = _check_levels(levels)
        self.above = bool(above)
        self._config = {
            "image_shape": [h, w],
            "hidden": hidden,
            "num_layers": num_layers,
            "above": self.above,
            "impl": impl,
            "pixel_bias": bool(pixel_bias),
        }
        if (
            self.categorical
        ):  # stored only when used, so binary checkpoints keep their config
            self._config["levels"] = self.levels
        k = self.out_channels
        self.lstm = LSTM(
            2 if self.above else 1, hidden, num_layers=num_layers, impl=impl
        )
        self.readout = nn.Linear(hidden, k)
        bias_shape = (k, h, w) if self.categorical else (h, w)
        self.pixel_bias = (
            nn.Parameter(torch.zeros(bias_shape)) if pixel_bias else None
        )

    def inputs(self, x: Tensor) -> Tensor:
        """The LSTM's input sequence ``(N, H*W, F)``.

        At each step: the previous pixel (and the pixel above).
        """
        n = x.shape[0]
        flat = self.scaled(x).reshape(
            n, -1
        )  # (N, T) in raster order, levels scaled to [0, 1]
        feats = [shift_right(flat, 1)]
        if self.above:
            feats.append(shift_right(flat, self.image_shape[1]))
        return torch.stack(feats, dim=-1)  # (N, T, F)

    def logits(self, x: Tensor) -> Tensor:
        out, _ = self.lstm(self.inputs(x))  # (N, T, hidden)
        logits = (
            self.readout(out)
            .transpose(1, 2)
            .reshape(x.shape[0], -1, *self.image_shape)
        )  # (N, K', H, W)
        logits = self._as_logits(
            logits
        )  # (N, H, W) binary, (N, K, H, W) categorical
        return logits if self.pixel_bias is None else logits + self.pixel_bias
