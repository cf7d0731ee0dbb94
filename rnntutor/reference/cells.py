"""One time step of the vanilla RNN, the LSTM and the GRU, forward and backward, in NumPy.

Layout (the same as ``torch.nn.RNN/LSTM/GRU``): rows are the batch, so a step maps
``x (B, I)`` and ``h_prev (B, H)`` to ``h (B, H)``. Every cell has the four parameters

- ``weight_ih`` ``(G*H, I)``, ``weight_hh`` ``(G*H, H)``, ``bias_ih`` ``(G*H,)``, ``bias_hh`` ``(G*H,)``

where ``G`` is the number of gates: 1 for the RNN, 4 for the LSTM (order ``i, f, g, o``)
and 3 for the GRU (order ``r, z, n``). In the equations ``W_{i*}`` is the block of
``weight_ih`` for one gate and ``W_{h*}`` the block of ``weight_hh``; with row vectors the
code writes ``W x`` as ``x @ W.T``.

Each forward step returns a ``cache`` (the values its backward step needs). Each
backward step takes the gradient of the loss with respect to the step's outputs and
returns a dict of gradients: ``"x"``, ``"h_prev"`` (and ``"c_prev"`` for the LSTM) and
the four parameters. The ``*_gates_backward`` functions return only the gradients of the
pre-activations; the sequence layers use them so that the weight gradients can be
summed over all time steps with one matrix product.

The optional ``xw`` argument of a forward step is the part of the pre-activations that
does not depend on ``h_{t-1}``, already computed: ``x @ weight_ih.T + bias_ih + bias_hh``
for the RNN and the LSTM, ``x @ weight_ih.T + bias_ih`` for the GRU (whose ``b_hn`` sits
inside the reset gate's product). A sequence layer computes it for all time steps at
once: one large matrix product instead of ``T`` small ones.
"""

from __future__ import annotations

import numpy as np

from rnntutor.validation import check_array, check_same_size

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
"""Number of gate blocks ``G`` stacked in the weights of each cell."""

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function ``σ(a) = 1 / (1 + e^{-a})``, written as ``(1 + tanh(a/2)) / 2``.

    The tanh form never overflows, even for ``a = ±1000``.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * a))


# ----------------------------------------------------------------------------- checks


def check_params(cell: str, params: dict) -> tuple[int, int]:
    """Check a parameter dict of ``cell``; return ``(input_size, hidden_size)``.

    All four arrays must be present, share one float dtype (float32 or float64) and
    have the torch layout ``weight_ih (G*H, I)``, ``weight_hh (G*H, H)``,
    ``bias_ih (G*H,)``, ``bias_hh (G*H,)``.
    """
    if cell not in GATES:
        raise ValueError(
            f"unknown cell {cell!r}: expected one of {', '.join(GATES)}"
        )
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict with keys {PARAM_NAMES}, got {type(params).__name__}"
        )
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise KeyError(
            f"params of a {cell} cell must have keys {PARAM_NAMES}; missing {missing}"
        )
    G = GATES[cell]
    w_hh = check_array(
        params["weight_hh"],
        "weight_hh",
        shape=("G*H", "H"),
        dtypes=(np.float32, np.float64),
    )
    H = w_hh.shape[1]
    if w_hh.shape[0] != G * H:
        raise ValueError(
            f"weight_hh of a {cell} cell must have shape ({G}*H, H) = ({G * H}, {H}), got shape {w_hh.shape}"
        )
    w_ih = check_array(
        params["weight_ih"],
        "weight_ih",
        shape=(G * H, "I"),
        dtypes=(np.float32, np.float64),
    )
    for name in ("bias_ih", "bias_hh"):
        check_array(
            params[name], name, shape=(G * H,), dtypes=(np.float32, np.float64)
        )
    dtypes = {k: params[k].dtype for k in PARAM_NAMES}
    if len(set(dtypes.values())) > 1:
        raise TypeError(f"all parameters must share one dtype, got {dtypes}")
    return w_ih.shape[1], H


