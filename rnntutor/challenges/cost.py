"""Arithmetic of Chapter 5's computation-cost comparison: multiply-adds per image.

A multiply-add (MAC) is one ``a * b + c``; it counts as 2 floating-point operations.
Only the matrix products and convolutions are counted (they dominate); the elementwise
gate nonlinearities, the pooling and the biases are left out.

Recurrent classifier (one direction, ``G`` gate blocks: 1 RNN, 3 GRU, 4 LSTM), reading
``T`` steps of ``I`` features into ``H`` units, then a readout to ``K`` classes::

    MACs = T · G H (I + H)  +  H K

:class:`rnntutor.classification.cnn.SmallCNN` with ``C`` channels on ``h × w`` images
(3×3 convolutions with padding 1; max-pooling by 2 after the first two)::

    MACs = 9 C (h w)  +  9 · 2C · C (h/2)(w/2)  +  9 · 2C · 2C (h/4)(w/4)  +  2C K

These are the counts of ``torch.utils.flop_counter.FlopCounterMode`` divided by 2
(``tests/test_challenges_cost.py`` checks that).
"""

from __future__ import annotations

from rnntutor.nn.cells import GATES

__all__ = ["cnn_macs", "recurrent_macs"]


def _check_pos(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def recurrent_macs(
    cell: str, input_size: int, hidden_size: int, T: int, num_classes: int = 10
) -> int:
    """Multiply-adds of one forward pass of a one-direction recurrent classifier, per sequence.

    ``T · G H (I + H) + H K``: per step ``G`` gate blocks of ``W_ih x_t`` and ``W_hh h_{t-1}``,
    then the readout of ``h_T``.
    """
    if cell not in GATES:
        raise ValueError(
            f"unknown cell {cell!r}: expected one of {', '.join(GATES)}"
        )
    i, h = (
        _check_pos("input_size", input_size),
        _check_pos("hidden_size", hidden_size),
    )
    t, k = _check_pos("T", T), _check_pos("num_classes", num_classes)
    return t * GATES[cell] * h * (i + h) + h * k


def cnn_macs(
    channels: int = 16, height: int = 8, width: int = 8, num_classes: int = 10
) -> int:
    """Multiply-adds of one forward pass of ``SmallCNN(channels)`` on one ``height × width`` image."""
    c, k = (
        _check_pos("channels", channels),
        _check_pos("num_classes", num_classes),
    )
    h, w = _check_pos("height", height), _check_pos("width", width)
    if h < 4 or w < 4:
        raise ValueError(f"SmallCNN needs images of at least 4x4, got {h}x{w}")
    h2, w2 = h // 2, w // 2  # after the first max-pooling
    h4, w4 = h2 // 2, w2 // 2  # after the second
    return (
        9 * (1 * c * h * w + c * 2 * c * h2 * w2 + 2 * c * 2 * c * h4 * w4)
        + 2 * c * k
    )
