"""Chapter 2 checkers accept right answers and reject plausible wrong ones with a helpful message.

For every checker: at least two differently written correct answers (float32, float64,
torch tensors), at least four plausible wrong answers rejected with their message, and
malformed returns answered with a message instead of a traceback. The oracles here are
``torch.nn`` modules and autograd, independent of the NumPy reference the checkers use.
"""

import numpy as np
import pytest
import torch
from _helpers import (
    accepted,
    malformed_rejected,
    rejected,
    stub_crash_and_non_function_rejected,
)

from rnntutor import reference as ref
from rnntutor.exercises import gates


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


MALFORMED = [
    None,
    "h",
    {"h": 1},
    (1, 2),
    [[1.0, 2.0], [3.0]],
    np.ones((3, 5), dtype=bool),
    np.ones((7, 2)),
    np.inf,
    np.full((3, 5), np.nan),
    10**100,
    np.array(["A"]),
    torch.ones(3, 5, dtype=torch.float32),
]

ALL_CHECKERS = [
    gates.check_gru_step,
    gates.check_rnn_dh_prev,
    gates.check_lstm_param_count,
    gates.check_param_count,
    gates.check_cifg_step,
    gates.check_lstm_step_backward,
]


@pytest.mark.parametrize("check", ALL_CHECKERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", MALFORMED, ids=lambda b: type(b).__name__)
def test_malformed_returns_get_a_message(check, bad, capsys):
    malformed_rejected(check, bad, capsys)


@pytest.mark.parametrize("check", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_stub_crash_and_non_function_become_messages(check, capsys):
    stub_crash_and_non_function_rejected(check, capsys, None)


# ----------------------------------------------------------------------------- GRU step


def _gru(
    x,
    h_prev,
    params,
    *,
    act_gate=sigmoid,
    act_n=np.tanh,
    bias_hh=True,
    bias_ih=True,
    blend="torch",
):
    H = h_prev.shape[1]
    xw = x @ params["weight_ih"].T + (params["bias_ih"] if bias_ih else 0)
    hw = h_prev @ params["weight_hh"].T + (params["bias_hh"] if bias_hh else 0)
    r = act_gate(xw[:, :H] + hw[:, :H])
    z = act_gate(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = act_n(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    return (
        z * n + (1 - z) * h_prev
        if blend == "swapped"
        else (1 - z) * n + z * h_prev
    )


def gru_torch(x, h_prev, params):
    # Independent oracle: torch.nn.GRUCell with copied weights, float32 result.
    cell = torch.nn.GRUCell(x.shape[1], h_prev.shape[1])
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(torch.tensor(params[name]))
        return cell(torch.tensor(x).float(), torch.tensor(h_prev).float())


def gru_hardcoded(x, h_prev, params):
    H = 5  # the first test size only
    xw = x @ params["weight_ih"].T + params["bias_ih"]
    hw = h_prev @ params["weight_hh"].T + params["bias_hh"]
    r, z = (
        sigmoid(xw[:, :H] + hw[:, :H]),
        sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H]),
    )
    return (1 - z) * np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :]) + z * h_prev


def gru_in_place(x, h_prev, params):
    h_new = _gru(x, h_prev, params)
    h_prev[...] = h_new  # updates the caller's state
    return h_prev


def test_gru_step_accepts_right_answers(capsys):
    accepted(gates.check_gru_step, _gru, capsys)
    accepted(gates.check_gru_step, gru_torch, capsys)
    accepted(
        gates.check_gru_step,
        lambda x, h, p: ref.gru_step(x, h, p)[0].astype(np.float32),
        capsys,
    )


