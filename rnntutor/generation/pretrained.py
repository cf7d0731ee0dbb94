"""Saving, loading and shipping generative models: thin wrappers over :mod:`rnntutor.checkpoint`.

Generative models use the package's one checkpoint format (weights, class + config,
metrics, data provenance, sha256-verified, read with ``torch.load(weights_only=True)``).
The shipped Row LSTM sits in ``rnntutor/checkpoints/`` next to a JSON record (command,
seed, wall time, metrics and the file's sha256); :func:`load_pretrained` pins the file
to that sha256 before loading.
"""

from __future__ import annotations

from pathlib import Path

from rnntutor.checkpoint import (
    MODELS,
    SHIPPED_DIR,
    file_sha256,
    load_checkpoint,
    load_shipped,
    model_class,
    save_checkpoint,
    shipped_record,
)

CHECKPOINT_DIR = SHIPPED_DIR
PRETRAINED = {
    "row_lstm_mnist5k": "Row LSTM trained on mnist5k (threshold 0.5), see row_lstm_mnist5k.json",
    "pixelcnn_mnist5k_256": "PixelCNN with 256 grey levels trained on mnist5k, see pixelcnn_mnist5k_256.json",
}

__all__ = [
    "CHECKPOINT_DIR",
    "PRETRAINED",
    "file_sha256",
    "load_model",
    "load_pretrained",
    "model_classes",
    "pretrained_record",
    "save_model",
]


def model_classes() -> dict:
    """Generative model classes a checkpoint may name (from :data:`rnntutor.checkpoint.MODELS`)."""
    classes = {name: model_class(name) for name in MODELS}
    return {
        name: cls
        for name, cls in classes.items()
        if getattr(cls, "checkpoint_kind", None) == "generative"
    }


def save_model(
    path, model, *, metrics: dict | None = None, data: dict | None = None
) -> str:
    """Write ``model`` with :func:`~rnntutor.checkpoint.save_checkpoint`; return the file's sha256."""
    path = save_checkpoint(Path(path), model, metrics=metrics, data=data)
    return file_sha256(path)


def load_model(path, *, sha256: str | None = None, device="cpu"):
    """Rebuild a model saved with :func:`save_model` (verified; ``sha256`` pins the file); eval mode."""
    return load_checkpoint(path, sha256=sha256, device=device)[0]


def pretrained_record(name: str = "row_lstm_mnist5k") -> dict:
    """The JSON record of a shipped checkpoint: command, seed, time, metrics, sha256."""
    return shipped_record(name)


def load_pretrained(name: str = "row_lstm_mnist5k", *, device="cpu"):
    """Load a checkpoint shipped with the package, verified against its recorded sha256."""
    return load_shipped(name, device=device)[0]
