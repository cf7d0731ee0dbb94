"""Looking inside a trained image classifier: predictions, early decisions, hidden states, errors.

Everything here takes a trained model (a :class:`rnntutor.nn.SequenceClassifier`, or any
module mapping images/sequences to logits such as :class:`rnntutor.classification.cnn.SmallCNN`) and
images ``(N, H, W)`` in ``[0, 1]``, and returns NumPy arrays:

- :func:`predict_proba` — class probabilities ``softmax(logits)``, ``(N, C)``;
- :func:`step_logits` — the logits the read-out layer would give after each step
  ``k = 1..T``: ``W_y s_k + b_y`` with ``s_k = h_k`` (``readout="last"``) or
  ``s_k = (1/k) Σ_{t<=k} h_t`` (``readout="mean"``), ``(N, T, C)``;
- :func:`accuracy_after_k` — accuracy of those early predictions, ``(T,)``;
- :func:`hidden_states` and :func:`pca` — the trajectories ``h_1..h_T`` and a
  two-dimensional projection of them;
- :func:`confusion_matrix`, :func:`per_class_accuracy`, :func:`most_confident_errors`.

The image transforms of the chapter (shifted, permuted and downsampled images, shift
augmentation) live in :mod:`rnntutor.data`; the forget-gate bias initialisation is
:func:`rnntutor.nn.set_forget_bias`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnntutor.data import check_images
from rnntutor.validation import check_array

__all__ = [
    "accuracy_after_k",
    "confusion_matrix",
    "hidden_states",
    "model_inputs",
    "most_confident_errors",
    "pca",
    "per_class_accuracy",
    "predict_proba",
    "softmax",
    "step_logits",
    "step_probabilities",
]


def _check_model(model) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}"
        )
    return model


def model_inputs(model: nn.Module, images) -> torch.Tensor:
    """What ``model`` reads for ``images (N, H, W)``: its sequence view, or the images themselves.

    A :class:`rnntutor.nn.SequenceClassifier` converts them with its own ``order`` (and
    ``order_seed``); other models (e.g. :class:`rnntutor.classification.cnn.SmallCNN`) get the images.
    The tensor has the dtype and device of the model's parameters.
    """
    images = check_images(images)
    ref = next(_check_model(model).parameters())
    if hasattr(model, "images_to_sequence"):
        return model.images_to_sequence(images)
    return torch.as_tensor(
        np.asarray(images, dtype=np.float32),
        dtype=ref.dtype,
        device=ref.device,
    )


def softmax(logits, axis: int = -1) -> np.ndarray:
    """Numerically stable ``exp(z - max z) / Σ exp(z - max z)`` along ``axis``."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


@torch.no_grad()
def _batched(model: nn.Module, images, fn, batch_size: int) -> np.ndarray:
    """Apply ``fn(model, x)`` to ``model_inputs`` in batches (eval mode) and concatenate."""
    images = check_images(images)
    was_training = model.training
    model.eval()
    try:
        parts = [
            fn(model, model_inputs(model, images[k : k + batch_size]))
            .float()
            .cpu()
            .numpy()
            for k in range(0, len(images), batch_size)
        ]
    finally:
        model.train(was_training)
    return np.concatenate(parts)


def predict_proba(
    model: nn.Module, images, *, batch_size: int = 500
) -> np.ndarray:
    """Class probabilities ``softmax(model(x))`` for images ``(N, H, W)``: float64 ``(N, C)``."""
    return softmax(
        _batched(_check_model(model), images, lambda m, x: m(x), batch_size)
    )


def _check_streaming(model: nn.Module) -> None:
    if not hasattr(model, "rnn") or not hasattr(model, "head"):
        raise TypeError(
            "model must be a rnntutor.nn.SequenceClassifier (with .rnn and .head)"
        )
    if model.rnn.bidirectional:
        raise ValueError(
            "a bidirectional model has read the whole sequence before its first output (its backward "
            "direction starts at the end), so 'prediction after k steps' is not defined; use a "
            "unidirectional model"
        )


def hidden_states(
    model: nn.Module, images, *, batch_size: int = 500
) -> np.ndarray:
    """Top-layer hidden states ``h_1..h_T`` of a SequenceClassifier: ``(N, T, D*H)``."""
    _check_model(model)
    if not hasattr(model, "rnn"):
        raise TypeError(
            "model must be a rnntutor.nn.SequenceClassifier (with an .rnn layer)"
        )
    return _batched(model, images, lambda m, x: m.rnn(x)[0], batch_size)


