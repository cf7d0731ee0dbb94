"""One checkpoint format for every model: weights, class + config, metrics, data provenance, sha256.

A checkpoint is a ``torch.save`` file holding a plain dict::

    {"format": "rnntutor-checkpoint", "version": 2,
     "kind": "classifier",                 # picks the evaluator (EVALUATORS)
     "model": "SequenceClassifier",        # a key of MODELS
     "config": {...},                      # model.config: JSON-able constructor kwargs
     "metrics": {...},                     # what the run measured
     "data": {"dataset": "mnist5k", "split": "train", "split_seed": 0,
              "image_shape": [28, 28], "binarization": None, ...},
     "state_dict": {name: tensor}, "sha256": "..."}

``sha256`` is a digest of everything else (the header as canonical JSON, then every
tensor's name, dtype, shape and bytes). Loading uses ``torch.load(weights_only=True)``,
which refuses pickled code, checks the types of every entry, recomputes the digest and
rebuilds the model from ``MODELS[model](**config)``, so a truncated, edited or
hand-made file gives a :class:`CheckpointError` that says what is wrong.
``load_checkpoint(path, sha256=...)`` can also pin the digest of the whole file, as the
JSON record next to each shipped checkpoint does (:func:`read_record`).

Extending: a chapter that adds a model class adds one line to :data:`MODELS`
(``"Name": "module.path:ClassName"``, imported only when a checkpoint names it); the
class sets ``checkpoint_kind``, and a new kind adds one line to :data:`EVALUATORS`
(``"kind": "module.path:function"``), the function that ``rnntutor evaluate`` calls.
Version 1 files (classifiers saved before provenance was recorded) are still read.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from rnntutor.data import file_digest, readable_mode

FORMAT = "rnntutor-checkpoint"
VERSION = 2
READABLE_VERSIONS = (1, 2)
SHIPPED_DIR = Path(__file__).resolve().parent / "checkpoints"

MODELS: dict[str, str] = {
    "SequenceClassifier": "rnntutor.nn.classifier:SequenceClassifier",
    "IndependentBernoulli": "rnntutor.generation.baselines:IndependentBernoulli",
    "FVSBN": "rnntutor.generation.baselines:FVSBN",
    "PixelLSTM": "rnntutor.generation.pixel_lstm:PixelLSTM",
    "RowLSTM": "rnntutor.generation.row_lstm:RowLSTM",
    "DiagonalBiLSTM": "rnntutor.generation.diagonal_bilstm:DiagonalBiLSTM",
    "IndependentCategorical": "rnntutor.generation.baselines:IndependentCategorical",
    "PixelCNN": "rnntutor.generation.pixelcnn:PixelCNN",
    "GatedPixelCNN": "rnntutor.generation.pixelcnn:GatedPixelCNN",
    "ConvLSTMPredictor": "rnntutor.sequences.models:ConvLSTMPredictor",
    "DRAW": "rnntutor.generation.draw:DRAW",
}
"""Model classes a checkpoint may name: class name -> ``"module.path:ClassName"``."""

EVALUATORS: dict[str, str] = {
    "classifier": "rnntutor.train:evaluate_checkpoint",
    "generative": "rnntutor.generation.training:evaluate_checkpoint",
    "video": "rnntutor.sequences.training:evaluate_checkpoint",
    "draw": "rnntutor.generation.draw:evaluate_checkpoint",
}
"""Evaluators by model kind: ``kind -> "module.path:function"``.

``function(model, checkpoint, *, dataset, split, batch_size, device, cache_dir)`` gets the
loaded model and the :func:`read_checkpoint` payload (without the weights) and returns a
JSON-able dict of metrics with a one-line ``"summary"``.
"""

_HEAD = {1: ("format", "version", "model", "config", "metrics"),
         2: ("format", "version", "kind", "model", "config", "metrics", "data")}  # fmt: skip
_TYPES = {
    "model": str,
    "kind": str,
    "config": dict,
    "metrics": dict,
    "data": dict,
    "state_dict": dict,
    "sha256": str,
}
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_TORCH_BOILERPLATE = (
    "please file an issue",
    "weights_only",
    "check the documentation",
    "in pytorch 2.6",
)


class CheckpointError(ValueError):
    """A checkpoint file is missing, damaged, edited, or does not fit its model config."""


class DataMismatchError(CheckpointError):
    """The data asked for does not fit the checkpoint (another image size): a usage error."""

    exit_status = 2  # the CLI exits with 2, as for a bad flag


class UnwritableError(CheckpointError):
    """A checkpoint cannot be written to the path asked for (read-only, a folder)."""

    exit_status = 2


def import_object(spec: str):
    """Import ``"module.path:Name"`` and return the object."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def model_class(name: str) -> type:
    """The model class registered under ``name`` in :data:`MODELS`."""
    if not isinstance(name, str) or name not in MODELS:
        raise CheckpointError(
            f"unknown model type {name!r} in checkpoint: expected one of {list(MODELS)}"
        )
    return import_object(MODELS[name])


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
    if (
        hasattr(obj, "item") and getattr(obj, "ndim", 1) == 0
    ):  # NumPy / torch scalars
        obj = obj.item()
        if isinstance(obj, bool | int):
            return obj
    if isinstance(obj, float) or hasattr(obj, "__float__"):
        value = float(obj)
        return value if math.isfinite(value) else None
    raise TypeError(
        f"{what} must hold only numbers, strings, lists and dicts; got {type(obj).__name__}"
    )


