"""Synthetic long-range memory tasks: the adding problem and the copy task, with baselines.

Both tasks put the information the model needs at the *start* of a long sequence and
ask for it at the *end*, so a model can only beat the task's memoryless baseline by
carrying information across ``T`` steps.

Adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015)
    Input ``x (N, T, 2)``: channel 0 holds values ``u_t ~ U(0, 1)``, channel 1 marks two
    steps with 1 (one in the first half, one in the second half). Target
    ``y = u_a + u_b`` (the sum of the two marked values). Predicting the constant
    ``E[y] = 1`` gives the mean squared error ``Var(u_a + u_b) = 2/12 = 1/6``:
    :func:`adding_baseline`.

Copy task (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016)
    ``K = 10`` symbols drawn from an alphabet of ``S = 8``, then ``T - 1`` blanks, a
    delimiter, and ``K`` more blanks: ``T + 2K`` steps in all, one-hot with ``S + 2``
    categories (``0..S-1`` symbols, ``S`` blank, ``S + 1`` delimiter). The target is
    blank for the first ``T + K`` steps and then the ``K`` symbols. A model that always
    outputs blank and then guesses uniformly (no memory) scores the cross-entropy
    ``K ln S / (T + 2K)`` per step: :func:`copy_baseline`.

Models: :class:`SequenceRegressor` (reads out ``h_T``, for the adding problem, with
the loss :func:`mse_loss`); the copy task needs one prediction per step, which is
:class:`rnntutor.classification.labelling.SequenceLabeller` with ``bidirectional=False`` and the loss
:func:`rnntutor.classification.labelling.step_loss`. Both train with :func:`rnntutor.train.fit`.
"""

from __future__ import annotations

import math

import numpy as np
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor.challenges.gradients import run_layer
from rnntutor.nn.layers import CELLS, make_layer

__all__ = [
    "COPY_LENGTH",
    "COPY_SYMBOLS",
    "SequenceRegressor",
    "adding_baseline",
    "adding_problem",
    "copy_baseline",
    "copy_task",
    "mse_loss",
]

COPY_SYMBOLS = 8
"""Alphabet size ``S`` of the copy task (Arjovsky et al. 2016)."""
COPY_LENGTH = 10
"""Number of symbols ``K`` to copy."""


def _check_int(name: str, value, minimum: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < minimum
    ):
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value!r}"
        )
    return int(value)


def adding_problem(
    n: int, T: int, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of the adding problem of length ``T``.

    Returns ``x (n, T, 2)`` and ``y (n,)``, float32. ``x[:, :, 0]`` are values
    in ``U(0, 1)``; ``x[:, :, 1]`` is 1 at exactly two steps, one drawn
    uniformly from the first half ``[0, T//2)`` and one from the second half
    ``[T//2, T)``; ``y`` is the sum of the two marked values. Same seed, same
    data.
    """
    n = _check_int("n", n, 1)
    T = _check_int("T", T, 2)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, T))  # (n, T)
    half = T // 2
    first = rng.integers(0, half, size=n)  # (n,)
    second = rng.integers(half, T, size=n)  # (n,)
    marks = np.zeros((n, T))
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    x = np.stack([values, marks], axis=-1).astype(np.float32)  # (n, T, 2)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)  # (n,)
    return x, y


def adding_baseline() -> float:
    """MSE of the best constant prediction (``1``) on the adding problem: ``1/6``."""
    return 1.0 / 6.0


def copy_task(
    n: int,
    T: int,
    *,
    seed: int = 0,
    n_symbols: int = COPY_SYMBOLS,
    copy_length: int = COPY_LENGTH,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` copy-task sequences with a gap of ``T``: ``x (n, T+2K, S+2)`` float32, ``y (n, T+2K)`` int64.

    Categories: ``0..S-1`` data symbols, ``S`` blank, ``S + 1`` delimiter. Input: ``K``
    random symbols, ``T - 1`` blanks, the delimiter, ``K`` blanks. Target: ``T + K``
    blanks, then the ``K`` input symbols in order.
    """
    n = _check_int("n", n, 1)
    T = _check_int("T", T, 1)
    S = _check_int("n_symbols", n_symbols, 2)
    K = _check_int("copy_length", copy_length, 1)
    rng = np.random.default_rng(seed)
    blank, delim = S, S + 1
    symbols = rng.integers(0, S, size=(n, K))  # (n, K)
    length = T + 2 * K
    tokens = np.full((n, length), blank, dtype=np.int64)
    tokens[:, :K] = symbols
    tokens[:, K + T - 1] = delim
    target = np.full((n, length), blank, dtype=np.int64)
    target[:, T + K :] = symbols
    x = np.eye(S + 2, dtype=np.float32)[tokens]  # (n, T+2K, S+2)
    return x, target


def copy_baseline(
    T: int, *, n_symbols: int = COPY_SYMBOLS, copy_length: int = COPY_LENGTH
) -> float:
    """Cross-entropy per step of the memoryless strategy: ``K ln S / (T + 2K)`` nats."""
    T = _check_int("T", T, 1)
    return copy_length * math.log(n_symbols) / (T + 2 * copy_length)


def mse_loss(out: Tensor, y: Tensor) -> Tensor:
    """Mean squared error between predictions ``out (B, 1)`` or ``(B,)`` and targets ``y (B,)``."""
    return F.mse_loss(out.reshape(y.shape), y)


class SequenceRegressor(nn.Module):
    """``x (B, T, I)`` -> one number per sequence ``(B,)`` read out from ``h_T``: ``y = w^T h_T + b``.

    ``tbptt=k`` trains with truncated BPTT, ``checkpoint=k`` with gradient checkpointing,
    both in chunks of ``k`` steps (see :func:`rnntutor.challenges.gradients.run_layer`).
    """

    def __init__(self, cell: str = "lstm", input_size: int = 2, hidden_size: int = 64, impl: str = "fused",
                 tbptt: int | None = None, checkpoint: int | None = None):  # fmt: skip
        super().__init__()
        if cell not in CELLS:
            raise ValueError(
                f"unknown cell {cell!r}: expected one of {', '.join(CELLS)}"
            )
        self.cell = cell
        self.rnn = make_layer(cell, input_size, hidden_size, impl=impl)
        self.head = nn.Linear(hidden_size, 1)
        self.tbptt, self.checkpoint = tbptt, checkpoint

    def forward(self, x: Tensor) -> Tensor:
        out, _ = run_layer(
            self.rnn, x, tbptt=self.tbptt, checkpoint=self.checkpoint
        )  # (B, T, H)
        return self.head(out[:, -1]).squeeze(-1)  # (B,)
