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
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor.generation.base import AutoregressiveImageModel
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
    ):
        super().__init__()
        h, w = (int(s) for s in image_shape)
        self.image_shape = (h, w)
        self.above = bool(above)
        self._config = {
            "image_shape": [h, w],
            "hidden": hidden,
            "num_layers": num_layers,
            "above": self.above,
            "impl": impl,
            "pixel_bias": bool(pixel_bias),
        }
        self.lstm = LSTM(2 if self.above else 1, hidden, num_layers=num_layers, impl=impl)
        self.readout = nn.Linear(hidden, 1)
        self.pixel_bias = nn.Parameter(torch.zeros(h, w)) if pixel_bias else None

    def inputs(self, x: Tensor) -> Tensor:
        """The LSTM's input sequence ``(N, H*W, F)``: previous pixel (and pixel above) at each step."""
        n = x.shape[0]
        flat = x.reshape(n, -1).float()  # (N, T) in raster order
        feats = [shift_right(flat, 1)]
        if self.above:
            feats.append(shift_right(flat, self.image_shape[1]))
        return torch.stack(feats, dim=-1)  # (N, T, F)

    def logits(self, x: Tensor) -> Tensor:
        out, _ = self.lstm(self.inputs(x))  # (N, T, hidden)
        logits = self.readout(out)[..., 0].reshape(x.shape[0], *self.image_shape)  # (N, H, W)
        return logits if self.pixel_bias is None else logits + self.pixel_bias
