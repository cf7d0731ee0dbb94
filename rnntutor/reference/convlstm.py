"""One ConvLSTM step, forward and backward, in NumPy (the reference for ``rnntutor.sequences``).

Layout: images are ``(B, C, H, W)``; the convolution is a cross-correlation with "same"
zero padding (odd kernel ``k``), as ``torch.nn.functional.conv2d(..., padding=k // 2)``.
Parameters (names and layouts of :class:`rnntutor.sequences.ConvLSTMCell`):

- ``weight_ih (4*C_h, C_in, k, k)``, ``weight_hh (4*C_h, C_h, k, k)``, ``bias (4*C_h,)``
- optional peepholes ``weight_ci, weight_cf, weight_co`` of shape ``(C_h, 1, 1)``

in the gate order ``i, f, g, o``. Equations (``*`` convolution, ``∘`` Hadamard)::

    a_t = W_ih * x_t + W_hh * h_{t-1} + b              (B, 4*C_h, H, W), split a_i, a_f, a_g, a_o
    i_t = σ(a_i + W_ci ∘ c_{t-1})
    f_t = σ(a_f + W_cf ∘ c_{t-1})
    g_t = tanh(a_g)
    c_t = f_t ∘ c_{t-1} + i_t ∘ g_t
    o_t = σ(a_o + W_co ∘ c_t)
    h_t = o_t ∘ tanh(c_t)

Without peepholes (the keys absent or ``None``) the ``W_c ∘ c`` terms are zero.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rnntutor.reference.cells import sigmoid
from rnntutor.validation import check_array

PEEPHOLES = ("weight_ci", "weight_cf", "weight_co")


def conv2d_same(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None
) -> np.ndarray:
    """``out[b, o, y, x] = Σ_{c,u,v} weight[o, c, u, v] xpad[b, c, y+u, x+v] + bias[o]``.

    ``x (B, C, H, W)``, ``weight (O, C, k, k)`` with ``k`` odd, ``xpad`` is ``x`` with
    ``k // 2`` zeros on each side; returns ``(B, O, H, W)``.
    """
    k = weight.shape[-1]
    p = k // 2
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(
        xpad, (k, k), axis=(2, 3)
    )  # (B, C, H, W, k, k), a view
    out = np.einsum("bchwuv,ocuv->bohw", windows, weight, optimize=True)
    return out if bias is None else out + bias[None, :, None, None]


def conv2d_same_backward(dout: np.ndarray, x: np.ndarray, weight: np.ndarray):
    """Gradients ``(dx, dweight, dbias)`` of :func:`conv2d_same` given ``dout = ∂L/∂out``.

    ``dweight[o, c, u, v] = Σ_{b,y,x} dout[b, o, y, x] xpad[b, c, y+u, x+v]``;
    ``dxpad[b, c, y+u, x+v] += Σ_o dout[b, o, y, x] weight[o, c, u, v]`` for every ``(u, v)``,
    then the padding is cut off; ``dbias[o] = Σ_{b,y,x} dout[b, o, y, x]``.
    """
    k = weight.shape[-1]
    p = k // 2
    _, _, height, width = x.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(
        xpad, (k, k), axis=(2, 3)
    )  # (B, C, H, W, k, k)
    dweight = np.einsum("bohw,bchwuv->ocuv", dout, windows, optimize=True)
    dxpad = np.zeros_like(xpad)
    for u in range(k):
        for v in range(k):
            dxpad[:, :, u : u + height, v : v + width] += np.einsum(
                "bohw,oc->bchw", dout, weight[:, :, u, v]
            )
    return (
        dxpad[:, :, p : p + height, p : p + width],
        dweight,
        dout.sum(axis=(0, 2, 3)),
    )


def init_convlstm_params(
    in_channels: int,
    hidden_channels: int,
    kernel_size: int = 3,
    *,
    peephole: bool = False,
    seed: int = 0,
    dtype=np.float64,
) -> dict:
    """Random parameters (uniform in ``±1/sqrt((C_in + C_h) k²)``, non-zero biases and peepholes)."""
    rng = np.random.default_rng(seed)
    k, ch = kernel_size, hidden_channels
    bound = 1.0 / np.sqrt((in_channels + ch) * k * k)
    params = {
        "weight_ih": rng.uniform(-bound, bound, (4 * ch, in_channels, k, k)),
        "weight_hh": rng.uniform(-bound, bound, (4 * ch, ch, k, k)),
        "bias": rng.uniform(-bound, bound, 4 * ch),
    }
    if peephole:
        for name in PEEPHOLES:
            params[name] = rng.uniform(-0.5, 0.5, (ch, 1, 1))
    return {name: value.astype(dtype) for name, value in params.items()}


def _check(x, h_prev, c_prev, params) -> None:
    w_ih = check_array(
        params.get("weight_ih"),
        "weight_ih",
        shape=("4*C_h", "C_in", "k", "k"),
        dtypes=("f",),
    )
    four_ch, c_in, k, k2 = w_ih.shape
    if four_ch % 4 or k != k2 or k % 2 == 0:
        raise ValueError(
            f"weight_ih must be (4*C_h, C_in, k, k) with k odd, got {w_ih.shape}"
        )
    ch = four_ch // 4
    check_array(
        params.get("weight_hh"),
        "weight_hh",
        shape=(4 * ch, ch, k, k),
        dtypes=("f",),
    )
    check_array(params.get("bias"), "bias", shape=(4 * ch,), dtypes=("f",))
    for name in PEEPHOLES:
        if params.get(name) is not None:
            check_array(params[name], name, shape=(ch, 1, 1), dtypes=("f",))
    x = check_array(x, "x", shape=("B", c_in, "H", "W"), dtypes=("f",))
    b, _, height, width = x.shape
    check_array(h_prev, "h_prev", shape=(b, ch, height, width), dtypes=("f",))
    check_array(c_prev, "c_prev", shape=(b, ch, height, width), dtypes=("f",))


def convlstm_step(x, h_prev, c_prev, params: dict):
    """One ConvLSTM step (equations in the module docstring); returns ``(h, c, cache)``.

    Shapes: ``x (B, C_in, H, W)``, ``h_prev, c_prev (B, C_h, H, W)`` -> ``h, c`` alike.
    """
    _check(x, h_prev, c_prev, params)
    ch = params["weight_hh"].shape[1]
    z = np.concatenate([x, h_prev], axis=1)  # (B, C_in + C_h, H, W)
    weight = np.concatenate(
        [params["weight_ih"], params["weight_hh"]], axis=1
    )  # one convolution, all gates
    a = conv2d_same(z, weight, params["bias"])  # (B, 4*C_h, H, W)
    w_ci, w_cf, w_co = (params.get(name) for name in PEEPHOLES)
    peep = lambda w, c: 0.0 if w is None else w * c  # noqa: E731
    i = sigmoid(a[:, 0 * ch : 1 * ch] + peep(w_ci, c_prev))  # input gate
    f = sigmoid(a[:, 1 * ch : 2 * ch] + peep(w_cf, c_prev))  # forget gate
    g = np.tanh(a[:, 2 * ch : 3 * ch])  # candidate
    c = f * c_prev + i * g
    o = sigmoid(
        a[:, 3 * ch : 4 * ch] + peep(w_co, c)
    )  # output gate (peeks at the new c_t)
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (z, weight, c_prev, i, f, g, o, c, tanh_c, params)


def convlstm_step_backward(dh, dc, cache) -> dict:
    """Backward pass of :func:`convlstm_step` given ``dh = ∂L/∂h_t`` and ``dc = ∂L/∂c_t``.

    With ``δ_* = ∂L/∂(pre-activation of gate *)``::

        δ_o = dh ∘ tanh(c_t) ∘ o(1 - o)
        dc_t' = dc + dh ∘ o ∘ (1 - tanh²(c_t)) + δ_o ∘ W_co     (all paths into c_t)
        δ_i = dc_t' ∘ g ∘ i(1 - i)     δ_f = dc_t' ∘ c_{t-1} ∘ f(1 - f)     δ_g = dc_t' ∘ i ∘ (1 - g²)
        ∂L/∂c_{t-1} = dc_t' ∘ f + δ_i ∘ W_ci + δ_f ∘ W_cf
        ∂L/∂W_ci = Σ_{b,y,x} δ_i ∘ c_{t-1}   ∂L/∂W_cf = Σ δ_f ∘ c_{t-1}   ∂L/∂W_co = Σ δ_o ∘ c_t

    and the convolution's backward (:func:`conv2d_same_backward`) of ``δ = [δ_i, δ_f, δ_g, δ_o]``
    gives ``∂L/∂x_t``, ``∂L/∂h_{t-1}``, ``∂L/∂W_ih``, ``∂L/∂W_hh`` and ``∂L/∂b``.
    Returns a dict with keys ``x, h_prev, c_prev`` and one per parameter.
    """
    z, weight, c_prev, i, f, g, o, c, tanh_c, params = cache
    w_ci, w_cf, w_co = (params.get(name) for name in PEEPHOLES)
    d_o = dh * tanh_c * o * (1 - o)
    dc_total = (
        dc + dh * o * (1 - tanh_c**2) + (0.0 if w_co is None else d_o * w_co)
    )
    d_i = dc_total * g * i * (1 - i)
    d_f = dc_total * c_prev * f * (1 - f)
    d_g = dc_total * i * (1 - g**2)
    dc_prev = dc_total * f
    grads = {}
    if w_ci is not None:
        dc_prev = dc_prev + d_i * w_ci + d_f * w_cf
        grads["weight_ci"] = (d_i * c_prev).sum(axis=(0, 2, 3))[:, None, None]
        grads["weight_cf"] = (d_f * c_prev).sum(axis=(0, 2, 3))[:, None, None]
    if w_co is not None:
        grads["weight_co"] = (d_o * c).sum(axis=(0, 2, 3))[:, None, None]
    da = np.concatenate([d_i, d_f, d_g, d_o], axis=1)  # (B, 4*C_h, H, W)
    dz, dweight, dbias = conv2d_same_backward(da, z, weight)
    c_in = params["weight_ih"].shape[1]
    grads.update(
        x=dz[:, :c_in],
        h_prev=dz[:, c_in:],
        c_prev=dc_prev,
        weight_ih=dweight[:, :c_in],
        weight_hh=dweight[:, c_in:],
        bias=dbias,
    )
    return grads


def convlstm_gradcheck(
    *,
    peephole: bool = True,
    batch: int = 2,
    in_channels: int = 2,
    hidden_channels: int = 3,
    size: tuple[int, int] = (4, 5),
    kernel_size: int = 3,
    seed: int = 0,
    eps: float = 1e-6,
) -> dict[str, float]:
    """Relative errors of :func:`convlstm_step_backward` against central differences (float64).

    The loss is ``L = Σ R_h ∘ h_t + Σ R_c ∘ c_t`` with random ``R``, random non-zero biases,
    peepholes and states. All errors should be below about ``1e-7``.
    """
    from rnntutor.reference.gradcheck import numerical_gradient, relative_error

    rng = np.random.default_rng(seed)
    params = init_convlstm_params(
        in_channels,
        hidden_channels,
        kernel_size,
        peephole=peephole,
        seed=seed + 1,
    )
    x = rng.standard_normal((batch, in_channels, *size))
    h0 = rng.standard_normal((batch, hidden_channels, *size)) * 0.5
    c0 = rng.standard_normal((batch, hidden_channels, *size)) * 0.5
    r_h, r_c = rng.standard_normal(h0.shape), rng.standard_normal(c0.shape)

    def loss() -> float:
        h, c, _ = convlstm_step(x, h0, c0, params)
        return float((r_h * h).sum() + (r_c * c).sum())

    _, _, cache = convlstm_step(x, h0, c0, params)
    grads = convlstm_step_backward(r_h, r_c, cache)
    arrays = {**params, "x": x, "h_prev": h0, "c_prev": c0}
    return {
        name: relative_error(
            grads[name], numerical_gradient(loss, arrays[name], eps)
        )
        for name in arrays
    }
