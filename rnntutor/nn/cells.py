"""One time step of the vanilla RNN, the LSTM and the GRU, written out in PyTorch.

These are the same equations, symbols and weight layouts as the NumPy reference
(``rnntutor.reference``) and the book. Rows are the batch: a step maps ``x (B, I)`` and
``h_prev (B, H)`` to ``h (B, H)``. Each cell owns four parameters with the names and
layouts of ``torch.nn.RNNCell/LSTMCell/GRUCell``:

- ``weight_ih (G*H, I)``, ``weight_hh (G*H, H)``, ``bias_ih (G*H,)``, ``bias_hh (G*H,)``

with ``G`` gate blocks stacked in the torch order: 1 for the RNN, 4 for the LSTM
(``i, f, g, o``), 3 for the GRU (``r, z, n``). ``W_i*`` is one gate's block of
``weight_ih`` and ``W_h*`` its block of ``weight_hh``; with row vectors the code writes
``W x`` as ``x @ W.T``. So ``load_state_dict`` works in both directions between these
cells and ``torch.nn``'s, and autograd provides the backward pass.

The step functions (``rnn_step``, ``lstm_step``, ``gru_step``) are plain functions of
tensors so that the layers in :mod:`rnntutor.nn.layers` can call them once per time step.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
"""Number of gate blocks ``G`` stacked in the weights of each cell."""


def _affine(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``x @ weight.T + bias`` (``bias`` may be ``None``)."""
    return x @ weight.t() if bias is None else torch.addmm(bias, x, weight.t())


def rnn_step(
    x: Tensor, h_prev: Tensor, weight_ih, weight_hh, bias_ih=None, bias_hh=None
) -> Tensor:
    """One step of the vanilla (Elman) RNN.

    Equations::

        a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
        h_t = tanh(a_t)

    Shapes: ``x (B, I)``, ``h_prev (B, H)`` -> ``h (B, H)``.
    """
    a = _affine(x, weight_ih, bias_ih) + _affine(
        h_prev, weight_hh, bias_hh
    )  # (B, H)
    return torch.tanh(a)


def lstm_step(
    x: Tensor,
    h_prev: Tensor,
    c_prev: Tensor,
    weight_ih,
    weight_hh,
    bias_ih=None,
    bias_hh=None,
):
    """One step of the LSTM; returns ``(h_t, c_t)``.

    Equations (each gate has its own input weights ``W_i*`` and hidden
    weights ``W_h*``)::

        i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate
        f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   candidate
        o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)

    The four gates' weights are stacked in ``weight_ih (4H, I)`` and
    ``weight_hh (4H, H)``, so one product per weight computes all four
    pre-activations.
    Shapes: ``x (B, I)``, ``h_prev, c_prev (B, H)`` -> ``h_t, c_t (B, H)``.
    """
    a = _affine(x, weight_ih, bias_ih) + _affine(
        h_prev, weight_hh, bias_hh
    )  # (B, 4H)
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)  # each (B, H)
    i = torch.sigmoid(a_i)
    f = torch.sigmoid(a_f)
    g = torch.tanh(a_g)
    o = torch.sigmoid(a_o)
    c = f * c_prev + i * g
    h = o * torch.tanh(c)
    return h, c


def gru_step(
    x: Tensor, h_prev: Tensor, weight_ih, weight_hh, bias_ih=None, bias_hh=None
) -> Tensor:
    """One step of the GRU (the ``torch.nn.GRU`` variant: ``r_t`` gates ``W_hn h + b_hn``).

    Equations::

        r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)              reset gate
        z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)              update gate
        n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   candidate state
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Shapes: ``x (B, I)``, ``h_prev (B, H)`` -> ``h (B, H)``.
    """
    ax = _affine(x, weight_ih, bias_ih)  # (B, 3H) input parts
    ah = _affine(h_prev, weight_hh, bias_hh)  # (B, 3H) hidden parts
    ax_r, ax_z, ax_n = ax.chunk(3, dim=1)
    ah_r, ah_z, ah_n = ah.chunk(3, dim=1)
    r = torch.sigmoid(ax_r + ah_r)
    z = torch.sigmoid(ax_z + ah_z)
    n = torch.tanh(ax_n + r * ah_n)
    return (1 - z) * n + z * h_prev


