"""DRAW's Gaussian attention, forward, in NumPy (the reference for ``rnntutor.generation.draw``).

One attention window on one image ``x`` of shape ``(H, W)`` (rows ``b = 0..H-1``,
columns ``a = 0..W-1``), an ``N x N`` grid of Gaussian filters. The decoder state gives
five numbers ``p = (gx~, gy~, log sigma2, log delta~, log gamma)``; then::

    gX = (W - 1)/2 (gx~ + 1)            gY = (H - 1)/2 (gy~ + 1)      # grid centre
    delta = (max(H, W) - 1)/(N - 1) exp(log delta~)    (N = 1: divided by 1)  # stride
    sigma2 = exp(log sigma2)            gamma = exp(log gamma)        # variance, intensity

    mu_X[i] = gX + (i - (N - 1)/2) delta,   mu_Y[j] = gY + (j - (N - 1)/2) delta,  i, j = 0..N-1
    F_X[i, a] = exp(-(a - mu_X[i])^2 / (2 sigma2)) / Z_X[i]         (N, W)
    F_Y[j, b] = exp(-(b - mu_Y[j])^2 / (2 sigma2)) / Z_Y[j]         (N, H)
    Z_X[i] = max(sum_a exp(-(a - mu_X[i])^2 / (2 sigma2)), eps)     (each row sums to 1)

    read(x, x_hat)  = gamma [F_Y x F_X^T, F_Y x_hat F_X^T]          two (N, N) glimpses
    write(w)        = (1 / gamma) F_Y^T w F_X                       (N, N) patch -> (H, W)

The filters are written with explicit sums over pixels, so that they can be read next to
the equations; :mod:`rnntutor.generation.draw` computes the same with batched tensors.
"""

from __future__ import annotations

import math

import numpy as np

from rnntutor.validation import check_array

EPS = 1e-8
"""Floor of the normaliser ``Z`` (same as ``rnntutor.generation.draw.EPS``)."""


def attention_params(
    p, image_shape, N: int
) -> tuple[float, float, float, float, float]:
    """``(gX, gY, sigma2, delta, gamma)`` from the five raw numbers ``p`` (see the module doc)."""
    p = check_array(p, "p", shape=(5,), dtypes=("f", "i"))
    H, W = image_shape
    gx_, gy_, log_sigma2, log_delta_, log_gamma = (float(v) for v in p)
    gx = (W - 1) / 2 * (gx_ + 1)
    gy = (H - 1) / 2 * (gy_ + 1)
    delta = (max(H, W) - 1) / max(N - 1, 1) * math.exp(log_delta_)
    return gx, gy, math.exp(log_sigma2), delta, math.exp(log_gamma)


def filters(
    g: float, delta: float, sigma2: float, N: int, size: int
) -> np.ndarray:
    """One axis, ``(N, size)``: ``F[i, a] = exp(-(a - mu[i])^2 / (2 sigma2)) / Z[i]``.

    ``mu[i] = g + (i - (N - 1)/2) delta``; ``Z[i]`` makes each row sum to 1 (floored at ``EPS``).
    """
    F = np.zeros((N, size))
    for i in range(N):
        mu = g + (i - (N - 1) / 2) * delta
        for a in range(size):
            F[i, a] = math.exp(-((a - mu) ** 2) / (2 * sigma2))
        F[i] /= max(F[i].sum(), EPS)
    return F


def filterbank(
    gx: float, gy: float, sigma2: float, delta: float, N: int, image_shape
) -> tuple[np.ndarray, np.ndarray]:
    """``F_X`` ``(N, W)`` and ``F_Y`` ``(N, H)`` of the window centred at ``(gX, gY)`` (float64)."""
    if isinstance(N, bool) or not isinstance(N, int | np.integer) or N < 1:
        raise ValueError(f"N must be a positive integer, got {N!r}")
    if not sigma2 > 0:
        raise ValueError(f"sigma2 must be positive, got {sigma2!r}")
    H, W = image_shape
    return filters(gx, delta, sigma2, int(N), W), filters(
        gy, delta, sigma2, int(N), H
    )


def read(
    x, x_hat, F_X: np.ndarray, F_Y: np.ndarray, gamma: float
) -> np.ndarray:
    """``gamma [F_Y x F_X^T, F_Y x_hat F_X^T]``: images ``(H, W)`` -> glimpses ``(2, N, N)``."""
    H, W = F_Y.shape[1], F_X.shape[1]
    x = check_array(x, "x", shape=(H, W), dtypes=("f", "i", "b")).astype(
        np.float64
    )
    x_hat = check_array(
        x_hat, "x_hat", shape=(H, W), dtypes=("f", "i", "b")
    ).astype(np.float64)
    return gamma * np.stack([F_Y @ x @ F_X.T, F_Y @ x_hat @ F_X.T])


def write(w, F_X: np.ndarray, F_Y: np.ndarray, gamma: float) -> np.ndarray:
    """``(1 / gamma) F_Y^T w F_X``: a patch ``(N, N)`` -> a canvas update ``(H, W)``."""
    N = F_X.shape[0]
    w = check_array(w, "w", shape=(N, N), dtypes=("f", "i")).astype(np.float64)
    return F_Y.T @ w @ F_X / gamma
