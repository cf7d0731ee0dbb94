"""Helpers shared by several test files (pytest puts this folder on ``sys.path``)."""

import torch


def randomize_weights(model, seed=0, scale=0.5):
    """Add seeded noise to every parameter (biases too) and return ``model.eval()``.

    Used before causality and dependency checks: a zero weight or bias could hide a dependency.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g))
    return model.eval()
