"""Finite-difference gradient check in float64.

``numerical_gradient`` perturbs one entry at a time and takes central differences,
``(L(θ + ε) - L(θ - ε)) / 2ε``, whose error is ``O(ε²)``. ``gradcheck`` compares these
with the analytic gradients of :func:`rnntutor.reference.backward` for a random loss
that depends on every hidden state and on the final state.
"""

from __future__ import annotations

import numpy as np

from rnntutor.reference.cells import GATES
from rnntutor.reference.layers import backward, forward, init_params
from rnntutor.reference.threads import one_blas_thread


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f()`` with respect to array ``x``.

    ``x`` is changed in place, one entry at a time, and restored. It must be float64.
    """
    if x.dtype != np.float64:
        raise TypeError(
            f"the gradient check needs float64 arrays, got {x.dtype}"
        )
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        plus = f()
        x[idx] = old - eps
        minus = f()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b| / max(1e-12, max |a| + max |b|)``: scale-free size of a disagreement."""
    a, b = np.asarray(a), np.asarray(b)
    return float(
        np.max(np.abs(a - b))
        / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b)))
    )


def gradcheck(
    cell: str,
    *,
    batch: int = 2,
    steps: int = 3,
    input_size: int = 3,
    hidden_size: int = 4,
    seed: int = 0,
    eps: float = 1e-6,
) -> dict[str, float]:
    """Compare :func:`backward` with finite differences for a random ``cell`` problem.

    The loss is ``L = Σ R ⊙ hs + Σ R_T ⊙ final state`` with random ``R``, random non-zero
    biases and random initial states. Returns the relative error of each gradient
    (weights, ``x``, ``h0`` and, for the LSTM, ``c0``); all should be below about ``1e-7``.
    """
    if cell not in GATES:
        raise ValueError(
            f"unknown cell {cell!r}: expected one of {', '.join(GATES)}"
        )
    rng = np.random.default_rng(seed)
    params = init_params(cell, input_size, hidden_size, seed=seed)
    for k in (
        params
    ):  # larger than the default init, so the gates are not all near 0.5
        params[k] = rng.normal(0.0, 0.5, size=params[k].shape)
    x = rng.normal(size=(batch, steps, input_size))
    h0 = rng.normal(size=(batch, hidden_size))
    c0 = rng.normal(size=(batch, hidden_size))
    R = rng.normal(size=(batch, steps, hidden_size))
    R_h, R_c = (
        rng.normal(size=(batch, hidden_size)),
        rng.normal(size=(batch, hidden_size)),
    )

    def loss() -> float:
        state0 = (h0, c0) if cell == "lstm" else h0
        hs, cache = forward(cell, params, x, state0)
        state = cache["state"]
        if cell == "lstm":
            return float(
                np.sum(R * hs)
                + np.sum(R_h * state[0])
                + np.sum(R_c * state[1])
            )
        return float(np.sum(R * hs) + np.sum(R_h * state))

    state0 = (h0, c0) if cell == "lstm" else h0
    _, cache = forward(cell, params, x, state0)
    dstate = (R_h, R_c) if cell == "lstm" else R_h
    grads = backward(cell, cache, R, dstate)
    arrays = {**params, "x": x, "h0": h0}
    if cell == "lstm":
        arrays["c0"] = c0
    with one_blas_thread():  # hundreds of tiny forward passes
        return {
            k: relative_error(grads[k], numerical_gradient(loss, a, eps))
            for k, a in arrays.items()
        }
