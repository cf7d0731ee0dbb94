"""The PixelCNN / PixelRNN comparison of Chapter 3b: four models at matched parameter counts, and their results.

:func:`matched_models` builds PixelCNN, Gated PixelCNN, Row LSTM and Diagonal BiLSTM with
about 45 thousand parameters each (for 8x8 images with 17 levels; the counts are within
5% of each other), the models that ``scripts/eval_intensities.py`` (bits/dim over three
seeds) and ``benchmarks/bench_generation.py`` (time per epoch, time to sample) measure.
Their results ship as package data and are read with :func:`load_result`.
"""

from __future__ import annotations

from rnntutor import results
from rnntutor.generation.diagonal_bilstm import DiagonalBiLSTM
from rnntutor.generation.pixelcnn import GatedPixelCNN, PixelCNN
from rnntutor.generation.row_lstm import RowLSTM

__all__ = [
    "MATCHED",
    "RESULTS_DIR",
    "count_parameters",
    "load_result",
    "matched_models",
]

RESULTS_DIR = results.FOLDER

# name -> (class, constructor arguments besides image_shape and levels)
MATCHED = {
    "PixelCNN": (
        PixelCNN,
        {
            "channels": 30,
            "num_layers": 5,
            "in_kernel": 5,
            "kernel": 3,
            "pixel_bias": True,
        },
    ),
    "Gated PixelCNN": (
        GatedPixelCNN,
        {
            "channels": 18,
            "num_layers": 5,
            "in_kernel": 5,
            "kernel": 3,
            "pixel_bias": True,
        },
    ),
    "Row LSTM": (RowLSTM, {"hidden": 32, "num_layers": 2, "pixel_bias": True}),
    "Diagonal BiLSTM": (
        DiagonalBiLSTM,
        {"hidden": 29, "num_layers": 2, "pixel_bias": True},
    ),
}


def count_parameters(model) -> int:
    """The number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def matched_models(image_shape=(8, 8), levels: int = 17, names=None) -> dict:
    """``{name: model}`` for the models of :data:`MATCHED` (all of them, or ``names``), freshly initialised.

    Seed first (:func:`rnntutor.seed_everything`) for reproducible weights.
    """
    names = list(MATCHED) if names is None else list(names)
    unknown = [n for n in names if n not in MATCHED]
    if unknown:
        raise ValueError(
            f"unknown model name(s) {unknown}: expected some of {list(MATCHED)}"
        )
    return {
        n: MATCHED[n][0](image_shape, levels=levels, **MATCHED[n][1])
        for n in names
    }


def load_result(name: str) -> dict:
    """A result shipped with the package: ``"intensities_digits17"`` (bits/dim) or ``"bench_generation"`` (timings).

    Read with :func:`rnntutor.results.read` (these two records predate its provenance
    check); an unknown name raises :class:`~rnntutor.results.UnknownResultError`.
    """
    return results.read(name, RESULTS_DIR)
