"""Checkers for Chapter 2 (Gate equations): cell steps, parameter counts, backward passes.

Each checker runs the learner's function on random test problems (non-zero biases,
several sizes with ``B``, ``I`` and ``H`` all different and unlike the chapter's, two
seeds, read-only inputs), compares it with the NumPy reference
(:mod:`rnntutor.reference`) or ``torch.nn``, and recognises the usual mistakes. Results
are accepted in float32 and float64 (tolerances follow the learner's dtype) and as torch
tensors; nothing the learner returns makes a checker raise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnntutor import reference as ref
from rnntutor.exercises import (
    Verdict,
    as_numpy,
    checker,
    compare_result,
    failed,
    learner_number,
    passed,
    readonly,
    readonly_dict,
)
from rnntutor.exercises.background import (
    compare_any_shape,
    forbidden_call,
    run_at,
)

__all__ = [
    "check_gru_step",
    "check_rnn_dh_prev",
    "check_lstm_param_count",
    "check_param_count",
    "check_cifg_step",
    "check_lstm_step_backward",
]

SEEDS = (0, 1)
"""Every checker draws its test problems with these two seeds."""

#: (B, I, H) of the step checkers: all different, none of the chapter's sizes.
STEP_SIZES = ((3, 2, 5), (2, 6, 3), (4, 1, 7))

sig = ref.sigmoid


def _problem(
    cell: str,
    seed: int,
    batch: int,
    n_in: int,
    hidden: int,
    *,
    cell_state: bool = False,
):
    """Random ``x (B, I)``, ``h_prev (B, H)`` (and ``c_prev``) and non-zero random parameters."""
    rng = np.random.default_rng(seed)
    params = {
        k: rng.normal(0.0, 0.7, size=v.shape)
        for k, v in ref.init_params(cell, n_in, hidden).items()
    }
    x = rng.normal(size=(batch, n_in))  # (B, I)
    h_prev = rng.normal(size=(batch, hidden))  # (B, H)
    if cell_state:
        return x, h_prev, rng.normal(size=(batch, hidden)), params
    return x, h_prev, params


def _where(B: int, n_in: int, H: int) -> str:
    return f"for B={B}, I={n_in}, H={H}"


def _returned_tuple(got, what: str) -> str | None:
    if (
        isinstance(got, (tuple, list))
        and len(got)
        and not np.isscalar(got[0])
        and np.ndim(got[0]) > 1
    ):
        return f"your function returned a {type(got).__name__} of {len(got)} values; it should return only {what}."
    return None


# ------------------------------------------------------------------------ Exercise 1: GRU step


def _gru(
    x,
    h_prev,
    params,
    *,
    order="rzn",
    act=(sig, sig, np.tanh),
    reset="after",
    blend="torch",
    biases="both",
):
    """A GRU step with switches that reproduce the common mistakes (defaults: ``torch.nn.GRU``)."""
    H = h_prev.shape[1]
    b_ih = params["bias_ih"] if biases in ("both", "ih") else 0.0
    b_hh = params["bias_hh"] if biases in ("both", "hh") else np.zeros(3 * H)
    xw = x @ params["weight_ih"].T + b_ih
    hw = h_prev @ params["weight_hh"].T + b_hh
    blocks = {name: k for k, name in enumerate(order)}
    r_k, z_k = blocks["r"], blocks["z"]
    r = act[0](xw[:, r_k * H : (r_k + 1) * H] + hw[:, r_k * H : (r_k + 1) * H])
    z = act[1](xw[:, z_k * H : (z_k + 1) * H] + hw[:, z_k * H : (z_k + 1) * H])
    if reset == "after":
        n = act[2](xw[:, 2 * H :] + r * hw[:, 2 * H :])
    elif reset == "before":
        n = act[2](
            xw[:, 2 * H :]
            + (r * h_prev) @ params["weight_hh"][2 * H :].T
            + b_hh[2 * H :]
        )
    else:  # no reset gate
        n = act[2](xw[:, 2 * H :] + hw[:, 2 * H :])
    return (
        z * n + (1 - z) * h_prev
        if blend == "swapped"
        else (1 - z) * n + z * h_prev
    )


@checker("GRU step")
def check_gru_step(fn: Callable) -> Verdict:
    """Check ``fn(x, h_prev, params) -> h``: one GRU step in the ``torch.nn.GRU`` convention.

    ``x (B, I)``, ``h_prev (B, H)``, ``params`` with ``weight_ih (3H, I)``,
    ``weight_hh (3H, H)``, ``bias_ih (3H,)``, ``bias_hh (3H,)`` in gate order ``r, z, n``.
    Inputs are read-only: a step that updates ``h_prev`` in place is refused.
    """
    exercise = "GRU step"
    for seed in SEEDS:
        for B, n_in, H in STEP_SIZES:
            x, h_prev, params = _problem("gru", seed, B, n_in, H)
            got, verdict = run_at(
                fn,
                exercise,
                _where(B, n_in, H),
                *readonly(x, h_prev),
                readonly_dict(params),
            )
            if verdict is not None:
                return verdict
            tuple_msg = _returned_tuple(got, "h (B, H)")
            if tuple_msg:
                return failed(
                    exercise,
                    tuple_msg,
                    "ref.gru_step returns (h, cache); the exercise asks for h alone.",
                )
            expected, _ = ref.gru_step(x, h_prev, params)
            mistakes = [
                (
                    h_prev,
                    "you returned h_{t-1} unchanged.",
                    "Compute the gates r_t, z_t and the candidate n_t, then blend n_t and h_{t-1} with z_t.",
                ),
                (
                    _gru(x, h_prev, params, blend="swapped"),
                    "z_t and 1 - z_t are swapped: your h_t keeps the candidate where it should keep h_{t-1}.",
                    "In torch.nn.GRU, h_t = (1 - z_t) * n_t + z_t * h_{t-1}: z_t close to 1 copies the old state.",
                ),
                (
                    _gru(x, h_prev, params, reset="before"),
                    "you applied the reset gate to h_{t-1} before the matrix product, W_hn (r_t * h_{t-1}).",
                    "That is a valid variant (Cho et al.'s original), but torch.nn.GRU computes "
                    "r_t * (W_hn h_{t-1} + b_hn): multiply r_t with the product, bias included.",
                ),
                (
                    _gru(x, h_prev, params, order="zrn"),
                    "the first two gate blocks are swapped: you used rows 0:H as the update gate.",
                    "The gate order is r, z, n: rows 0:H are the reset gate, H:2H the update gate, "
                    "2H:3H the candidate.",
                ),
                (
                    _gru(x, h_prev, params, reset="none"),
                    "the reset gate does not appear in your candidate n_t.",
                    "n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn)).",
                ),
                (
                    _gru(x, h_prev, params, act=(np.tanh, np.tanh, sig)),
                    "sigmoid and tanh are swapped: the gates use tanh and the candidate uses sigmoid.",
                    "The gates r_t, z_t are sigmoids (between 0 and 1); the candidate n_t is a tanh.",
                ),
                (
                    _gru(x, h_prev, params, act=(sig, sig, sig)),
                    "your candidate n_t uses sigmoid; it should use tanh.",
                    "n_t = tanh(...): the candidate state lies between -1 and 1, like h.",
                ),
                (
                    _gru(x, h_prev, params, act=(np.tanh, np.tanh, np.tanh)),
                    "your gates r_t and z_t use tanh; gates use the sigmoid.",
                    "A gate is a number between 0 and 1: r_t = σ(...), z_t = σ(...).",
                ),
                (
                    _gru(x, h_prev, params, biases="ih"),
                    "the bias b_hh (params['bias_hh']) is missing.",
                    "torch.nn.GRU adds both bias vectors; b_hn sits inside the reset gate's product.",
                ),
                (
                    _gru(x, h_prev, params, biases="hh"),
                    "the bias b_ih (params['bias_ih']) is missing.",
                    "Add bias_ih to the input part x @ weight_ih.T.",
                ),
                (
                    _gru(x, h_prev, params, biases="none"),
                    "the biases are missing.",
                    "Add bias_ih to the input part and bias_hh to the hidden part.",
                ),
            ]
            problem = compare_result(got, expected, "your h_t", mistakes)
            if problem is not None:
                why, hint = problem
                return failed(exercise, f"{_where(B, n_in, H)}, {why}", hint)
    return passed(
        exercise,
        "Your step matches ref.gru_step (and therefore torch.nn.GRU).",
    )


# ------------------------------------------------------------------------ Exercise 2: dh_prev


@checker("RNN backward step")
def check_rnn_dh_prev(fn: Callable) -> Verdict:
    """Check ``fn(dh, h, weight_hh) -> dh_prev``: ``∂L/∂h_{t-1}`` for ``h_t = tanh(a_t)``.

    ``dh = ∂L/∂h_t (B, H)``, ``h = h_t (B, H)`` (already the tanh), ``weight_hh (H, H)``.
    The answer is ``(dh ⊙ (1 - h²)) W_hh``.
    """
    exercise = "RNN backward step"
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for B, H in [(3, 5), (2, 6), (5, 3)]:
            dh = rng.normal(size=(B, H))
            h = np.tanh(rng.normal(size=(B, H)))
            w_hh = rng.normal(size=(H, H))
            got, verdict = run_at(
                fn, exercise, f"for B={B}, H={H}", *readonly(dh, h, w_hh)
            )
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
                    delta,
                    "you returned ∂L/∂a_t; the recurrent weights are still missing.",
                    "Multiply ∂L/∂a_t by W_hh to reach h_{t-1}.",
                ),
                (
                    (dh * (1 - h)) @ w_hh,
                    "the derivative of tanh should be 1 - h_t**2, not 1 - h_t.",
                    "tanh'(a) = 1 - tanh(a)**2.",
                ),
                (
                    (dh * h * (1 - h)) @ w_hh,
                    "you used the sigmoid's derivative h (1 - h); h_t is a tanh.",
                    "tanh'(a) = 1 - tanh(a)**2 = 1 - h_t**2.",
                ),
                (
                    dh @ w_hh * (1 - h**2),
                    "you applied the tanh derivative after the product with W_hh, at the wrong side.",
                    "The derivative belongs to h_t (where the tanh is): multiply dh by 1 - h_t**2 first.",
                ),
            ]
            problem = compare_result(
                got, expected, "your ∂L/∂h_{t-1}", mistakes
            )
            if problem is not None:
                why, hint = problem
                return failed(exercise, f"for B={B}, H={H}, {why}", hint)
    return passed(
        exercise,
        "This is the factor that BPTT applies once per step, W_hh and tanh' each time.",
    )


# ------------------------------------------------------------------------ LSTM parameter count


@checker("LSTM parameter count")
def check_lstm_param_count(fn: Callable[[int, int], int]) -> Verdict:
    """Check ``fn(input_size, hidden_size) -> int``: the parameter count of ``torch.nn.LSTM``.

    The count is ``4 (H I + H H + 2 H)``: four gates, each with input weights, hidden
    weights and two bias vectors (``bias_ih`` and ``bias_hh``).
    """
    exercise = "LSTM parameter count"
    for input_size, hidden_size in [(28, 128), (8, 3), (1, 1), (5, 9)]:
        where = f"for input_size={input_size}, hidden_size={hidden_size}"
        got, verdict = run_at(fn, exercise, where, input_size, hidden_size)
        if verdict is not None:
            return verdict
        I, H = input_size, hidden_size  # noqa: E741
        expected = ref.count_params(ref.init_params("lstm", I, H))
        value, problem = learner_number(
            got, "the parameter count", integer=True
        )
        if problem is not None:
            why, hint = problem
            return failed(
                exercise, f"{why} It should return an integer.", hint
            )
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
            why, hint = mistakes.get(
                value, (f"got {value}, expected {expected}.", "")
            )
            return failed(
                exercise, f"for input_size={I}, hidden_size={H}, {why}", hint
            )
    mnist = 4 * (128 * 28 + 128 * 128 + 2 * 128)
    return passed(
        exercise,
        f"4 (H I + H H + 2 H): for row-MNIST (I=28, H=128) that is {mnist:,} parameters.",
    )


# ------------------------------------------------------------------------ Exercise 3: stacked count

PARAM_CASES = (
    ("lstm", 3, 6, 2, False),
    ("gru", 4, 6, 3, True),
    ("rnn", 7, 2, 2, True),
    ("lstm", 1, 4, 1, True),
    ("gru", 5, 3, 1, False),
    ("lstm", 6, 2, 3, True),
)


def _torch_count(
    cell: str, n_in: int, H: int, layers: int, bidirectional: bool
) -> int:
    """The definition: count the parameters of the ``torch.nn`` module itself."""
    import torch

    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[
        cell
    ]
    model = module(
        n_in,
        H,
        num_layers=layers,
        bidirectional=bidirectional,
        batch_first=True,
    )
    return sum(p.numel() for p in model.parameters())


def _stack_count(G, n_in, H, layers, D, *, upper_in=None, biases=2) -> int:
    """``Σ_layers D · G (H I_l + H H + biases·H)``; ``I_l = I`` for layer 1, ``upper_in`` above."""
    upper_in = D * H if upper_in is None else upper_in
    return sum(
        D * G * (H * (n_in if k == 0 else upper_in) + H * H + biases * H)
        for k in range(layers)
    )


@checker("Parameters of a stacked RNN")
def check_param_count(fn: Callable) -> Verdict:
    """Check ``fn(cell, input_size, hidden_size, num_layers, bidirectional) -> int``.

    The answer is the number of parameters of ``torch.nn.{RNN,LSTM,GRU}(input_size,
    hidden_size, num_layers=num_layers, bidirectional=bidirectional)``: each layer and
    direction has ``G (H I_l + H H + 2 H)`` with ``I_1 = I`` and, above the first layer,
    ``I_l = D H`` (the concatenated outputs of the ``D`` directions).
    """
    exercise = "Parameters of a stacked RNN"
    for cell, n_in, H, layers, bidirectional in PARAM_CASES:
        where = f"for {cell}, I={n_in}, H={H}, num_layers={layers}, bidirectional={bidirectional}"
        got, verdict = run_at(
            fn, exercise, where, cell, n_in, H, layers, bidirectional
        )
        if verdict is not None:
            return verdict
        value, problem = learner_number(
            got, "the parameter count", integer=True
        )
        if problem is not None:
            why, hint = problem
            return failed(
                exercise, f"{where}: {why} It should return an integer.", hint
            )
        expected = _torch_count(cell, n_in, H, layers, bidirectional)
        G, D = ref.GATES[cell], 2 if bidirectional else 1
        mistakes = {}  # the first explanation of a value wins
        for wrong, why, hint in [
            (
                _stack_count(G, n_in, H, layers, D, upper_in=H),
                "the layers above the first get H inputs in your count; with two directions they get 2H.",
                "Layer l > 1 reads the concatenated outputs of both directions of layer l - 1: I_l = D * H.",
            ),
            (
                _stack_count(G, n_in, H, layers, D, upper_in=n_in),
                "every layer gets the input size I in your count.",
                "Only the first layer reads x; the layers above read the hidden states below (D * H values).",
            ),
            (
                _stack_count(G, n_in, H, layers, 1),
                "you counted one direction only.",
                "bidirectional=True doubles every layer: one cell reads left to right, another right to left.",
            ),
            (
                _stack_count(G, n_in, H, 1, D),
                "you counted the first layer only.",
                "Add the layers above it (num_layers in all).",
            ),
            (
                _stack_count(G, n_in, H, layers, D, biases=1),
                "you counted one bias vector per gate.",
                "torch.nn has two per gate block: bias_ih and bias_hh.",
            ),
            (
                _stack_count(G, n_in, H, layers, 2 * D),
                "you doubled the count once too often for the directions.",
                "Two directions double the parameters of each layer once (and its input above layer 1).",
            ),
            *[
                (
                    _stack_count(g, n_in, H, layers, D),
                    f"you used {g} gate block(s); a {cell.upper()} has {G}.",
                    "RNN: 1 block, LSTM: 4 (i, f, g, o), GRU: 3 (r, z, n).",
                )
                for g in (1, 3, 4)
                if g != G
            ],
        ]:
            mistakes.setdefault(wrong, (why, hint))
        if value != expected:
            why, hint = mistakes.get(
                value, (f"got {value:,}, expected {expected:,}.", "")
            )
            return failed(exercise, f"{where}, {why}", hint)
    example = _torch_count("lstm", 28, 128, 2, True)
    return passed(
        exercise,
        f"A 2-layer bidirectional LSTM on row-MNIST (I=28, H=128) has {example:,} parameters.",
    )


# ------------------------------------------------------------------------ Exercise 4: CIFG step


def _cifg(
    x,
    h_prev,
    c_prev,
    params,
    *,
    coupling="1-f",
    act=(sig, np.tanh, sig),
    out_tanh=True,
    biases="both",
):
    """The coupled input-forget gate LSTM step (gate order ``f, g, o``) with mistake switches."""
    H = h_prev.shape[1]
    bias = {
        "both": params["bias_ih"] + params["bias_hh"],
        "ih": params["bias_ih"],
        "none": 0.0,
    }[biases]
    a = (
        x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T + bias
    )  # (B, 3H)
    f = act[0](a[:, :H])
    g = act[1](a[:, H : 2 * H])
    o = act[2](a[:, 2 * H :])
    if coupling == "1-f":
        c = f * c_prev + (1 - f) * g
    elif coupling == "same":  # i = f
        c = f * c_prev + f * g
    else:  # the block read as the input gate: f = 1 - i
        c = (1 - f) * c_prev + f * g
    h = o * (np.tanh(c) if out_tanh else c)
    return h, c


@checker("Coupled-gate LSTM step")
def check_cifg_step(fn: Callable) -> Verdict:
    """Check ``fn(x, h_prev, c_prev, params) -> (h, c)``: an LSTM whose input gate is ``1 - f_t``.

    ``params`` as for ``torch.nn.LSTM`` but with three gate blocks in the order
    ``f, g, o``: ``weight_ih (3H, I)``, ``weight_hh (3H, H)``, ``bias_ih, bias_hh (3H,)``.
    Equations: ``f_t, o_t`` sigmoids, ``g_t`` a tanh of ``W_i* x_t + b_i* + W_h* h_{t-1} +
    b_h*``; ``c_t = f_t ⊙ c_{t-1} + (1 - f_t) ⊙ g_t`` and ``h_t = o_t ⊙ tanh(c_t)``.
    """
    exercise = "Coupled-gate LSTM step"
    for seed in SEEDS:
        for B, n_in, H in STEP_SIZES:
            x, h_prev, c_prev, params = _problem(
                "gru", seed, B, n_in, H, cell_state=True
            )  # 3 blocks
            args = (*readonly(x, h_prev, c_prev), readonly_dict(params))
            got, verdict = run_at(fn, exercise, _where(B, n_in, H), *args)
            if verdict is not None:
                return verdict
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                n = (
                    f" of {len(got)} values"
                    if isinstance(got, (tuple, list))
                    else ""
                )
                return failed(
                    exercise,
                    f"your function returned {type(got).__name__}{n}; it should return the pair (h, c).",
                    "End with `return h, c`: the next step needs both states.",
                )
            h_exp, c_exp = _cifg(x, h_prev, c_prev, params)
            variants = {
                "coupling_same": _cifg(
                    x, h_prev, c_prev, params, coupling="same"
                ),
                "coupling_input": _cifg(
                    x, h_prev, c_prev, params, coupling="f=1-i"
                ),
                "no_tanh": _cifg(x, h_prev, c_prev, params, out_tanh=False),
                "swapped_act": _cifg(
                    x, h_prev, c_prev, params, act=(np.tanh, sig, np.tanh)
                ),
                "bias_hh": _cifg(x, h_prev, c_prev, params, biases="ih"),
                "no_bias": _cifg(x, h_prev, c_prev, params, biases="none"),
            }
            if (
                compare_result(got[0], c_exp, "c") is None
                and compare_result(got[1], h_exp, "h") is None
            ):
                return failed(
                    exercise,
                    "you returned (c, h); the order is (h, c).",
                    "End with `return h, c`.",
                )
            for index, (name, expected) in enumerate(
                (("h_t", h_exp), ("c_t", c_exp))
            ):
                mistakes = [
                    (
                        variants["coupling_same"][index],
                        "your input gate equals the forget gate; it should be 1 - f_t.",
                        "Coupling means the cell keeps a fraction f_t of c_{t-1} and takes 1 - f_t of g_t.",
                    ),
                    (
                        variants["coupling_input"][index],
                        "you used the first block as the input gate (c = (1 - s) c_{t-1} + s g).",
                        "The first block is the forget gate f_t; the input gate is 1 - f_t.",
                    ),
                    (
                        variants["no_tanh"][index],
                        "h_t = o_t ⊙ c_t: the tanh of the cell is missing.",
                        "h_t = o_t ⊙ tanh(c_t).",
                    ),
                    (
                        variants["swapped_act"][index],
                        "sigmoid and tanh are swapped: the gates use tanh and the candidate g_t a sigmoid.",
                        "f_t and o_t are sigmoids (between 0 and 1); the candidate g_t is a tanh.",
                    ),
                    (
                        variants["bias_hh"][index],
                        "the bias b_hh (params['bias_hh']) is missing.",
                        "Both bias vectors are added to the pre-activations, as in torch.nn.LSTM.",
                    ),
                    (
                        variants["no_bias"][index],
                        "the biases are missing.",
                        "Add bias_ih and bias_hh to the pre-activations.",
                    ),
                ]
                problem = compare_result(
                    got[index], expected, f"your {name}", mistakes
                )
                if problem is not None:
                    why, hint = problem
                    return failed(
                        exercise, f"{_where(B, n_in, H)}, {why}", hint
                    )
    return passed(
        exercise,
        "Three gate blocks instead of four: the coupled cell saves a quarter of the parameters.",
    )


# ------------------------------------------------------------------------ Exercise 5: LSTM backward

GRAD_KEYS = (
    "x",
    "h_prev",
    "c_prev",
    "weight_ih",
    "weight_hh",
    "bias_ih",
    "bias_hh",
)

#: (B, I, H) of the backward checker (small, so the finite-difference check stays fast).
BACKWARD_SIZES = ((3, 2, 4), (2, 5, 3), (1, 3, 2))


def _lstm_backward(
    dh, dc, x, h_prev, c_prev, params, *, mistake: str = ""
) -> dict:
    """The LSTM step's gradients written out here (with a switch for one common mistake)."""
    H = h_prev.shape[1]
    a = (
        x @ params["weight_ih"].T
        + params["bias_ih"]
        + h_prev @ params["weight_hh"].T
        + params["bias_hh"]
    )
    i, f, g, o = (
        sig(a[:, :H]),
        sig(a[:, H : 2 * H]),
        np.tanh(a[:, 2 * H : 3 * H]),
        sig(a[:, 3 * H :]),
    )
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    if mistake == "no_dh_path":
        dc_total = dc
    elif mistake == "tanh_of_c":
        dc_total = dc + dh * o * (1 - c**2)
    else:
        dc_total = dc + dh * o * (1 - tanh_c**2)
    g_deriv = g * (1 - g) if mistake == "g_sigmoid" else 1 - g**2
    da = np.concatenate(
        [
            dc_total * g * i * (1 - i),
            dc_total * c_prev * f * (1 - f),
            dc_total * i * g_deriv,
            dh * tanh_c * o * (1 - o),
        ],
        axis=1,
    )  # (B, 4H) in the gate order i, f, g, o
    if mistake == "gate_order":
        da = np.concatenate(
            [da[:, H : 2 * H], da[:, :H], da[:, 2 * H :]], axis=1
        )
    return {
        "x": da @ params["weight_ih"],
        "h_prev": da @ params["weight_hh"],
        "c_prev": dc_total if mistake == "no_forget" else dc_total * f,
        "weight_ih": da.T @ x,
        "weight_hh": da.T @ (h if mistake == "h_new" else h_prev),
        "bias_ih": da.sum(axis=0),
        "bias_hh": np.zeros(4 * H)
        if mistake == "no_bias_hh"
        else da.sum(axis=0),
    }


