"""The ConvLSTM cell of Shi et al. (2015) in PyTorch: the LSTM with convolutions.

A ConvLSTM keeps the LSTM's gates but its states are images: ``x_t (B, C_in, H, W)``,
``h_t, c_t (B, C_h, H, W)``, and every matrix product ``W x`` becomes a convolution
``W * x`` ("same" padding, so the state keeps the frame's height and width). The
parameters have the layouts of ``torch.nn.LSTM`` with a kernel added:

- ``weight_ih (4*C_h, C_in, k, k)``, ``weight_hh (4*C_h, C_h, k, k)``, ``bias (4*C_h,)``
- with peepholes, ``weight_ci, weight_cf, weight_co`` of shape ``(C_h, 1, 1)``

in the gate order ``i, f, g, o``. Equations (``*`` convolution, ``∘`` Hadamard product,
``W_xi`` the ``i`` block of ``weight_ih``, ``W_hi`` that of ``weight_hh``)::

    i_t = σ(W_xi * x_t + W_hi * h_{t-1} + W_ci ∘ c_{t-1} + b_i)   input gate
    f_t = σ(W_xf * x_t + W_hf * h_{t-1} + W_cf ∘ c_{t-1} + b_f)   forget gate
    g_t = tanh(W_xg * x_t + W_hg * h_{t-1} + b_g)                  candidate
    c_t = f_t ∘ c_{t-1} + i_t ∘ g_t
    o_t = σ(W_xo * x_t + W_ho * h_{t-1} + W_co ∘ c_t + b_o)        output gate
    h_t = o_t ∘ tanh(c_t)

Without peepholes the ``W_c ∘ c`` terms are absent (the plain LSTM's equations).
Shi et al.'s peephole weights have one value per channel *and position*; here they have
one per channel, shared over positions like the convolutions, so one cell runs on
frames of any size.

:func:`convlstm_step` computes all four gates with **one** convolution of the
concatenation ``[x_t, h_{t-1}]`` by ``[weight_ih, weight_hh]`` (fused);
:func:`convlstm_step_gates` computes the same thing with eight convolutions, one per
gate and input, as the equations are written. ``benchmarks/bench_convlstm.py`` times
both.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

GATE_ORDER = ("i", "f", "g", "o")
IMPLS = ("fused", "gates")


def _peep(weight: Tensor | None, c: Tensor) -> Tensor | float:
    return (
        0.0 if weight is None else weight * c
    )  # (C_h, 1, 1) ∘ (B, C_h, H, W)


def _gates_to_state(
    a: Tensor, c_prev: Tensor, weight_ci, weight_cf, weight_co
) -> tuple[Tensor, Tensor]:
    """From the pre-activations ``a (B, 4*C_h, H, W)`` (without peepholes) to ``(h_t, c_t)``."""
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)  # each (B, C_h, H, W)
    i = torch.sigmoid(a_i + _peep(weight_ci, c_prev))
    f = torch.sigmoid(a_f + _peep(weight_cf, c_prev))
    g = torch.tanh(a_g)
    c = f * c_prev + i * g
    o = torch.sigmoid(a_o + _peep(weight_co, c))
    h = o * torch.tanh(c)
    return h, c


def convlstm_step(
    x: Tensor,
    h_prev: Tensor,
    c_prev: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias: Tensor | None = None,
    weight_ci: Tensor | None = None,
    weight_cf: Tensor | None = None,
    weight_co: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One ConvLSTM step with one convolution for all gates.

    ``a = [W_ih, W_hh] * [x_t, h_{t-1}] + b`` is ``(B, 4*C_h, H, W)``: the
    four gates' pre-activations stacked along the channels, then the
    equations of the module docstring. Returns ``(h_t, c_t)``. Shapes:
    ``x (B, C_in, H, W)``, ``h_prev, c_prev (B, C_h, H, W)``.
    """
    k = weight_ih.shape[-1]
    weight = torch.cat(
        [weight_ih, weight_hh], dim=1
    )  # (4*C_h, C_in + C_h, k, k)
    a = F.conv2d(
        torch.cat([x, h_prev], dim=1), weight, bias, padding=k // 2
    )  # (B, 4*C_h, H, W)
    return _gates_to_state(a, c_prev, weight_ci, weight_cf, weight_co)