def check_state(
    state, name: str, batch: int | str, hidden: int, dtype
) -> np.ndarray:
    """Check one state array ``(B, H)``: right shape, finite; return it in ``dtype``."""
    state = check_array(
        state, name, shape=(batch, hidden), dtypes=("f", "i", "u")
    )
    return state.astype(dtype, copy=False)


def _check_step(cell: str, x, states: dict, params: dict):
    """Check the inputs of one step; return ``x`` and the states in the parameters' dtype."""
    n_in, H = check_params(cell, params)
    dtype = params["weight_ih"].dtype
    x = check_array(x, "x", shape=("B", n_in), dtypes=("f", "i", "u")).astype(
        dtype, copy=False
    )
    out = {
        k: check_array(v, k, shape=("B", H), dtypes=("f", "i", "u")).astype(
            dtype, copy=False
        )
        for k, v in states.items()
    }
    check_same_size(
        {"x": x.shape[0], **{k: v.shape[0] for k, v in out.items()}},
        "batch sizes",
    )
    return x, *out.values()


def _linear_grads(da_ih, da_hh, x, h_prev, params) -> dict:
    """Gradients of the two affine maps ``x W_ih^T + b_ih`` and ``h W_hh^T + b_hh``."""
    return {
        "x": da_ih @ params["weight_ih"],  # (B, I)
        "h_prev": da_hh @ params["weight_hh"],  # (B, H)
        "weight_ih": da_ih.T @ x,  # (G*H, I)
        "weight_hh": da_hh.T @ h_prev,  # (G*H, H)
        "bias_ih": da_ih.sum(axis=0),  # (G*H,)
        "bias_hh": da_hh.sum(axis=0),  # (G*H,)
    }


# ----------------------------------------------------------------------------- vanilla RNN


def rnn_step(x, h_prev, params, *, xw=None):
    """One step of the vanilla (Elman) RNN with tanh.

    Equations::

        a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
        h_t = tanh(a_t)

    Shapes: ``x (B, I)``, ``h_prev (B, H)`` -> ``h (B, H)``.
    Returns ``(h, cache)``.
    """
    if xw is None:
        x, h_prev = _check_step("rnn", x, {"h_prev": h_prev}, params)
        xw = x @ params["weight_ih"].T + (
            params["bias_ih"] + params["bias_hh"]
        )  # (B, H)
    a = xw + h_prev @ params["weight_hh"].T  # (B, H)
    h = np.tanh(a)  # (B, H)
    return h, (x, h_prev, h, params)


def rnn_gates_backward(dh, cache):
    """Gradient of the pre-activation: ``∂L/∂a_t = ∂L/∂h_t ⊙ (1 - h_t²)``."""
    h = cache[2]
    return dh * (1.0 - h * h)  # (B, H)


def rnn_step_backward(dh, cache):
    """Backward pass of :func:`rnn_step`.

    Equations (``δ_t = ∂L/∂a_t``)::

        δ_t            = ∂L/∂h_t ⊙ (1 - h_t²)
        ∂L/∂h_{t-1}    = δ_t W_hh          ∂L/∂x_t = δ_t W_ih
        ∂L/∂W_hh       = δ_tᵀ h_{t-1}      ∂L/∂W_ih = δ_tᵀ x_t
        ∂L/∂b_hh = ∂L/∂b_ih = Σ_batch δ_t

    Returns a dict with keys
    ``x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh``.
    """
    x, h_prev, _, params = cache
    da = rnn_gates_backward(dh, cache)  # (B, H)
    return _linear_grads(da, da, x, h_prev, params)


# ----------------------------------------------------------------------------- LSTM