@pytest.mark.parametrize(
    "fn, message",
    [
        (
            lambda x, h, p: _gru(x, h, p, blend="swapped"),
            "z_t and 1 - z_t are swapped",
        ),
        (
            lambda x, h, p: _gru(x, h, p, act_gate=np.tanh, act_n=sigmoid),
            "sigmoid and tanh are swapped",
        ),
        (
            lambda x, h, p: _gru(x, h, p, act_n=sigmoid),
            "candidate n_t uses sigmoid",
        ),
        (
            lambda x, h, p: _gru(x, h, p, bias_hh=False),
            "b_hh (params['bias_hh']) is missing",
        ),
        (
            lambda x, h, p: _gru(x, h, p, bias_ih=False),
            "b_ih (params['bias_ih']) is missing",
        ),
        (
            lambda x, h, p: _gru(x, h, p, bias_ih=False, bias_hh=False),
            "the biases are missing",
        ),
        (
            lambda x, h, p: ref.gru_step(x, h, p),
            "returned a tuple of 2 values",
        ),
        (lambda x, h, p: h, "returned h_{t-1} unchanged"),
        (lambda x, h, p: h + 0.01, "your h_t differs"),
        (
            lambda x, h, p: (
                _gru(x, h, p).astype(np.float32).astype(np.float64)
            ),
            "only to float32 precision",
        ),
        (gru_hardcoded, "for B=2, I=6, H=3"),
        (gru_in_place, "modified one of its input arrays in place"),
    ],
)
def test_gru_step_rejects_wrong_answers(fn, message, capsys):
    rejected(gates.check_gru_step, fn, message, capsys, "GRU step")


def test_gru_step_names_the_reset_variant(capsys):
    def reset_before(x, h_prev, params):
        H = h_prev.shape[1]
        xw = x @ params["weight_ih"].T + params["bias_ih"]
        hw = h_prev @ params["weight_hh"].T + params["bias_hh"]
        r, z = (
            sigmoid(xw[:, :H] + hw[:, :H]),
            sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H]),
        )
        hn = (r * h_prev) @ params["weight_hh"][2 * H :].T + params["bias_hh"][
            2 * H :
        ]
        return (1 - z) * np.tanh(xw[:, 2 * H :] + hn) + z * h_prev

    rejected(
        gates.check_gru_step, reset_before, "before the matrix product", capsys
    )


# ----------------------------------------------------------------------------- dh_prev


def dh_prev_autograd(dh, h, weight_hh):
    # Independent oracle: autograd through tanh(a) with a = h_prev @ W^T + c chosen so that tanh(a) = h.
    a = torch.tensor(np.arctanh(h))
    h_prev = torch.zeros_like(a, requires_grad=True)
    out = torch.tanh(a + h_prev @ torch.tensor(weight_hh).T)
    out.backward(torch.tensor(dh))
    return h_prev.grad


def test_rnn_dh_prev_accepts_right_answers(capsys):
    accepted(
        gates.check_rnn_dh_prev, lambda dh, h, W: (dh * (1 - h**2)) @ W, capsys
    )
    accepted(
        gates.check_rnn_dh_prev,
        lambda dh, h, W: np.einsum("bh,hk->bk", dh - dh * h * h, W),
        capsys,
    )
    accepted(gates.check_rnn_dh_prev, dh_prev_autograd, capsys)
    accepted(
        gates.check_rnn_dh_prev,
        lambda dh, h, W: ((dh * (1 - h**2)) @ W).astype(np.float32),
        capsys,
    )


@pytest.mark.parametrize(
    "fn, message, hint",
    [
        (
            lambda dh, h, W: (dh * (1 - h**2)) @ W.T,
            "multiplied by W_hh transposed",
            "multiplies by W_hh",
        ),
        (
            lambda dh, h, W: dh @ W,
            "derivative of tanh is missing",
            "1 - h_t**2",
        ),
        (
            lambda dh, h, W: (dh * (1 - np.tanh(h) ** 2)) @ W,
            "applied tanh to h_t once more",
            "already tanh",
        ),
        (
            lambda dh, h, W: dh * (1 - h**2),
            "recurrent weights are still missing",
            "Multiply",
        ),
        (
            lambda dh, h, W: (dh * h * (1 - h)) @ W,
            "sigmoid's derivative",
            "1 - h_t**2",
        ),
        (
            lambda dh, h, W: dh @ W * (1 - h**2),
            "after the product with W_hh",
            "first",
        ),
        (lambda dh, h, W: dh[:, :2], "has shape (3, 2), expected (3, 5)", ""),
        (lambda dh, h, W: ((dh * (1 - h**2)) @ W)[:, :5], "for B=2, H=6", ""),
    ],
)
def test_rnn_dh_prev_rejects_wrong_answers(fn, message, hint, capsys):
    out = rejected(
        gates.check_rnn_dh_prev, fn, message, capsys, "RNN backward step"
    )
    assert hint in out


