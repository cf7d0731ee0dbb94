"""Sequence labelling on images: one label per step instead of one per image.

Classification is *many-to-one*: the whole sequence gets one label from a summary of
the hidden states. Labelling is *many-to-many*: every step ``t`` gets its own
prediction from its own hidden state, ``logits_t = W_y h_t + b_y``.

The task here locates digits in a wider canvas. :func:`make_canvas` pastes
``digits_per_canvas`` digits side by side, at random gaps, into a canvas of ``H`` rows
and ``width`` columns. The RNN reads the canvas **column by column** (``T = width``
steps of ``F = H`` pixels) and must label every column with the class of the digit it
belongs to, or with ``background`` (= ``num_classes``, i.e. 10) between digits. The
column labels give the position *and* the class of each digit (:func:`segments`).

A unidirectional RNN labelling the first column of a digit has not seen the rest of
it yet; a bidirectional one has (its backward direction starts at the right edge), so
this is where ``bidirectional=True`` pays.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor import data
from rnntutor.nn.layers import make_layer
from rnntutor.validation import check_array

__all__ = [
    "SequenceLabeller",
    "canvas_to_sequence",
    "column_accuracy",
    "make_canvas",
    "make_labelling_loader",
    "predict_columns",
    "segments",
    "step_loss",
]


def make_canvas(
    images, labels, *, width: int, digits_per_canvas: int = 2, num_canvases: int | None = None,
    num_classes: int = 10, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Paste digits side by side into wider canvases; return ``(canvases, column_labels)``.

    ``images (N, H, W)``, ``labels (N,)``. Each canvas ``(H, width)`` holds
    ``digits_per_canvas`` different images drawn at random (seeded) from the input, left
    to right, separated and surrounded by random gaps of blank columns.
    ``column_labels[n, c]`` is the class of the digit whose ``W`` columns cover column
    ``c``, or ``num_classes`` (background). Returns float32 ``(M, H, width)`` and int64
    ``(M, width)`` with ``M = num_canvases`` (default ``N // digits_per_canvas``).
    """
    images = check_array(
        images, "images", shape=("N", "H", "W"), dtypes=("f",)
    )
    n, h, w = images.shape
    labels = check_array(labels, "labels", shape=(n,), dtypes=("i", "u"))
    k = int(digits_per_canvas)
    if k < 1:
        raise ValueError(
            f"digits_per_canvas must be at least 1, got {digits_per_canvas!r}"
        )
    if width < k * w:
        raise ValueError(
            f"width {width} is too narrow for {k} digits of width {w} (needs at least {k * w})"
        )
    m = n // k if num_canvases is None else int(num_canvases)
    if m < 1 or (num_canvases is None and n < k):
        raise ValueError(
            f"need at least {k} images to fill one canvas, got {n}"
        )
    rng = np.random.default_rng(seed)
    canvases = np.zeros((m, h, width), dtype=np.float32)
    column_labels = np.full((m, width), num_classes, dtype=np.int64)
    spare = width - k * w  # blank columns shared out among the k + 1 gaps
    for i in range(m):
        picks = rng.choice(n, size=k, replace=False)
        cuts = np.sort(
            rng.integers(0, spare + 1, size=k)
        )  # gap before digit j = cuts[j] - cuts[j-1]
        for j, idx in enumerate(picks):
            start = int(cuts[j]) + j * w
            canvases[i, :, start : start + w] = images[idx]
            column_labels[i, start : start + w] = labels[idx]
    return canvases, column_labels


def canvas_to_sequence(canvases) -> np.ndarray:
    """Column-by-column view of canvases ``(M, H, Wc)``: sequences ``(M, T=Wc, F=H)`` (float32)."""
    canvases = check_array(
        canvases, "canvases", shape=("M", "H", "W"), dtypes=("f",)
    )
    return np.ascontiguousarray(canvases.transpose(0, 2, 1), dtype=np.float32)


def make_labelling_loader(
    canvases,
    column_labels,
    *,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int = 0,
):
    """DataLoader of ``(x (B, T, F), y (B, T))``: column sequences and their per-step labels."""
    x = canvas_to_sequence(canvases)
    y = check_array(
        column_labels,
        "column_labels",
        shape=(x.shape[0], x.shape[1]),
        dtypes=("i", "u"),
    )
    return data.tensor_loader(
        x,
        y.astype(np.int64),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
    )


def step_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Cross-entropy averaged over every step of every sequence: ``logits (B, T, C)``, ``targets (B, T)``."""
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
    )


class SequenceLabeller(nn.Module):
    """A recurrent layer and a per-step read-out: ``x (B, T, F) -> logits (B, T, num_labels)``.

    ``logits_t = W_y h_t + b_y`` for every step (``h_t`` is ``[h_t^→ ; h_t^←]`` when
    bidirectional). Train with :func:`rnntutor.train.fit` and ``loss_fn=step_loss``.
    """

    def __init__(self, cell: str = "gru", input_size: int = 8, hidden_size: int = 32, num_labels: int = 11,
                 bidirectional: bool = True, impl: str = "fused"):  # fmt: skip
        super().__init__()
        self.config = dict(cell=cell, input_size=input_size, hidden_size=hidden_size, num_labels=num_labels,
                           bidirectional=bool(bidirectional), impl=impl)  # fmt: skip
        self.rnn = make_layer(
            cell,
            input_size,
            hidden_size,
            impl=impl,
            bidirectional=bool(bidirectional),
        )
        self.head = nn.Linear(
            (2 if bidirectional else 1) * hidden_size, num_labels
        )

    def forward(self, x: Tensor) -> Tensor:
        out = self.rnn(x)[0]  # (B, T, D*H)
        return self.head(out)  # (B, T, num_labels)


def segments(
    column_labels, background: int = 10
) -> list[tuple[int, int, int]]:
    """Runs of equal non-background labels in one label row ``(T,)``: ``[(start, stop, label), ...]``.

    ``stop`` is exclusive, as in a slice. Use it on predictions to read off where the
    digits are and what they are.
    """
    row = check_array(
        column_labels, "column_labels", shape=("T",), dtypes=("i", "u")
    )
    out: list[tuple[int, int, int]] = []
    start = None
    for t in range(len(row) + 1):
        cur = int(row[t]) if t < len(row) else background
        if start is not None and (t == len(row) or cur != int(row[start])):
            out.append((start, t, int(row[start])))
            start = None
        if start is None and cur != background and t < len(row):
            start = t
    return out


@torch.no_grad()
def predict_columns(
    model: nn.Module, canvases, *, batch_size: int = 500
) -> np.ndarray:
    """Predicted label of every column: ``argmax`` of the per-step logits, int64 ``(M, T)``."""
    x = canvas_to_sequence(canvases)
    ref = next(model.parameters())
    was_training = model.training
    model.eval()
    try:
        parts = [
            model(
                torch.from_numpy(x[k : k + batch_size]).to(
                    ref.device, ref.dtype
                )
            )
            .argmax(-1)
            .cpu()
            .numpy()
            for k in range(0, len(x), batch_size)
        ]
    finally:
        model.train(was_training)
    return np.concatenate(parts).astype(np.int64)


def column_accuracy(model: nn.Module, canvases, column_labels) -> float:
    """Fraction of columns (over all canvases and steps) whose predicted label is right.

    (``rnntutor.train.evaluate`` divides by the number of *sequences*, which is only
    right for one label per sequence; per-step labels need this.)
    """
    pred = predict_columns(model, canvases)
    labels = check_array(
        column_labels, "column_labels", shape=pred.shape, dtypes=("i", "u")
    )
    return float((pred == labels).mean())
