"""Figures of Chapter 2 (gate equations): gate traces of one unit, gate heatmaps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rnntutor.validation import check_array

GATE_LABELS = {
    "i": "input gate $i_t$",
    "f": "forget gate $f_t$",
    "g": "candidate $g_t$",
    "o": "output gate $o_t$",
    "c": "cell $c_t$",
    "r": "reset gate $r_t$",
    "z": "update gate $z_t$",
    "n": "candidate $n_t$",
    "h": "hidden $h_t$",
}
"""Display names of the gate activations returned by ``rnntutor.reference.gate_activations``."""


def _gate_traces(acts: dict) -> dict:
    """Check a dict of gate activations of one sequence: each ``(T, H)``, same shape."""
    if not isinstance(acts, dict) or not acts:
        raise TypeError("acts must be a non-empty dict name -> (T, H) array (one sequence)")
    unknown = [k for k in acts if k not in GATE_LABELS]
    if unknown:
        raise ValueError(f"unknown gate name(s) {unknown}: expected some of {list(GATE_LABELS)}")
    first = next(iter(acts))
    ref_shape = check_array(acts[first], first, shape=("T", "H"), dtypes=("f",)).shape
    return {k: check_array(v, k, shape=ref_shape, dtypes=("f",)) for k, v in acts.items()}


def plot_gate_traces(acts: dict, *, x=None, unit: int = 0, title: str | None = None) -> Figure:
    """Plot one hidden unit's gates, cell and hidden state over time; return the figure.

    ``acts`` maps names (``i, f, g, o, c, h`` for an LSTM, ``r, z, n, h`` for a GRU) to
    ``(T, H)`` arrays of one sequence; ``x`` ``(T, F)`` are the inputs (top panel).
    Gates (values in ``[0, 1]``) share one panel, candidate, cell and hidden state another.
    """
    acts = _gate_traces(acts)
    n_steps, hidden = next(iter(acts.values())).shape
    if not 0 <= unit < hidden:
        raise ValueError(f"unit must be in [0, {hidden - 1}], got {unit}")
    gates = [k for k in ("i", "f", "o", "r", "z") if k in acts]
    states = [k for k in ("g", "n", "c", "h") if k in acts]
    panels = (["x"] if x is not None else []) + (["gates"] if gates else []) + (["states"] if states else [])
    if x is not None:
        x = check_array(x, "x", shape=(n_steps, "F"), dtypes=("f", "i", "u"))
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.5, 1.9 * len(panels) + 0.4), sharex=True, squeeze=False)
    t = np.arange(1, n_steps + 1)
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        if panel == "x":
            for k in range(x.shape[1]):
                ax.step(t, x[:, k], where="mid", color="0.3", label=f"$x_t$[{k}]" if x.shape[1] > 1 else "$x_t$")
            ax.set_ylabel("input")
        elif panel == "gates":
            for k in gates:
                ax.plot(t, acts[k][:, unit], marker=".", label=GATE_LABELS[k])
            ax.set_ylim(-0.05, 1.05)
            ax.set_ylabel("gate value")
        else:
            for k in states:
                ax.plot(t, acts[k][:, unit], marker=".", ls="--" if k in ("g", "n") else "-", label=GATE_LABELS[k])
            ax.set_ylabel("value")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axes[-1, 0].set_xlabel("time step t")
    axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_gate_heatmaps(acts: dict, *, image=None, ncols: int = 4, title: str | None = None) -> Figure:
    """Heatmaps of gate activations over one sequence, time step ``t`` down the rows.

    ``acts`` maps names to ``(T, H)`` arrays (see :func:`plot_gate_traces`). With
    ``image`` ``(T, W)`` (a digit read row by row), the image is drawn first so that
    row ``t`` of the image lines up with step ``t`` of every heatmap. Panels wrap after
    ``ncols`` columns.
    """
    acts = _gate_traces(acts)
    n_steps, hidden = next(iter(acts.values())).shape
    if image is not None:
        image = check_array(image, "image", shape=(n_steps, "W"), dtypes=("f",))
    names = list(acts)
    n_panels = len(names) + (image is not None)
    ncols = max(1, min(ncols, n_panels))
    nrows = -(-n_panels // ncols)
    fig, grid = plt.subplots(
        nrows, ncols, figsize=(1.0 + 2.6 * ncols, 2.7 * nrows), squeeze=False, constrained_layout=True
    )
    axes = list(grid.ravel())
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    extent = (-0.5, hidden - 0.5, n_steps + 0.5, 0.5)  # rows at t = 1..T
    if image is not None:
        ax = axes.pop(0)
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1, extent=(-0.5, image.shape[1] - 0.5, n_steps + 0.5, 0.5))
        ax.set_title("input rows $x_t$", fontsize=9)
        ax.set_ylabel("time step t")
        ax.set_xticks([])
    for ax, name in zip(axes[: len(names)], names, strict=True):
        signed = name in ("g", "n", "c", "h")
        vmin, vmax = (-1, 1) if signed else (0, 1)
        if name == "c":
            vmax = max(1.0, float(np.abs(acts[name]).max()))
            vmin = -vmax
        im = ax.imshow(
            acts[name], cmap="RdBu_r" if signed else "viridis", vmin=vmin, vmax=vmax,
            aspect="auto", interpolation="nearest", extent=extent,
        )  # fmt: skip
        ax.set_title(GATE_LABELS[name], fontsize=9)
        ax.set_xlabel("hidden unit")
        ax.set_ylabel("time step t")
        fig.colorbar(im, ax=ax, shrink=0.8, pad=0.02)
    if title:
        fig.suptitle(title)
    return fig
