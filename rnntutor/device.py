"""Device selection and seeding.

``get_device("auto")`` picks ``cuda``, then ``mps``, then ``cpu``; asking for a device
that is not there is an error, never a silent fallback.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

_KNOWN = ("auto", "cpu", "cuda", "mps")


def get_device(device: str | torch.device = "auto") -> torch.device:
    """Return the torch device to use.

    ``"auto"`` chooses ``cuda`` if a CUDA GPU is visible, else ``mps`` (Apple GPUs),
    else ``cpu``. ``"cuda"``, ``"cuda:1"`` or ``"mps"`` raise a ``RuntimeError`` when
    that device is not available.
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise TypeError(
            f"device must be a string such as 'auto' or 'cpu', got {type(device).__name__}"
        )
    kind = device.split(":")[0]
    if kind not in _KNOWN:
        raise ValueError(
            f"unknown device {device!r}: expected one of {', '.join(_KNOWN)}"
        )
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            f"device {device!r} was requested but no CUDA GPU is available "
            "(torch.cuda.is_available() is False); use device='auto' or 'cpu'"
        )
    if kind == "mps" and not _mps_available():
        raise RuntimeError(
            "device 'mps' was requested but the Apple MPS backend is not available; use 'auto' or 'cpu'"
        )
    return torch.device(device)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA)."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
