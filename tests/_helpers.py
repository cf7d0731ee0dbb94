"""Helpers shared by several test files (pytest puts this folder on ``sys.path``)."""

import importlib.util
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
"""The repository root."""


def randomize_weights(model, seed=0, scale=0.5):
    """Add seeded noise to every parameter (biases too) and return ``model.eval()``.

    Used before causality and dependency checks: a zero weight or bias could hide a dependency.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g))
    return model.eval()


def load_script(name):
    """Import ``scripts/<name>.py`` as a module (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "scripts" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
