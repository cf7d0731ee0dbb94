"""PixelRNN's Diagonal BiLSTM (van den Oord et al., 2016, §3.2): one LSTM step per image *diagonal*.

The Row LSTM (:mod:`rnntutor.generation.row_lstm`) steps down the image one row at a time;
its context is a triangle above each pixel. The Diagonal BiLSTM steps along diagonals
instead, in two directions, and its context is the whole past (given a wide enough input
kernel, see the last paragraph).

**Skewing.** A feature map ``u`` of shape ``(N, C, n, m)`` is skewed into ``(N, C, n, n+m-1)``
by shifting row ``r`` right by ``r`` (zeros elsewhere)::

    skew(u)[:, :, r, r + c] = u[:, :, r, c]

Column ``j`` of the skewed map holds the diagonal ``r + c = j`` of the image: scanning
the skewed map column by column visits the image diagonal by diagonal.

**One direction.** Each direction is an LSTM over the columns of the skewed map; its
state in column ``j`` is ``(h_j, c_j)``, of shape ``(N, D, n)``: one ``D``-vector per row.
The gates (order ``i, f, g, o`` as in ``torch.nn.LSTM``) come from two convolutions::

    [i; f; g; o]_j = K_is (*) s_j + K_ss (*) h_{j-1}              (4D, n)
    c_j = sigmoid(f) * c_{j-1} + sigmoid(i) * tanh(g)
    h_j = sigmoid(o) * tanh(c_j)

- ``K_is (*) s_j`` is the **input-to-state** part: a 1x1 convolution of the layer's input
  ``u``, computed for the whole map at once (it does not depend on the recurrence), with
  ``s_j`` column ``j`` of ``skew(u)``;
- ``K_ss (*) h_{j-1}`` is the **state-to-state** part: a column convolution with a 2x1
  kernel, row ``r`` of column ``j`` reads rows ``r - 1`` and ``r`` of column ``j - 1``.

Unskewed, with ``h(r, c)`` the state at image position ``(r, c)`` (zero outside the image),
this is the recurrence::

    gates(r, c) = K_is u(r, c) + W_up h(r - 1, c) + W_left h(r, c - 1),   cell from c(r, c - 1)

so ``h(r, c)`` depends on ``u`` over the **upper-left rectangle** ``r' <= r, c' <= c``, and
a whole diagonal is computed in one step (``n + m - 1`` steps for an ``n x m`` image
instead of ``n`` for the Row LSTM, each a few matrix products over the whole diagonal).

*In practice* only the in-image entries of each skewed column are computed (rows
``max(0, j - m + 1) .. min(n - 1, j)``, about half of the skewed map), gathered for all
columns at once with an index that :func:`skew` builds. Nothing is lost: left of the
image a state would stay exactly zero (zero input, zero initial state, no bias in
``K_ss``), and the states right of the image are never read by those inside it.

**Two directions.** The right-to-left direction is the same LSTM (its own weights) run
on the horizontally flipped map and flipped back: its state at ``(r, c)`` covers the
**upper-right rectangle** ``r' <= r, c' >= c``. That rectangle contains ``u`` at
``(r, c + 1), (r, c + 2), ...``, the features of pixels to the *right* in the same row,
which have seen pixel ``(r, c)`` itself (the feature at ``(r, c + 1)`` reads the pixel at
``(r, c)``). So its output map is **shifted down by one row** (row 0 gets zeros) before
the two are added::

    out(r, c) = h_LR(r, c) + h_RL(r - 1, c)

``h_RL(r - 1, c)`` has seen only rows ``<= r - 1``: all in the past. Together the two
cover every feature in the rows above and the features of row ``r`` up to column ``c``.
``shift_right_to_left=False`` builds the broken variant without the shift, which
:func:`~rnntutor.generation.check_causality` rejects (pixels see their own value).

**The model.** The image first goes through a masked 2-D convolution with mask ``"A"``
(:class:`MaskedConv2d`): the feature at ``(r, c)`` reads only pixels strictly before
``(r, c)`` in raster order, in the rows above and to the left in its own row. Then come
``num_layers`` Diagonal BiLSTM layers: later layers read the previous layer's output with
a 1x1 convolution (mask ``"B"`` semantics: the feature at a pixel's own position is
already causal, so it may be used), and add their output to their input (residual). A
per-pixel MLP (1x1 convolutions) gives one logit per pixel.

**The one pixel a small kernel misses.** Pixel ``(r - 1, m - 1)``, the last one of the
row above, is read by no feature of its own row (none lies to its right), only by
features of rows ``r`` and below; of those, pixel ``(r, c)`` reaches only the features of
row ``r`` up to column ``c``. So with a ``k x k`` input kernel, pixel ``(r, c)`` cannot see
``(r - 1, m - 1)`` when ``c + k // 2 < m - 1``, however many layers are stacked. The
default input kernel is therefore ``3 x (2m - 1)``: every feature reads the whole row
above, and the context of every pixel is its whole past. ``in_kernel=7`` gives the
paper's 7x7 convolution (and its blind pixel).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor.generation.base import AutoregressiveImageModel, _check_levels
from rnntutor.generation.row_lstm import row_mask

__all__ = [
    "DiagonalBiLSTM",
    "DiagonalBiLSTMLayer",
    "MaskedConv2d",
    "image_mask",
    "skew",
    "unskew",
]


def _kernel_pair(kernel_size) -> tuple[int, int]:
    """``k`` -> ``(k, k)``; ``(kh, kw)`` -> itself; both must be positive odd integers."""
    pair = (
        (kernel_size, kernel_size)
        if isinstance(kernel_size, int)
        else tuple(kernel_size)
    )
    if len(pair) != 2 or not all(
        isinstance(k, int) and not isinstance(k, bool) and k >= 1 and k % 2
        for k in pair
    ):
        raise ValueError(
            f"kernel_size must be a positive odd integer or a pair of them, got {kernel_size!r}"
        )
    return int(pair[0]), int(pair[1])


def image_mask(kernel_size, mask_type: str) -> Tensor:
    """The ``(kh, kw)`` 0/1 mask of a centred 2-D convolution over an image.

    Tap ``(a, b)`` reads pixel ``(r + a - kh // 2, c + b - kw // 2)``. The rows above the
    centre are kept whole; the centre row is :func:`~rnntutor.generation.row_mask`: mask
    ``"A"`` keeps the taps strictly left of the centre, ``"B"`` also the centre; the rows
    below are zero. ``kernel_size`` is ``k`` (square) or ``(kh, kw)``, odd.
    """
    kh, kw = _kernel_pair(kernel_size)
    mask = torch.zeros(kh, kw)
    mask[: kh // 2] = 1.0
    mask[kh // 2] = row_mask(kw, mask_type)
    return mask


class MaskedConv2d(nn.Conv2d):
    """A centred ``Conv2d`` whose taps at and after the centre in raster order are zero (see :func:`image_mask`).

    ``(N, C_in, H, W)`` -> ``(N, C_out, H, W)``; with mask ``"A"`` the output at ``(r, c)``
    depends only on the input strictly before ``(r, c)`` in raster order. One mask for all
    channels (binary images have one channel; no colour-channel masks).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        mask_type: str = "A",
    ):
        kh, kw = _kernel_pair(kernel_size)
        super().__init__(
            in_channels, out_channels, (kh, kw), padding=(kh // 2, kw // 2)
        )
        self.mask_type = mask_type
        self.register_buffer(
            "mask",
            image_mask((kh, kw), mask_type)[None, None],
            persistent=False,
        )  # (1, 1, kh, kw)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(
            x, self.weight * self.mask, self.bias, padding=self.padding
        )


