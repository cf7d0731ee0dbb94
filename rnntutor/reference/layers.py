"""Sequence layers: a cell unrolled over ``T`` time steps, with backpropagation through time.

``forward(cell, params, x, state0)`` maps ``x (B, T, I)`` to all hidden states
``hs (B, T, H)``; ``backward(cell, cache, dhs)`` returns the gradients of every weight,
of the inputs and of the initial state(s). The layers work in the parameters' dtype
(float32 or float64).

Two choices make them fast without changing the maths of the cells:

- the input projection ``x_t W_ih^T + b_ih`` does not depend on the recurrence, so it
  is computed for all ``T`` steps with one matrix product before the loop, and
- in the backward pass the gate gradients of all steps are collected first, so the
  weight gradients ``Σ_t δ_tᵀ x_t`` and ``Σ_t δ_tᵀ h_{t-1}`` are each one matrix product.

Inside the loop only ``h_{t-1} W_hh^T`` (all gates in one product) and the element-wise
gate maths remain.
"""

from __future__ import annotations

import numpy as np

from rnntutor.reference.cells import (
    GATES,
    PARAM_NAMES,
    check_params,
    check_state,
    gru_gates_backward,
    gru_step,
    lstm_gates_backward,
    lstm_step,
    rnn_gates_backward,
    rnn_step,
)
from rnntutor.validation import check_array, check_same_size

_FLOATS = (np.float32, np.float64)


def init_params(
    cell: str,
    input_size: int,
    hidden_size: int,
    *,
    seed: int = 0,
    dtype=np.float64,
) -> dict:
    """Random parameters of ``cell`` ("rnn", "lstm" or "gru") in the ``torch.nn`` layout.

    Like ``torch.nn``, every entry is drawn from ``U(-1/√H, 1/√H)``. Returns a dict with
    ``weight_ih (G*H, I)``, ``weight_hh (G*H, H)``, ``bias_ih (G*H,)``, ``bias_hh (G*H,)``.
    """
    if cell not in GATES:
        raise ValueError(
            f"unknown cell {cell!r}: expected one of {', '.join(GATES)}"
        )
    for name, value in (
        ("input_size", input_size),
        ("hidden_size", hidden_size),
    ):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(
                f"{name} must be a positive integer, got {value!r}"
            )
    if np.dtype(dtype) not in _FLOATS:
        raise TypeError(
            f"dtype must be float32 or float64, got {np.dtype(dtype)}"
        )
    G, H, n_in = GATES[cell], int(hidden_size), int(input_size)
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(H)
    shapes = {
        "weight_ih": (G * H, n_in),
        "weight_hh": (G * H, H),
        "bias_ih": (G * H,),
        "bias_hh": (G * H,),
    }
    return {
        name: rng.uniform(-k, k, size=shape).astype(dtype)
        for name, shape in shapes.items()
    }


def count_params(params: dict) -> int:
    """Total number of scalars in a parameter dict."""
    return int(sum(np.size(v) for v in params.values()))


def _check_inputs(cell, params, x, state0):
    """Validate ``x`` and ``state0``; return them as arrays in the parameters' dtype."""
    n_in, H = check_params(cell, params)
    dtype = params["weight_ih"].dtype
    x = check_array(
        x, "x", shape=("B", "T", n_in), dtypes=("f", "i", "u")
    ).astype(dtype, copy=False)
    B, T = x.shape[0], x.shape[1]
    if T < 1 or B < 1:
        raise ValueError(
            f"x must have shape (B, T, {n_in}) with B >= 1 and T >= 1, got shape {x.shape}"
        )
    if cell == "lstm":
        if state0 is None:
            state0 = (None, None)
        if not isinstance(state0, (tuple, list)) or len(state0) != 2:
            raise TypeError(
                f"state0 of an LSTM must be a pair (h0, c0) of arrays ({B}, {H}), or None"
            )
        h0, c0 = state0
        h0 = (
            np.zeros((B, H), dtype)
            if h0 is None
            else check_state(h0, "h0", "B", H, dtype)
        )
        c0 = (
            np.zeros((B, H), dtype)
            if c0 is None
            else check_state(c0, "c0", "B", H, dtype)
        )
        check_same_size(
            {"x": B, "h0": h0.shape[0], "c0": c0.shape[0]}, "batch sizes"
        )
        return x, (h0, c0)
    if isinstance(state0, (tuple, list)):
        raise TypeError(
            f"state0 of a {cell.upper()} must be one array h0 of shape ({B}, {H}), not a tuple"
        )
    h0 = (
        np.zeros((B, H), dtype)
        if state0 is None
        else check_state(state0, "h0", "B", H, dtype)
    )
    check_same_size({"x": B, "h0": h0.shape[0]}, "batch sizes")
    return x, h0