def _digest(payload: dict) -> str:
    h = hashlib.sha256()
    head = {k: payload[k] for k in _HEAD[payload["version"]]}
    h.update(json.dumps(head, sort_keys=True).encode())
    for name in sorted(payload["state_dict"]):
        t = payload["state_dict"][name].detach().cpu().contiguous()
        h.update(f"|{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _build(model_name: str, config: dict) -> nn.Module:
    cls = model_class(model_name)
    try:
        return cls(**config)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(
            f"the checkpoint's config cannot build a {model_name}: {exc}"
        ) from exc


def _load_weights(model: nn.Module, state_dict: dict, where: str) -> None:
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in first[:4])
        raise CheckpointError(
            f"the weights in {where} do not fit the model config (incompatible config): {detail}"
        ) from exc


def check_sha256(value, what: str = "sha256") -> str:
    """Return a sha256 hex digest in lower case; refuse anything but 64 hex digits (any case)."""
    if not isinstance(value, str) or not _HEX64.fullmatch(value.strip()):
        raise CheckpointError(
            f"{what} must be a sha256 digest of 64 hex digits, got {value!r}"
        )
    return value.strip().lower()


def check_writable(path) -> Path:
    """Check, before any work, that a checkpoint can be written to ``path``; return it as a Path.

    Creates the parent folder if needed and writes (then removes) a temporary file there,
    so a read-only folder or file, or a path that is a folder, is found before training.
    """
    path = Path(path)
    where = repr(str(path))
    if path.is_dir():
        raise UnwritableError(
            f"cannot write checkpoint {where}: it is a folder"
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise UnwritableError(
            f"cannot write checkpoint {where}: the file exists and is read-only"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UnwritableError(
            f"cannot write checkpoint {where}: the folder {str(path.parent)!r} is not writable ({reason})"
        ) from None
    os.close(fd)
    os.unlink(tmp)
    return path


def _write(path: Path, payload: dict) -> None:
    """``torch.save`` to a unique temporary file next to ``path``, then rename it into place."""
    check_writable(path)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
        os.chmod(tmp, readable_mode())
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:
        Path(tmp).unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise CheckpointError(
            f"cannot write checkpoint {str(path)!r}: {reason}"
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(
    path, model: nn.Module, config: dict | None = None, metrics: dict | None = None, data: dict | None = None,
    *, kind: str | None = None,
) -> Path:  # fmt: skip
    """Write ``model``'s weights, ``config`` (default ``model.config``), ``metrics`` and ``data``.

    ``data`` is the provenance of the data the model was trained on: ``dataset``,
    ``split``, ``image_shape``, ``binarization`` (``None`` for grey images) and anything
    else worth keeping (``split_seed``, sizes). ``kind`` defaults to the model class's
    ``checkpoint_kind``. The model class must be registered in :data:`MODELS`, and the
    config must rebuild a model whose parameters match ``model``'s; otherwise a
    :class:`CheckpointError` is raised before anything is written. The file goes to a
    unique temporary name first and is renamed, so an interrupted or failed save leaves
    neither half a file nor a temporary one. Returns the path.
    """
    path = Path(path)
    config = getattr(model, "config", None) if config is None else config
    if not isinstance(config, dict):
        raise TypeError(
            "config must be a dict of constructor arguments (or the model must have .config)"
        )
    model_name = type(model).__name__
    if model_name not in MODELS or import_object(
        MODELS[model_name]
    ) is not type(model):
        raise CheckpointError(
            f"{model_name} is not in rnntutor.checkpoint.MODELS: add one line "
            f"MODELS[{model_name!r}] = 'module.path:{model_name}' to save it"
        )
    kind = getattr(model, "checkpoint_kind", None) if kind is None else kind
    if kind not in EVALUATORS:
        raise CheckpointError(
            f"model kind {kind!r} has no evaluator: set {model_name}.checkpoint_kind to one of {list(EVALUATORS)} "
            "or register one in rnntutor.checkpoint.EVALUATORS"
        )
    config = _jsonable(dict(config), "config")
    provenance = _jsonable(dict(data or {}), "data")
    if "image_shape" not in provenance and isinstance(
        config.get("image_shape"), list
    ):
        provenance["image_shape"] = config["image_shape"]
    state_dict = {
        k: v.detach().cpu().clone() for k, v in model.state_dict().items()
    }
    _load_weights(
        _build(model_name, config), state_dict, "the model"
    )  # the config must fit
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "model": model_name,
        "config": config,
        "metrics": _jsonable(dict(metrics or {}), "metrics"),
        "data": provenance,
        "state_dict": state_dict,
    }
    payload["sha256"] = _digest(payload)
    _write(path, payload)
    return path


def file_sha256(path) -> str:
    """The sha256 of a whole file (to pin a shipped checkpoint)."""
    return file_digest(path, "sha256")


def _load_message(exc: Exception) -> str:
    """The informative line of a ``torch.load`` error, without torch's boilerplate."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    lines = [
        line
        for line in lines
        if not any(b in line.lower() for b in _TORCH_BOILERPLATE)
    ] or lines
    unpickler = [line for line in lines if "Unpickler error" in line]
    msg = (unpickler or lines or [type(exc).__name__])[0]
    return (
        msg.removeprefix("WeightsUnpickler error:").strip()
        or type(exc).__name__
    )


def read_checkpoint(path, *, sha256: str | None = None) -> dict:
    """Read and verify a checkpoint file; return its payload dict (weights on the CPU).

    Version 1 files get ``kind = "classifier"`` and a ``data`` dict gathered from their
    metrics (``dataset``, ``split_seed``, ``image_shape``) when those were recorded.
    """
    path = Path(path)
    where = repr(str(path))
    if not path.is_file():
        raise CheckpointError(f"checkpoint {where} does not exist")
    if sha256 is not None:
        want = check_sha256(sha256, f"the expected sha256 of {where}")
        if file_sha256(path) != want:
            raise CheckpointError(
                f"checkpoint {where} does not have the expected sha256 {want}: file changed"
            )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # zip errors, unpickling errors, truncated files
        raise CheckpointError(
            f"cannot read checkpoint {where}: the file is truncated, damaged or not an rnntutor checkpoint "
            f"({_load_message(exc)})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        if (
            isinstance(payload, dict)
            and payload.get("format") == "rnntutor-generation"
        ):
            raise CheckpointError(
                f"{where} is an old generation checkpoint without an integrity check; "
                "it cannot be verified, so it is not loaded (re-save the model with save_checkpoint)"
            )
        raise CheckpointError(
            f"{where} is not an rnntutor checkpoint (no {FORMAT!r} header)"
        )
    version = payload.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise CheckpointError(
            f"checkpoint {where} has format version {version!r}; this rnntutor reads versions {list(READABLE_VERSIONS)}"
        )
    needed = [k for k in _HEAD[version] if k not in ("format", "version")] + [
        "state_dict",
        "sha256",
    ]
    missing = [k for k in needed if k not in payload]
    if missing:
        raise CheckpointError(
            f"checkpoint {where} lacks the entries {missing}"
        )
    for key in needed:
        if not isinstance(payload[key], _TYPES[key]):
            raise CheckpointError(
                f"checkpoint {where} is malformed: {key!r} must be a {_TYPES[key].__name__}, "
                f"got {type(payload[key]).__name__}"
            )
    for name, value in payload["state_dict"].items():
        if not isinstance(name, str) or not isinstance(value, torch.Tensor):
            raise CheckpointError(
                f"checkpoint {where} is malformed: weight {name!r} must be a tensor, got {type(value).__name__}"
            )
    try:
        ok = _digest(payload) == payload["sha256"]
    except (TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(
            f"checkpoint {where} is malformed: {exc}"
        ) from None
    if not ok:
        raise CheckpointError(
            f"checkpoint {where} failed its sha256 check: its weights, config, metrics or data were modified or "
            "damaged after it was saved"
        )
    if version == 1:
        metrics = payload["metrics"]
        payload["kind"] = "classifier"
        payload["data"] = {
            k: metrics[k]
            for k in ("dataset", "split_seed", "image_shape")
            if k in metrics
        }
    return payload


def load_checkpoint(
    path,
    model: nn.Module | None = None,
    *,
    sha256: str | None = None,
    device="cpu",
):
    """Load a checkpoint; return ``(model, config, metrics)``, the model in eval mode.

    Without ``model``, the model is rebuilt from the stored class and config. With
    ``model``, its ``config`` (if any) must agree with the stored one on everything but
    ``impl``, and the weights are loaded into it. ``sha256`` pins the whole file's digest.
    ``device`` is where the model ends up (``"auto"`` allowed). The data provenance is in
    :func:`read_checkpoint`'s ``"data"``.
    """
    model, payload = _load(path, model, sha256=sha256, device=device)
    return model, payload["config"], payload["metrics"]


def _load(path, model=None, *, sha256=None, device="cpu"):
    from rnntutor.device import get_device

    payload = read_checkpoint(path, sha256=sha256)
    config, where = payload["config"], repr(str(path))
    if model is None:
        model = _build(payload["model"], config)
    else:
        have = getattr(model, "config", None)
        if isinstance(have, dict):
            diff = {
                k: (config.get(k), have.get(k))
                for k in set(config) | set(have)
                if k != "impl"
            }
            diff = {k: v for k, v in diff.items() if v[0] != v[1]}
            if diff:
                listed = ", ".join(
                    f"{k}: checkpoint {a!r} vs model {b!r}"
                    for k, (a, b) in sorted(diff.items())
                )
                raise CheckpointError(
                    f"checkpoint {where} has an incompatible config ({listed})"
                )
    _load_weights(model, payload["state_dict"], where)
    model.to(get_device(device)).eval()
    return model, payload


# ------------------------------------------------------------ records and evaluation


def record_path(path) -> Path:
    """The JSON record that sits next to a checkpoint: ``name.pt`` -> ``name.json``."""
    return Path(path).with_suffix(".json")


def record_training(
    path, model: nn.Module, args, *, script, argv=None, start: float, details: dict, machine: str = "",
) -> dict:  # fmt: skip
    """Write the JSON record of the training run that saved ``path``; return the record.

    A training script calls this once, after saving its checkpoint. The record, written
    to :func:`record_path` (``name.pt`` -> ``name.json``), holds in this order: the
    checkpoint's file name, ``sha256`` and ``size_bytes``; the ``command`` that re-creates
    it (``python <script> <argv>``, the script's path relative to the repository, the
    folder above the script's; ``argv`` defaults to ``sys.argv[1:]``); ``seed`` and
    ``args`` (the parsed ``argparse.Namespace``, which must have ``out``, ``seed`` and
    ``threads``; ``args.out`` is recorded relative to the repository);
    the ``model`` class, its ``config`` and its number of ``parameters``; then the
    script's own ``details`` (metrics, data, per-epoch curve), in their order; then
    ``wall_seconds`` since ``start`` (a ``time.time()``), the torch and Python versions,
    and ``machine``: ``"<arch> CPU, <args.threads> thread(s)"`` followed by ``machine``.
    """
    path, script = Path(path), Path(script).resolve()
    root = script.parent.parent

    def relative(p) -> str:
        try:
            return str(Path(p).resolve().relative_to(root))
        except ValueError:
            return str(p)

    argv = sys.argv[1:] if argv is None else argv
    record = {
        "checkpoint": path.name,
        "sha256": file_sha256(path),
        "size_bytes": path.stat().st_size,
        "command": f"python {relative(script)} " + " ".join(argv),
        "seed": args.seed,
        "args": {**vars(args), "out": relative(args.out)},
        "model": type(model).__name__,
        "config": model.config,
        "parameters": sum(p.numel() for p in model.parameters()),
        **details,
        "wall_seconds": round(time.time() - start, 1),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} CPU, {args.threads} thread(s)"
        + (f", {machine}" if machine else ""),
    }
    record_path(path).write_text(json.dumps(record, indent=2) + "\n")
    return record


def read_record(json_path, *, checkpoint: str | None = None) -> dict:
    """Read a checkpoint's JSON record and check its ``checkpoint`` name and ``sha256`` entries.

    The sha256 must be 64 hex digits (upper or lower case; returned in lower case); a
    missing, ``null`` or malformed entry is a :class:`CheckpointError` naming the file.
    """
    json_path = Path(json_path)
    where = repr(str(json_path))
    try:
        record = json.loads(json_path.read_text())
    except FileNotFoundError:
        raise CheckpointError(
            f"checkpoint record {where} does not exist"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(
            f"cannot read checkpoint record {where}: {exc}"
        ) from None
    if not isinstance(record, dict):
        raise CheckpointError(
            f"checkpoint record {where} must hold a JSON object, got {type(record).__name__}"
        )
    for key in ("checkpoint", "sha256"):
        if key not in record:
            raise CheckpointError(
                f"checkpoint record {where} lacks the entry {key!r}"
            )
    if not isinstance(record["checkpoint"], str):
        got = record["checkpoint"]
        raise CheckpointError(
            f"checkpoint record {where}: 'checkpoint' must be a file name, got {got!r}"
        )
    if checkpoint is not None and record["checkpoint"] != checkpoint:
        raise CheckpointError(
            f"checkpoint record {where} describes {record['checkpoint']!r}, not {checkpoint!r}"
        )
    record["sha256"] = check_sha256(
        record["sha256"], f"the 'sha256' entry of {where}"
    )
    return record


def shipped() -> list[str]:
    """Names of the checkpoints shipped in ``rnntutor/checkpoints`` (each with a JSON record)."""
    return sorted(
        p.stem for p in SHIPPED_DIR.glob("*.pt") if record_path(p).is_file()
    )


def shipped_record(name: str) -> dict:
    """The verified JSON record of a shipped checkpoint (see :func:`read_record`)."""
    names = shipped()
    if name not in names:
        raise ValueError(
            f"unknown pretrained model {name!r}: expected one of {names}"
        )
    return read_record(SHIPPED_DIR / f"{name}.json", checkpoint=f"{name}.pt")


def load_shipped(name: str, *, device="cpu"):
    """Load a shipped checkpoint, pinned to its record's sha256; return ``(model, config, metrics)``."""
    record = shipped_record(name)
    return load_checkpoint(
        SHIPPED_DIR / record["checkpoint"],
        sha256=record["sha256"],
        device=device,
    )


def image_shape_of(payload: dict):
    """The image shape ``(H, W)`` a checkpoint's model was trained on, or None if not recorded."""
    shape = payload.get("data", {}).get("image_shape") or payload.get(
        "config", {}
    ).get("image_shape")
    return tuple(int(s) for s in shape) if shape else None


def check_data(payload: dict, dataset: str, image_shape) -> None:
    """Refuse data whose image shape differs from the checkpoint's (a :class:`DataMismatchError`)."""
    want = image_shape_of(payload)
    got = tuple(int(s) for s in image_shape)
    trained = payload.get("data", {}).get("dataset", "its data")
    if want is None:
        raise DataMismatchError(
            f"the checkpoint does not record the image shape it was trained on, so {dataset} "
            f"({got[0]}x{got[1]}) cannot be checked against it; re-save it with save_checkpoint(..., data=...)"
        )
    if want != got:
        raise DataMismatchError(
            f"the checkpoint was trained on {want[0]}x{want[1]} images ({trained}) but {dataset} has "
            f"{got[0]}x{got[1]} images"
        )


def evaluate_file(
    path, *, dataset: str | None = None, split: str = "test", batch_size: int = 256, device="cpu",
    cache_dir=None, sha256: str | None = None,
) -> dict:  # fmt: skip
    """Evaluate any checkpoint with the evaluator of its kind; return its metrics dict.

    ``dataset`` defaults to the recorded one; a dataset whose images have another shape
    than the checkpoint's raises :class:`DataMismatchError` before the model runs.
    """
    from rnntutor import data as data_module

    model, payload = _load(path, sha256=sha256, device=device)
    dataset = dataset or payload["data"].get("dataset")
    if dataset is None:
        raise DataMismatchError(
            "the checkpoint does not record its dataset; pass --dataset"
        )
    known = data_module.IMAGE_SHAPES.get(dataset)
    if known is not None:
        check_data(payload, dataset, known)
    kind = payload["kind"]
    if kind not in EVALUATORS:
        raise CheckpointError(
            f"no evaluator for model kind {kind!r}: expected one of {list(EVALUATORS)}"
        )
    evaluator = import_object(EVALUATORS[kind])
    info = {k: v for k, v in payload.items() if k != "state_dict"}
    result = evaluator(
        model,
        info,
        dataset=dataset,
        split=split,
        batch_size=batch_size,
        device=device,
        cache_dir=cache_dir,
    )
    return {"checkpoint": str(path), "kind": kind, "model": payload["model"], "dataset": dataset, "split": split,
            **result}  # fmt: skip