def skew(x: Tensor) -> Tensor:
    """Shift row ``r`` right by ``r``: ``(..., n, m)`` -> ``(..., n, n + m - 1)``, zeros elsewhere.

    ``out[..., r, r + c] = x[..., r, c]``. Done with one pad and two reshapes: pad every
    row with ``n`` zeros to length ``m + n``, read the rows as one sequence, drop its last
    ``n`` zeros and cut it into rows of ``n + m - 1``; row ``r`` now starts ``r`` later.
    """
    *lead, n, m = x.shape
    flat = F.pad(x, (0, n)).reshape(*lead, n * (n + m))
    return flat[..., : n * (n + m - 1)].reshape(*lead, n, n + m - 1)


def unskew(s: Tensor) -> Tensor:
    """The inverse of :func:`skew`: ``(..., n, n + m - 1)`` -> ``(..., n, m)``, ``out[..., r, c] = s[..., r, r + c]``.

    The same trick backwards: read the rows as one sequence, append ``n`` zeros, cut it into
    rows of ``n + m`` (row ``r`` now starts ``r`` earlier) and keep the first ``m`` columns.
    """
    *lead, n, width = s.shape
    m = width - n + 1
    if m < 1:
        raise ValueError(
            f"a skewed map with {n} rows has at least {n} columns, got {width}"
        )
    flat = F.pad(s.reshape(*lead, n * width), (0, n)).reshape(
        *lead, n, width + 1
    )
    return flat[..., :m]


