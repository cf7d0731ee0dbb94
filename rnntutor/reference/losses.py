"""Numerically stable losses with their gradients.

Both work on logits (unnormalised log-probabilities), never on probabilities, so
``exp`` is only applied to numbers ``<= 0`` and logits of ``±1000`` neither overflow
nor produce ``log(0)``.
"""

from __future__ import annotations

import numpy as np

from rnntutor.validation import check_array


def log_softmax(logits) -> np.ndarray:
    """``log softmax(z)_k = z_k - max(z) - log Σ_j exp(z_j - max(z))`` along the last axis."""
    z = check_array(logits, "logits", dtypes=("f",))
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of integer ``labels (N,)`` under ``softmax(logits (N, K))``.

    ``L = -(1/N) Σ_n log softmax(z_n)_{y_n}`` and ``∂L/∂z_n = (softmax(z_n) - onehot(y_n)) / N``.
    Returns ``(loss, dlogits)``.
    """
    z = check_array(logits, "logits", shape=("N", "K"), dtypes=("f",))
    N, K = z.shape
    y = check_array(labels, "labels", shape=(N,), dtypes=("i", "u"))
    if y.size and (y.min() < 0 or y.max() >= K):
        raise ValueError(
            f"labels must lie in [0, {K - 1}] for {K} classes, got values in [{y.min()}, {y.max()}]"
        )
    logp = log_softmax(z)  # (N, K)
    loss = -logp[np.arange(N), y].mean()
    dz = np.exp(logp)
    dz[np.arange(N), y] -= 1.0
    return float(loss), dz / N


def bernoulli_log_likelihood(logits, targets) -> np.ndarray:
    """Element-wise ``log p(x | z)`` of a Bernoulli with ``p = σ(z)``, for ``x`` in ``[0, 1]``.

    ``log p = x log σ(z) + (1 - x) log(1 - σ(z)) = x z - softplus(z)``, with
    ``softplus(z) = log(1 + e^z)`` computed as ``logaddexp(0, z)`` (stable for any ``z``).
    """
    z = check_array(logits, "logits", dtypes=("f",))
    x = check_array(
        targets, "targets", shape=z.shape, dtypes=("f", "i", "u", "b")
    ).astype(z.dtype, copy=False)
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"targets must lie in [0, 1], got values in [{x.min()}, {x.max()}]"
        )
    return x * z - np.logaddexp(0.0, z)


def bernoulli_nll(logits, targets):
    """Mean negative Bernoulli log-likelihood (binary cross-entropy with logits).

    ``L = -mean(x z - softplus(z))`` and ``∂L/∂z = (σ(z) - x) / n``. Returns ``(loss, dlogits)``;
    equals ``torch.nn.functional.binary_cross_entropy_with_logits``.
    """
    from rnntutor.reference.cells import sigmoid

    z = check_array(logits, "logits", dtypes=("f",))
    ll = bernoulli_log_likelihood(z, targets)
    x = np.asarray(targets, dtype=z.dtype)
    return float(-ll.mean()), (sigmoid(z) - x) / z.size
