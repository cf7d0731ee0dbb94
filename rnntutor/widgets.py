"""ipywidgets explorers used by the book.

Each explorer is a function that returns a widget (usually from ``interactive``), so
the book shows it live in JupyterLab and as saved widget state on the static site.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from rnntutor.validation import check_array

# ----------------------------------------------------------------------------- Chapter 1: scan orders


def scan_order_explorer(
    images,
    labels=None,
    *,
    orders=("rows", "pixels", "snake", "permuted"),
    seed: int = 0,
) -> widgets.interactive:
    """Explore how an RNN reads an image: choose a digit, a scan order and a step ``t``.

    ``images`` ``(N, H, W)`` in ``[0, 1]``, optional ``labels`` ``(N,)``. Shows the
    pixels read after ``t`` steps and the step's own pixels (see
    :func:`rnntutor.plot.plot_scan_progress`). The step slider's range follows the
    order: ``1..H`` for rows, ``1..H*W`` for the pixel orders.
    """
    from IPython.display import display

    from rnntutor.plot import ORDER_LABELS, plot_scan_progress

    images = check_array(images, "images", shape=("N", "H", "W"), dtypes=("f",))
    n, height, width = images.shape
    if labels is not None:
        labels = check_array(labels, "labels", shape=(n,), dtypes=("i", "u"))
    unknown = [o for o in orders if o not in ORDER_LABELS]
    if unknown:
        raise ValueError(f"unknown scan order(s) {unknown}: expected some of {list(ORDER_LABELS)}")

    def n_steps(order: str) -> int:
        return height if order == "rows" else height * width

    index = widgets.IntSlider(value=0, min=0, max=n - 1, description="digit", continuous_update=False)
    order = widgets.Dropdown(options=[(ORDER_LABELS[o], o) for o in orders], value=orders[0], description="order")
    step = widgets.IntSlider(
        value=max(1, n_steps(orders[0]) // 2),
        min=1,
        max=n_steps(orders[0]),
        description="step t",
        continuous_update=False,
    )

    def follow_order(change) -> None:
        step.max = n_steps(change["new"])  # ipywidgets clamps the value to the new range

    order.observe(follow_order, names="value")  # registered first, so it runs before the redraw

    def show(index: int, order: str, t: int) -> None:
        t = min(t, n_steps(order))
        title = f"image {index}" + ("" if labels is None else f" (label {int(labels[index])})")
        fig = plot_scan_progress(images[index], order, t, seed=seed, title=title)
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, index=index, order=order, t=step)


# ----------------------------------------------------------------------------- Chapter 2: gate explorer (issue 3)

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
        raise ValueError(f"unknown input {kind!r}: expected one of {list(GATE_INPUTS)}")
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
    :func:`rnntutor.plot.plot_gate_traces`). Try a forget-gate bias of +4 (the cell keeps
    a pulse for many steps) against -4 (it forgets at once).
    """
    from IPython.display import display

    from rnntutor import reference as ref
    from rnntutor.plot import plot_gate_traces

    if not isinstance(n_steps, int) or n_steps < 2:
        raise ValueError(f"n_steps must be an integer >= 2, got {n_steps!r}")

    def slider(value, description, lo=-6.0, hi=6.0):
        return widgets.FloatSlider(
            value=value, min=lo, max=hi, step=0.5, description=description, continuous_update=False
        )

    controls = {
        "kind": widgets.Dropdown(options=list(GATE_INPUTS), value="pulse", description="input x_t"),
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
        acts = {k: v[0] for k, v in ref.gate_activations("lstm", cache).items()}  # (T, 1) each
        fig = plot_gate_traces(acts, x=x, title="one LSTM unit")
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, **controls)


# ----------------------------------------------------------------------------- Chapter 4: classification


def row_stepper(model, images, labels=None) -> widgets.interactive:
    """Step through digits row by row and watch a trained classifier's probabilities change.

    ``model`` is a unidirectional :class:`rnntutor.nn.SequenceClassifier` reading rows;
    ``images (N, H, W)``, optional ``labels (N,)``. The probabilities after each number
    of rows are computed once (:func:`rnntutor.analysis.step_probabilities`); the
    sliders pick the digit and the number of rows ``k`` read so far (see
    :func:`rnntutor.plot.plot_step_probabilities`).
    """
    from IPython.display import display

    from rnntutor.analysis import step_probabilities
    from rnntutor.plot import plot_step_probabilities

    images = check_array(images, "images", shape=("N", "H", "W"), dtypes=("f",))
    n, height, _ = images.shape
    if labels is not None:
        labels = check_array(labels, "labels", shape=(n,), dtypes=("i", "u"))
    if getattr(model, "config", {}).get("order") != "rows":
        raise ValueError("row_stepper needs a SequenceClassifier with order='rows'")
    probs = step_probabilities(model, images)  # (N, T, C)
    index = widgets.IntSlider(value=0, min=0, max=n - 1, description="digit", continuous_update=False)
    rows = widgets.IntSlider(value=height // 2, min=1, max=height, description="rows k", continuous_update=False)

    def show(index: int, k: int) -> None:
        label = None if labels is None else int(labels[index])
        fig = plot_step_probabilities(images[index], probs[index], k, label=label)
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, index=index, k=rows)


