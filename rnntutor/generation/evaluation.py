"""Chapter 3's five models of binary 8x8 digits, trained over several seeds.

The data are scikit-learn's 8x8 digits binarized with the threshold 0.5 (a pixel is ink
if its intensity is above half), split by ``rnntutor.data.load_split("digits", seed=0)``
into 1,438 training and 359 test images; the split is the same for every seed. A seed
``s`` fixes the initial weights (``torch.manual_seed(s)`` before the models are built,
in the chapter's order) and the order of the mini-batches (``train_generator(seed=s)``).
Seed 0 reproduces the chapter's live run.

``scripts/eval_generation_seeds.py`` runs :func:`train_digits` for several seeds and
stores :func:`summarize`'s table as the package record ``generation_digits``
(:func:`rnntutor.results.load`), which the chapter shows as mean ± sd.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from rnntutor.generation.baselines import FVSBN, IndependentBernoulli
from rnntutor.generation.diagonal_bilstm import DiagonalBiLSTM
from rnntutor.generation.pixel_lstm import PixelLSTM
from rnntutor.generation.row_lstm import RowLSTM
from rnntutor.generation.training import train_generator

__all__ = [
    "DIGITS_SETTINGS",
    "MODEL_NAMES",
    "binarization_noise",
    "digits_data",
    "digits_models",
    "sample_statistics",
    "summarize",
    "train_digits",
]

MODEL_NAMES = (
    "independent",
    "FVSBN",
    "pixel LSTM",
    "Row LSTM",
    "Diagonal BiLSTM",
)
"""The chapter's models, in the order they are built."""

DIGITS_SETTINGS = {
    "FVSBN": dict(epochs=30, lr=0.01),
    "pixel LSTM": dict(epochs=40, lr=0.01),
    "Row LSTM": dict(epochs=15, lr=0.01),
    "Diagonal BiLSTM": dict(epochs=18, lr=0.01, lr_decay=0.88),
}
"""Epochs and learning rate per trained model (AdamW, batches of 64), as in the chapter.

The independent-pixel baseline is fitted in closed form (the smoothed mean image).
"""


