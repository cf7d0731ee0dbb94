"""Video-prediction metrics in the conventions of the papers.

All take ``pred`` and ``target`` of shape ``(N, T, H, W)`` with values in ``[0, 1]``
(NumPy arrays or tensors) and return floats averaged over the ``N`` sequences:

- :func:`bce_per_sequence`: binary cross-entropy summed over all ``T x H x W`` pixels of
  a sequence (Shi et al. 2015 report it for ``T = 10`` frames of 64x64):
  ``-Σ [y log p + (1 - y) log(1 - p)]``, with ``p`` clipped to ``[ε, 1 - ε]``, ``ε = 1e-7``
  (so a baseline that predicts exact zeros gets a large but finite loss).
- :func:`mse_per_frame`: squared error summed over the ``H x W`` pixels of a frame,
  averaged over frames (PredRNN and later papers; pixels in ``[0, 1]``).
- :func:`ssim_per_frame`: ``skimage.metrics.structural_similarity`` per frame
  (``data_range=1``), averaged.

The ``*_per_step`` variants return one value per prediction horizon ``(T,)``.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-7


def _pair(pred, target) -> tuple[np.ndarray, np.ndarray]:
    p = (
        pred.detach().cpu().numpy()
        if hasattr(pred, "detach")
        else np.asarray(pred)
    )
    y = (
        target.detach().cpu().numpy()
        if hasattr(target, "detach")
        else np.asarray(target)
    )
    if p.shape != y.shape or p.ndim != 4:
        raise ValueError(
            f"pred and target must have the same shape (N, T, H, W), got {p.shape} and {y.shape}"
        )
    for name, a in (("pred", p), ("target", y)):
        if a.dtype.kind not in "fiu" or not np.all(np.isfinite(a)):
            raise ValueError(
                f"{name} must be a finite real array, got dtype {a.dtype}"
            )
        if a.size and (a.min() < 0 or a.max() > 1):
            raise ValueError(
                f"{name} must be in [0, 1], got values in [{a.min()}, {a.max()}]"
            )
    return p.astype(np.float64), y.astype(np.float64)


def bce_per_step(pred, target) -> np.ndarray:
    """Binary cross-entropy of each frame summed over its pixels, averaged over sequences: ``(T,)``."""
    p, y = _pair(pred, target)
    p = np.clip(p, EPS, 1 - EPS)
    return (
        -(y * np.log(p) + (1 - y) * np.log1p(-p)).sum(axis=(2, 3)).mean(axis=0)
    )


def bce_per_sequence(pred, target) -> float:
    """Binary cross-entropy summed over a whole sequence (all frames and pixels), averaged."""
    return float(bce_per_step(pred, target).sum())


def mse_per_step(pred, target) -> np.ndarray:
    """Squared error of each frame summed over its pixels, averaged over sequences: ``(T,)``."""
    p, y = _pair(pred, target)
    return ((p - y) ** 2).sum(axis=(2, 3)).mean(axis=0)


def mse_per_frame(pred, target) -> float:
    """Squared error summed over a frame's pixels, averaged over frames and sequences."""
    return float(mse_per_step(pred, target).mean())


def ssim_per_step(pred, target) -> np.ndarray:
    """SSIM (scikit-image, ``data_range=1``) of each frame, averaged over sequences: ``(T,)``."""
    from skimage.metrics import structural_similarity

    p, y = _pair(pred, target)
    n, t = p.shape[:2]
    out = np.empty((n, t))
    for i in range(n):
        for j in range(t):
            out[i, j] = structural_similarity(y[i, j], p[i, j], data_range=1.0)
    return out.mean(axis=0)


def ssim_per_frame(pred, target) -> float:
    """SSIM per frame, averaged over frames and sequences."""
    return float(ssim_per_step(pred, target).mean())
