"""rnntutor.nn cells and layers against torch.nn: outputs, all gradients, state dicts.

Oracle: torch.nn.RNN/LSTM/GRU (and *Cell) with the same weights; finite differences
(torch.autograd.gradcheck) for the hand-written backward of the fused layers. All
parameters, including biases, are non-zero random numbers.
"""

import pytest
import torch

from rnntutor import nn as rnn

TORCH_LAYERS = {
    "rnn": torch.nn.RNN,
    "lstm": torch.nn.LSTM,
    "gru": torch.nn.GRU,
}
TORCH_CELLS = {
    "rnn": torch.nn.RNNCell,
    "lstm": torch.nn.LSTMCell,
    "gru": torch.nn.GRUCell,
}
OUR_CELLS = {"rnn": rnn.RNNCell, "lstm": rnn.LSTMCell, "gru": rnn.GRUCell}
TOL = {torch.float64: 1e-10, torch.float32: 1e-5}


def randomize(module: torch.nn.Module, seed: int) -> None:
    """Overwrite every parameter (biases too) with N(0, 0.5²) values."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(
                torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.5
            )


def run_layer(module, cell, x, state0, weights):
    """Forward, a loss touching every output, and gradients of inputs, states and parameters."""
    out, state = module(x, state0)
    h_n, c_n = state if cell == "lstm" else (state, None)
    loss = (out * weights[0]).sum() + (h_n * weights[1]).sum()
    if c_n is not None:
        loss = loss + (c_n * weights[2]).sum()
    inputs = [
        x,
        *(state0 if cell == "lstm" else (state0,)),
        *module.parameters(),
    ]
    grads = torch.autograd.grad(loss, inputs)
    return [out, h_n] + ([c_n] if c_n is not None else []) + list(grads)


@pytest.mark.parametrize(
    "dtype", [torch.float64, torch.float32], ids=["float64", "float32"]
)
@pytest.mark.parametrize(
    "layers,bidirectional",
    [(1, False), (2, True)],
    ids=["1layer", "2layer-bi"],
)
@pytest.mark.parametrize("impl", ["scratch", "fused"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_layer_matches_torch(cell, impl, layers, bidirectional, dtype):
    B, T, I, H = 3, 5, 4, 6  # noqa: E741 - the book's symbols
    D = 2 if bidirectional else 1
    ref = TORCH_LAYERS[cell](
        I, H, layers, batch_first=True, bidirectional=bidirectional
    )
    randomize(ref, seed=1)
    ref = ref.to(dtype)
    ours = rnn.make_layer(
        cell, I, H, impl=impl, num_layers=layers, bidirectional=bidirectional
    ).to(dtype)
    ours.load_state_dict(ref.state_dict())
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(B, T, I, generator=gen, dtype=dtype).requires_grad_()
    h0 = torch.randn(
        layers * D, B, H, generator=gen, dtype=dtype
    ).requires_grad_()
    c0 = torch.randn(
        layers * D, B, H, generator=gen, dtype=dtype
    ).requires_grad_()
    state0 = (h0, c0) if cell == "lstm" else h0
    weights = [
        torch.randn(s, generator=gen, dtype=dtype)
        for s in [(B, T, D * H), (layers * D, B, H)] * 2
    ]
    weights = [weights[0], weights[1], weights[3]]
    expected = run_layer(ref, cell, x, state0, weights)
    got = run_layer(ours, cell, x, state0, weights)
    assert len(got) == len(expected)
    tol = TOL[dtype]
    for k, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert a.shape == b.shape, k
        assert a.abs().max() > 0, (
            f"tensor {k} is all zeros: the check would be vacuous"
        )
        torch.testing.assert_close(
            a,
            b,
            rtol=tol,
            atol=tol,
            msg=lambda m, k=k: f"output/grad #{k}: {m}",
        )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_zero_initial_state_and_no_bias(cell):
    ref = TORCH_LAYERS[cell](3, 5, batch_first=True, bias=False).double()
    randomize(ref, 3)
    for impl in ("scratch", "fused"):
        ours = rnn.make_layer(cell, 3, 5, impl=impl, bias=False).double()
        ours.load_state_dict(ref.state_dict())
        x = torch.randn(2, 4, 3, dtype=torch.float64)
        out_ref, _ = ref(x)
        out, _ = ours(x)
        torch.testing.assert_close(out, out_ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_no_grad_forward_matches(cell):
    """Inference (``torch.no_grad``, where the fused LSTM skips its backward factors) gives the same outputs."""
    ref = TORCH_LAYERS[cell](3, 5, batch_first=True).double()
    randomize(ref, 5)
    ours = rnn.make_layer(cell, 3, 5, impl="fused").double()
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(2, 9, 3, dtype=torch.float64)
    with torch.no_grad():
        got, expected = ours(x), ref(x)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "trainable", ["input only", "weights only", "biases only"]
)
def test_fused_lstm_partial_gradients(trainable):
    """Only the gradients asked for are computed, and they are the right ones."""
    ref = torch.nn.LSTM(3, 4, batch_first=True).double()
    randomize(ref, 6)
    ours = rnn.LSTM(3, 4, impl="fused").double()
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    grads = []
    for layer in (ours, ref):
        for name, p in layer.named_parameters():
            p.requires_grad_(
                trainable == "weights only"
                and "weight" in name
                or trainable == "biases only"
                and "bias" in name
            )
        xi = x.clone().requires_grad_(trainable == "input only")
        wanted = [t for t in (xi, *layer.parameters()) if t.requires_grad]
        out, _ = layer(xi)
        grads.append(torch.autograd.grad((out * out.detach()).sum(), wanted))
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_fused_backward_gradcheck(cell):
    """The hand-written backward of the fused layers against finite differences."""
    layer = rnn.make_layer(cell, 2, 3, impl="fused").double()
    randomize(layer, 4)
    x = torch.randn(2, 4, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, 2, 3, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(1, 2, 3, dtype=torch.float64, requires_grad=True)
    params = list(layer.parameters())

    def f(x, h0, c0, *ps):
        state = (h0, c0) if cell == "lstm" else h0
        out, st = torch.func.functional_call(
            layer,
            dict(zip(dict(layer.named_parameters()), ps, strict=True)),
            (x, state),
        )
        return out, *(st if cell == "lstm" else (st,))

    assert torch.autograd.gradcheck(
        f, (x, h0, c0, *params), eps=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_cells_match_torch_cells(cell):
    ref = TORCH_CELLS[cell](4, 6).double()
    randomize(ref, 5)
    ours = OUR_CELLS[cell](4, 6).double()
    ours.load_state_dict(ref.state_dict())  # torch -> ours
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(
        3, 4, generator=gen, dtype=torch.float64, requires_grad=True
    )
    h = torch.randn(
        3, 6, generator=gen, dtype=torch.float64, requires_grad=True
    )
    c = torch.randn(
        3, 6, generator=gen, dtype=torch.float64, requires_grad=True
    )
    state = (h, c) if cell == "lstm" else h
    out_ref, out = ref(x, state), ours(x, state)
    outs_ref = out_ref if cell == "lstm" else (out_ref,)
    outs = out if cell == "lstm" else (out,)
    loss_ref = sum((o * (k + 1.5)).sum() for k, o in enumerate(outs_ref))
    loss = sum((o * (k + 1.5)).sum() for k, o in enumerate(outs))
    inputs = [x, h] + ([c] if cell == "lstm" else [])
    g_ref = torch.autograd.grad(loss_ref, inputs + list(ref.parameters()))
    g = torch.autograd.grad(loss, inputs + list(ours.parameters()))
    for a, b in zip(
        list(outs) + list(g), list(outs_ref) + list(g_ref), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)
    # ours -> torch
    back = TORCH_CELLS[cell](4, 6).double()
    back.load_state_dict(ours.state_dict())
    torch.testing.assert_close(
        back(x, state)[0] if cell == "lstm" else back(x, state), outs[0]
    )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_state_dict_interchanges_both_ways(cell):
    ref = TORCH_LAYERS[cell](3, 4, 2, batch_first=True, bidirectional=True)
    ours = rnn.make_layer(
        cell, 3, 4, num_layers=2, bidirectional=True, impl="scratch"
    )
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert "weight_hh_l1_reverse" in ours.state_dict()
    # torch -> ours
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(ours(x)[0], ref(x)[0], rtol=1e-5, atol=1e-5)
    # ours -> torch (a fresh torch module gets our weights)
    randomize(ours, 7)
    fresh = TORCH_LAYERS[cell](3, 4, 2, batch_first=True, bidirectional=True)
    fresh.load_state_dict(ours.state_dict())
    torch.testing.assert_close(fresh(x)[0], ours(x)[0], rtol=1e-5, atol=1e-5)


def test_switching_impl_keeps_numbers():
    layer = rnn.LSTM(3, 5, num_layers=2, impl="scratch")
    x = torch.randn(2, 6, 3)
    outs = []
    for impl in rnn.IMPLS:
        layer.impl = impl
        outs.append(layer(x)[0])
    for o in outs[1:]:
        torch.testing.assert_close(o, outs[0], rtol=1e-5, atol=1e-6)
    assert "impl='cudnn'" in repr(layer)


def test_bad_inputs_give_clear_errors():
    layer = rnn.GRU(3, 5).double()
    with pytest.raises(ValueError, match=r"\(B, T, I\) with I=3"):
        layer(torch.zeros(2, 4, 7, dtype=torch.float64))
    with pytest.raises(
        TypeError, match="float32 but the parameters are torch.float64"
    ):
        layer(torch.zeros(2, 4, 3))
    with pytest.raises(ValueError, match=r"h_0 must have shape \(1, 2, 5\)"):
        layer(
            torch.zeros(2, 4, 3, dtype=torch.float64),
            torch.zeros(2, 5, dtype=torch.float64),
        )
    with pytest.raises(ValueError, match="unknown impl"):
        rnn.LSTM(3, 5, impl="fast")
    with pytest.raises(ValueError, match="unknown cell"):
        rnn.make_layer("transformer", 3, 5)
    with pytest.raises(TypeError, match="pair"):
        rnn.LSTM(3, 5)(torch.zeros(1, 2, 3), torch.zeros(1, 1, 5))


def test_fused_lstm_chunks_match_torch(monkeypatch):
    """Sequences longer than one chunk of the fused LSTM (state handed between chunks)."""
    from rnntutor.nn import sequence

    monkeypatch.setattr(sequence, "CHUNK", 2)  # T = 5 -> chunks of 2, 2, 1
    ref = torch.nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True).double()
    randomize(ref, 8)
    ours = rnn.LSTM(3, 4, 2, bidirectional=True, impl="fused").double()
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    weights = [
        torch.randn(s, dtype=torch.float64)
        for s in [(2, 5, 8), (4, 2, 4), (4, 2, 4)]
    ]
    h0 = torch.randn(4, 2, 4, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(4, 2, 4, dtype=torch.float64, requires_grad=True)
    expected = run_layer(ref, "lstm", x, (h0, c0), weights)
    got = run_layer(ours, "lstm", x, (h0, c0), weights)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)
