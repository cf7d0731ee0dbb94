"""How gradients travel back through time: Jacobian norms, initialisation, BPTT memory.

Backpropagation through time multiplies one Jacobian per step. With the state
``s_t`` (``h_t``; for the LSTM the pair ``(h_t, c_t)``) and ``J_k = ∂s_k/∂s_{k-1}``::

    ∂s_T/∂s_t = J_T J_{T-1} ... J_{t+1}                     (T - t factors)

For the tanh RNN ``J_k = diag(1 - h_k²) W_hh``, so with ``γ = max |tanh'| = 1`` and
``σ_max`` the largest singular value of ``W_hh``::

    ‖∂h_T/∂h_t‖₂ ≤ (γ σ_max)^(T-t)                             (Pascanu et al. 2013)

If ``σ_max < 1/γ`` the gradient from step ``T`` back to step ``t`` vanishes
exponentially in the lag ``T - t``. ``σ_max > 1`` is necessary (not sufficient) for it
to explode. :func:`state_gradient_norms` measures the left-hand side for any
:mod:`rnntutor.nn` layer; :func:`pascanu_bound` gives the right-hand side.

Also here: spectral-radius scaling and the initialisations compared in the book
(orthogonal ``W_hh``; the forget-gate bias is set with
:func:`rnntutor.nn.set_forget_bias`), the global gradient norm, and the two ways to
trade the memory of BPTT (:func:`run_layer` with truncation or checkpointing, and
:func:`retained_bytes` to measure the memory a forward pass leaves for the backward pass).
"""

from __future__ import annotations

import contextlib
import os
import sys

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint as _checkpoint

from rnntutor.nn.cells import gru_step, lstm_step, rnn_step

__all__ = [
    "global_grad_norm",
    "orthogonal_init_",
    "pascanu_bound",
    "run_layer",
    "retained_bytes",
    "set_spectral_radius_",
    "spectral_radius",
    "state_gradient_norms",
    "step_jacobians",
]


def _kind(layer) -> str:
    kind = getattr(layer, "kind", None)
    if kind not in ("rnn", "lstm", "gru") or not hasattr(
        layer, "weight_hh_l0"
    ):
        raise TypeError(
            f"expected an rnntutor.nn RNN, LSTM or GRU layer, got {type(layer).__name__}"
        )
    return kind


def spectral_radius(weight) -> float:
    """Largest absolute eigenvalue of a square matrix (tensor or array)."""
    w = np.asarray(
        weight.detach().cpu() if isinstance(weight, Tensor) else weight,
        dtype=np.float64,
    )
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {w.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(w))))


def set_spectral_radius_(layer, rho: float):
    """Rescale a tanh RNN layer's ``weight_hh_l0`` in place so its spectral radius is ``rho``; return the layer."""
    if _kind(layer) != "rnn":
        raise TypeError(
            "set_spectral_radius_ expects an RNN layer (its W_hh is one square matrix)"
        )
    if not np.isfinite(rho) or rho <= 0:
        raise ValueError(f"rho must be a positive number, got {rho!r}")
    w = layer.weight_hh_l0
    with torch.no_grad():
        w.mul_(rho / spectral_radius(w))
    return layer


def orthogonal_init_(layer, gain: float = 1.0):
    """Make every gate block of ``weight_hh`` (all layers) an orthogonal matrix times ``gain``; return the layer.

    An orthogonal ``W_hh`` has all singular values equal to ``gain``, so at ``gain = 1``
    it neither shrinks nor stretches any direction (Saxe et al.; Le et al. 2015 use the identity).
    """
    _kind(layer)
    H = layer.hidden_size
    with torch.no_grad():
        for name, p in layer.named_parameters():
            if name.startswith("weight_hh"):
                for block in p.split(H, dim=0):  # (H, H) per gate
                    nn.init.orthogonal_(block, gain=gain)
    return layer


def _step_fn(layer):
    """The map ``s_{t-1} -> s_t`` for one input step, on a flat state vector (LSTM: ``[h; c]``)."""
    kind = _kind(layer)
    w = (
        layer.weight_ih_l0,
        layer.weight_hh_l0,
        layer.bias_ih_l0,
        layer.bias_hh_l0,
    )
    H = layer.hidden_size
    if kind == "lstm":

        def step(x_t, s):
            h, c = lstm_step(x_t[None], s[None, :H], s[None, H:], *w)
            return torch.cat([h[0], c[0]])

    else:
        cell = rnn_step if kind == "rnn" else gru_step

        def step(x_t, s):
            return cell(x_t[None], s[None], *w)[0]

    return step, (2 * H if kind == "lstm" else H)


def step_jacobians(layer, x) -> Tensor:
    """Per-step Jacobians ``J_t = ∂s_t/∂s_{t-1}`` along one sequence ``x (T, I)``: ``(T, S, S)``.

    ``S = H`` (RNN, GRU) or ``2H`` (LSTM, state ``[h; c]``), starting from ``s_0 = 0``.
    Uses the first layer's weights (forward direction).
    """
    step, size = _step_fn(layer)
    x = torch.as_tensor(x, dtype=layer.weight_hh_l0.dtype)
    if x.dim() != 2 or x.shape[1] != layer.input_size:
        raise ValueError(
            f"x must have shape (T, {layer.input_size}), got {tuple(x.shape)}"
        )
    s = x.new_zeros(size)
    jacs = []
    with torch.no_grad():
        for x_t in x:
            jacs.append(
                torch.autograd.functional.jacobian(
                    lambda s_, x_t=x_t: step(x_t, s_), s
                )
            )  # (S, S)
            s = step(x_t, s)
    return torch.stack(jacs)  # (T, S, S)