def step_logits(
    model: nn.Module, images, *, batch_size: int = 500
) -> np.ndarray:
    """Logits after each step ``k = 1..T`` of a unidirectional SequenceClassifier: ``(N, T, C)``.

    After ``k`` steps the model has seen only ``x_1..x_k``. Its read-out would be
    ``s_k = h_k`` (``readout="last"``) or the running mean ``(1/k) Σ_{t<=k} h_t``
    (``readout="mean"``), and ``logits_k = W_y s_k + b_y``. The last entry equals the
    model's ordinary output.
    """
    _check_model(model)
    _check_streaming(model)

    def fn(m, x):
        out = m.rnn(x)[0]  # (B, T, H)
        if m.readout == "mean":
            steps = torch.arange(
                1, out.shape[1] + 1, device=out.device, dtype=out.dtype
            )
            out = out.cumsum(dim=1) / steps[None, :, None]  # running mean s_k
        return m.head(out)  # (B, T, C)

    return _batched(model, images, fn, batch_size)


def step_probabilities(
    model: nn.Module, images, *, batch_size: int = 500
) -> np.ndarray:
    """``softmax`` of :func:`step_logits`: class probabilities after each step, ``(N, T, C)``."""
    return softmax(step_logits(model, images, batch_size=batch_size))


def accuracy_after_k(step_scores, labels) -> np.ndarray:
    """Accuracy of the prediction made after each step: ``acc[k-1] = mean_n [argmax_c s[n, k-1, c] == y_n]``.

    ``step_scores`` are logits or probabilities ``(N, T, C)`` (e.g. :func:`step_logits`),
    ``labels`` int ``(N,)``. Returns float64 ``(T,)``; ``acc[-1]`` is the ordinary accuracy.
    """
    scores = check_array(
        step_scores, "step_scores", shape=("N", "T", "C"), dtypes=("f",)
    )
    labels = check_array(
        labels, "labels", shape=(scores.shape[0],), dtypes=("i", "u")
    )
    return (
        (scores.argmax(axis=2) == labels[:, None])
        .mean(axis=0)
        .astype(np.float64)
    )


def pca(x, k: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal components of the rows of ``x (M, D)``: ``(components (k, D), mean (D,), explained (k,))``.

    ``explained`` is the fraction of the total variance along each component. Project
    with ``(x - mean) @ components.T``. Computed with an SVD of the centred data; the
    sign of each component is fixed so that its largest entry is positive.
    """
    x = check_array(x, "x", shape=("M", "D"), dtypes=("f",)).astype(np.float64)
    if (
        isinstance(k, bool)
        or not isinstance(k, int)
        or not 1 <= k <= min(x.shape)
    ):
        raise ValueError(
            f"k must be an int between 1 and min(M, D) = {min(x.shape)}, got {k!r}"
        )
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    comps = vt[:k]
    signs = np.sign(comps[np.arange(k), np.abs(comps).argmax(axis=1)])
    comps = comps * signs[:, None]
    var = s**2
    return comps, mean, var[:k] / var.sum()


def confusion_matrix(
    labels, predictions, num_classes: int | None = None
) -> np.ndarray:
    """Counts ``cm[i, j]`` of images of true class ``i`` predicted as ``j``: int64 ``(C, C)``."""
    labels = check_array(labels, "labels", shape=("N",), dtypes=("i", "u"))
    predictions = check_array(
        predictions, "predictions", shape=(labels.shape[0],), dtypes=("i", "u")
    )
    if num_classes is None:
        num_classes = (
            int(max(labels.max(initial=0), predictions.max(initial=0))) + 1
        )
    if (
        min(labels.min(initial=0), predictions.min(initial=0)) < 0
        or max(labels.max(initial=0), predictions.max(initial=0))
        >= num_classes
    ):
        raise ValueError(
            f"labels and predictions must be in 0..{num_classes - 1}"
        )
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (labels, predictions), 1)
    return cm


def per_class_accuracy(cm) -> np.ndarray:
    """Recall of each class from a confusion matrix: ``cm[i, i] / Σ_j cm[i, j]`` (NaN for an empty class)."""
    cm = check_array(cm, "cm", shape=("C", "C"), dtypes=("i", "u"))
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            totals > 0, np.diag(cm) / np.maximum(totals, 1), np.nan
        )


def most_confident_errors(probs, labels, k: int = 8) -> np.ndarray:
    """Indices of up to ``k`` misclassified images, most confident wrong prediction first."""
    probs = check_array(probs, "probs", shape=("N", "C"), dtypes=("f",))
    labels = check_array(
        labels, "labels", shape=(probs.shape[0],), dtypes=("i", "u")
    )
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != labels)
    order = np.argsort(-probs[wrong, pred[wrong]], kind="stable")
    return wrong[order][:k].astype(np.int64)