# ----------------------------------------------------------------------------- Chapter 5: spectral radius


def spectral_radius_explorer(*, hidden_size: int = 32, steps: int = 60, seed: int = 0) -> widgets.interactive:
    """Explore vanishing and exploding gradients of a tanh RNN: choose the spectral radius ``ρ`` of ``W_hh``.

    Shows ``‖∂h_T/∂h_t‖₂`` against the lag (log scale) for one random sequence, next to
    the bound ``σ_max(W_hh)^lag`` of Pascanu et al. (2013). ``input scale`` multiplies
    the inputs: larger inputs saturate tanh and shrink the gradients further.
    """
    import numpy as np
    import torch
    from IPython.display import display

    from rnntutor import gradients
    from rnntutor import nn as rnn
    from rnntutor.plot import plot_gradient_norms

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    base = rnn.RNN(4, hidden_size)
    x0 = torch.randn(steps, 4, generator=generator)  # (T, I)
    rho = widgets.FloatSlider(value=1.0, min=0.2, max=2.0, step=0.1, description="ρ(W_hh)", continuous_update=False)
    scale = widgets.FloatSlider(value=0.5, min=0.0, max=3.0, step=0.25, description="input scale",
                                continuous_update=False)  # fmt: skip

    def show(rho: float, scale: float) -> None:
        layer = rnn.RNN(4, hidden_size)
        layer.load_state_dict(base.state_dict())
        gradients.set_spectral_radius_(layer, rho)
        norms = gradients.state_gradient_norms(layer, scale * x0)
        bound = gradients.pascanu_bound(layer.weight_hh_l0, np.arange(1, steps + 1))
        sigma = bound[0]
        label = f"tanh RNN, ρ = {rho:.1f} (σ_max = {sigma:.2f})"
        fig = plot_gradient_norms({label: norms}, bounds={label: bound})
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, rho=rho, scale=scale)


# ----------------------------------------------------------------------------- Chapter 3: sampler

OCCLUSIONS = ("none (sample)", "bottom half", "right half", "centre block")
"""Occlusion masks offered by :func:`sampler_explorer`."""


def occlusion_mask(kind: str, image_shape):
    """``(H, W)`` bool known-pixel mask: True where the pixel is given, False where it is to be filled in."""
    import numpy as np

    h, w = image_shape
    known = np.ones((h, w), dtype=bool)
    if kind == "none (sample)":
        known[:] = False
    elif kind == "bottom half":
        known[h // 2 :] = False
    elif kind == "right half":
        known[:, w // 2 :] = False
    elif kind == "centre block":
        known[h // 4 : h - h // 4, w // 4 : w - w // 4] = False
    else:
        raise ValueError(f"unknown occlusion {kind!r}: expected one of {', '.join(map(repr, OCCLUSIONS))}")
    return known


def sampler_explorer(model, images, *, n: int = 6) -> widgets.interactive:
    """Sample from a generative ``model`` or complete occluded ``images`` with temperature and seed controls.

    ``images`` ``(N, H, W)`` binary: the first ``n`` are occluded for completion.
    """
    from IPython.display import display

    from rnntutor.plot import plot_completions, plot_image_grid

    images = check_array(images, "images", shape=("N", "H", "W"))[:n]

    def show(temperature, seed, occlusion) -> None:
        known = occlusion_mask(occlusion, model.image_shape)
        if not known.any():
            out = model.sample(len(images), temperature=temperature, seed=seed)
            fig = plot_image_grid(out, ncols=len(out), suptitle=f"samples, temperature {temperature:.2f}, seed {seed}")
        else:
            out = model.complete(images, known, temperature=temperature, seed=seed)
            fig = plot_completions(images, known, out, title=f"{occlusion}, temperature {temperature:.2f}")
        display(fig)
        plt.close(fig)

    return widgets.interactive(
        show,
        temperature=widgets.FloatSlider(
            value=1.0, min=0.2, max=2.0, step=0.1, description="temperature", continuous_update=False
        ),
        seed=widgets.IntSlider(value=0, min=0, max=20, description="seed", continuous_update=False),
        occlusion=widgets.Dropdown(options=list(OCCLUSIONS), value="bottom half", description="occlusion"),
    )