def lstm_step(x, h_prev, c_prev, params, *, xw=None):
    """One step of the LSTM (gate order ``i, f, g, o``, as ``torch.nn.LSTM``).

    Equations (each gate has its own input weights ``W_i*`` and hidden
    weights ``W_h*``)::

        i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate
        f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   candidate
        o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)

    Shapes: ``x (B, I)``, ``h_prev, c_prev (B, H)`` -> ``h, c (B, H)``.
    Returns ``(h, c, cache)``.
    """
    if xw is None:
        x, h_prev, c_prev = _check_step(
            "lstm", x, {"h_prev": h_prev, "c_prev": c_prev}, params
        )
        xw = x @ params["weight_ih"].T + (
            params["bias_ih"] + params["bias_hh"]
        )  # (B, 4H)
    H = h_prev.shape[1]
    a = (
        xw + h_prev @ params["weight_hh"].T
    )  # (B, 4H): all four gates in one matrix product
    i = sigmoid(a[:, 0 * H : 1 * H])  # (B, H) input gate
    f = sigmoid(a[:, 1 * H : 2 * H])  # (B, H) forget gate
    g = np.tanh(a[:, 2 * H : 3 * H])  # (B, H) candidate cell value
    o = sigmoid(a[:, 3 * H : 4 * H])  # (B, H) output gate
    c = f * c_prev + i * g  # (B, H)
    tanh_c = np.tanh(c)
    h = o * tanh_c  # (B, H)
    return h, c, (x, h_prev, c_prev, i, f, g, o, tanh_c, params)


def lstm_gates_backward(dh, dc, cache, out=None):
    """Gradients of the four gate pre-activations and of ``c_{t-1}``.

    ``dh = ∂L/∂h_t`` and ``dc = ∂L/∂c_t`` (the part that reaches ``c_t``
    from step ``t+1``).
    Equations::

        ∂L/∂c_t     += ∂L/∂h_t ⊙ o_t ⊙ (1 - tanh²(c_t))
        ∂L/∂o_t      = ∂L/∂h_t ⊙ tanh(c_t)
        ∂L/∂i_t      = ∂L/∂c_t ⊙ g_t        ∂L/∂g_t = ∂L/∂c_t ⊙ i_t
        ∂L/∂f_t      = ∂L/∂c_t ⊙ c_{t-1}    ∂L/∂c_{t-1} = ∂L/∂c_t ⊙ f_t
        pre-activations: σ' = s(1 - s) for i, f, o and tanh' = 1 - g² for g

    Returns ``(da (B, 4H), dc_prev (B, H))``; ``da`` is written into
    ``out`` if given.
    """
    _, _, c_prev, i, f, g, o, tanh_c, _ = cache
    H = i.shape[1]
    da = (
        np.empty((i.shape[0], 4 * H), i.dtype) if out is None else out
    )  # (B, 4H)
    dc = dc + dh * o * (
        1.0 - tanh_c * tanh_c
    )  # (B, H) total gradient reaching c_t
    da[:, 0 * H : 1 * H] = dc * g * i * (1.0 - i)  # input gate
    da[:, 1 * H : 2 * H] = dc * c_prev * f * (1.0 - f)  # forget gate
    da[:, 2 * H : 3 * H] = dc * i * (1.0 - g * g)  # candidate
    da[:, 3 * H : 4 * H] = dh * tanh_c * o * (1.0 - o)  # output gate
    return da, dc * f


def lstm_step_backward(dh, dc, cache):
    """Backward pass of :func:`lstm_step`.

    Uses :func:`lstm_gates_backward` for the gates, then (``δ_t = ∂L/∂a_t``, all 4 gates)::

        ∂L/∂h_{t-1} = δ_t W_hh    ∂L/∂x_t = δ_t W_ih
        ∂L/∂W_hh = δ_tᵀ h_{t-1}   ∂L/∂W_ih = δ_tᵀ x_t   ∂L/∂b = Σ_batch δ_t

    Returns a dict with keys ``x, h_prev, c_prev`` and the four parameters.
    """
    x, h_prev = cache[0], cache[1]
    da, dc_prev = lstm_gates_backward(dh, dc, cache)
    grads = _linear_grads(da, da, x, h_prev, cache[-1])
    grads["c_prev"] = dc_prev
    return grads


# ----------------------------------------------------------------------------- GRU


