"""A sequence classifier: read an image as a sequence, classify it from the hidden state.

An image ``(H, W)`` becomes a sequence ``(T, F)`` in one of the orders of
:func:`rnntutor.data.to_sequence` (``rows``: ``T = H`` steps of ``F = W`` pixels;
``pixels``: ``T = H*W`` steps of one pixel; ``permuted``: the same pixels in a fixed
random order). A recurrent layer reads it and a linear layer maps a summary of the
hidden states to class scores (logits)::

    h_1, ..., h_T = RNN(x_1, ..., x_T)
    s = h_T                      readout="last"  (bidirectional: [h_T^→ ; h_1^←])
    s = (1/T) Σ_t h_t            readout="mean"
    logits = W_y s + b_y
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnntutor.nn.layers import CELLS, IMPLS, make_layer

READOUTS = ("last", "mean")
ORDERS = ("rows", "pixels", "permuted", "snake")


class SequenceClassifier(nn.Module):
    """RNN/LSTM/GRU classifier of sequences ``x (B, T, F)`` -> logits ``(B, C)``.

    ``config`` (a plain dict) records every constructor argument, so a checkpoint can
    rebuild the model with ``SequenceClassifier(**config)`` and ``evaluate``/the CLI read
    images in the same ``order`` (with the same ``order_seed`` for ``permuted``).
    Submodules: ``rnn`` (the layer from :func:`rnntutor.nn.make_layer`) and ``head``
    (``nn.Linear(D*H, num_classes)``).
    """

    checkpoint_kind = "classifier"  # evaluated by rnntutor.checkpoint.EVALUATORS["classifier"]

    def __init__(
        self,
        cell: str = "lstm",
        input_size: int = 28,
        hidden_size: int = 128,
        num_classes: int = 10,
        num_layers: int = 1,
        bidirectional: bool = False,
        readout: str = "last",
        impl: str = "fused",
        order: str = "rows",
        order_seed: int = 0,
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(
                f"unknown cell {cell!r}: expected one of {', '.join(CELLS)}"
            )
        if readout not in READOUTS:
            raise ValueError(
                f"unknown readout {readout!r}: expected one of {', '.join(READOUTS)}"
            )
        if impl not in IMPLS:
            raise ValueError(
                f"unknown impl {impl!r}: expected one of {', '.join(IMPLS)}"
            )
        if order not in ORDERS:
            raise ValueError(
                f"unknown order {order!r}: expected one of {', '.join(ORDERS)}"
            )
        for name, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("num_classes", num_classes),
            ("num_layers", num_layers),
        ):
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or value < 1
            ):
                raise ValueError(
                    f"{name} must be a positive int, got {value!r}"
                )
        self.config = dict(
            cell=cell,
            input_size=input_size,
            hidden_size=hidden_size,
            num_classes=num_classes,
            num_layers=num_layers,
            bidirectional=bool(bidirectional),
            readout=readout,
            impl=impl,
            order=order,
            order_seed=int(order_seed),
        )
        self.readout = readout
        D = 2 if bidirectional else 1
        self.rnn = make_layer(
            cell,
            input_size,
            hidden_size,
            impl=impl,
            num_layers=num_layers,
            bidirectional=bool(bidirectional),
        )
        self.head = nn.Linear(D * hidden_size, num_classes)

    @property
    def impl(self) -> str:
        return self.rnn.impl

    @impl.setter
    def impl(self, value: str) -> None:
        """Switch the implementation in place (the weights stay the same)."""
        if value not in IMPLS:
            raise ValueError(
                f"unknown impl {value!r}: expected one of {', '.join(IMPLS)}"
            )
        self.rnn.impl = value
        self.config["impl"] = value

    def features(self, x: Tensor) -> Tensor:
        """The summary ``s (B, D*H)`` of the states of ``x (B, T, F)``."""
        out, state = self.rnn(x)  # out (B, T, D*H)
        if self.readout == "mean":
            return out.mean(dim=1)
        h_n = state[0] if isinstance(state, tuple) else state  # (L*D, B, H)
        D = 2 if self.rnn.bidirectional else 1
        # top layer: the forward direction's h_T and, if bidirectional, the
        # backward direction's h_1
        return torch.cat(list(h_n[-D:]), dim=1)  # (B, D*H)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(B, num_classes)`` for sequences ``x (B, T, F)``."""
        return self.head(self.features(x))

    def images_to_sequence(self, images) -> Tensor:
        """Turn images ``(N, H, W)`` in ``[0, 1]`` into this model's sequences ``(N, T, F)``."""
        from rnntutor import data

        seq = data.to_sequence(
            images, self.config["order"], seed=self.config["order_seed"]
        )
        return torch.as_tensor(
            seq, dtype=self.head.weight.dtype, device=self.head.weight.device
        )
