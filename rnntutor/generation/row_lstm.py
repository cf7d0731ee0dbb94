"""PixelRNN's Row LSTM (van den Oord et al., 2016): one LSTM step per image *row*.

Each layer keeps a hidden state ``h_r`` and a cell state ``c_r`` of shape ``(N, D, W)``:
one ``D``-vector per column of row ``r``. The gates of row ``r`` come from two 1-D
convolutions along the row (gate order ``i, f, g, o`` as in ``torch.nn.LSTM``)::

    [i; f; g; o]_r = K_is (*) u_r + K_ss (*) h_{r-1}          (4D, W)
    c_r = sigmoid(f) * c_{r-1} + sigmoid(i) * tanh(g)
    h_r = sigmoid(o) * tanh(c_r)

- ``K_is (*) u_r`` is the **input-to-state** convolution over the layer's input row
  ``u_r`` (the image row for the first layer). It is *masked* so that column ``c`` sees
  only columns ``< c`` of the image row (mask ``"A"``, first layer) or ``<= c`` of a
  hidden row that is already causal (mask ``"B"``, later layers). These do not depend
  on the recurrence, so they are computed for all rows at once.
- ``K_ss (*) h_{r-1}`` is the **state-to-state** convolution, width 3, over the previous
  row's hidden state: column ``c`` of row ``r`` sees columns ``c-1, c, c+1`` of row
  ``r-1``, whose states saw a wider span of row ``r-2``, ... Its context is a triangle
  above the pixel (plus the pixels to its left in the same row): causal, but blind to
  the far upper right, which the Diagonal BiLSTM of the paper fixes.

The logit of pixel ``(r, c)`` is read from the last layer's ``h_r[:, :, c]`` through a
small per-pixel MLP (1x1 convolutions). Layers after the first are residual.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor.generation.base import AutoregressiveImageModel, _check_levels

__all__ = ["MaskedConv1d", "RowLSTMLayer", "RowLSTM", "row_mask"]


def row_mask(kernel_size: int, mask_type: str) -> Tensor:
    """The ``(kernel_size,)`` 0/1 mask of a centred 1-D convolution along a row.

    Tap ``k`` reads column ``c + k - kernel_size // 2``. Mask ``"A"`` keeps the taps strictly
    left of the centre (column ``c`` must not see itself); ``"B"`` also keeps the centre.
    """
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size must be a positive odd integer, got {kernel_size!r}"
        )
    centre = kernel_size // 2
    mask = torch.zeros(kernel_size)
    mask[: centre + (mask_type == "B")] = 1.0
    return mask


def conv_row(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Centred 1-D convolution along a row, as one matrix product: ``(B, C, W)`` -> ``(B, O, W)``.

    ``out[:, o, c] = bias[o] + sum_{ch, k} weight[o, ch, k] * x[:, ch, c + k - K // 2]`` with zero
    padding; the same as ``F.conv1d(x, weight, bias, padding=K // 2)`` but faster on a CPU for
    short rows (the ``K`` shifted copies of the row are stacked and multiplied at once).
    """
    b, ch, w = x.shape
    k = weight.shape[-1]
    xp = F.pad(x, (k // 2, k // 2))  # (B, C, W + K - 1)
    cols = torch.stack([xp[:, :, j : j + w] for j in range(k)], dim=2).reshape(
        b, ch * k, w
    )  # (B, C*K, W)
    out = weight.reshape(weight.shape[0], ch * k) @ cols  # (B, O, W)
    return out if bias is None else out + bias[:, None]


class MaskedConv1d(nn.Conv1d):
    """A centred ``Conv1d`` along a row whose taps right of (and for ``"A"`` at) the centre are zero.

    ``mask_type`` is one letter for all input channels, or one letter per channel, where
    ``"A"``/``"B"`` are as in :func:`row_mask` and ``"U"`` leaves a channel unmasked (for a
    row that lies entirely in the past, such as the previous image row).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        mask_type: str = "A",
    ):
        super().__init__(
            in_channels, out_channels, kernel_size, padding=kernel_size // 2
        )
        types = mask_type * in_channels if len(mask_type) == 1 else mask_type
        if len(types) != in_channels:
            raise ValueError(
                f"mask_type needs 1 or {in_channels} letters, got {mask_type!r}"
            )
        rows = [
            torch.ones(kernel_size) if t == "U" else row_mask(kernel_size, t)
            for t in types
        ]
        self.mask_type = mask_type
        self.register_buffer(
            "mask", torch.stack(rows)[None], persistent=False
        )  # (1, C_in, K)

    def forward(self, x: Tensor) -> Tensor:  # (B, C_in, W) -> (B, C_out, W)
        return conv_row(x, self.weight * self.mask, self.bias)


class RowLSTMLayer(nn.Module):
    """One Row LSTM layer: inputs ``(N, C, H, W)`` -> hidden states ``(N, D, H, W)``."""

    def __init__(
        self,
        in_channels: int,
        hidden: int,
        in_kernel: int,
        mask_type: str,
        state_kernel: int = 3,
    ):
        super().__init__()
        self.hidden = hidden
        self.input_to_state = MaskedConv1d(
            in_channels, 4 * hidden, in_kernel, mask_type
        )
        self.state_to_state = nn.Conv1d(
            hidden,
            4 * hidden,
            state_kernel,
            padding=state_kernel // 2,
            bias=False,
        )

    def input_gates(self, u: Tensor) -> Tensor:
        """``K_is (*) u_r`` for every row at once: ``(N, C, H, W)`` -> ``(N, H, 4D, W)``."""
        n, ch, h, w = u.shape
        rows = u.permute(0, 2, 1, 3).reshape(n * h, ch, w)  # (N*H, C, W)
        return self.input_to_state(rows).reshape(n, h, 4 * self.hidden, w)

    def step(
        self, gates_in: Tensor, state: tuple[Tensor, Tensor]
    ) -> tuple[Tensor, Tensor]:
        """One row: ``gates_in (N, 4D, W)`` and ``(h_{r-1}, c_{r-1})``.

        The states are ``(N, D, W)``; returns ``(h_r, c_r)``.
        """
        h_prev, c_prev = state
        gates = gates_in + conv_row(
            h_prev, self.state_to_state.weight
        )  # (N, 4D, W)
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def zero_state(self, n: int, w: int, ref: Tensor) -> tuple[Tensor, Tensor]:
        z = ref.new_zeros((n, self.hidden, w))
        return z, z

    def forward(self, u: Tensor) -> Tensor:
        n, _, height, w = u.shape
        gates_in = self.input_gates(u).unbind(
            1
        )  # H tensors (N, 4D, W); unbind keeps backward cheap
        state = self.zero_state(n, w, u)
        hs = []
        for r in range(height):
            state = self.step(gates_in[r], state)
            hs.append(state[0])
        return torch.stack(hs, dim=2)  # (N, D, H, W)


class RowLSTM(AutoregressiveImageModel):
    """A stack of Row LSTM layers with a per-pixel output MLP; logits ``(N, H, W)``.

    ``in_kernel`` is the width of the first layer's masked input-to-state convolution over
    the image row (odd); the default ``2 * W - 1`` lets every column see the whole row to
    its left. Later layers read the (already causal) hidden row with a width-3 mask-B
    convolution, as in the paper.

    ``prev_row=True`` (our addition, not in the paper) also feeds the whole previous image
    row ``x_{r-1}`` to the first layer, unmasked: it lies entirely in the past, and it gives
    each pixel the upper-right context that the Row LSTM's triangle misses.
    ``pixel_bias=True`` adds a learned bias per pixel position to the logits (the rows are
    otherwise indistinguishable to the recurrence). ``levels=K > 2``: pixels are the levels
    ``0..K-1`` (read as ``x / (K - 1)``) and the head gives ``K`` logits per pixel (softmax).
    """

    def __init__(
        self,
        image_shape=(28, 28),
        hidden: int = 32,
        num_layers: int = 2,
        in_kernel: int | None = None,
        head: int = 64,
        prev_row: bool = True,
        pixel_bias: bool = False,
        levels: int = 2,
    ):
        super().__init__()
        h, w = (int(s) for s in image_shape)
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers!r}")
        self.image_shape = (h, w)
        self.levels = _check_levels(levels)
        in_kernel = 2 * w - 1 if in_kernel is None else int(in_kernel)
        self.prev_row = bool(prev_row)
        self._config = {
            "image_shape": [h, w],
            "hidden": hidden,
            "num_layers": num_layers,
            "in_kernel": in_kernel,
            "head": head,
            "prev_row": self.prev_row,
        }
        if (
            pixel_bias
        ):  # stored only when used, so older checkpoints keep their config
            self._config["pixel_bias"] = True
        if self.categorical:  # likewise
            self._config["levels"] = self.levels
        k = self.out_channels
        self.pixel_bias = (
            nn.Parameter(
                torch.zeros((k, h, w) if self.categorical else (h, w))
            )
            if pixel_bias
            else None
        )
        first = (
            RowLSTMLayer(2, hidden, in_kernel, "AU")
            if self.prev_row
            else RowLSTMLayer(1, hidden, in_kernel, "A")
        )
        self.layers = nn.ModuleList(
            [first]
            + [
                RowLSTMLayer(hidden, hidden, 3, "B")
                for _ in range(num_layers - 1)
            ]
        )
        self.head = nn.Sequential(
            nn.Conv2d(hidden, head, 1), nn.ReLU(), nn.Conv2d(head, k, 1)
        )

    def _inputs(self, x: Tensor) -> Tensor:
        """The first layer's input ``(N, C, H, W)``: the image, and the image shifted down one row."""
        if x.dim() != 3 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(
                f"x must have shape (N, {self.image_shape[0]}, {self.image_shape[1]}), got {tuple(x.shape)}"
            )
        x = self.scaled(x)[:, None]  # (N, 1, H, W), levels scaled to [0, 1]
        if not self.prev_row:
            return x
        above = F.pad(x, (0, 0, 1, 0))[
            :, :, :-1
        ]  # (N, 1, H, W): row r holds x_{r-1}, row 0 zeros
        return torch.cat([x, above], dim=1)  # (N, 2, H, W)

    def logits(self, x: Tensor) -> Tensor:
        u = self._inputs(x)
        for k, layer in enumerate(self.layers):
            out = layer(u)  # (N, D, H, W)
            u = out if k == 0 else u + out  # residual after the first layer
        logits = self._as_logits(
            self.head(u)
        )  # (N, H, W) binary, (N, K, H, W) categorical
        return logits if self.pixel_bias is None else logits + self.pixel_bias

    # -- faster sampling: rows above are fixed, so only the current row is recomputed per pixel

    def _row(
        self, x_row: Tensor, x_above: Tensor, states: list, row: int
    ) -> tuple[Tensor, list]:
        """Logits ``(N, W)`` (``(N, K, W)``) of one row given its pixels, the row above and the previous states."""
        x_row, x_above = self.scaled(x_row), self.scaled(x_above)
        u = (
            torch.stack([x_row, x_above], dim=1)
            if self.prev_row
            else x_row[:, None]
        )  # (N, C, W)
        new = []
        for k, layer in enumerate(self.layers):
            h, c = layer.step(layer.input_to_state(u), states[k])
            new.append((h, c))
            u = h if k == 0 else u + h
        logits = self._as_logits(
            self.head(u[:, :, None])[:, :, 0]
        )  # (N, W) binary, (N, K, W) categorical
        return (
            logits
            if self.pixel_bias is None
            else logits + self.pixel_bias[..., row, :]
        ), new

    @torch.no_grad()
    def _fill(
        self,
        x: Tensor,
        unknown: Tensor,
        temperature: float,
        seed: int,
        record: bool = False,
    ):
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        n = x.shape[0]
        height, w = self.image_shape
        was = self.training
        self.eval()
        frames = []
        try:
            states = [layer.zero_state(n, w, x) for layer in self.layers]
            above = x.new_zeros((n, w))
            for r in range(height):
                for c in range(w):
                    if not bool(unknown[:, r, c].any()):
                        continue
                    logit = (
                        self._row(x[:, r], above, states, r)[0][..., c]
                        / temperature
                    )  # (N,) or (N, K)
                    draw = self._draw(
                        logit, torch.rand(n, generator=gen).to(x.device)
                    )
                    x[:, r, c] = torch.where(
                        unknown[:, r, c], draw, x[:, r, c]
                    )
                    if record:
                        frames.append(x.clone().cpu())
                states = self._row(x[:, r], above, states, r)[1]
                above = x[:, r].clone()
        finally:
            self.train(was)
        return frames
