"""minGRU (Feng et al. 2024): a GRU whose gates ignore ``h_{t-1}``, so it can be trained with a scan.

Equations (the log-space variant of the paper, which keeps every state positive)::

    z_t = σ(W_z x_t + b_z)                         update gate, depends on x_t only
    h̃_t = g(W_h x_t + b_h)                         candidate, g(a) = a + 1/2 if a ≥ 0 else σ(a)  (> 0)
    h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t

The recurrence is *linear* in ``h``: ``h_t = a_t ⊙ h_{t-1} + b_t`` with ``a_t = 1 - z_t``
and ``b_t = z_t ⊙ h̃_t``, both known for every ``t`` before the recurrence starts.
Unrolled, ``h_t = A_t (h_0 + Σ_{k ≤ t} b_k / A_k)`` with ``A_t = Π_{k ≤ t} a_k``. In log space
(all factors are positive) this is two cumulative sums (Heinsen 2023)::

    log A_t = Σ_{k ≤ t} log a_k                     cumsum
    log h_t = log A_t + logcumsumexp_k(log b_k - log A_k)   (h_0 enters as k = 0)

Cumulative sums are *associative scans*: on parallel hardware they take ``O(log T)``
steps instead of ``T`` (Blelloch 1990; Martin & Cundy 2018). The tanh RNN, LSTM and GRU
cannot be written this way, because their gates and nonlinearity depend on ``h_{t-1}``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["MinGRU", "g", "log_g", "scan_linear", "scan_linear_log"]


def g(a: Tensor) -> Tensor:
    """``a + 1/2`` for ``a ≥ 0``, ``σ(a)`` otherwise: continuous, increasing and positive."""
    return torch.where(a >= 0, a + 0.5, torch.sigmoid(a))


def log_g(a: Tensor) -> Tensor:
    """``log g(a)``, computed stably: ``log(a + 1/2)`` or ``-softplus(-a)``."""
    return torch.where(a >= 0, torch.log(F.relu(a) + 0.5), -F.softplus(-a))


def scan_linear(a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    """Sequential reference: ``h_t = a_t ⊙ h_{t-1} + b_t`` for ``a, b (B, T, H)``; returns ``(B, T, H)``."""
    h = torch.zeros_like(b[:, 0]) if h0 is None else h0  # (B, H)
    out = []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        out.append(h)
    return torch.stack(out, dim=1)


def scan_linear_log(
    log_a: Tensor, log_b: Tensor, log_h0: Tensor | None = None
) -> Tensor:
    """The same recurrence for positive ``a, b`` from their logs, two scans.

    ``log_a``, ``log_b`` are ``(B, T, H)``; returns ``h``, from
    ``log h_t = a*_t + logcumsumexp(log b_k - a*_k)``
    with ``a*_t = cumsum(log a)_t``.
    """
    a_star = torch.cumsum(log_a, dim=1)  # (B, T, H)
    terms = log_b - a_star  # (B, T, H)
    if log_h0 is not None:
        terms = torch.cat([log_h0[:, None], terms], dim=1)  # (B, 1+T, H)
        a_star = torch.cat([torch.zeros_like(log_h0[:, None]), a_star], dim=1)
        return torch.exp(a_star + torch.logcumsumexp(terms, dim=1))[:, 1:]
    return torch.exp(a_star + torch.logcumsumexp(terms, dim=1))


class MinGRU(nn.Module):
    """One minGRU layer: ``x (B, T, I)`` -> ``h (B, T, H)``, evaluated by ``mode="scan"`` or ``"sequential"``.

    Parameters: ``linear_z`` and ``linear_h`` (``nn.Linear(I, H)`` each), i.e. ``2H(I+1)``
    numbers, against ``3H(I+H+2)`` for a GRU. ``h0`` (``(B, H)``, positive) defaults to zeros.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        for name, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < 1
            ):
                raise ValueError(
                    f"{name} must be a positive int, got {value!r}"
                )
        self.input_size, self.hidden_size = input_size, hidden_size
        self.linear_z = nn.Linear(input_size, hidden_size)
        self.linear_h = nn.Linear(input_size, hidden_size)

    def forward(
        self, x: Tensor, h0: Tensor | None = None, *, mode: str = "scan"
    ) -> Tensor:
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(
                f"x must have shape (B, T, {self.input_size}), got {tuple(x.shape)}"
            )
        if h0 is not None and (
            h0.shape != (x.shape[0], self.hidden_size) or bool((h0 <= 0).any())
        ):
            raise ValueError(
                f"h0 must be positive with shape ({x.shape[0]}, {self.hidden_size})"
            )
        k = self.linear_z(x)  # (B, T, H) gate pre-activation
        pre = self.linear_h(x)  # (B, T, H) candidate pre-activation
        if mode == "sequential":
            z = torch.sigmoid(k)
            return scan_linear(1 - z, z * g(pre), h0)
        if mode == "scan":
            log_a = -F.softplus(k)  # log(1 - σ(k))
            log_b = -F.softplus(-k) + log_g(pre)  # log σ(k) + log g(pre)
            return scan_linear_log(
                log_a, log_b, None if h0 is None else torch.log(h0)
            )
        raise ValueError(
            f"unknown mode {mode!r}: expected 'scan' or 'sequential'"
        )