def forward(cell: str, params: dict, x, state0=None):
    """Run ``cell`` over a sequence.

    ``x (B, T, I)``; ``state0`` is ``h0 (B, H)`` for "rnn"/"gru", ``(h0, c0)`` for "lstm",
    or ``None`` for zeros. Returns ``(hs, cache)`` with ``hs (B, T, H)``; the final state
    is ``cache["state"]`` (``h_T``, or ``(h_T, c_T)`` for the LSTM).
    """
    x, state0 = _check_inputs(cell, params, x, state0)
    B, T, n_in = x.shape
    H = params["weight_hh"].shape[1]
    # Internally time-major, so that every step reads and writes contiguous (B, .) blocks.
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, B, I)
    bias = (
        params["bias_ih"]
        if cell == "gru"
        else params["bias_ih"] + params["bias_hh"]
    )
    # Input projection of all steps at once: (T*B, I) @ (I, G*H).
    xw = (x_tm.reshape(T * B, n_in) @ params["weight_ih"].T + bias).reshape(
        T, B, -1
    )  # (T, B, G*H)
    hs_tm = np.empty((T, B, H), dtype=x.dtype)
    steps = []
    if cell == "lstm":
        h, c = state0
        for t in range(T):
            h, c, step = lstm_step(x_tm[t], h, c, params, xw=xw[t])
            hs_tm[t] = h
            steps.append(step)
        state = (h, c)
    else:
        step_fn = rnn_step if cell == "rnn" else gru_step
        h = state0
        for t in range(T):
            h, step = step_fn(x_tm[t], h, params, xw=xw[t])
            hs_tm[t] = h
            steps.append(step)
        state = h
    hs = np.ascontiguousarray(hs_tm.transpose(1, 0, 2))  # (B, T, H)
    cache = {
        "cell": cell,
        "params": params,
        "x_tm": x_tm,
        "state0": state0,
        "hs_tm": hs_tm,
        "steps": steps,
        "state": state,
    }
    return hs, cache


