"""Checkers for Chapter 2 (Gate equations): a GRU step, the RNN's backward step, LSTM sizes.

Each checker runs the learner's function on random test problems (non-zero biases,
sizes where a transpose would change the shape), compares it with the NumPy reference
(:mod:`rnntutor.reference`) and recognises the usual mistakes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnntutor import reference as ref
from rnntutor.exercises import Verdict, diagnose, failed, passed, run_learner

__all__ = ["check_gru_step", "check_rnn_dh_prev", "check_lstm_param_count"]


def _gru_problem(seed: int = 0, batch: int = 3, input_size: int = 2, hidden_size: int = 4):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(0.0, 0.7, size=v.shape) for k, v in ref.init_params("gru", input_size, hidden_size).items()}
    x = rng.normal(size=(batch, input_size))  # (B, I)
    h_prev = rng.normal(size=(batch, hidden_size))  # (B, H)
    return x, h_prev, params


def _gru_variants(x, h_prev, params) -> dict[str, np.ndarray]:
    """Plausible wrong GRU steps, for specific feedback."""
    H = h_prev.shape[1]
    sig = ref.sigmoid
    xw = x @ params["weight_ih"].T + params["bias_ih"]
    hw = h_prev @ params["weight_hh"].T + params["bias_hh"]
    r = sig(xw[:, :H] + hw[:, :H])
    z = sig(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n = np.tanh(xw[:, 2 * H :] + r * hw[:, 2 * H :])
    # Reset applied to h before the product: n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn).
    w_hn, b_hn = params["weight_hh"][2 * H :], params["bias_hh"][2 * H :]
    n_before = np.tanh(xw[:, 2 * H :] + (r * h_prev) @ w_hn.T + b_hn)
    # Gate order z, r, n instead of r, z, n.
    z_sw, r_sw = sig(xw[:, :H] + hw[:, :H]), sig(xw[:, H : 2 * H] + hw[:, H : 2 * H])
    n_sw = np.tanh(xw[:, 2 * H :] + r_sw * hw[:, 2 * H :])
    return {
        "swapped_z": z * n + (1 - z) * h_prev,
        "reset_before": (1 - z) * n_before + z * h_prev,
        "gate_order": (1 - z_sw) * n_sw + z_sw * h_prev,
        "no_reset": (1 - z) * np.tanh(xw[:, 2 * H :] + hw[:, 2 * H :]) + z * h_prev,
    }


def check_gru_step(fn: Callable) -> Verdict:
    """Check ``fn(x, h_prev, params) -> h``: one GRU step in the ``torch.nn.GRU`` convention.

    ``x (B, I)``, ``h_prev (B, H)``, ``params`` with ``weight_ih (3H, I)``,
    ``weight_hh (3H, H)``, ``bias_ih (3H,)``, ``bias_hh (3H,)`` in gate order ``r, z, n``.
    """
    exercise = "GRU step"
    for seed in (0, 1):
        x, h_prev, params = _gru_problem(seed)
        got, verdict = run_learner(fn, exercise, x.copy(), h_prev.copy(), {k: v.copy() for k, v in params.items()})
        if verdict is not None:
            return verdict
        if isinstance(got, tuple):
            return failed(
                exercise,
                f"your function returned a tuple of {len(got)} values; it should return only h (B, H).",
                "ref.gru_step returns (h, cache); the exercise asks for h alone.",
            )
        expected, _ = ref.gru_step(x, h_prev, params)
        wrong = _gru_variants(x, h_prev, params)
        mistakes = [
            (
                wrong["swapped_z"],
                "z_t and 1 - z_t are swapped: your h_t keeps the candidate where it should keep h_{t-1}.",
                "In torch.nn.GRU, h_t = (1 - z_t) * n_t + z_t * h_{t-1}: z_t close to 1 copies the old state.",
            ),
            (
                wrong["reset_before"],
                "you applied the reset gate to h_{t-1} before the matrix product, W_hn (r_t * h_{t-1}).",
                "That is a valid variant (Cho et al.'s original), but torch.nn.GRU computes "
                "r_t * (W_hn h_{t-1} + b_hn): multiply r_t with the product, bias included.",
            ),
            (
                wrong["gate_order"],
                "the first two gate blocks are swapped: you used rows 0:H as the update gate.",
                "The gate order is r, z, n: rows 0:H are the reset gate, H:2H the update gate, 2H:3H the candidate.",
            ),
            (
                wrong["no_reset"],
                "the reset gate does not appear in your candidate n_t.",
                "n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn)).",
            ),
        ]
        problem = diagnose(got, expected, "your h_t", mistakes, atol=1e-10, rtol=0)
        if problem is not None:
            return failed(exercise, *problem)
    return passed(exercise, "Your step matches ref.gru_step (and therefore torch.nn.GRU).")


def check_rnn_dh_prev(fn: Callable) -> Verdict:
    """Check ``fn(dh, h, weight_hh) -> dh_prev``: ``∂L/∂h_{t-1}`` for ``h_t = tanh(a_t)``.

    ``dh = ∂L/∂h_t (B, H)``, ``h = h_t (B, H)`` (already the tanh), ``weight_hh (H, H)``.
    The answer is ``(dh ⊙ (1 - h²)) W_hh``.
    """
    exercise = "RNN backward step"
    rng = np.random.default_rng(0)
    B, H = 3, 4
    dh = rng.normal(size=(B, H))
    h = np.tanh(rng.normal(size=(B, H)))
    w_hh = rng.normal(size=(H, H))
    got, verdict = run_learner(fn, exercise, dh.copy(), h.copy(), w_hh.copy())
    if verdict is not None:
        return verdict
    delta = dh * (1 - h**2)
    expected = delta @ w_hh  # (B, H)
    mistakes = [
        (
            delta @ w_hh.T,
            "you multiplied by W_hh transposed.",
            "In the forward pass a_t = h_{t-1} W_hh^T (rows are the batch), so going back multiplies by W_hh.",
        ),
        (
            dh @ w_hh,
            "the derivative of tanh is missing.",
            "First go back through h_t = tanh(a_t): ∂L/∂a_t = ∂L/∂h_t * (1 - h_t**2).",
        ),
        (
            (dh * (1 - np.tanh(h) ** 2)) @ w_hh,
            "you applied tanh to h_t once more inside the derivative.",
            "h_t is already tanh(a_t), so tanh'(a_t) = 1 - h_t**2 (not 1 - tanh(h_t)**2).",
        ),
        (
            (dh * (1 - h**2)),
            "you returned ∂L/∂a_t; the recurrent weights are still missing.",
            "Multiply ∂L/∂a_t by W_hh to reach h_{t-1}.",
        ),
        (
            (dh * (1 - h)) @ w_hh,
            "the derivative of tanh should be 1 - h_t**2, not 1 - h_t.",
            "tanh'(a) = 1 - tanh(a)**2.",
        ),
    ]
    problem = diagnose(got, expected, "your ∂L/∂h_{t-1}", mistakes, atol=1e-10, rtol=0)
    if problem is not None:
        return failed(exercise, *problem)
    return passed(exercise, "This is the factor that BPTT applies once per step, W_hh and tanh' each time.")


def check_lstm_param_count(fn: Callable[[int, int], int]) -> Verdict:
    """Check ``fn(input_size, hidden_size) -> int``: the parameter count of ``torch.nn.LSTM``.

    The count is ``4 (H I + H H + 2 H)``: four gates, each with input weights, hidden
    weights and two bias vectors (``bias_ih`` and ``bias_hh``).
    """
    exercise = "LSTM parameter count"
    for input_size, hidden_size in [(28, 128), (8, 3), (1, 1)]:
        got, verdict = run_learner(fn, exercise, input_size, hidden_size)
        if verdict is not None:
            return verdict
        I, H = input_size, hidden_size  # noqa: E741
        expected = ref.count_params(ref.init_params("lstm", I, H))
        try:
            value = int(got)
        except (TypeError, ValueError):
            return failed(exercise, f"your function returned {got!r}; it should return an integer.")
        if value != got:
            return failed(exercise, f"your function returned {got!r}, which is not a whole number.")
        mistakes = {
            4 * (H * I + H * H + H): (
                "you counted one bias vector per gate.",
                "torch.nn.LSTM has two: bias_ih and bias_hh (each 4H values). Their sum acts as one bias.",
            ),
            H * I + H * H + 2 * H: (
                "you counted a single gate.",
                "An LSTM has four blocks (i, f, g, o), each with its own weights and biases.",
            ),
            3 * (H * I + H * H + 2 * H): (
                "you counted three gate blocks: that is a GRU.",
                "The LSTM has four: input gate, forget gate, candidate g and output gate.",
            ),
            4 * (H * I + H * H): (
                "the biases are missing.",
                "Add bias_ih and bias_hh: 2 * 4H values.",
            ),
            4 * (2 * H * I + 2 * H): (
                "you used the input size for the hidden-to-hidden weights.",
                "weight_hh has shape (4H, H): it maps h_{t-1} (size H) to the four gates.",
            ),
        }
        if value != expected:
            why, hint = mistakes.get(value, (f"got {value}, expected {expected}.", ""))
            return failed(exercise, f"for input_size={I}, hidden_size={H}, {why}", hint)
    mnist = 4 * (128 * 28 + 128 * 128 + 2 * 128)
    return passed(exercise, f"4 (H I + H H + 2 H): for row-MNIST (I=28, H=128) that is {mnist:,} parameters.")