LSTM_BACKWARD_MISTAKES = {
    "no_dh_path": (
        "the gradient from h_t into c_t is missing: you used only dc.",
        "h_t = o_t ⊙ tanh(c_t) also depends on c_t: add dh ⊙ o_t ⊙ (1 - tanh²(c_t)) to dc first.",
    ),
    "tanh_of_c": (
        "you used 1 - c_t² as the derivative of tanh(c_t).",
        "The derivative of tanh(c_t) is 1 - tanh(c_t)², not 1 - c_t².",
    ),
    "g_sigmoid": (
        "the candidate g_t got the sigmoid's derivative g (1 - g).",
        "g_t is a tanh: its derivative is 1 - g_t².",
    ),
    "gate_order": (
        "the input and forget gate blocks are swapped in your gate gradients.",
        "The gate order is i, f, g, o: columns 0:H belong to the input gate, H:2H to the forget gate.",
    ),
    "no_forget": (
        "your ∂L/∂c_{t-1} is missing the forget gate.",
        "c_t = f_t ⊙ c_{t-1} + ..., so ∂L/∂c_{t-1} = ∂L/∂c_t ⊙ f_t.",
    ),
    "h_new": (
        "your weight_hh gradient uses the new state h_t; it should use h_{t-1}.",
        "The product W_hh h_{t-1} has h_{t-1} as its input: ∂L/∂W_hh = δᵀ h_{t-1}.",
    ),
    "no_bias_hh": (
        "your bias_hh gradient is zero.",
        "bias_ih and bias_hh are added in the same place, so both get Σ_batch δ.",
    ),
}

