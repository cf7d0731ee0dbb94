"""The NumPy reference against torch.nn in float64: outputs and every gradient within 1e-10."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnntutor import reference as ref
from rnntutor.reference.layers import backward_through_time

CELLS = ["rnn", "lstm", "gru"]
TOL = 1e-10


def random_params(cell, input_size, hidden_size, rng, dtype=np.float64):
    """Random parameters with clearly non-zero biases (zero biases can hide backward bugs)."""
    params = ref.init_params(
        cell,
        input_size,
        hidden_size,
        seed=int(rng.integers(1 << 30)),
        dtype=dtype,
    )
    for k in params:
        params[k] = rng.normal(0.0, 0.6, size=params[k].shape).astype(dtype)
    assert all(np.all(params[k] != 0) for k in ("bias_ih", "bias_hh"))
    return params


def torch_backward(cell, params, x, h0, c0, R, R_h, R_c, with_state=True):
    """torch.nn with ``params`` copied, run on ``x`` from ``(h0, c0)`` (zeros if not
    ``with_state``); backpropagates L = sum(R * hs) + sum(R_h * h_T) (+ sum(R_c * c_T)).

    Returns the module (its weights hold their gradients), the leaf tensors
    ``(x, h0, c0)`` (shapes ``(B, T, I)``, ``(1, B, H)``) and ``(hs, h_T, c_T)``
    (``c_T`` None but for the LSTM; ``h_T`` and ``c_T`` of shape ``(1, B, H)``).
    """
    module = ref.to_torch(cell, params)
    xt = torch.tensor(x, requires_grad=True)
    h0t, c0t = (
        torch.tensor(h0[None], requires_grad=True),
        torch.tensor(c0[None], requires_grad=True),
    )
    cT = None
    if cell == "lstm":
        out, (hT, cT) = module(xt, (h0t, c0t) if with_state else None)
        loss = (
            (out * torch.tensor(R)).sum()
            + (hT[0] * torch.tensor(R_h)).sum()
            + (cT[0] * torch.tensor(R_c)).sum()
        )
    else:
        out, hT = module(xt, h0t if with_state else None)
        loss = (out * torch.tensor(R)).sum() + (
            hT[0] * torch.tensor(R_h)
        ).sum()
    loss.backward()
    return module, (xt, h0t, c0t), (out, hT, cT)


def numpy_and_torch(cell, B, T, n_in, H, seed, with_state=True):
    """Run the same problem through both; return (numpy results, torch results) as dicts."""
    rng = np.random.default_rng(seed)
    params = random_params(cell, n_in, H, rng)
    x = rng.normal(size=(B, T, n_in))
    h0, c0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    R, R_h, R_c = (
        rng.normal(size=(B, T, H)),
        rng.normal(size=(B, H)),
        rng.normal(size=(B, H)),
    )

    # NumPy
    state0 = ((h0, c0) if cell == "lstm" else h0) if with_state else None
    hs, cache = ref.forward(cell, params, x, state0)
    dstate = (R_h, R_c) if cell == "lstm" else R_h
    grads = ref.backward(cell, cache, R, dstate)
    out_np = {
        "hs": hs,
        "h_T": cache["state"][0] if cell == "lstm" else cache["state"],
    }
    if cell == "lstm":
        out_np["c_T"] = cache["state"][1]
    out_np.update({"d_" + k: v for k, v in grads.items()})

    # torch.nn with copied weights
    module, (xt, h0t, c0t), (out, hT, cT) = torch_backward(
        cell, params, x, h0, c0, R, R_h, R_c, with_state=with_state
    )
    out_t = {"hs": out, "h_T": hT[0]}
    if cell == "lstm":
        out_t["c_T"] = cT[0]
    for k in ref.PARAM_NAMES:
        out_t["d_" + k] = getattr(module, k + "_l0").grad
    out_t["d_x"] = xt.grad
    if with_state:
        out_t["d_h0"] = h0t.grad[0]
        if cell == "lstm":
            out_t["d_c0"] = c0t.grad[0]
    else:
        out_np.pop("d_h0"), out_np.pop("d_c0", None)
    out_t = {k: v.detach().numpy() for k, v in out_t.items()}
    return out_np, out_t


def assert_parity(out_np, out_t, tol=TOL):
    assert set(out_np) == set(out_t)
    for k in out_np:
        assert out_np[k].shape == out_t[k].shape, k
        err = np.max(np.abs(out_np[k] - out_t[k]))
        assert err < tol, f"{k}: max abs difference {err:.3g} >= {tol}"


@pytest.mark.parametrize("cell", CELLS)
def test_parity_fixed_sizes_with_initial_state(cell):
    out_np, out_t = numpy_and_torch(cell, B=3, T=5, n_in=4, H=6, seed=1)
    expected = {
        "hs",
        "h_T",
        "d_x",
        "d_h0",
        *("d_" + k for k in ref.PARAM_NAMES),
    }
    assert expected <= set(out_np)
    assert_parity(out_np, out_t)


@pytest.mark.parametrize("cell", CELLS)
def test_parity_zero_initial_state(cell):
    assert_parity(
        *numpy_and_torch(cell, B=2, T=3, n_in=2, H=3, seed=2, with_state=False)
    )


@pytest.mark.parametrize("cell", CELLS)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    B=st.integers(1, 4),
    T=st.integers(1, 6),
    n_in=st.integers(1, 5),
    H=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
)
def test_parity_random_sizes(cell, B, T, n_in, H, seed):
    assert_parity(*numpy_and_torch(cell, B, T, n_in, H, seed))


@pytest.mark.parametrize("cell", CELLS)
def test_parity_edge_sizes(cell):
    """T=1, batch 1 and hidden 1 together (hypothesis may not hit all at once)."""
    assert_parity(*numpy_and_torch(cell, B=1, T=1, n_in=1, H=1, seed=3))


@pytest.mark.parametrize("cell", CELLS)
def test_float32_runs_in_float32_and_matches_torch(cell):
    rng = np.random.default_rng(4)
    params = random_params(cell, 3, 4, rng, dtype=np.float32)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    hs, cache = ref.forward(cell, params, x)
    grads = ref.backward(cell, cache, np.ones_like(hs))
    assert hs.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())
    module = ref.to_torch(cell, params)
    assert module.weight_ih_l0.dtype == torch.float32
    out = module(torch.from_numpy(x))[0]
    out.sum().backward()
    np.testing.assert_allclose(hs, out.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(
        grads["weight_hh"], module.weight_hh_l0.grad.numpy(), atol=1e-4
    )


@pytest.mark.parametrize("cell", CELLS)
def test_conversion_round_trip(cell):
    params = ref.init_params(cell, 3, 4, seed=5)
    module = ref.to_torch(cell, params)
    assert set(module.state_dict()) == {k + "_l0" for k in ref.PARAM_NAMES}
    back = ref.from_torch(module)
    assert ref.cell_name(module) == cell
    for k in ref.PARAM_NAMES:
        np.testing.assert_array_equal(back[k], params[k])
    # And from a module torch initialised itself.
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[
        cell
    ]
    torch.manual_seed(0)
    m = cls(3, 4, batch_first=True)
    p = ref.from_torch(m)
    assert p["weight_ih"].shape == (ref.GATES[cell] * 4, 3)
    np.testing.assert_array_equal(p["bias_hh"], m.bias_hh_l0.detach().numpy())


def test_from_torch_rejects_unsupported_modules():
    with pytest.raises(ValueError, match="RNN_RELU"):
        ref.from_torch(torch.nn.RNN(2, 3, nonlinearity="relu"))
    with pytest.raises(ValueError, match="num_layers=2"):
        ref.from_torch(torch.nn.LSTM(2, 3, num_layers=2))


def test_init_params_like_torch():
    params = ref.init_params("lstm", 7, 9, seed=0)
    assert {k: v.shape for k, v in params.items()} == {
        "weight_ih": (36, 7),
        "weight_hh": (36, 9),
        "bias_ih": (36,),
        "bias_hh": (36,),
    }
    bound = 1 / np.sqrt(9)
    assert all(np.abs(v).max() <= bound for v in params.values())
    assert all(np.abs(v).max() > 0.8 * bound for v in params.values())
    assert ref.count_params(params) == sum(
        p.numel() for p in torch.nn.LSTM(7, 9).parameters()
    )


@pytest.mark.parametrize("cell", CELLS)
def test_step_functions_match_layer_and_step_backward(cell):
    """The public step functions (with their own checks) agree with the unrolled layer."""
    rng = np.random.default_rng(6)
    params = random_params(cell, 3, 4, rng)
    x, h0, c0, dh, dc = (
        rng.normal(size=s) for s in [(2, 1, 3), (2, 4), (2, 4), (2, 4), (2, 4)]
    )
    if cell == "lstm":
        h, c, step = ref.lstm_step(x[:, 0], h0, c0, params)
        g = ref.lstm_step_backward(dh, dc, step)
        hs, cache = ref.forward(cell, params, x, (h0, c0))
        G = ref.backward(cell, cache, dh[:, None], (None, dc))
        np.testing.assert_allclose(g["c_prev"], G["c0"], atol=1e-14)
        np.testing.assert_allclose(c, cache["state"][1], atol=1e-14)
    else:
        step_fn, back_fn = (
            (ref.rnn_step, ref.rnn_step_backward)
            if cell == "rnn"
            else (ref.gru_step, ref.gru_step_backward)
        )
        h, step = step_fn(x[:, 0], h0, params)
        g = back_fn(dh, step)
        hs, cache = ref.forward(cell, params, x, h0)
        G = ref.backward(cell, cache, dh[:, None])
    np.testing.assert_allclose(h, hs[:, 0], atol=1e-14)
    np.testing.assert_allclose(g["h_prev"], G["h0"], atol=1e-14)
    np.testing.assert_allclose(g["x"], G["x"][:, 0], atol=1e-14)
    for k in ref.PARAM_NAMES:
        np.testing.assert_allclose(g[k], G[k], atol=1e-14)


def test_rnn_step_by_hand():
    """One RNN step on tiny numbers, computed by hand: h = tanh(0.5*1 + 0.1 + (-1)*0.2 + 0.3)."""
    params = {
        "weight_ih": np.array([[0.5]]),
        "weight_hh": np.array([[-1.0]]),
        "bias_ih": np.array([0.1]),
        "bias_hh": np.array([0.3]),
    }
    h, _ = ref.rnn_step(np.array([[1.0]]), np.array([[0.2]]), params)
    assert h[0, 0] == pytest.approx(np.tanh(0.7), abs=1e-15)


@pytest.mark.parametrize("cell", CELLS)
def test_backward_through_time_alone_matches_torch(cell):
    # The recursion the book shows, called on its own: the pre-activation gradients it
    # returns give torch.nn's input gradients (δ_t W_ih) and initial-state gradients.
    rng = np.random.default_rng(7)
    B, T, n_in, H = 2, 6, 3, 5
    params = random_params(cell, n_in, H, rng)
    x, h0, c0 = (
        rng.normal(size=(B, T, n_in)),
        rng.normal(size=(B, H)),
        rng.normal(size=(B, H)),
    )
    R, R_h, R_c = (
        rng.normal(size=(B, T, H)),
        rng.normal(size=(B, H)),
        rng.normal(size=(B, H)),
    )
    _, cache = ref.forward(cell, params, x, (h0, c0) if cell == "lstm" else h0)
    dc = R_c.copy() if cell == "lstm" else None
    dhs_tm = np.ascontiguousarray(R.transpose(1, 0, 2))
    da_ih, da_hh, dh0, dc0 = backward_through_time(
        cell, cache["steps"], params["weight_hh"], dhs_tm, R_h.copy(), dc
    )
    assert da_ih.shape == (T, B, ref.GATES[cell] * H) and (da_hh is da_ih) == (
        cell != "gru"
    )
    dx = (da_ih @ params["weight_ih"]).transpose(1, 0, 2)  # (B, T, I)

    module, (xt, h0t, c0t), _ = torch_backward(
        cell, params, x, h0, c0, R, R_h, R_c
    )
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=TOL)
    np.testing.assert_allclose(dh0, h0t.grad[0].numpy(), atol=TOL)
    if cell == "lstm":
        np.testing.assert_allclose(dc0, c0t.grad[0].numpy(), atol=TOL)
    else:
        assert dc0 is None
    # The hidden-side gradients give torch.nn's weight_hh gradient.
    h_prev = np.concatenate([h0[None], cache["hs_tm"][:-1]])  # (T, B, H)
    d_whh = np.einsum("tbg,tbh->gh", da_hh, h_prev)
    np.testing.assert_allclose(
        d_whh, module.weight_hh_l0.grad.numpy(), atol=TOL
    )