def _diagonal_order(
    n: int, m: int, device
) -> tuple[Tensor, list[int], list[int]]:
    """Raster indices of an ``n x m`` image, column after column of its skewed map, for both directions.

    Column ``j`` of :func:`skew` holds the positions ``(r, j - r)``, ``r = lo_j .. hi_j`` with
    ``lo_j = max(0, j - m + 1)`` and ``hi_j = min(n - 1, j)``; its other entries are padding.
    Returns the concatenated indices ``(2, n * m)`` (row 0: the image; row 1: the horizontally
    flipped image, as indices into the unflipped one), the column sizes and the ``lo_j``.
    """
    raster = torch.arange(n * m).reshape(n, m)
    orders = []
    for image in (raster, raster.flip(-1)):
        skewed = skew(
            image + 1
        ).T  # (n + m - 1, n): raster index + 1, 0 = padding
        orders.append(skewed[skewed > 0] - 1)
    sizes = (skewed > 0).sum(1).tolist()
    lows = [max(0, j - m + 1) for j in range(n + m - 1)]
    return torch.stack(orders).to(device), sizes, lows


class DiagonalBiLSTMLayer(nn.Module):
    """One Diagonal BiLSTM layer: inputs ``(N, C, n, m)`` -> outputs ``(N, D, n, m)``.

    ``input_to_state`` is one 1x1 convolution for both directions (``8D`` channels: the
    left-to-right gates, then the right-to-left ones); ``state_to_state`` holds the two
    2x1 column convolutions (``(2, 4D, D, 2)``, tap 0 reads the row above, tap 1 the same
    row).
    """

    def __init__(
        self, in_channels: int, hidden: int, shift_right_to_left: bool = True
    ):
        super().__init__()
        self.hidden = hidden
        self.shift_right_to_left = bool(shift_right_to_left)
        self.input_to_state = nn.Conv2d(in_channels, 8 * hidden, 1)
        bound = (
            1.0 / (2 * hidden) ** 0.5
        )  # Conv1d(hidden, 4 * hidden, 2)'s default init
        self.state_to_state = nn.Parameter(
            torch.empty(2, 4 * hidden, hidden, 2).uniform_(-bound, bound)
        )

    def directions(self, u: Tensor) -> tuple[Tensor, Tensor]:
        """The two directions' hidden states ``(N, D, n, m)`` each, in image orientation, before any shift.

        ``h_LR[:, :, r, c]`` has seen ``u`` over ``r' <= r, c' <= c``; ``h_RL[:, :, r, c]`` over ``r' <= r, c' >= c``.
        """
        n_img, ch, n, m = u.shape
        d = self.hidden
        order, sizes, lows = _diagonal_order(
            n, m, u.device
        )  # (2, n*m): left-to-right, right-to-left
        # the in-image entries of every column of the skewed map, column after column, for both
        # directions (the right-to-left one skews the flipped map): (2, n*m, N, C)
        x = u.permute(2, 3, 0, 1).reshape(n * m, n_img, ch)[order]
        w_is = self.input_to_state.weight.reshape(2, 4 * d, ch).transpose(
            1, 2
        )  # (2, C, 4D): a 1x1 convolution
        b_is = self.input_to_state.bias.reshape(2, 1, 4 * d)
        gates = torch.baddbmm(
            b_is, x.reshape(2, n * m * n_img, ch), w_is
        ).reshape(2, n * m, n_img, 4 * d)
        w_up = self.state_to_state[..., 0].transpose(
            1, 2
        )  # (2, D, 4D): reads h(r - 1) of the previous column
        w_same = self.state_to_state[..., 1].transpose(
            1, 2
        )  # (2, D, 4D): reads h(r) of the previous column
        h = c = u.new_zeros(
            (2, 0, n_img, d)
        )  # the previous column's states, in-image rows only (none yet)
        prev_lo, hs = 0, []
        for gates_in, k, lo in zip(
            gates.split(sizes, dim=1), sizes, lows, strict=True
        ):
            # column j holds rows lo..lo+k-1; a state outside the image counts as zero (left of it:
            # exactly, see the module docstring; right of it: never read), so pad with zero rows
            s = lo - prev_lo  # 0 or 1
            h_pad = F.pad(
                h, (0, 0, 0, 0, 1, 1)
            )  # rows prev_lo - 1 .. prev_hi + 1
            above = h_pad[:, s : s + k].reshape(2, k * n_img, d)
            same = h_pad[:, s + 1 : s + 1 + k].reshape(2, k * n_img, d)
            g = torch.baddbmm(
                gates_in.reshape(2, k * n_img, 4 * d), above, w_up
            )
            i, f, g, o = (
                torch.baddbmm(g, same, w_same)
                .reshape(2, k, n_img, 4 * d)
                .chunk(4, dim=-1)
            )
            c = torch.sigmoid(f) * F.pad(c, (0, 0, 0, 0, 0, 1))[
                :, s : s + k
            ] + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)  # (2, k, N, D)
            hs.append(h)
            prev_lo = lo
        hs = torch.cat(hs, dim=1)  # (2, n*m, N, D), column after column
        inverse = torch.argsort(order, dim=1)
        out = torch.stack(
            [hs[0, inverse[0]], hs[1, inverse[1]]]
        )  # (2, n*m, N, D) in raster order
        out = out.reshape(2, n, m, n_img, d).permute(
            0, 3, 4, 1, 2
        )  # (2, N, D, n, m)
        return out[0], out[1]

    def forward(self, u: Tensor) -> Tensor:
        h_lr, h_rl = self.directions(u)
        if self.shift_right_to_left:
            h_rl = F.pad(h_rl, (0, 0, 1, 0))[
                :, :, :-1
            ]  # row r holds h_RL[r - 1], row 0 zeros
        return h_lr + h_rl