#: Names whose use means the learner's backward was not written by hand.
BACKWARD_FORBIDDEN = (
    "lstm_step_backward",
    "lstm_gates_backward",
    "backward",
    "autograd",
    "gradcheck",
)


def _finite_difference_error(
    grads: dict, dh, dc, x, h_prev, c_prev, params
) -> float:
    """Largest relative error of ``grads`` against float64 central differences of ``Σ dh h + Σ dc c``."""
    inputs = {"x": x, "h_prev": h_prev, "c_prev": c_prev, **params}
    inputs = {k: np.array(v, dtype=np.float64) for k, v in inputs.items()}

    def loss() -> float:
        p = {
            k: inputs[k]
            for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        }
        h, c, _ = ref.lstm_step(
            inputs["x"], inputs["h_prev"], inputs["c_prev"], p
        )
        return float(np.sum(dh * h) + np.sum(dc * c))

    worst = 0.0
    for key in GRAD_KEYS:
        numeric = ref.numerical_gradient(loss, inputs[key])
        worst = max(
            worst,
            ref.relative_error(
                np.asarray(as_numpy(grads[key]), dtype=np.float64), numeric
            ),
        )
    return worst


@checker("LSTM backward step")
def check_lstm_step_backward(fn: Callable) -> Verdict:
    """Check ``fn(dh, dc, x, h_prev, c_prev, params) -> grads``: the LSTM step's backward pass.

    ``dh = ∂L/∂h_t`` and ``dc = ∂L/∂c_t`` (the part from step ``t+1``), ``(B, H)``; ``x (B, I)``,
    ``h_prev, c_prev (B, H)``; ``params`` as in ``torch.nn.LSTM`` (gate order ``i, f, g, o``).
    ``grads`` is a dict with the gradients of ``L`` for ``x, h_prev, c_prev, weight_ih,
    weight_hh, bias_ih, bias_hh``, each of its array's shape. Checked against
    :func:`rnntutor.reference.lstm_step_backward` and by float64 central finite differences
    of ``L = Σ dh ⊙ h_t + Σ dc ⊙ c_t``, on several sizes and two seeds. The package's
    backward functions and torch autograd may not be used.
    """
    exercise = "LSTM backward step"
    banned = forbidden_call(fn, BACKWARD_FORBIDDEN)
    if banned is not None:
        return failed(
            exercise,
            f"your function uses `{banned}`: write the backward pass yourself, with NumPy.",
            "You may call ref.lstm_step to recompute the gates, then apply the chain rule by hand.",
        )
    worst = 0.0
    for seed in SEEDS:
        for B, n_in, H in BACKWARD_SIZES:
            x, h_prev, c_prev, params = _problem(
                "lstm", seed, B, n_in, H, cell_state=True
            )
            rng = np.random.default_rng(seed + 100)
            dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))
            where = _where(B, n_in, H)
            args = (
                *readonly(dh, dc, x, h_prev, c_prev),
                readonly_dict(params),
            )
            got, verdict = run_at(fn, exercise, where, *args)
            if verdict is not None:
                return verdict
            if not isinstance(got, dict):
                return failed(
                    exercise,
                    f"your function returned {type(got).__name__}; it should return a dict of gradients.",
                    "Return {'x': ..., 'h_prev': ..., 'c_prev': ..., 'weight_ih': ..., 'weight_hh': ..., "
                    "'bias_ih': ..., 'bias_hh': ...}.",
                )
            missing = [k for k in GRAD_KEYS if k not in got]
            if missing:
                return failed(
                    exercise,
                    f"{where}, your dict has no key(s) {', '.join(map(repr, missing))}.",
                    "",
                )
            _, _, cache = ref.lstm_step(x, h_prev, c_prev, params)
            expected = ref.lstm_step_backward(dh, dc, cache)
            wrong = {}
            for key in GRAD_KEYS:
                problem = compare_any_shape(
                    got[key], expected[key], f"your grads[{key!r}]"
                )
                if problem is not None:
                    wrong[key] = problem
            if wrong:
                for name, (why, hint) in LSTM_BACKWARD_MISTAKES.items():
                    variant = _lstm_backward(
                        dh, dc, x, h_prev, c_prev, params, mistake=name
                    )
                    if all(
                        not np.allclose(
                            variant[k], expected[k], atol=1e-4, rtol=1e-3
                        )
                        and compare_result(
                            got[k], variant[k], k, tol64=(1e-5, 1e-4)
                        )
                        is None
                        for k in wrong
                    ):
                        return failed(exercise, f"{where}, {why}", hint)
                key, (why, hint) = next(iter(wrong.items()))
                if f"grads[{key!r}]" not in why:
                    why = f"in grads[{key!r}], {why}"
                if key.startswith("bias") and np.shape(got[key]) == (B, 4 * H):
                    hint = "A bias is added to every row of the batch, so its gradient is summed over the batch."
                return failed(exercise, f"{where}, {why}", hint)
            worst = max(
                worst,
                _finite_difference_error(
                    got, dh, dc, x, h_prev, c_prev, params
                ),
            )
    if worst > 1e-5:
        return failed(
            exercise,
            f"your gradients disagree with finite differences (relative error {worst:.1e}).",
        )
    return passed(
        exercise,
        "Your gradients match ref.lstm_step_backward and float64 finite differences.",
    )