def backward(cell: str, cache: dict, dhs=None, dstate=None) -> dict:
    """Backpropagation through time for :func:`forward`.

    ``dhs (B, T, H)`` is ``∂L/∂h_t`` for every step (``None``: zeros); ``dstate`` is the
    gradient of the final state returned in ``cache["state"]`` (``dh_T``, or
    ``(dh_T, dc_T)`` for the LSTM; ``None``: zeros). Returns a dict with the gradients of
    ``weight_ih, weight_hh, bias_ih, bias_hh``, ``x (B, T, I)``, ``h0 (B, H)`` and, for the
    LSTM, ``c0 (B, H)``.
    """
    if not isinstance(cache, dict) or cache.get("cell") not in GATES:
        raise TypeError(
            "cache must be the second value returned by rnntutor.reference.forward"
        )
    if cache["cell"] != cell:
        raise ValueError(
            f"cache comes from a {cache['cell']!r} forward pass, not {cell!r}"
        )
    params, x_tm, hs_tm = (
        cache["params"],
        cache["x_tm"],
        cache["hs_tm"],
    )  # (T, B, I), (T, B, H)
    T, B, n_in = x_tm.shape
    H = hs_tm.shape[2]
    GH = GATES[cell] * H
    dtype = x_tm.dtype
    if dhs is None:
        dhs = np.zeros((B, T, H), dtype)
    dhs = check_array(dhs, "dhs", shape=(B, T, H), dtypes=("f",)).astype(
        dtype, copy=False
    )
    dhs_tm = dhs.transpose(1, 0, 2)  # (T, B, H), a view
    if cell == "lstm":
        dh_T, dc_T = (None, None) if dstate is None else dstate
        dh = (
            np.zeros((B, H), dtype)
            if dh_T is None
            else check_state(dh_T, "dh_T", B, H, dtype)
        )
        dc = (
            np.zeros((B, H), dtype)
            if dc_T is None
            else check_state(dc_T, "dc_T", B, H, dtype)
        )
        h0 = cache["state0"][0]
    else:
        dh = (
            np.zeros((B, H), dtype)
            if dstate is None
            else check_state(dstate, "dh_T", B, H, dtype)
        )
        dc = None
        h0 = cache["state0"]

    da_ih, da_hh, dh, dc = backward_through_time(
        cell, cache["steps"], params["weight_hh"], dhs_tm, dh, dc
    )

    # Weight gradients summed over all steps: one matrix product each.
    h_prev = np.concatenate([h0[None], hs_tm[:-1]], axis=0)  # (T, B, H)
    d_ih = da_ih.reshape(T * B, GH)
    d_hh = da_hh.reshape(T * B, GH)
    grads = {
        "weight_ih": d_ih.T @ x_tm.reshape(T * B, n_in),  # (G*H, I)
        "weight_hh": d_hh.T @ h_prev.reshape(T * B, H),  # (G*H, H)
        "bias_ih": d_ih.sum(axis=0),  # (G*H,)
        "bias_hh": d_hh.sum(axis=0),  # (G*H,)
        "x": np.ascontiguousarray(
            (d_ih @ params["weight_ih"]).reshape(T, B, n_in).transpose(1, 0, 2)
        ),  # (B, T, I)
        "h0": dh,  # (B, H)
    }
    if cell == "lstm":
        grads["c0"] = dc
    return grads


def backward_through_time(cell, steps, w_hh, dhs, dh, dc=None):
    """The backward recursion of BPTT, from step ``T`` down to step 1.

    Row vectors, ``δ_t`` the gate pre-activation gradients of step ``t``,
    ``δ_{T+1} W_hh`` replaced by the final state's gradient ``dh``::

        h̄_t = ∂ℓ_t/∂h_t + δ_{t+1} W_hh    (GRU: plus the direct path z_t)
        δ_t = the cell's gates backward at h̄_t (and at c̄_t for the LSTM)
        c̄_{t-1} = c̄_t ⊙ f_t                (LSTM: along the cell path)

    ``steps``: the per-step caches of :func:`forward`; ``dhs (T, B, H)``:
    ``∂ℓ_t/∂h_t`` time-major; ``dh``, ``dc (B, H)``: gradients of the final
    state (``dc`` only for the LSTM). Returns ``(da_ih, da_hh, dh_0, dc_0)``:
    the gradients of the input-side and hidden-side pre-activations of every
    step, ``(T, B, G*H)`` each (the same array except for the GRU), and of
    the initial state. The weight gradients are sums over these; see
    :func:`backward`.
    """
    T, B, GH = len(steps), dh.shape[0], w_hh.shape[0]
    da_ih = np.empty((T, B, GH), dh.dtype)  # (T, B, G*H)
    da_hh = da_ih if cell != "gru" else np.empty_like(da_ih)
    for t in reversed(range(T)):
        dh = dh + dhs[t]  # h̄_t: from the loss at t and from step t+1
        if cell == "rnn":
            da_ih[t] = rnn_gates_backward(dh, steps[t])
            dh = da_ih[t] @ w_hh  # h̄_{t-1} = δ_t W_hh
        elif cell == "lstm":
            _, dc = lstm_gates_backward(dh, dc, steps[t], out=da_ih[t])
            dh = da_ih[t] @ w_hh
        else:  # GRU: h_{t-1} also reaches h_t directly, through z_t
            out = (da_ih[t], da_hh[t])
            _, _, dh_direct = gru_gates_backward(dh, steps[t], out=out)
            dh = dh_direct + da_hh[t] @ w_hh
    return da_ih, da_hh, dh, dc