class DiagonalBiLSTM(AutoregressiveImageModel):
    """A mask-A input convolution, Diagonal BiLSTM layers and a per-pixel output MLP; logits ``(N, H, W)``.

    ``in_kernel`` is the first convolution's kernel (mask ``"A"``): an odd ``k`` (``k x k``)
    or ``(kh, kw)``; the default ``(3, 2 * W - 1)`` reads the whole row above, which gives
    every pixel its whole past as context (see the module docstring for the one pixel a
    small kernel misses). ``hidden`` is the number of features and of LSTM units per
    direction. ``pixel_bias=True`` adds a learned bias per pixel position to the logits.
    ``shift_right_to_left=False`` drops the down-shift of the right-to-left direction:
    the model then sees pixels it must predict (for demonstrating the causality checker).
    ``levels=K > 2``: pixels are the levels ``0..K-1`` (read as ``x / (K - 1)``) and the head
    gives ``K`` logits per pixel (softmax).
    """

    def __init__(
        self,
        image_shape=(28, 28),
        hidden: int = 32,
        num_layers: int = 2,
        in_kernel=None,
        head: int = 64,
        pixel_bias: bool = False,
        shift_right_to_left: bool = True,
        levels: int = 2,
    ):
        super().__init__()
        self.levels = _check_levels(levels)
        h, w = (int(s) for s in image_shape)
        if h < 1 or w < 1:
            raise ValueError(
                f"image_shape must be two positive integers, got {image_shape!r}"
            )
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers!r}")
        self.image_shape = (h, w)
        kh, kw = _kernel_pair(
            (3, 2 * w - 1) if in_kernel is None else in_kernel
        )
        self.shift_right_to_left = bool(shift_right_to_left)
        self._config = {
            "image_shape": [h, w],
            "hidden": hidden,
            "num_layers": num_layers,
            "in_kernel": [kh, kw],
            "head": head,
            "pixel_bias": bool(pixel_bias),
            "shift_right_to_left": self.shift_right_to_left,
        }
        if (
            self.categorical
        ):  # stored only when used, so binary checkpoints keep their config
            self._config["levels"] = self.levels
        k = self.out_channels
        self.input_conv = MaskedConv2d(1, hidden, (kh, kw), "A")
        self.layers = nn.ModuleList(
            [
                DiagonalBiLSTMLayer(hidden, hidden, self.shift_right_to_left)
                for _ in range(num_layers)
            ]
        )
        self.head = nn.Sequential(
            nn.Conv2d(hidden, head, 1), nn.ReLU(), nn.Conv2d(head, k, 1)
        )
        self.pixel_bias = (
            nn.Parameter(
                torch.zeros((k, h, w) if self.categorical else (h, w))
            )
            if pixel_bias
            else None
        )

    def logits(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(
                f"x must have shape (N, {self.image_shape[0]}, {self.image_shape[1]}), got {tuple(x.shape)}"
            )
        u = self.input_conv(
            self.scaled(x)[:, None]
        )  # (N, D, H, W): feature (r, c) has seen pixels < (r, c)
        for k, layer in enumerate(self.layers):
            out = layer(u)  # (N, D, H, W)
            u = out if k == 0 else u + out  # residual after the first layer
        logits = self._as_logits(
            self.head(u)
        )  # (N, H, W) binary, (N, K, H, W) categorical
        return logits if self.pixel_bias is None else logits + self.pixel_bias