# ----------------------------------------------------------------------------- LSTM parameter count


def test_lstm_param_count_accepts_right_answers(capsys):
    accepted(
        gates.check_lstm_param_count,
        lambda n_in, H: 4 * (H * n_in + H * H + 2 * H),
        capsys,
    )
    accepted(
        gates.check_lstm_param_count,
        lambda n_in, H: np.int64(4 * H * (n_in + H + 2)),
        capsys,
    )
    accepted(
        gates.check_lstm_param_count,
        lambda n_in, H: float(4 * H * (n_in + H + 2)),
        capsys,
    )
    accepted(
        gates.check_lstm_param_count,
        lambda n_in, H: sum(
            p.numel() for p in torch.nn.LSTM(n_in, H).parameters()
        ),
        capsys,
    )


@pytest.mark.parametrize(
    "fn, message",
    [
        (
            lambda n_in, H: 4 * (H * n_in + H * H + H),
            "one bias vector per gate",
        ),
        (lambda n_in, H: 3 * (H * n_in + H * H + 2 * H), "that is a GRU"),
        (lambda n_in, H: 4 * (H * n_in + H * H), "the biases are missing"),
        (lambda n_in, H: H * n_in + H * H + 2 * H, "a single gate"),
        (lambda n_in, H: 12345, "got 12345, expected 80896"),
        (lambda n_in, H: "many", "should be a number"),
        (lambda n_in, H: float("inf"), "finite"),
        (lambda n_in, H: 80896, "for input_size=8, hidden_size=3"),
        (lambda n_in, H: 4 * (H * n_in + H * H + 2 * H) + 0.5, "whole number"),
    ],
)
def test_lstm_param_count_rejects_wrong_answers(fn, message, capsys):
    rejected(
        gates.check_lstm_param_count,
        fn,
        message,
        capsys,
        "LSTM parameter count",
    )


# ----------------------------------------------------------------------------- stacked count


def count_formula(cell, n_in, H, layers, bidirectional):
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    D = 2 if bidirectional else 1
    first = D * G * (H * n_in + H * H + 2 * H)
    return first + (layers - 1) * D * G * (H * D * H + H * H + 2 * H)


def count_torch(cell, n_in, H, layers, bidirectional):
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[
        cell
    ]
    return sum(
        p.numel()
        for p in module(
            n_in, H, layers, bidirectional=bidirectional
        ).parameters()
    )


def test_param_count_accepts_right_answers(capsys):
    accepted(gates.check_param_count, count_formula, capsys)
    accepted(gates.check_param_count, count_torch, capsys)


