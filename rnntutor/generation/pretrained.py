"""Saving, loading and shipping generative models (the Row LSTM checkpoint of Chapter 3).

:func:`rnntutor.checkpoint.save_checkpoint` only knows the classifier, so a generation
checkpoint is a plain dict written with ``torch.save`` and read back with
``torch.load(weights_only=True)`` (no pickled code)::

    {"format": "rnntutor-generation", "version": 1, "model": "RowLSTM",
     "config": {...}, "state_dict": {name: tensor}}

The shipped file sits in ``rnntutor/checkpoints/`` next to a JSON record (command, seed,
wall time, metrics and the file's sha256); :func:`load_pretrained` checks the sha256
before loading.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from rnntutor.checkpoint import file_sha256

FORMAT = "rnntutor-generation"
VERSION = 1
CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"
PRETRAINED = {"row_lstm_mnist5k": "Row LSTM trained on mnist5k (threshold 0.5), see row_lstm_mnist5k.json"}

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
    """Model classes a generation checkpoint may name."""
    from rnntutor.generation.baselines import FVSBN, IndependentBernoulli, IndependentCategorical
    from rnntutor.generation.diagonal_bilstm import DiagonalBiLSTM
    from rnntutor.generation.pixel_lstm import PixelLSTM
    from rnntutor.generation.pixelcnn import GatedPixelCNN, PixelCNN
    from rnntutor.generation.row_lstm import RowLSTM

    classes = (IndependentBernoulli, IndependentCategorical, FVSBN, PixelLSTM, RowLSTM, DiagonalBiLSTM)
    return {c.__name__: c for c in (*classes, PixelCNN, GatedPixelCNN)}


def save_model(path, model) -> str:
    """Write ``model`` (config + weights on the CPU) to ``path``; return the file's sha256."""
    path = Path(path)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model": type(model).__name__,
        "config": model.config,
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return file_sha256(path)


def load_model(path, *, sha256: str | None = None, device="cpu"):
    """Rebuild a model saved with :func:`save_model`; check the file's ``sha256`` if given."""
    from rnntutor.device import get_device

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"generation checkpoint {str(path)!r} does not exist")
    if sha256 is not None and file_sha256(path) != sha256:
        raise ValueError(f"{str(path)!r} does not have the recorded sha256 {sha256}: the file changed or is damaged")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("version") != VERSION:
        raise ValueError(f"{str(path)!r} is not an rnntutor generation checkpoint (format {FORMAT!r} v{VERSION})")
    classes = model_classes()
    if payload["model"] not in classes:
        raise ValueError(f"unknown model {payload['model']!r} in {str(path)!r}: expected one of {list(classes)}")
    model = classes[payload["model"]](**payload["config"])
    model.load_state_dict(payload["state_dict"], strict=True)
    return model.to(get_device(device)).eval()


def pretrained_record(name: str = "row_lstm_mnist5k") -> dict:
    """The JSON record of a shipped checkpoint: command, seed, time, metrics, sha256."""
    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained model {name!r}: expected one of {list(PRETRAINED)}")
    return json.loads((CHECKPOINT_DIR / f"{name}.json").read_text())


def load_pretrained(name: str = "row_lstm_mnist5k", *, device="cpu"):
    """Load a checkpoint shipped with the package, verified against its recorded sha256."""
    record = pretrained_record(name)
    return load_model(CHECKPOINT_DIR / f"{name}.pt", sha256=record["sha256"], device=device)
