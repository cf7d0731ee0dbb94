"""Gradient norms through time, against autograd and the Pascanu bound; BPTT memory helpers."""

import numpy as np
import pytest
import torch

from rnntutor import nn as rnn
from rnntutor.challenges import gradients as G
from rnntutor.challenges import plots as ch_plots
from rnntutor.challenges import widgets as ch_widgets


def _layer(cell, seed=0, H=6):
    torch.manual_seed(seed)
    layer = rnn.make_layer(cell, 3, H).double()
    with torch.no_grad():
        for name, p in layer.named_parameters():
            if name.startswith("bias"):
                p.normal_(0, 0.5)  # non-zero random biases
    return layer


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_state_gradient_norms_match_autograd(cell):
    layer = _layer(cell)
    x = torch.randn(7, 3, dtype=torch.float64)
    norms = G.state_gradient_norms(layer, x)
    H = layer.hidden_size
    # Oracle: run the layer from step t with a state s_t that requires grad, Jacobian of s_T.
    _, state = layer(x[None, :3])
    s3 = (
        torch.cat([state[0][0, 0], state[1][0, 0]])
        if cell == "lstm"
        else state[0, 0]
    )

    def tail(s):
        s0 = (
            (s[None, None, :H], s[None, None, H:])
            if cell == "lstm"
            else s[None, None]
        )
        _, st = layer(x[None, 3:], s0)
        return (
            torch.cat([st[0][0, 0], st[1][0, 0]])
            if cell == "lstm"
            else st[0, 0]
        )

    jac = torch.autograd.functional.jacobian(tail, s3)
    assert norms.shape == (7,)
    assert norms[3] == pytest.approx(
        torch.linalg.matrix_norm(jac, ord=2).item(), rel=1e-9
    )  # lag 4


def test_rnn_norms_obey_the_pascanu_bound_and_vanish_or_explode():
    torch.manual_seed(0)
    x = 0.1 * torch.randn(40, 3)
    small = G.set_spectral_radius_(rnn.RNN(3, 16), 0.5)
    large = G.set_spectral_radius_(rnn.RNN(3, 16), 1.8)
    assert G.spectral_radius(small.weight_hh_l0) == pytest.approx(
        0.5, rel=1e-5
    )
    lags = np.arange(1, 41)
    n_small, n_large = (
        G.state_gradient_norms(small, x),
        G.state_gradient_norms(large, x),
    )
    assert np.all(
        n_small <= G.pascanu_bound(small.weight_hh_l0, lags) * (1 + 1e-5)
    )
    assert n_small[-1] < 1e-6 < 1 < n_large[-1]


def test_init_helpers():
    layer = G.orthogonal_init_(rnn.GRU(3, 5))
    for block in layer.weight_hh_l0.detach().split(5):
        torch.testing.assert_close(
            block @ block.T, torch.eye(5), atol=1e-5, rtol=0
        )
    with pytest.raises(TypeError, match="RNN layer"):
        G.set_spectral_radius_(rnn.LSTM(3, 5), 1.0)
    with pytest.raises(TypeError, match="expected an rnntutor.nn"):
        G.step_jacobians(torch.nn.Linear(3, 3), torch.zeros(2, 3))


def test_global_grad_norm_matches_clip_grad_norm():
    layer = _layer("lstm")
    out, _ = layer(torch.randn(2, 5, 3, dtype=torch.float64))
    out.pow(2).sum().backward()
    expected = torch.nn.utils.clip_grad_norm_(
        layer.parameters(), float("inf")
    ).item()
    assert G.global_grad_norm(layer) == pytest.approx(expected)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_run_layer_checkpoint_same_gradients_and_tbptt_truncates(cell):
    layer = _layer(cell)
    x = torch.randn(2, 12, 3, dtype=torch.float64, requires_grad=True)
    full, _ = G.run_layer(layer, x)
    ckpt, _ = G.run_layer(layer, x, checkpoint=4)
    trunc, _ = G.run_layer(layer, x, tbptt=4)
    torch.testing.assert_close(ckpt, full)
    torch.testing.assert_close(trunc, full)  # the forward pass is unchanged
    (g_full,) = torch.autograd.grad(full[:, -1].sum(), x)
    (g_ckpt,) = torch.autograd.grad(ckpt[:, -1].sum(), x)
    (g_trunc,) = torch.autograd.grad(trunc[:, -1].sum(), x)
    torch.testing.assert_close(g_ckpt, g_full)
    assert torch.all(g_trunc[:, :8] == 0) and torch.all(g_full[:, :8] != 0)
    torch.testing.assert_close(g_trunc[:, 8:], g_full[:, 8:])


def test_retained_bytes_grow_with_T_and_shrink_with_checkpointing(capfd):
    layer = _layer("lstm", H=32)

    def loss(T, **kw):
        x = torch.randn(8, T, 3, dtype=torch.float64)
        return lambda: G.run_layer(layer, x, **kw)[0].sum()

    full = {T: G.retained_bytes(loss(T)) for T in (16, 32, 64)}
    ck = {
        T: G.retained_bytes(loss(T, checkpoint=int(T**0.5))) for T in (16, 64)
    }
    per_16_steps = full[32] - full[16]
    assert (
        per_16_steps > 0
        and abs(full[64] - full[32] - 2 * per_16_steps) <= 0.01 * per_16_steps
    )  # linear in T
    assert ck[64] < full[64] / 10
    assert (
        1.2 < ck[64] / ck[16] < 3
    )  # about sqrt(T): 16 chunks of 4 against 4 of 4 ... 8 of 8
    boundary_states = (
        (64 // 8) * 2 * 8 * 32 * 8
    )  # (h, c) of (8, 32) float64 at every chunk boundary
    assert ck[64] >= boundary_states
    assert (
        "profiler" not in capfd.readouterr().err
    )  # the profiler's start/stop lines are silenced


def test_plots_and_spectral_radius_widget():
    import matplotlib.pyplot as plt

    norms = {"a": np.array([1.0, 0.5, 0.25]), "b": np.array([1.0, 2.0, 4.0])}
    fig = ch_plots.plot_gradient_norms(
        norms, bounds={"a": np.array([1.0, 1.0, 1.0])}
    )
    assert fig.axes[0].get_yscale() == "log" and len(fig.axes[0].lines) == 3
    fig2 = ch_plots.plot_curves({"train": [1, 2], "val": [2, 3]}, baseline=1.5)
    assert len(fig2.axes[0].lines) == 3
    fig3 = ch_plots.plot_recall(
        {"plain": np.linspace(0, 1, 10)}, counts=np.arange(10)
    )
    assert len(fig3.axes[0].patches) == 10
    plt.close("all")
    w = ch_widgets.spectral_radius_explorer(hidden_size=8, steps=10)
    assert [c.description for c in w.children[:2]] == [
        "ρ(W_hh)",
        "input scale",
    ]
    plt.close("all")
