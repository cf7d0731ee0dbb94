"""The widget of Chapter 2: a single LSTM unit whose weights and biases you set."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

GATE_INPUTS = ("pulse", "step", "sine", "two pulses")
"""Input sequences offered by :func:`gate_explorer`."""


def gate_input(kind: str, n_steps: int = 20):
    """A one-feature input sequence ``(T, 1)`` for the gate explorer."""
    import numpy as np

    t = np.arange(n_steps)
    if kind == "pulse":
        x = (t == 2).astype(float)
    elif kind == "step":
        x = (t >= 2).astype(float)
    elif kind == "sine":
        x = np.sin(2 * np.pi * t / 10)
    elif kind == "two pulses":
        x = ((t == 2) | (t == n_steps // 2)).astype(float)
    else:
        raise ValueError(
            f"unknown input {kind!r}: expected one of {list(GATE_INPUTS)}"
        )
    return x[:, None]


def lstm_unit_params(w_i, w_f, w_g, w_o, b_i, b_f, b_g, b_o, u) -> dict:
    """Parameters of a one-input, one-unit LSTM: input weight and bias per gate, one recurrent weight.

    Returned in the ``torch.nn.LSTM`` layout (``weight_ih (4, 1)``, ...) with
    ``bias_hh = 0``, so each gate's bias is just ``b_*``.
    """
    import numpy as np

    return {
        "weight_ih": np.array([[w_i], [w_f], [w_g], [w_o]], dtype=float),
        "weight_hh": np.full((4, 1), float(u)),
        "bias_ih": np.array([b_i, b_f, b_g, b_o], dtype=float),
        "bias_hh": np.zeros(4),
    }


def gate_explorer(n_steps: int = 20) -> widgets.interactive:
    """Explore a one-unit LSTM: choose an input sequence and each gate's weight and bias.

    Shows the input, the gates ``i_t, f_t, o_t``, the candidate ``g_t``, the cell ``c_t``
    and the hidden state ``h_t`` over ``n_steps`` steps (see
    :func:`rnntutor.gates.plots.plot_gate_traces`). Try a forget-gate bias of +4 (the cell keeps
    a pulse for many steps) against -4 (it forgets at once).
    """
    from IPython.display import display

    from rnntutor import reference as ref
    from rnntutor.gates.plots import plot_gate_traces

    if not isinstance(n_steps, int) or n_steps < 2:
        raise ValueError(f"n_steps must be an integer >= 2, got {n_steps!r}")

    def slider(value, description, lo=-6.0, hi=6.0):
        return widgets.FloatSlider(
            value=value,
            min=lo,
            max=hi,
            step=0.5,
            description=description,
            continuous_update=False,
        )

    controls = {
        "kind": widgets.Dropdown(
            options=list(GATE_INPUTS), value="pulse", description="input x_t"
        ),
        "w_i": slider(4.0, "w_i (input)"),
        "b_i": slider(-2.0, "b_i"),
        "w_f": slider(0.0, "w_f (forget)"),
        "b_f": slider(3.0, "b_f"),
        "w_g": slider(3.0, "w_g (cand.)"),
        "b_g": slider(0.0, "b_g"),
        "w_o": slider(0.0, "w_o (output)"),
        "b_o": slider(2.0, "b_o"),
        "u": slider(0.0, "u (recurrent)", -3.0, 3.0),
    }

    def show(kind, w_i, b_i, w_f, b_f, w_g, b_g, w_o, b_o, u) -> None:
        params = lstm_unit_params(w_i, w_f, w_g, w_o, b_i, b_f, b_g, b_o, u)
        x = gate_input(kind, n_steps)  # (T, 1)
        _, cache = ref.forward("lstm", params, x[None])
        acts = {
            k: v[0] for k, v in ref.gate_activations("lstm", cache).items()
        }  # (T, 1) each
        fig = plot_gate_traces(acts, x=x, title="one LSTM unit")
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, **controls)