def digits_data(threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The binarized 8x8 digits ``(x_train, x_test)``: ``(1438, 8, 8)`` and ``(359, 8, 8)``, 0/1 floats."""
    from rnntutor.data import binarize, load_split

    train_raw, _ = load_split("digits", "train", seed=0)
    test_raw, _ = load_split("digits", "test", seed=0)
    return binarize(train_raw, threshold), binarize(test_raw, threshold)


def digits_models(seed: int = 0) -> dict:
    """``{name: model}`` for :data:`MODEL_NAMES`, built in that order after ``torch.manual_seed(seed)``."""
    torch.manual_seed(int(seed))
    return {
        "independent": IndependentBernoulli((8, 8)),
        "FVSBN": FVSBN((8, 8)),
        "pixel LSTM": PixelLSTM((8, 8), hidden=64),
        "Row LSTM": RowLSTM((8, 8), hidden=32, pixel_bias=True),
        "Diagonal BiLSTM": DiagonalBiLSTM((8, 8), hidden=40, pixel_bias=True),
    }


def train_digits(
    seed: int = 0, names=None, *, data=None, settings=None, log=None
) -> dict:
    """Train the chapter's models with one seed; return ``{name: {"train_nll", "test_nll", "seconds"}}``.

    NLLs are ``-mean_n log p(x_n)`` in nats per image. ``names`` (default: all of
    :data:`MODEL_NAMES`) picks models; ``data`` is ``(x_train, x_test)`` (default
    :func:`digits_data`); ``settings`` overrides :data:`DIGITS_SETTINGS` (e.g. fewer
    epochs in a test); ``log(str)`` is called after each model.
    """
    from rnntutor import seed_everything

    names = list(MODEL_NAMES) if names is None else list(names)
    unknown = [n for n in names if n not in MODEL_NAMES]
    if unknown:
        raise ValueError(
            f"unknown model name(s) {unknown}: expected some of {list(MODEL_NAMES)}"
        )
    x_train, x_test = digits_data() if data is None else data
    settings = {**DIGITS_SETTINGS, **(settings or {})}
    models = digits_models(seed)
    out = {}
    for name in names:
        model = models[name]
        start = time.perf_counter()
        if name == "independent":
            model.fit_mle(x_train)
        else:
            seed_everything(int(seed))
            train_generator(model, x_train, seed=int(seed), **settings[name])
        seconds = time.perf_counter() - start
        with torch.no_grad():
            out[name] = {
                "train_nll": float(-model.log_prob(x_train).double().mean()),
                "test_nll": float(-model.log_prob(x_test).double().mean()),
                "seconds": round(seconds, 2),
            }
        if log is not None:
            log(
                f"seed {seed} {name:<16} test NLL {out[name]['test_nll']:6.2f} nats ({seconds:.0f} s)"
            )
    return out


def summarize(per_seed: dict) -> dict:
    """Mean and sample standard deviation over seeds of :func:`train_digits` results.

    ``per_seed`` is ``{seed: train_digits(seed)}``; returns ``{name: {"test_nll": [...],
    "train_nll": [...], "test_mean", "test_sd", "train_mean", "train_sd",
    "bits_per_dim_mean"}}`` with one entry per seed in the order of ``per_seed``
    (``sd`` uses ``n - 1``; it is 0 for a single seed).
    """
    if not per_seed:
        raise ValueError(
            "per_seed is empty: expected {seed: train_digits(seed)} for at least one seed"
        )
    names = [n for n in MODEL_NAMES if all(n in r for r in per_seed.values())]
    table = {}
    for name in names:
        test = np.array([r[name]["test_nll"] for r in per_seed.values()])
        train = np.array([r[name]["train_nll"] for r in per_seed.values()])
        ddof = 1 if len(test) > 1 else 0
        table[name] = {
            "test_nll": [round(float(v), 4) for v in test],
            "train_nll": [round(float(v), 4) for v in train],
            "seconds": [r[name]["seconds"] for r in per_seed.values()],
            "test_mean": round(float(test.mean()), 4),
            "test_sd": round(float(test.std(ddof=ddof)), 4),
            "train_mean": round(float(train.mean()), 4),
            "train_sd": round(float(train.std(ddof=ddof)), 4),
            "bits_per_dim_mean": round(
                float(test.mean()) / (64 * math.log(2)), 5
            ),
        }
    return table


def sample_statistics(images) -> dict:
    """Simple measures of binary images ``(N, H, W)``, to describe samples in numbers.

    - ``ink``: the mean fraction of ink pixels;
    - ``pieces``: the mean number of separate pieces of ink per image (connected
      components, neighbours including diagonals: 8-connectivity);
    - ``one_piece``: the fraction of images whose ink forms exactly one piece
      (a handwritten digit almost always does);
    - ``blank``: the number of images without any ink.
    """
    from scipy import ndimage

    from rnntutor.validation import check_array

    images = check_array(
        images, "images", shape=("N", "H", "W"), dtypes=("f", "i", "u", "b")
    )
    ink = np.asarray(images) > 0.5
    pieces = np.array(
        [ndimage.label(im, structure=np.ones((3, 3)))[1] for im in ink]
    )
    return {
        "ink": float(ink.mean()),
        "pieces": float(pieces.mean()),
        "one_piece": float((pieces == 1).mean()),
        "blank": int((pieces == 0).sum()),
    }


def binarization_noise(grey) -> float:
    r"""The entropy in nats per image that stochastic binarization adds to grey images.

    Drawing pixel ``i`` as ink with probability ``v_i`` (its intensity) is a coin flip
    of entropy ``H(v_i) = -v_i log v_i - (1 - v_i) log(1 - v_i)``; this returns the
    mean over images of ``sum_i H(v_i)``. It is ``H(x | v)``, the entropy of the binary
    image ``x`` given the grey image ``v``, so the entropy ``H(x)`` of the binarized
    data, and hence the expected NLL of *any* model of them, is at least this large.
    Thresholding adds nothing (``x`` is a function of ``v``). ``grey`` is ``(N, H, W)``
    in ``[0, 1]``.
    """
    from rnntutor.validation import check_array

    v = check_array(
        grey, "grey", shape=("N", "H", "W"), dtypes=("f", "i", "u")
    ).astype(np.float64)
    if v.min() < 0 or v.max() > 1:
        raise ValueError(
            f"grey images must lie in [0, 1], got values in [{v.min()}, {v.max()}]"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(v * np.log(v) + (1 - v) * np.log1p(-v))
    h = np.nan_to_num(h, nan=0.0)  # 0 log 0 = 0 at v = 0 and v = 1
    return float(h.sum(axis=(1, 2)).mean())