def gru_step(x, h_prev, params, *, xw=None):
    """One step of the GRU (gate order ``r, z, n`` as in ``torch.nn.GRU``).

    Equations::

        r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)             reset
        z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)             update
        n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))  candidate
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Shapes: ``x (B, I)``, ``h_prev (B, H)`` -> ``h (B, H)``.
    Returns ``(h, cache)``.
    """
    if xw is None:
        x, h_prev = _check_step("gru", x, {"h_prev": h_prev}, params)
        xw = x @ params["weight_ih"].T + params["bias_ih"]  # (B, 3H)
    H = h_prev.shape[1]
    hw = h_prev @ params["weight_hh"].T + params["bias_hh"]  # (B, 3H)
    r = sigmoid(
        xw[:, 0 * H : 1 * H] + hw[:, 0 * H : 1 * H]
    )  # (B, H) reset gate
    z = sigmoid(
        xw[:, 1 * H : 2 * H] + hw[:, 1 * H : 2 * H]
    )  # (B, H) update gate
    n = np.tanh(
        xw[:, 2 * H : 3 * H] + r * hw[:, 2 * H : 3 * H]
    )  # (B, H) candidate
    h = (1.0 - z) * n + z * h_prev  # (B, H)
    return h, (x, h_prev, r, z, n, hw[:, 2 * H :], params)


def gru_gates_backward(dh, cache, out=None):
    """Gradients of the GRU pre-activations.

    Equations (``a^x`` are the input parts, ``a^h`` the hidden parts of the pre-activations)::

        ∂L/∂n_t = ∂L/∂h_t ⊙ (1 - z_t)     ∂L/∂z_t = ∂L/∂h_t ⊙ (h_{t-1} - n_t)
        ∂L/∂a_n = ∂L/∂n_t ⊙ (1 - n_t²)     ∂L/∂r_t = ∂L/∂a_n ⊙ (W_hn h_{t-1} + b_hn)
        ∂L/∂a^h_n = r_t ⊙ ∂L/∂a_n          (r and z: the same for the x and h parts)

    Returns ``(da_ih (B, 3H), da_hh (B, 3H), dh_direct (B, H))`` where
    ``dh_direct = ∂L/∂h_t ⊙ z_t`` is the part of ``∂L/∂h_{t-1}`` that skips the weights.
    ``da_ih`` and ``da_hh`` are written into ``out = (da_ih, da_hh)`` if given.
    """
    _, h_prev, r, z, n, hw_n, _ = cache
    B, H = r.shape
    if out is None:
        out = np.empty((B, 3 * H), r.dtype), np.empty((B, 3 * H), r.dtype)
    da_ih, da_hh = out
    dn = dh * (1.0 - z) * (1.0 - n * n)  # (B, H)
    da_ih[:, 0 * H : 1 * H] = dn * hw_n * r * (1.0 - r)  # reset gate
    da_ih[:, 1 * H : 2 * H] = dh * (h_prev - n) * z * (1.0 - z)  # update gate
    da_ih[:, 2 * H : 3 * H] = dn  # candidate
    da_hh[:, : 2 * H] = da_ih[:, : 2 * H]  # r and z: the same for both parts
    da_hh[:, 2 * H : 3 * H] = dn * r
    return da_ih, da_hh, dh * z


def gru_step_backward(dh, cache):
    """Backward pass of :func:`gru_step`.

    Uses :func:`gru_gates_backward`, then::

        ∂L/∂h_{t-1} = ∂L/∂h_t ⊙ z_t + δ^h_t W_hh     ∂L/∂x_t = δ^x_t W_ih
        ∂L/∂W_hh = δ^hᵀ_t h_{t-1}    ∂L/∂W_ih = δ^xᵀ_t x_t

    Returns a dict with keys ``x, h_prev`` and the four parameters.
    """
    x, h_prev = cache[0], cache[1]
    da_ih, da_hh, dh_direct = gru_gates_backward(dh, cache)
    grads = _linear_grads(da_ih, da_hh, x, h_prev, cache[-1])
    grads["h_prev"] = grads["h_prev"] + dh_direct
    return grads
