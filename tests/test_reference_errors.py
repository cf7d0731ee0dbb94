"""Bad input gives a clear error that names the expected shape; nothing broadcasts."""

import numpy as np
import pytest

from rnntutor import reference as ref


@pytest.fixture(params=["rnn", "lstm", "gru"])
def cell(request):
    return request.param


def state(cell, h0, c0=None):
    return (
        (h0, np.zeros_like(h0) if c0 is None else c0) if cell == "lstm" else h0
    )


def test_wrong_input_feature_size(cell):
    params = ref.init_params(cell, 3, 4)
    with pytest.raises(
        ValueError,
        match=r"x must have shape \(B, T, 3\), got shape \(2, 5, 4\)",
    ):
        ref.forward(cell, params, np.zeros((2, 5, 4)))


def test_input_must_be_three_dimensional(cell):
    params = ref.init_params(cell, 3, 4)
    with pytest.raises(
        ValueError,
        match=r"x must have shape \(B, T, 3\) \(3 dims\), got shape \(5, 3\)",
    ):
        ref.forward(cell, params, np.zeros((5, 3)))


def test_wrong_state_shape(cell):
    params = ref.init_params(cell, 3, 4)
    with pytest.raises(
        ValueError, match=r"h0 must have shape \(B, 4\), got shape \(2, 5\)"
    ):
        ref.forward(
            cell, params, np.zeros((2, 5, 3)), state(cell, np.zeros((2, 5)))
        )
    with pytest.raises(
        ValueError,
        match=r"h0 must have shape \(B, 4\) \(2 dims\), got shape \(4,\)",
    ):
        ref.forward(
            cell, params, np.zeros((2, 5, 3)), state(cell, np.zeros(4))
        )


def test_wrong_cell_state_shape():
    params = ref.init_params("lstm", 3, 4)
    with pytest.raises(
        ValueError, match=r"c0 must have shape \(B, 4\), got shape \(2, 3\)"
    ):
        ref.forward(
            "lstm",
            params,
            np.zeros((2, 5, 3)),
            (np.zeros((2, 4)), np.zeros((2, 3))),
        )
    with pytest.raises(TypeError, match=r"pair \(h0, c0\)"):
        ref.forward("lstm", params, np.zeros((2, 5, 3)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="one array h0"):
        ref.forward(
            "gru",
            ref.init_params("gru", 3, 4),
            np.zeros((2, 5, 3)),
            (np.zeros((2, 4)),) * 2,
        )


def test_mismatched_batch_does_not_broadcast(cell):
    params = ref.init_params(cell, 3, 4)
    with pytest.raises(ValueError, match="mismatched batch sizes: x=2, h0=1"):
        ref.forward(
            cell,
            params,
            np.zeros((2, 5, 3)),
            state(cell, np.zeros((1, 4)), np.zeros((1, 4))),
        )


def test_mismatched_batch_in_step_functions():
    p = ref.init_params("rnn", 3, 4)
    with pytest.raises(
        ValueError, match="mismatched batch sizes: x=2, h_prev=1"
    ):
        ref.rnn_step(np.zeros((2, 3)), np.zeros((1, 4)), p)
    p = ref.init_params("lstm", 3, 4)
    with pytest.raises(
        ValueError, match="mismatched batch sizes: x=2, h_prev=2, c_prev=3"
    ):
        ref.lstm_step(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((3, 4)), p)
    p = ref.init_params("gru", 3, 4)
    with pytest.raises(ValueError, match=r"x must have shape \(B, 3\)"):
        ref.gru_step(np.zeros((2, 5)), np.zeros((2, 4)), p)


def test_wrong_gradient_shape(cell):
    params = ref.init_params(cell, 3, 4)
    hs, cache = ref.forward(cell, params, np.zeros((2, 5, 3)))
    with pytest.raises(
        ValueError,
        match=r"dhs must have shape \(2, 5, 4\) \(3 dims\), got shape \(5, 4\)",
    ):
        ref.backward(cell, cache, np.zeros((5, 4)))
    other = "gru" if cell != "gru" else "rnn"
    with pytest.raises(
        ValueError, match=f"cache comes from a '{cell}' forward pass"
    ):
        ref.backward(other, cache, hs)


def test_bad_params():
    with pytest.raises(ValueError, match="unknown cell 'transformer'"):
        ref.init_params("transformer", 3, 4)
    params = ref.init_params("lstm", 3, 4)
    with pytest.raises(
        ValueError,
        match=r"weight_hh of a gru cell must have shape \(3\*H, H\) = \(12, 4\)",
    ):
        ref.forward("gru", params, np.zeros((1, 2, 3)))
    params["bias_ih"] = params["bias_ih"][:-1]
    with pytest.raises(ValueError, match=r"bias_ih must have shape \(16\)"):
        ref.forward("lstm", params, np.zeros((1, 2, 3)))
    mixed = ref.init_params("rnn", 3, 4)
    mixed["bias_hh"] = mixed["bias_hh"].astype(np.float32)
    with pytest.raises(TypeError, match="share one dtype"):
        ref.forward("rnn", mixed, np.zeros((1, 2, 3)))
    with pytest.raises(
        ValueError, match="hidden_size must be a positive integer"
    ):
        ref.init_params("rnn", 3, 0)


def test_nan_input_is_rejected(cell):
    params = ref.init_params(cell, 3, 4)
    x = np.zeros((2, 5, 3))
    x[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        ref.forward(cell, params, x)