def check_input(x, name: str, size: int, ndim: int, ref: Tensor) -> Tensor:
    """Check that ``x`` is a tensor with ``ndim`` dims, last dim ``size``, same dtype/device as ``ref``."""
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(x).__name__}"
        )
    if x.dim() != ndim or x.shape[-1] != size:
        want = "(B, T, I)" if ndim == 3 else "(B, I)"
        raise ValueError(
            f"{name} must have shape {want} with I={size}, got shape {tuple(x.shape)}"
        )
    if x.dtype != ref.dtype:
        raise TypeError(
            f"{name} has dtype {x.dtype} but the parameters are {ref.dtype}; convert one of them "
            f"(x.to({ref.dtype}) or model.to({x.dtype}))"
        )
    if x.device != ref.device:
        raise ValueError(
            f"{name} is on {x.device} but the parameters are on {ref.device}; move one of them"
        )
    return x


def check_state(
    state, name: str, shape: tuple[int, ...], ref: Tensor
) -> Tensor:
    """Check one state tensor: exact ``shape``, dtype and device of ``ref``."""
    if not isinstance(state, Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(state).__name__}"
        )
    if tuple(state.shape) != tuple(shape):
        raise ValueError(
            f"{name} must have shape {tuple(shape)}, got shape {tuple(state.shape)}"
        )
    if state.dtype != ref.dtype or state.device != ref.device:
        raise TypeError(
            f"{name} must be {ref.dtype} on {ref.device}, got {state.dtype} on {state.device}"
        )
    return state


class _Cell(nn.Module):
    """Shared parameters and initialisation of the three cells (like ``torch.nn.RNNCellBase``)."""

    kind = "rnn"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        for name, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
        ):
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or value < 1
            ):
                raise ValueError(
                    f"{name} must be a positive int, got {value!r}"
                )
        self.input_size, self.hidden_size, self.bias = (
            input_size,
            hidden_size,
            bool(bias),
        )
        G = GATES[self.kind]
        self.weight_ih = nn.Parameter(
            torch.empty(G * hidden_size, input_size)
        )  # (G*H, I)
        self.weight_hh = nn.Parameter(
            torch.empty(G * hidden_size, hidden_size)
        )  # (G*H, H)
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(G * hidden_size))  # (G*H,)
            self.bias_hh = nn.Parameter(torch.empty(G * hidden_size))  # (G*H,)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in ``[-1/sqrt(H), 1/sqrt(H)]``, the same rule as ``torch.nn``."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _zeros(self, x: Tensor) -> Tensor:
        return x.new_zeros(x.shape[0], self.hidden_size)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + (
            "" if self.bias else ", bias=False"
        )


class RNNCell(_Cell):
    """Vanilla RNN cell: ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.

    ``forward(x (B, I), h (B, H) or None) -> h (B, H)``; see :func:`rnn_step`.
    """

    kind = "rnn"

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        x = check_input(x, "x", self.input_size, 2, self.weight_ih)
        h = (
            self._zeros(x)
            if h is None
            else check_state(h, "h", (x.shape[0], self.hidden_size), x)
        )
        return rnn_step(x, h, *self._weights())


class LSTMCell(_Cell):
    """LSTM cell with gates ``i, f, g, o`` (see :func:`lstm_step` for the equations).

    ``forward(x (B, I), state=(h, c) or None) -> (h (B, H), c (B, H))``.
    """

    kind = "lstm"

    def forward(
        self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        x = check_input(x, "x", self.input_size, 2, self.weight_ih)
        if state is None:
            h, c = self._zeros(x), self._zeros(x)
        else:
            if not isinstance(state, (tuple, list)) or len(state) != 2:
                raise TypeError("state of an LSTMCell must be a pair (h, c)")
            shape = (x.shape[0], self.hidden_size)
            h, c = (
                check_state(state[0], "h", shape, x),
                check_state(state[1], "c", shape, x),
            )
        return lstm_step(x, h, c, *self._weights())


class GRUCell(_Cell):
    """GRU cell with gates ``r, z, n`` (see :func:`gru_step` for the equations).

    ``forward(x (B, I), h (B, H) or None) -> h (B, H)``.
    """

    kind = "gru"

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        x = check_input(x, "x", self.input_size, 2, self.weight_ih)
        h = (
            self._zeros(x)
            if h is None
            else check_state(h, "h", (x.shape[0], self.hidden_size), x)
        )
        return gru_step(x, h, *self._weights())
