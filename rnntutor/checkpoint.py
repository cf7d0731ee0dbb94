"""Checkpoints: weights + model config + metrics in one file, verified when loaded.

A checkpoint is a ``torch.save`` file holding a plain dict::

    {"format": "rnntutor-checkpoint", "version": 1, "model": "SequenceClassifier",
     "config": {...}, "metrics": {...}, "state_dict": {name: tensor}, "sha256": "..."}

``sha256`` is a digest of everything else (the config and metrics as canonical JSON,
then every tensor's name, dtype, shape and bytes). Loading uses
``torch.load(weights_only=True)``, which refuses arbitrary pickled objects, recomputes
the digest and rebuilds the model from its config, so a truncated or edited file, or
weights that do not fit the recorded config, give a :class:`CheckpointError` that says
which. ``load_checkpoint(path, sha256=...)`` can also pin the digest of the whole file
(for checkpoints shipped with the book).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import torch
from torch import nn

from rnntutor.data import file_digest

FORMAT = "rnntutor-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, damaged, edited, or does not fit its model config."""


def _model_classes() -> dict:
    from rnntutor.nn import SequenceClassifier
    from rnntutor.sequences import ConvLSTMPredictor

    return {"SequenceClassifier": SequenceClassifier, "ConvLSTMPredictor": ConvLSTMPredictor}


def _jsonable(obj, what: str):
    """Return ``obj`` made of dict/list/str/int/float/bool/None only (NaN -> None)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v, what) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v, what) for v in obj]
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, str):
        return str(obj)  # also str subclasses such as torch.__version__
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float) or hasattr(obj, "__float__"):
        value = float(obj)
        return value if math.isfinite(value) else None
    raise TypeError(f"{what} must hold only numbers, strings, lists and dicts; got {type(obj).__name__}")


def _digest(payload: dict) -> str:
    h = hashlib.sha256()
    head = {k: payload[k] for k in ("format", "version", "model", "config", "metrics")}
    h.update(json.dumps(head, sort_keys=True).encode())
    for name in sorted(payload["state_dict"]):
        t = payload["state_dict"][name].detach().cpu().contiguous()
        h.update(f"|{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _build(model_name: str, config: dict) -> nn.Module:
    classes = _model_classes()
    if model_name not in classes:
        raise CheckpointError(f"unknown model type {model_name!r} in checkpoint: expected one of {list(classes)}")
    try:
        return classes[model_name](**config)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint's config cannot build a {model_name}: {exc}") from exc


def _load_weights(model: nn.Module, state_dict: dict, where: str) -> None:
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in first[:4])
        raise CheckpointError(
            f"the weights in {where} do not fit the model config (incompatible config): {detail}"
        ) from exc


def save_checkpoint(path, model: nn.Module, config: dict | None = None, metrics: dict | None = None) -> Path:
    """Write ``model``'s weights, its ``config`` (default ``model.config``) and ``metrics``.

    The config must rebuild a model whose parameters match ``model``'s; otherwise a
    :class:`CheckpointError` is raised before anything is written. The file is written
    to a temporary name and renamed, so an interrupted save never leaves half a file.
    Returns the path.
    """
    path = Path(path)
    config = getattr(model, "config", None) if config is None else config
    if not isinstance(config, dict):
        raise TypeError("config must be a dict of constructor arguments (or the model must have .config)")
    model_name = type(model).__name__
    config = _jsonable(dict(config), "config")
    state_dict = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    _load_weights(_build(model_name, config), state_dict, "the model")  # the config must fit
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model": model_name,
        "config": config,
        "metrics": _jsonable(dict(metrics or {}), "metrics"),
        "state_dict": state_dict,
    }
    payload["sha256"] = _digest(payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


def file_sha256(path) -> str:
    """The sha256 of a whole file (to pin a shipped checkpoint)."""
    return file_digest(path, "sha256")


def read_checkpoint(path, *, sha256: str | None = None) -> dict:
    """Read and verify a checkpoint file; return its payload dict (weights on the CPU)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    if sha256 is not None and file_sha256(path) != sha256.lower():
        raise CheckpointError(f"checkpoint {str(path)!r} does not have the expected sha256 {sha256}: file changed")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # zip errors, unpickling errors, truncated files
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        unpickler = [line for line in lines if "WeightsUnpickler error" in line]
        msg = (unpickler or lines or [type(exc).__name__])[0]
        raise CheckpointError(
            f"cannot read checkpoint {str(path)!r}: the file is truncated, damaged or not an rnntutor "
            f"checkpoint ({msg})"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{str(path)!r} is not an rnntutor checkpoint (no {FORMAT!r} header)")
    if payload.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {str(path)!r} has format version {payload.get('version')!r}; "
            f"this rnntutor reads version {VERSION}"
        )
    missing = [k for k in ("model", "config", "metrics", "state_dict", "sha256") if k not in payload]
    if missing:
        raise CheckpointError(f"checkpoint {str(path)!r} lacks the entries {missing}")
    if _digest(payload) != payload["sha256"]:
        raise CheckpointError(
            f"checkpoint {str(path)!r} failed its sha256 check: its weights, config or metrics were modified or "
            "damaged after it was saved"
        )
    return payload


def load_checkpoint(path, model: nn.Module | None = None, *, sha256: str | None = None, device="cpu"):
    """Load a checkpoint; return ``(model, config, metrics)``.

    Without ``model``, the model is rebuilt from the stored config. With ``model``, its
    ``config`` (if any) must agree with the stored one on everything but ``impl``, and the
    weights are loaded into it. ``device`` is where the model ends up (``"auto"`` allowed).
    """
    from rnntutor.device import get_device

    payload = read_checkpoint(path, sha256=sha256)
    config, where = payload["config"], repr(str(path))
    if model is None:
        model = _build(payload["model"], config)
    else:
        have = getattr(model, "config", None)
        if isinstance(have, dict):
            diff = {k: (config.get(k), have.get(k)) for k in set(config) | set(have) if k != "impl"}
            diff = {k: v for k, v in diff.items() if v[0] != v[1]}
            if diff:
                listed = ", ".join(f"{k}: checkpoint {a!r} vs model {b!r}" for k, (a, b) in sorted(diff.items()))
                raise CheckpointError(f"checkpoint {where} has an incompatible config ({listed})")
    _load_weights(model, payload["state_dict"], where)
    model.to(get_device(device))
    return model, config, payload["metrics"]
