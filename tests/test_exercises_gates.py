"""Chapter 2 checkers accept right answers and reject plausible wrong ones with a helpful message."""

import numpy as np
import pytest

from rnntutor import reference as ref
from rnntutor.exercises import gates


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def gru_step_right(x, h_prev, params):
    H = h_prev.shape[1]
    xw = x @ params["weight_ih"].T + params["bias_ih"]
    hw = h_prev @ params["weight_hh"].T + params["bias_hh"]
    r = sigmoid(xw[:, :H] + hw[:, :H])
    z = sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    return (1 - z) * n + z * h_prev


def gru_step_swapped_z(x, h_prev, params):
    H = h_prev.shape[1]
    xw = x @ params["weight_ih"].T + params["bias_ih"]
    hw = h_prev @ params["weight_hh"].T + params["bias_hh"]
    r = sigmoid(xw[:, :H] + hw[:, :H])
    z = sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    return z * n + (1 - z) * h_prev


def gru_step_reset_before(x, h_prev, params):
    H = h_prev.shape[1]
    xw = x @ params["weight_ih"].T + params["bias_ih"]
    hw = h_prev @ params["weight_hh"].T + params["bias_hh"]
    r = sigmoid(xw[:, :H] + hw[:, :H])
    z = sigmoid(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + (r * h_prev) @ params["weight_hh"][2 * H :].T + params["bias_hh"][2 * H :])
    return (1 - z) * n + z * h_prev


def stub(*args):
    raise NotImplementedError


def test_gru_step_accepts_right_answer(capsys):
    assert gates.check_gru_step(gru_step_right)
    assert "✅ GRU step: correct" in capsys.readouterr().out
    assert gates.check_gru_step(lambda x, h, p: ref.gru_step(x, h, p)[0])


@pytest.mark.parametrize(
    "fn, message",
    [
        (gru_step_swapped_z, "z_t and 1 - z_t are swapped"),
        (gru_step_reset_before, "reset gate to h_{t-1} before the matrix product"),
        (lambda x, h, p: ref.gru_step(x, h, p), "returned a tuple of 2 values"),
        (lambda x, h, p: h, "your h_t differs at"),
        (lambda x, h, p: None, "returned None"),
        (stub, "not implemented yet"),
    ],
)
def test_gru_step_rejects_wrong_answers(fn, message, capsys):
    assert not gates.check_gru_step(fn)
    out = capsys.readouterr().out
    assert out.startswith("❌ GRU step:")
    assert message in out


def test_rnn_dh_prev_accepts_right_answer(capsys):
    assert gates.check_rnn_dh_prev(lambda dh, h, W: (dh * (1 - h**2)) @ W)
    assert "✅ RNN backward step: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "fn, message, hint",
    [
        (lambda dh, h, W: (dh * (1 - h**2)) @ W.T, "multiplied by W_hh transposed", "multiplies by W_hh"),
        (lambda dh, h, W: dh @ W, "derivative of tanh is missing", "1 - h_t**2"),
        (lambda dh, h, W: (dh * (1 - np.tanh(h) ** 2)) @ W, "applied tanh to h_t once more", "already tanh"),
        (lambda dh, h, W: dh * (1 - h**2), "recurrent weights are still missing", "Multiply"),
        (lambda dh, h, W: dh[:, :2], "has shape (3, 2), expected (3, 4)", ""),
    ],
)
def test_rnn_dh_prev_rejects_wrong_answers(fn, message, hint, capsys):
    assert not gates.check_rnn_dh_prev(fn)
    out = capsys.readouterr().out
    assert "❌ RNN backward step:" in out and message in out
    assert hint in out


def test_lstm_param_count_accepts_right_answer(capsys):
    assert gates.check_lstm_param_count(lambda n_in, H: 4 * (H * n_in + H * H + 2 * H))
    out = capsys.readouterr().out
    assert "✅ LSTM parameter count: correct" in out and "80,896" in out
    assert 4 * (128 * 28 + 128 * 128 + 2 * 128) == sum(
        p.numel() for p in __import__("torch").nn.LSTM(28, 128).parameters()
    )


@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda n_in, H: 4 * (H * n_in + H * H + H), "one bias vector per gate"),
        (lambda n_in, H: 3 * (H * n_in + H * H + 2 * H), "that is a GRU"),
        (lambda n_in, H: 4 * (H * n_in + H * H), "the biases are missing"),
        (lambda n_in, H: H * n_in + H * H + 2 * H, "a single gate"),
        (lambda n_in, H: 12345, "got 12345, expected 80896"),
        (lambda n_in, H: "many", "should return an integer"),
    ],
)
def test_lstm_param_count_rejects_wrong_answers(fn, message, capsys):
    assert not gates.check_lstm_param_count(fn)
    out = capsys.readouterr().out
    assert "❌ LSTM parameter count: for input_size=28, hidden_size=128" in out or "integer" in out
    assert message in out
