"""Optimisers and gradient clipping for parameter dicts of NumPy arrays.

Parameters are updated in place (the arrays in the dict are overwritten), with the
same update rules as ``torch.optim.SGD`` and ``torch.optim.Adam``.
"""

from __future__ import annotations

import numpy as np


def _check_grads(params: dict, grads: dict) -> None:
    for k, p in params.items():
        if k not in grads:
            raise KeyError(
                f"no gradient for parameter {k!r}; gradients have keys {sorted(grads)}"
            )
        if np.shape(grads[k]) != p.shape:
            raise ValueError(
                f"gradient of {k!r} must have shape {p.shape}, got shape {np.shape(grads[k])}"
            )


def global_norm(grads: dict, keys=None) -> float:
    """``‖g‖ = sqrt(Σ_k Σ g_k²)`` over all arrays (or only ``keys``)."""
    keys = grads.keys() if keys is None else keys
    return float(
        np.sqrt(
            sum(
                float(np.sum(np.square(grads[k], dtype=np.float64)))
                for k in keys
            )
        )
    )


def clip_grad_norm(grads: dict, max_norm: float, keys=None) -> float:
    """Scale the gradients in place so that their global norm is at most ``max_norm``.

    Same rule as ``torch.nn.utils.clip_grad_norm_``: multiply by
    ``min(1, max_norm / (‖g‖ + 1e-6))``. Returns the norm before clipping.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    keys = list(grads.keys() if keys is None else keys)
    norm = global_norm(grads, keys)
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        for k in keys:
            grads[k] *= scale
    return norm


class SGD:
    """Stochastic gradient descent, optionally with momentum.

    ``v ← μ v + g`` (``v = g`` on the first step), ``θ ← θ - η v``; plain SGD when ``μ = 0``.
    """

    def __init__(self, params: dict, lr: float = 0.1, momentum: float = 0.0):
        if not lr > 0:
            raise ValueError(f"lr must be positive, got {lr!r}")
        self.params, self.lr, self.momentum = params, lr, momentum
        self.velocity: dict = {}

    def step(self, grads: dict) -> None:
        _check_grads(self.params, grads)
        for k, p in self.params.items():
            g = grads[k]
            if self.momentum:
                v = self.velocity.get(k)
                v = g.copy() if v is None else self.momentum * v + g
                self.velocity[k] = v
                g = v
            p -= self.lr * g


class Adam:
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    ``m ← β1 m + (1-β1) g``, ``v ← β2 v + (1-β2) g²``,
    ``θ ← θ - η (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + ε)``.
    """

    def __init__(
        self,
        params: dict,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
    ):
        if not lr > 0:
            raise ValueError(f"lr must be positive, got {lr!r}")
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads: dict) -> None:
        _check_grads(self.params, grads)
        self.t += 1
        b1, b2 = self.betas
        for k, p in self.params.items():
            g = grads[k]
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
            m_hat = self.m[k] / (1 - b1**self.t)
            v_hat = self.v[k] / (1 - b2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
