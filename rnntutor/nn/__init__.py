"""PyTorch implementations of the RNN, LSTM and GRU, written from the book's equations.

- Cells (one step): :class:`RNNCell`, :class:`LSTMCell`, :class:`GRUCell` — parameter names
  and layouts of ``torch.nn.*Cell``.
- Layers (whole sequences, stacked, bidirectional): :class:`RNN`, :class:`LSTM`,
  :class:`GRU` with ``impl="scratch" | "fused" | "cudnn"`` — state dicts identical to
  ``torch.nn.RNN/LSTM/GRU(batch_first=True)``.
- :class:`SequenceClassifier` reads images as sequences (rows, pixels, permuted pixels).
- :func:`set_forget_bias` initialises the forget-gate bias of every LSTM layer in a model.

Usage::

    from rnntutor import nn as rnn
    layer = rnn.LSTM(28, 128, impl="fused")
    out, (h_n, c_n) = layer(x)  # x (B, T, 28) -> out (B, T, 128)
"""

from rnntutor.nn.cells import (
    GATES,
    GRUCell,
    LSTMCell,
    RNNCell,
    gru_step,
    lstm_step,
    rnn_step,
)
from rnntutor.nn.classifier import ORDERS, READOUTS, SequenceClassifier
from rnntutor.nn.layers import (
    CELLS,
    GRU,
    IMPLS,
    LSTM,
    RNN,
    make_layer,
    set_forget_bias,
)

__all__ = [
    "CELLS",
    "GATES",
    "GRU",
    "GRUCell",
    "IMPLS",
    "LSTM",
    "LSTMCell",
    "ORDERS",
    "READOUTS",
    "RNN",
    "RNNCell",
    "SequenceClassifier",
    "gru_step",
    "lstm_step",
    "make_layer",
    "rnn_step",
    "set_forget_bias",
]