def _count_with(
    cell,
    n_in,
    H,
    layers,
    bidirectional,
    *,
    upper=None,
    D=None,
    G=None,
    biases=2,
    only_first=False,
):
    G = G or {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    D = D or (2 if bidirectional else 1)
    upper = D * H if upper is None else upper(n_in, H)
    n_layers = 1 if only_first else layers
    return sum(
        D * G * (H * (n_in if k == 0 else upper) + H * H + biases * H)
        for k in range(n_layers)
    )


@pytest.mark.parametrize(
    "fn, message",
    [
        (
            lambda c, i, h, L, b: _count_with(
                c, i, h, L, b, upper=lambda i, h: h
            ),
            "with two directions they get 2H",
        ),
        (
            lambda c, i, h, L, b: _count_with(
                c, i, h, L, b, upper=lambda i, h: i
            ),
            "every layer gets the input size",
        ),
        (
            lambda c, i, h, L, b: _count_with(c, i, h, L, b, D=1),
            "one direction only",
        ),
        (
            lambda c, i, h, L, b: _count_with(c, i, h, L, b, only_first=True),
            "first layer only",
        ),
        (
            lambda c, i, h, L, b: _count_with(c, i, h, L, b, biases=1),
            "one bias vector per gate",
        ),
        (lambda c, i, h, L, b: _count_with(c, i, h, L, b, G=4), "a GRU has 3"),
        (
            lambda c, i, h, L, b: count_formula("lstm", i, h, L, b),
            "a GRU has 3",
        ),
        (lambda c, i, h, L, b: 7.5, "whole number"),
    ],
)
def test_param_count_rejects_wrong_answers(fn, message, capsys):
    rejected(
        gates.check_param_count,
        fn,
        message,
        capsys,
        "Parameters of a stacked RNN",
    )


# ----------------------------------------------------------------------------- CIFG step


def cifg_numpy(x, h_prev, c_prev, params):
    H = h_prev.shape[1]
    a = (
        x @ params["weight_ih"].T
        + params["bias_ih"]
        + h_prev @ params["weight_hh"].T
        + params["bias_hh"]
    )
    f, g, o = (
        sigmoid(a[:, :H]),
        np.tanh(a[:, H : 2 * H]),
        sigmoid(a[:, 2 * H :]),
    )
    c = f * c_prev + (1 - f) * g
    return o * np.tanh(c), c


def cifg_from_lstm(x, h_prev, c_prev, params):
    # Independent route: a torch.nn.LSTMCell whose input gate is forced to 1 - f cannot be
    # expressed, so compute c = g + f (c_prev - g) in float32 torch instead.
    t = {k: torch.tensor(v, dtype=torch.float32) for k, v in params.items()}
    a = (
        torch.tensor(x).float() @ t["weight_ih"].T
        + torch.tensor(h_prev).float() @ t["weight_hh"].T
    )
    f, g, o = (a + t["bias_ih"] + t["bias_hh"]).chunk(3, dim=1)
    f, g, o = torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = g + f * (torch.tensor(c_prev).float() - g)
    return [o * torch.tanh(c), c]


def test_cifg_step_accepts_right_answers(capsys):
    accepted(gates.check_cifg_step, cifg_numpy, capsys)
    accepted(gates.check_cifg_step, cifg_from_lstm, capsys)


def _cifg_with(
    x,
    h_prev,
    c_prev,
    params,
    *,
    i_gate=lambda f: 1 - f,
    out=np.tanh,
    act=(sigmoid, np.tanh),
    bias=True,
):
    H = h_prev.shape[1]
    b = params["bias_ih"] + params["bias_hh"] if bias else 0
    a = x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T + b
    f, g, o = act[0](a[:, :H]), act[1](a[:, H : 2 * H]), act[0](a[:, 2 * H :])
    c = f * c_prev + i_gate(f) * g
    return o * out(c), c


@pytest.mark.parametrize(
    "fn, message",
    [
        (
            lambda *a: _cifg_with(*a, i_gate=lambda f: f),
            "input gate equals the forget gate",
        ),
        (
            lambda *a: _cifg_with(*a, out=lambda c: c),
            "tanh of the cell is missing",
        ),
        (
            lambda *a: _cifg_with(*a, act=(np.tanh, sigmoid)),
            "sigmoid and tanh are swapped",
        ),
        (lambda *a: _cifg_with(*a, bias=False), "the biases are missing"),
        (lambda *a: _cifg_with(*a)[::-1], "you returned (c, h)"),
        (lambda *a: _cifg_with(*a)[0], "should return the pair (h, c)"),
        (lambda *a: (*_cifg_with(*a), None), "tuple of 3 values"),
    ],
)
def test_cifg_step_rejects_wrong_answers(fn, message, capsys):
    rejected(
        gates.check_cifg_step, fn, message, capsys, "Coupled-gate LSTM step"
    )


def test_cifg_names_the_block_read_as_input_gate(capsys):
    def input_block(x, h_prev, c_prev, params):
        H = h_prev.shape[1]
        a = (
            x @ params["weight_ih"].T
            + h_prev @ params["weight_hh"].T
            + params["bias_ih"]
            + params["bias_hh"]
        )
        i, g, o = (
            sigmoid(a[:, :H]),
            np.tanh(a[:, H : 2 * H]),
            sigmoid(a[:, 2 * H :]),
        )
        c = (1 - i) * c_prev + i * g
        return o * np.tanh(c), c

    rejected(
        gates.check_cifg_step,
        input_block,
        "first block as the input gate",
        capsys,
    )


@pytest.mark.parametrize(
    "bad", [(None, None), ("h", "c"), (np.ones((3, 5)), np.inf)], ids=str
)
def test_cifg_step_malformed_pairs(bad, capsys):
    out = rejected(gates.check_cifg_step, lambda *a: bad, "", capsys)
    assert "could not be checked" not in out


# ----------------------------------------------------------------------------- LSTM backward


def lstm_backward_numpy(dh, dc, x, h_prev, c_prev, params):
    H = h_prev.shape[1]
    a = (
        x @ params["weight_ih"].T
        + params["bias_ih"]
        + h_prev @ params["weight_hh"].T
        + params["bias_hh"]
    )
    i, f, g, o = (
        sigmoid(a[:, :H]),
        sigmoid(a[:, H : 2 * H]),
        np.tanh(a[:, 2 * H : 3 * H]),
        sigmoid(a[:, 3 * H :]),
    )
    tanh_c = np.tanh(f * c_prev + i * g)
    dc_total = dc + dh * o * (1 - tanh_c**2)
    da_i, da_f = dc_total * g * i * (1 - i), dc_total * c_prev * f * (1 - f)
    da = np.hstack(
        [da_i, da_f, dc_total * i * (1 - g**2), dh * tanh_c * o * (1 - o)]
    )
    return {
        "x": da @ params["weight_ih"],
        "h_prev": da @ params["weight_hh"],
        "c_prev": dc_total * f,
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ h_prev,
        "bias_ih": da.sum(0),
        "bias_hh": da.sum(0),
    }


def lstm_backward_torch(dh, dc, x, h_prev, c_prev, params):
    # Independent oracle: torch.nn.LSTMCell and autograd, float32 results as tensors.
    cell = torch.nn.LSTMCell(x.shape[1], h_prev.shape[1])
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(torch.tensor(params[name]))
    xs = [
        torch.tensor(v, dtype=torch.float32, requires_grad=True)
        for v in (x, h_prev, c_prev)
    ]
    h, c = cell(xs[0], (xs[1], xs[2]))
    (
        h * torch.tensor(dh).float() + c * torch.tensor(dc).float()
    ).sum().backward()
    grads = {"x": xs[0].grad, "h_prev": xs[1].grad, "c_prev": xs[2].grad}
    grads.update(
        {
            name: getattr(cell, name).grad
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        }
    )
    return grads


def test_lstm_step_backward_accepts_right_answers(capsys, monkeypatch):
    accepted(gates.check_lstm_step_backward, lstm_backward_numpy, capsys)
    # the torch oracle uses autograd, which the exercise forbids: let it through for this test only
    monkeypatch.setattr(gates, "BACKWARD_FORBIDDEN", ())
    accepted(gates.check_lstm_step_backward, lstm_backward_torch, capsys)


def _lstm_mistake(name):
    def answer(dh, dc, x, h_prev, c_prev, params):
        return gates._lstm_backward(
            dh, dc, x, h_prev, c_prev, params, mistake=name
        )

    return answer


def _with(fn, **changes):
    def answer(*args):
        grads = dict(fn(*args))
        for key, change in changes.items():
            grads[key] = change(grads[key])
        return grads

    return answer


def lstm_backward_autograd(dh, dc, x, h_prev, c_prev, params):
    inputs = {
        k: torch.tensor(v, requires_grad=True)
        for k, v in {"x": x, "h_prev": h_prev, "c_prev": c_prev}.items()
    }
    weights = {
        k: torch.tensor(v, requires_grad=True) for k, v in params.items()
    }
    gates_ = (
        inputs["x"] @ weights["weight_ih"].T
        + inputs["h_prev"] @ weights["weight_hh"].T
    )
    i, f, g, o = (gates_ + weights["bias_ih"] + weights["bias_hh"]).chunk(
        4, dim=1
    )
    c = torch.sigmoid(f) * inputs["c_prev"] + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    loss = (h * torch.tensor(dh)).sum() + (c * torch.tensor(dc)).sum()
    grads = torch.autograd.grad(loss, [*inputs.values(), *weights.values()])
    return dict(zip([*inputs, *weights], grads, strict=True))


@pytest.mark.parametrize(
    "fn, message",
    [
        (_lstm_mistake("no_dh_path"), "gradient from h_t into c_t is missing"),
        (_lstm_mistake("tanh_of_c"), "1 - c_t²"),
        (_lstm_mistake("g_sigmoid"), "sigmoid's derivative"),
        (
            _lstm_mistake("gate_order"),
            "input and forget gate blocks are swapped",
        ),
        (_lstm_mistake("no_forget"), "missing the forget gate"),
        (_lstm_mistake("h_new"), "uses the new state h_t"),
        (_lstm_mistake("no_bias_hh"), "bias_hh gradient is zero"),
        (_with(lstm_backward_numpy, weight_ih=lambda g: g.T), "transposed"),
        (
            _with(
                lstm_backward_numpy, bias_ih=lambda g: np.tile(g / 3, (3, 1))
            ),
            "summed over the batch",
        ),
        (_with(lstm_backward_numpy, x=lambda g: g + 1e-3), "grads['x']"),
        (
            lambda *a: {
                k: v
                for k, v in lstm_backward_numpy(*a).items()
                if k != "c_prev"
            },
            "no key(s) 'c_prev'",
        ),
        (
            lambda *a: list(lstm_backward_numpy(*a).values()),
            "should return a dict",
        ),
        (
            _with(
                lstm_backward_numpy,
                h_prev=lambda g: g.astype(np.float32).astype(np.float64),
            ),
            "only to float32 precision",
        ),
        (lstm_backward_autograd, "uses `autograd`"),
    ],
)
def test_lstm_step_backward_rejects_wrong_answers(fn, message, capsys):
    rejected(
        gates.check_lstm_step_backward,
        fn,
        message,
        capsys,
        "LSTM backward step",
    )


def test_lstm_step_backward_refuses_the_reference_and_mutation(capsys):
    def uses_reference(dh, dc, x, h_prev, c_prev, params):
        _, _, cache = ref.lstm_step(x, h_prev, c_prev, params)
        return ref.lstm_step_backward(dh, dc, cache)

    rejected(
        gates.check_lstm_step_backward,
        uses_reference,
        "uses `lstm_step_backward`",
        capsys,
    )

    def accumulates_into_dc(dh, dc, x, h_prev, c_prev, params):
        grads = lstm_backward_numpy(dh, dc, x, h_prev, c_prev, params)
        dc += 1.0  # in-place update of an input
        return grads

    rejected(
        gates.check_lstm_step_backward,
        accumulates_into_dc,
        "modified one of its input arrays",
        capsys,
    )


@pytest.mark.parametrize(
    "value",
    [None, "g", np.inf, np.ones((3, 3), dtype=bool), [[1.0], [1.0, 2.0]]],
    ids=str,
)
def test_lstm_step_backward_malformed_dict_values(value, capsys):
    def answer(*args):
        grads = lstm_backward_numpy(*args)
        grads["weight_hh"] = value
        return grads

    out = rejected(
        gates.check_lstm_step_backward, answer, "grads['weight_hh']", capsys
    )
    assert "could not be checked" not in out


def test_finite_difference_check_is_independent_of_the_reference(
    monkeypatch, capsys
):
    """If the reference backward were wrong, the finite differences would still refuse a wrong answer."""
    wrong = _lstm_mistake("no_forget")
    monkeypatch.setattr(
        ref,
        "lstm_step_backward",
        lambda dh, dc, cache: wrong(dh, dc, *cache[:3], cache[-1]),
    )
    rejected(
        gates.check_lstm_step_backward,
        wrong,
        "disagree with finite differences",
        capsys,
    )
