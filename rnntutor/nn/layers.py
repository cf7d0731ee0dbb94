"""Multi-step, multi-layer, optionally bidirectional RNN/LSTM/GRU layers with one switch.

``rnn.LSTM(input_size, hidden_size, num_layers=1, bidirectional=False, impl="fused")``

``impl="scratch"``
    One readable step per time step (:func:`rnntutor.nn.cells.lstm_step` and friends).
``impl="fused"``
    The input projection of all steps hoisted out of the loop, one matmul per step for
    all gates, and a hand-written backward batched over time (:mod:`rnntutor.nn.sequence`).
``impl="cudnn"``
    ``torch.nn.RNN/LSTM/GRU``'s own kernel (cuDNN on an NVIDIA GPU, ATen/oneDNN on a CPU).

The classes *are* ``torch.nn.RNN/LSTM/GRU`` subclasses created with ``batch_first=True``:
they hold exactly the same parameters (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
``bias_hh_l0``, ``..._reverse`` for the backward direction, ``..._l1`` for the next
layer), initialised the same way. Only ``forward`` is ours for ``scratch`` and
``fused``, so ``load_state_dict`` works in both directions with ``torch.nn`` and
switching ``impl`` never changes the numbers beyond rounding.

Shapes (always batch first)::

    forward(x (B, T, I), state0=None) -> (out (B, T, D*H), h_n (L*D, B, H))          RNN, GRU
    forward(x (B, T, I), state0=None) -> (out (B, T, D*H), (h_n, c_n))               LSTM

with ``D = 2`` if bidirectional else ``1`` and ``L = num_layers``; ``state0`` is
``h_0 (L*D, B, H)`` (LSTM: the pair ``(h_0, c_0)``), zeros when omitted. ``out`` holds
the top layer's ``h_t`` for every step, the backward direction's in the second half.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnntutor.nn import sequence
from rnntutor.nn.cells import check_input, check_state

IMPLS = ("scratch", "fused", "cudnn")
"""The three implementations behind ``impl=``."""

CELLS = ("rnn", "lstm", "gru")

_RUNNERS = {
    ("rnn", "scratch"): sequence.rnn_scratch,
    ("rnn", "fused"): sequence.rnn_fused,
    ("lstm", "scratch"): sequence.lstm_scratch,
    ("lstm", "fused"): sequence.lstm_fused,
    ("gru", "scratch"): sequence.gru_scratch,
    ("gru", "fused"): sequence.gru_fused,
}


def _check_impl(impl) -> str:
    if impl not in IMPLS:
        raise ValueError(
            f"unknown impl {impl!r}: expected one of {', '.join(IMPLS)}"
        )
    return impl


class _Layer:
    """Mixin with the shared loop over layers and directions (time-major inside)."""

    kind = "rnn"
    impl: str

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        impl: str = "fused",
        bias: bool = True,
    ):
        tanh = (
            {"nonlinearity": "tanh"} if self.kind == "rnn" else {}
        )  # only torch.nn.RNN takes it
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias=bias,
            batch_first=True,
            bidirectional=bidirectional,
            **tanh,
        )
        self.impl = _check_impl(impl)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", impl={self.impl!r}"

    def _weights(self, layer: int, direction: int):
        sfx = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        w = [
            getattr(self, f"weight_ih{sfx}"),
            getattr(self, f"weight_hh{sfx}"),
        ]
        if self.bias:
            w += [
                getattr(self, f"bias_ih{sfx}"),
                getattr(self, f"bias_hh{sfx}"),
            ]
        return w

    def _check(self, x: Tensor, state0):
        """Check ``x`` and ``state0``; return zeros-filled states ``[(L*D, B, H), ...]``."""
        ref = self.weight_ih_l0
        check_input(x, "x", self.input_size, 3, ref)
        if (
            x.shape[0] == 0 or x.shape[1] == 0
        ):  # the same rule and message as the NumPy reference
            raise ValueError(
                f"x must have shape (B, T, {self.input_size}) with B >= 1 and T >= 1, got shape {tuple(x.shape)}"
            )
        D = 2 if self.bidirectional else 1
        shape = (self.num_layers * D, x.shape[0], self.hidden_size)
        n_states = 2 if self.kind == "lstm" else 1
        if state0 is None:
            return [x.new_zeros(shape) for _ in range(n_states)]
        if n_states == 2:
            if not isinstance(state0, (tuple, list)) or len(state0) != 2:
                raise TypeError(
                    "state0 of an LSTM must be a pair (h_0, c_0), each of shape (L*D, B, H)"
                )
            return [
                check_state(state0[0], "h_0", shape, ref),
                check_state(state0[1], "c_0", shape, ref),
            ]
        return [check_state(state0, "h_0", shape, ref)]

    def forward(self, x: Tensor, state0=None):
        states = self._check(x, state0)
        if self.impl == "cudnn":
            hx = tuple(states) if self.kind == "lstm" else states[0]
            return super().forward(x, hx)
        run = _RUNNERS[(self.kind, self.impl)]
        D = 2 if self.bidirectional else 1
        inp = x.transpose(0, 1)  # (T, B, I) time-major inside
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                seq = inp if d == 0 else inp.flip(0)
                res = run(
                    seq, *(s[k] for s in states), *self._weights(layer, d)
                )
                hs = res[0] if d == 0 else res[0].flip(0)  # (T, B, H)
                outs.append(hs)
                for lst, final in zip(finals, res[1:], strict=True):
                    lst.append(final)
            inp = outs[0] if D == 1 else torch.cat(outs, dim=2)  # (T, B, D*H)
        out = inp.transpose(0, 1)  # (B, T, D*H)
        h_n = [torch.stack(lst) for lst in finals]  # (L*D, B, H)
        return (
            (out, (h_n[0], h_n[1])) if self.kind == "lstm" else (out, h_n[0])
        )


class RNN(_Layer, nn.RNN):
    """Vanilla (tanh) RNN layer; ``torch.nn.RNN(batch_first=True)`` parameters and state dict.

    ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` per layer and direction.
    """

    kind = "rnn"


class LSTM(_Layer, nn.LSTM):
    """LSTM layer (gates ``i, f, g, o``); ``torch.nn.LSTM(batch_first=True)`` parameters and state dict."""

    kind = "lstm"


class GRU(_Layer, nn.GRU):
    """GRU layer (gates ``r, z, n``); ``torch.nn.GRU(batch_first=True)`` parameters and state dict."""

    kind = "gru"


LAYERS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def make_layer(
    cell: str, input_size: int, hidden_size: int, *, impl: str = "fused", **kw
):
    """Build ``RNN``, ``LSTM`` or ``GRU`` by name (``cell`` in ``"rnn", "lstm", "gru"``).

    Extra keywords (``num_layers``, ``bidirectional``, ``bias``) go to the layer.
    """
    if cell not in LAYERS:
        raise ValueError(
            f"unknown cell {cell!r}: expected one of {', '.join(CELLS)}"
        )
    return LAYERS[cell](input_size, hidden_size, impl=impl, **kw)


def set_forget_bias(model: nn.Module, value: float = 1.0) -> int:
    """Set the forget-gate bias of every LSTM layer in ``model`` to ``value``; return how many layers.

    Works on any module containing ``torch.nn.LSTM`` layers (:class:`LSTM` is one). In
    the torch layout the gates are stacked ``i, f, g, o``, so the forget gate is the
    second block ``[H:2H]`` of ``bias_ih`` (``bias_hh``'s block is set to 0, so the sum
    ``b_if + b_hf`` is exactly ``value``). A positive value makes ``f_t = σ(...)`` start
    near 1: the cell state is kept by default, so gradients reach early steps
    (Gers et al., 2000; Jozefowicz et al., 2015). Raises ``ValueError`` if ``model``
    has no LSTM layer.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}"
        )
    count = 0
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.LSTM):
                h = module.hidden_size
                for name, p in module.named_parameters():
                    if name.startswith("bias_ih"):
                        p[h : 2 * h].fill_(float(value))
                    elif name.startswith("bias_hh"):
                        p[h : 2 * h].zero_()
                count += 1
    if count == 0:
        raise ValueError(
            "model has no LSTM layer whose forget-gate bias could be set"
        )
    return count