def convlstm_step_gates(
    x: Tensor,
    h_prev: Tensor,
    c_prev: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias: Tensor | None = None,
    weight_ci: Tensor | None = None,
    weight_cf: Tensor | None = None,
    weight_co: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """The same step as :func:`convlstm_step`, gate by gate: eight convolutions, as written."""
    k = weight_ih.shape[-1]
    w_x = weight_ih.chunk(
        4, dim=0
    )  # W_xi, W_xf, W_xg, W_xo: each (C_h, C_in, k, k)
    w_h = weight_hh.chunk(
        4, dim=0
    )  # W_hi, W_hf, W_hg, W_ho: each (C_h, C_h, k, k)
    b = bias.chunk(4) if bias is not None else (None,) * 4
    pre = [
        F.conv2d(x, w_x[j], b[j], padding=k // 2)
        + F.conv2d(h_prev, w_h[j], None, padding=k // 2)
        for j in range(4)
    ]
    return _gates_to_state(
        torch.cat(pre, dim=1), c_prev, weight_ci, weight_cf, weight_co
    )


STEPS = {"fused": convlstm_step, "gates": convlstm_step_gates}


class ConvLSTMCell(nn.Module):
    """One ConvLSTM step as a module (parameters as in the module docstring).

    ``impl="fused"`` (one convolution) or ``"gates"`` (eight): the same parameters and
    results. Initialisation: uniform in ``±1/sqrt(fan_in)`` with ``fan_in = (C_in + C_h)
    k²``, the forget-gate bias set to 1, peephole weights 0.
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        kernel_size: int = 3,
        *,
        peephole: bool = False,
        bias: bool = True,
        impl: str = "fused",
    ):
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("hidden_channels", hidden_channels),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < 1
            ):
                raise ValueError(
                    f"{name} must be a positive integer, got {value!r}"
                )
        if (
            isinstance(kernel_size, bool)
            or not isinstance(kernel_size, int)
            or kernel_size < 1
            or kernel_size % 2 == 0
        ):
            raise ValueError(
                f"kernel_size must be a positive odd integer (for 'same' padding), got {kernel_size!r}"
            )
        if impl not in IMPLS:
            raise ValueError(f"unknown impl {impl!r}: expected one of {IMPLS}")
        self.in_channels, self.hidden_channels, self.kernel_size = (
            in_channels,
            hidden_channels,
            kernel_size,
        )
        self.peephole, self.impl = bool(peephole), impl
        k, ch = kernel_size, hidden_channels
        self.weight_ih = nn.Parameter(torch.empty(4 * ch, in_channels, k, k))
        self.weight_hh = nn.Parameter(torch.empty(4 * ch, ch, k, k))
        self.bias = nn.Parameter(torch.empty(4 * ch)) if bias else None
        if peephole:
            self.weight_ci = nn.Parameter(torch.zeros(ch, 1, 1))
            self.weight_cf = nn.Parameter(torch.zeros(ch, 1, 1))
            self.weight_co = nn.Parameter(torch.zeros(ch, 1, 1))
        else:
            self.weight_ci = self.weight_cf = self.weight_co = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(
            (self.in_channels + self.hidden_channels) * self.kernel_size**2
        )
        with torch.no_grad():
            for w in (self.weight_ih, self.weight_hh):
                w.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)
                self.bias[
                    self.hidden_channels : 2 * self.hidden_channels
                ].fill_(1.0)  # forget gate
            for w in (self.weight_ci, self.weight_cf, self.weight_co):
                if w is not None:
                    w.zero_()

    def init_state(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Zero ``(h, c)`` of shape ``(B, C_h, H, W)`` for an input ``x (B, C_in, H, W)``."""
        b, _, height, width = x.shape
        z = x.new_zeros(b, self.hidden_channels, height, width)
        return z, z.clone()

    def forward(
        self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have shape (B, {self.in_channels}, H, W) (batch, channels, height, width), "
                f"got {tuple(x.shape)}"
            )
        h_prev, c_prev = self.init_state(x) if state is None else state
        if (
            h_prev.shape != (x.shape[0], self.hidden_channels, *x.shape[2:])
            or c_prev.shape != h_prev.shape
        ):
            raise ValueError(
                f"state must be two tensors of shape {(x.shape[0], self.hidden_channels, *x.shape[2:])}, "
                f"got {tuple(h_prev.shape)} and {tuple(c_prev.shape)}"
            )
        return STEPS[self.impl](
            x,
            h_prev,
            c_prev,
            self.weight_ih,
            self.weight_hh,
            self.bias,
            self.weight_ci,
            self.weight_cf,
            self.weight_co,
        )


class ConvLSTM(nn.Module):
    """A stack of ConvLSTM cells run over a sequence ``x (B, T, C_in, H, W)``.

    Returns ``(out, states)``: ``out (B, T, C_h_last, H, W)`` the last layer's ``h_t``
    and ``states`` the list of final ``(h, c)`` per layer. ``hidden_channels`` is a list
    (one entry per layer).
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels,
        kernel_size: int = 3,
        *,
        peephole=False,
        impl="fused",
    ):
        super().__init__()
        hidden_channels = (
            [hidden_channels]
            if isinstance(hidden_channels, int)
            else list(hidden_channels)
        )
        if not hidden_channels:
            raise ValueError("hidden_channels must list at least one layer")
        sizes = [in_channels, *hidden_channels]
        self.cells = nn.ModuleList(
            ConvLSTMCell(
                sizes[j],
                sizes[j + 1],
                kernel_size,
                peephole=peephole,
                impl=impl,
            )
            for j in range(len(hidden_channels))
        )

    def step(self, x: Tensor, states: list | None) -> tuple[Tensor, list]:
        """Advance every layer by one step: ``x (B, C_in, H, W)`` -> top ``h``, new states."""
        new = []
        for j, cell in enumerate(self.cells):
            h, c = cell(x, None if states is None else states[j])
            new.append((h, c))
            x = h
        return x, new

    def forward(
        self, x: Tensor, states: list | None = None
    ) -> tuple[Tensor, list]:
        if x.dim() != 5:
            raise ValueError(
                f"x must have shape (B, T, C, H, W), got {tuple(x.shape)}"
            )
        outs = []
        for t in range(x.shape[1]):
            h, states = self.step(x[:, t], states)
            outs.append(h)
        return torch.stack(outs, dim=1), states
