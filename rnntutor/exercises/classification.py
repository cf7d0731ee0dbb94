"""Checkers for Chapter 4 (Image classification).

- :func:`check_permuted_view`: the permuted pixel view and its inverse;
- :func:`check_accuracy_after_k`: accuracy of the prediction made after ``k`` steps;
- :func:`check_bidirectional_readout`: the ``"last"`` read-out of a bidirectional layer.

Each checker compares the learner's answer with the package (:mod:`rnntutor.data`,
:mod:`rnntutor.analysis`, :class:`rnntutor.nn.SequenceClassifier`) on small inputs whose
values all differ, and recognises the usual mistakes by name.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from rnntutor import analysis, data
from rnntutor.exercises import Verdict, as_numpy, diagnose, failed, passed, run_learner

__all__ = ["check_accuracy_after_k", "check_bidirectional_readout", "check_permuted_view"]


# ----------------------------------------------------------------------------- permuted view


def check_permuted_view(permute: Callable, unpermute: Callable) -> Verdict:
    """Check ``permute(images, perm) -> seqs`` and ``unpermute(seqs, perm, image_shape) -> images``.

    ``images (N, H, W)``; ``perm`` is a permutation of ``range(H*W)`` (int array).
    ``permute`` must return ``(N, T=H*W, F=1)`` with ``seqs[n, t, 0] = images[n].flat[perm[t]]``
    (step ``t`` reads pixel ``perm[t]``, as :func:`rnntutor.data.to_sequence` with
    ``order="permuted"``), and ``unpermute`` must undo it exactly.
    """
    exercise = "Permuted view"
    h, w = 3, 4
    images = (np.arange(2 * h * w, dtype=np.float32) / (2 * h * w)).reshape(2, h, w)
    n = len(images)
    perm = data.pixel_permutation(h * w, seed=3)  # (12,)
    inverse = np.argsort(perm)
    flat = images.reshape(n, h * w)
    got, verdict = run_learner(permute, exercise, images.copy(), perm.copy())
    if verdict is not None:
        return verdict
    expected = data.to_sequence(images, "permuted", seed=3)  # (N, H*W, 1)
    mistakes = [
        (
            flat[:, inverse][..., None],
            "you applied the inverse permutation: your step t reads the pixel whose position in perm is t.",
            "Step t reads pixel perm[t]: gather with flat[:, perm], not with argsort(perm).",
        ),
        (
            flat[..., None],
            "your sequence is in raster order: the permutation was not applied.",
            "Flatten each image to (N, H*W) and index the pixel axis with perm.",
        ),
        (
            expected[..., 0],
            f"your answer has shape {(n, h * w)}: the feature axis is missing.",
            "A sequence is (N, T, F); with one pixel per step F = 1. Add it with [..., None].",
        ),
        (
            images.transpose(0, 2, 1).reshape(n, h * w)[:, perm][..., None],
            "you flattened the images column by column before permuting.",
            "Use the row-major (C-order) flattening images.reshape(N, H*W): flat index r*W + c.",
        ),
    ]
    problem = diagnose(got, expected, "your permuted sequence", mistakes, atol=1e-6)
    if problem is not None:
        return failed(exercise, *problem)

    got, verdict = run_learner(unpermute, exercise, expected.copy(), perm.copy(), (h, w))
    if verdict is not None:
        return verdict
    stream = expected.reshape(n, h * w)
    mistakes = [
        (
            stream[:, perm].reshape(n, h, w),
            "unpermute gathered with perm again, which permutes a second time instead of undoing it.",
            "Undo a gather with a scatter: out[:, perm] = seqs[:, :, 0], or gather with np.argsort(perm).",
        ),
        (
            stream.reshape(n, h, w),
            "unpermute only reshaped the sequence: the pixels are still in permuted order.",
            "Put the value of step t back at flat position perm[t] before reshaping to (N, H, W).",
        ),
        (
            images.reshape(n, h * w),
            f"unpermute returned shape {(n, h * w)}: reshape the restored pixels to (N, H, W).",
            "Finish with .reshape(N, H, W).",
        ),
    ]
    problem = diagnose(got, images, "your restored images", mistakes, atol=1e-6)
    if problem is not None:
        return failed(exercise, *problem)
    return passed(exercise, "Step t reads pixel perm[t], and a scatter with the same perm puts every pixel back.")


# ----------------------------------------------------------------------------- accuracy after k steps


def check_accuracy_after_k(fn: Callable) -> Verdict:
    """Check ``fn(step_scores, labels) -> acc``: ``acc[k-1]`` is the accuracy after ``k`` steps.

    ``step_scores (N, T, C)`` holds the scores (logits) the read-out gives after each
    step, ``labels (N,)``; the answer is a float array ``(T,)`` of fractions in ``[0, 1]``,
    compared with :func:`rnntutor.analysis.accuracy_after_k`.
    """
    exercise = "Accuracy after k steps"
    rng = np.random.default_rng(7)
    n, t, c = 40, 6, 4
    labels = rng.integers(0, c, size=n)
    # scores that drift towards the right class, so accuracy changes from step to step
    scores = rng.normal(size=(n, t, c)) + np.linspace(0, 2.5, t)[None, :, None] * np.eye(c)[labels][:, None, :]
    got, verdict = run_learner(fn, exercise, scores.copy(), labels.copy())
    if verdict is not None:
        return verdict
    expected = analysis.accuracy_after_k(scores, labels)  # (T,)
    right = scores.argmax(axis=2) == labels[:, None]  # (N, T)
    running = np.cumsum(scores, axis=1) / np.arange(1, t + 1)[None, :, None]
    mistakes = [
        (
            right.sum(axis=0),
            "you returned the number of correct images per step, not the fraction.",
            "Divide by the number of images (or use .mean(axis=0)).",
        ),
        (
            np.maximum.accumulate(right, axis=1).mean(axis=0),
            "you counted an image as correct from the first step at which it was right, "
            "but the prediction after k steps may change back.",
            "Use only the scores of step k: argmax over classes of step_scores[:, k-1].",
        ),
        (
            (running.argmax(axis=2) == labels[:, None]).mean(axis=0),
            "you averaged the scores over the first k steps; the read-out after k steps uses step k's scores.",
            "Take step_scores[:, k-1] as it is (the model's own read-out already decides how to summarise).",
        ),
        (
            np.full(t, expected[-1]),
            "every entry equals the final accuracy: you used the last step's scores for every k.",
            "Use step_scores[:, k-1] for entry k-1.",
        ),
    ]
    got_np = as_numpy(got)
    if got_np is not None and np.ndim(got_np) == 0:
        return failed(
            exercise,
            "you returned a single number; the answer has one accuracy per step, shape (T,).",
            "Compare argmax(step_scores, axis=2) with labels[:, None] and average over images (axis 0).",
        )
    problem = diagnose(got, expected, "your accuracies", mistakes, atol=1e-6)
    if problem is not None:
        why, hint = problem
        arr = np.asarray(got_np, dtype=np.float64) if got_np is not None else None
        if arr is not None and arr.shape == (t,) and np.allclose(arr[1:], expected[:-1]):
            why, hint = "your curve is shifted by one step.", "Entry k-1 (0-based) belongs to k steps read (1-based)."
        return failed(exercise, why, hint)
    return passed(exercise, "The last entry is the ordinary test accuracy; the others show how early it knows.")


# ----------------------------------------------------------------------------- bidirectional read-out


def check_bidirectional_readout(fn: Callable) -> Verdict:
    """Check ``fn(out, hidden_size) -> s``: the ``"last"`` read-out of a bidirectional layer.

    ``out (B, T, 2H)`` holds ``[h_t^→ ; h_t^←]`` for every step (a torch tensor from a
    bidirectional layer). The read-out is ``s = [h_T^→ ; h_1^←]``, shape ``(B, 2H)``:
    each direction's state after it has read the whole sequence. Compared with
    :meth:`rnntutor.nn.SequenceClassifier.features` of a real bidirectional LSTM.
    """
    from rnntutor.nn import SequenceClassifier

    exercise = "Bidirectional read-out"
    hidden = 3
    gen = torch.Generator().manual_seed(0)
    torch_state = torch.random.get_rng_state()
    torch.manual_seed(5)
    model = SequenceClassifier("lstm", input_size=4, hidden_size=hidden, num_classes=2, bidirectional=True)
    torch.random.set_rng_state(torch_state)
    x = torch.rand(2, 5, 4, generator=gen)  # (B, T, F)
    with torch.no_grad():
        out = model.rnn(x)[0]  # (B, T, 2H)
        expected = model.features(x).numpy()  # (B, 2H)
    got, verdict = run_learner(fn, exercise, out.clone(), hidden)
    if verdict is not None:
        return verdict
    o = out.numpy()
    mistakes = [
        (
            o[:, -1],
            "you took out[:, -1]: its backward half is h_T^←, the backward direction after reading only the last step.",
            "The backward direction finishes at t = 1: take out[:, 0, H:] for it and out[:, -1, :H] forward.",
        ),
        (
            o[:, 0],
            "you took out[:, 0]: its forward half has read only the first step.",
            "The forward direction finishes at t = T: take out[:, -1, :H], and out[:, 0, H:] for the backward one.",
        ),
        (
            o.mean(axis=1),
            "that is the mean read-out (readout='mean'), not the last states.",
            "Pick each direction's final step instead of averaging over time.",
        ),
        (
            np.concatenate([o[:, 0, hidden:], o[:, -1, :hidden]], axis=1),
            "the two halves are in the wrong order.",
            "Forward first, as in out: [out[:, -1, :H], out[:, 0, H:]].",
        ),
    ]
    problem = diagnose(got, expected, "your read-out", mistakes, atol=1e-6)
    if problem is not None:
        return failed(exercise, *problem)
    return passed(exercise, "Each direction contributes the state it reached after reading everything.")