def state_gradient_norms(layer, x) -> np.ndarray:
    """``‖∂s_T/∂s_t‖₂`` for the lags ``T - t = 1..T`` along ``x (T, I)``.

    The norm is the largest singular value; the result has shape ``(T,)``,
    entry ``k`` is the lag ``k + 1``. The product ``J_T ... J_{t+1}`` is
    accumulated from the end, exactly as backpropagation through time does.
    """
    jacs = step_jacobians(layer, x).double()  # (T, S, S)
    prod = torch.eye(jacs.shape[1], dtype=jacs.dtype)
    norms = []
    for J in jacs.flip(0):  # J_T, J_{T-1}, ...
        prod = prod @ J
        norms.append(torch.linalg.matrix_norm(prod, ord=2).item())
    return np.array(norms)


def pascanu_bound(weight_hh, lags, gamma: float = 1.0) -> np.ndarray:
    """``(γ σ_max(W_hh))^lag``: the upper bound on ``‖∂h_T/∂h_t‖₂`` of a tanh RNN (``γ = 1``)."""
    w = (
        weight_hh.detach().cpu().double()
        if isinstance(weight_hh, Tensor)
        else torch.as_tensor(weight_hh).double()
    )
    sigma = torch.linalg.matrix_norm(w, ord=2).item()
    return (gamma * sigma) ** np.asarray(lags, dtype=np.float64)


def global_grad_norm(model: nn.Module) -> float:
    """``sqrt(Σ_p ‖∂L/∂p‖²)`` over the parameters that have a gradient (what clipping compares with ``clip``)."""
    grads = [
        p.grad.detach().flatten()
        for p in model.parameters()
        if p.grad is not None
    ]
    if not grads:
        raise ValueError(
            "no parameter has a gradient; call loss.backward() first"
        )
    return torch.linalg.vector_norm(torch.cat(grads)).item()


def run_layer(
    layer,
    x: Tensor,
    *,
    tbptt: int | None = None,
    checkpoint: int | None = None,
):
    """Run ``layer`` over ``x (B, T, I)`` in chunks of steps.

    Returns ``out (B, T, H)`` and the final state. ``tbptt=k``: truncated
    BPTT — the state is *detached* between chunks of ``k`` steps, so
    gradients flow back at most ``k`` steps (Williams & Peng 1990); the
    forward pass is unchanged. ``checkpoint=k``: gradient checkpointing
    (Chen et al. 2016) — only the state at chunk boundaries is stored; each
    chunk's activations are recomputed during the backward pass. Same
    gradients as full BPTT, less memory, one extra forward.
    Neither: one call of the layer (full BPTT).
    """
    if tbptt is not None and checkpoint is not None:
        raise ValueError("choose tbptt or checkpoint, not both")
    k = tbptt or checkpoint
    if k is None:
        return layer(x)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"the chunk length must be a positive int, got {k!r}")
    state, outs = None, []
    for start in range(0, x.shape[1], k):
        chunk = x[:, start : start + k]  # (B, k, I)
        if checkpoint is not None and torch.is_grad_enabled():
            out, state = _checkpoint(layer, chunk, state, use_reentrant=False)
        else:
            out, state = layer(chunk, state)
        if tbptt is not None:
            state = (
                tuple(s.detach() for s in state)
                if isinstance(state, tuple)
                else state.detach()
            )
        outs.append(out)
    return torch.cat(outs, dim=1), state


@contextlib.contextmanager
def _quiet_stderr():
    """Silence writes to the process's standard error (file descriptor 2) for a moment.

    The PyTorch profiler announces its start and stop there, below Python, so a notebook
    would show those lines (with timestamps) as output.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (
        OSError,
        ValueError,
        AttributeError,
    ):  # no file descriptor 2: nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def retained_bytes(fn) -> int:
    """Bytes that ``fn()`` allocates and that are still held when it returns (CPU tensors).

    With ``fn`` computing a loss, this is the memory that the forward pass leaves behind
    for the backward pass: for full BPTT the activations of every step (linear in ``T``);
    with checkpointing only the states at the chunk boundaries, which
    ``torch.utils.checkpoint`` keeps to recompute each chunk later (``O(T/k)``). Measured,
    not counted: the PyTorch profiler's memory tracking gives every allocation and every
    release during the call, and their sum is what remains. Tensors that existed before
    the call (the input, the parameters) are not included.
    """
    from torch.profiler import ProfilerActivity, profile

    with (
        _quiet_stderr(),
        profile(
            activities=[ProfilerActivity.CPU], profile_memory=True
        ) as prof,
    ):
        result = fn()
    del result
    return int(sum(event.self_cpu_memory_usage for event in prof.events()))