def gate_activations(cell: str, cache: dict) -> dict:
    """The gate values of every step of a :func:`forward` pass, each ``(B, T, H)``.

    LSTM: ``i, f, g, o, c, h``; GRU: ``r, z, n, h``; RNN: ``h``. Useful to plot what the
    gates do over a sequence.
    """
    if not isinstance(cache, dict) or cache.get("cell") != cell:
        raise ValueError(
            f"cache must come from rnntutor.reference.forward({cell!r}, ...)"
        )
    steps = cache["steps"]
    fields = {
        "rnn": {"h": 2},
        "lstm": {"i": 3, "f": 4, "g": 5, "o": 6},
        "gru": {"r": 2, "z": 3, "n": 4},
    }[cell]
    out = {
        name: np.stack([step[k] for step in steps], axis=1)
        for name, k in fields.items()
    }  # (B, T, H)
    if cell == "lstm":
        out["c"] = np.stack(
            [step[2] for step in steps[1:]] + [cache["state"][1]], axis=1
        )  # c_t = c_prev of t+1
    out["h"] = np.ascontiguousarray(cache["hs_tm"].transpose(1, 0, 2))
    return out


# ----------------------------------------------------------------------------- linear readout


def init_linear(
    in_features: int, out_features: int, *, seed: int = 0, dtype=np.float64
) -> dict:
    """Parameters of a linear readout in the ``torch.nn.Linear`` layout.

    ``weight (O, I)`` and ``bias (O,)`` drawn from ``U(-1/√I, 1/√I)``.
    """
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(in_features)
    return {
        "weight": rng.uniform(-k, k, size=(out_features, in_features)).astype(
            dtype
        ),
        "bias": rng.uniform(-k, k, size=(out_features,)).astype(dtype),
    }


def linear_forward(params: dict, h):
    """Linear readout ``y = h W^T + b``: ``h (..., I)`` -> ``y (..., O)``. Returns ``(y, cache)``."""
    W = check_array(
        params["weight"], "weight", shape=("O", "I"), dtypes=("f",)
    )
    b = check_array(params["bias"], "bias", shape=(W.shape[0],), dtypes=("f",))
    h = check_array(
        h,
        "h",
        shape=(None,) * (np.ndim(h) - 1) + (W.shape[1],)
        if np.ndim(h) >= 1
        else (W.shape[1],),
    )
    h = h.astype(W.dtype, copy=False)
    return h @ W.T + b, (h, params)


def linear_backward(dy, cache) -> dict:
    """Gradients of :func:`linear_forward`: keys ``weight``, ``bias`` and ``x`` (= ``∂L/∂h``)."""
    h, params = cache
    W = params["weight"]
    dy = check_array(dy, "dy", shape=h.shape[:-1] + (W.shape[0],)).astype(
        W.dtype, copy=False
    )
    h2, dy2 = h.reshape(-1, h.shape[-1]), dy.reshape(-1, dy.shape[-1])
    return {"weight": dy2.T @ h2, "bias": dy2.sum(axis=0), "x": dy @ W}


__all__ = [
    "PARAM_NAMES",
    "init_params",
    "count_params",
    "forward",
    "backward",
    "gate_activations",
    "init_linear",
    "linear_forward",
    "linear_backward",
]
