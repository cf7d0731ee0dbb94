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
        raise TypeError(
            "acts must be a non-empty dict name -> (T, H) array (one sequence)"
        )
    unknown = [k for k in acts if k not in GATE_LABELS]
    if unknown:
        raise ValueError(
            f"unknown gate name(s) {unknown}: expected some of {list(GATE_LABELS)}"
        )
    first = next(iter(acts))
    ref_shape = check_array(
        acts[first], first, shape=("T", "H"), dtypes=("f",)
    ).shape
    return {
        k: check_array(v, k, shape=ref_shape, dtypes=("f",))
        for k, v in acts.items()
    }


def plot_gate_traces(
    acts: dict, *, x=None, unit: int = 0, title: str | None = None
) -> Figure:
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
    panels = (
        (["x"] if x is not None else [])
        + (["gates"] if gates else [])
        + (["states"] if states else [])
    )
    if x is not None:
        x = check_array(x, "x", shape=(n_steps, "F"), dtypes=("f", "i", "u"))
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(7.5, 1.9 * len(panels) + 0.4),
        sharex=True,
        squeeze=False,
    )
    t = np.arange(1, n_steps + 1)
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        if panel == "x":
            for k in range(x.shape[1]):
                ax.step(
                    t,
                    x[:, k],
                    where="mid",
                    color="0.3",
                    label=f"$x_t$[{k}]" if x.shape[1] > 1 else "$x_t$",
                )
            ax.set_ylabel("input")
        elif panel == "gates":
            for k in gates:
                ax.plot(t, acts[k][:, unit], marker=".", label=GATE_LABELS[k])
            ax.set_ylim(-0.05, 1.05)
            ax.set_ylabel("gate value")
        else:
            for k in states:
                ax.plot(
                    t,
                    acts[k][:, unit],
                    marker=".",
                    ls="--" if k in ("g", "n") else "-",
                    label=GATE_LABELS[k],
                )
            ax.set_ylabel("value")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axes[-1, 0].set_xlabel("time step t")
    axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def unit_order(acts: dict, by: str = "f") -> np.ndarray:
    """Hidden units sorted by their mean ``acts[by]`` over the sequence, highest first.

    ``acts`` maps names to ``(T, H)`` arrays (see :func:`plot_gate_traces`). Returns the
    ``(H,)`` unit indices: ``acts[by][:, order]`` has ``mean_t acts[by][t, k]`` falling
    from left to right (ties keep their original order).
    """
    acts = _gate_traces(acts)
    if by not in acts:
        raise ValueError(
            f"cannot sort the units by {by!r}: acts has only {list(acts)}"
        )
    return np.argsort(-acts[by].mean(axis=0), kind="stable")


def plot_gate_heatmaps(
    acts: dict,
    *,
    image=None,
    sort_by: str | None = "f",
    title: str | None = None,
    width: float = 7.0,
) -> Figure:
    """Heatmaps of gate activations over one sequence, one panel per name, stacked.

    ``acts`` maps names to ``(T, H)`` arrays (see :func:`plot_gate_traces`). In every
    panel time step ``t`` runs down the rows and the hidden units along the columns,
    **in the same order in every panel**: sorted by their mean ``acts[sort_by]`` over
    the sequence, highest first (:func:`unit_order`; ``sort_by=None`` keeps unit 0 to
    ``H - 1``). So with ``sort_by="f"`` the units that keep most of their cell sit on
    the left. With ``image`` ``(T, W)`` (a digit read row by row), the image is drawn
    left of the first panel, its row ``t`` level with step ``t``. Gates share the scale
    ``[0, 1]``; candidates and states are signed (``c_t`` scaled to its largest value).
    ``width`` is the figure width in inches (7 fits a 700-pixel page at 100 dpi).
    """
    acts = _gate_traces(acts)
    n_steps, hidden = next(iter(acts.values())).shape
    if image is not None:
        image = check_array(
            image, "image", shape=(n_steps, "W"), dtypes=("f",)
        )
    order = np.arange(hidden) if sort_by is None else unit_order(acts, sort_by)
    names = list(acts)
    fig = plt.figure(
        figsize=(width, 0.6 + 1.25 * len(names)), constrained_layout=True
    )
    grid = fig.add_gridspec(len(names), 3, width_ratios=(1.0, 5.0, 0.12))
    extent = (-0.5, hidden - 0.5, n_steps + 0.5, 0.5)  # rows at t = 1..T
    if image is not None:
        ax = fig.add_subplot(grid[0, 0])
        image_extent = (-0.5, image.shape[1] - 0.5, n_steps + 0.5, 0.5)
        ax.imshow(
            image,
            cmap="gray_r",
            vmin=0,
            vmax=1,
            extent=image_extent,
            aspect="auto",
        )
        ax.set_title("input rows $x_t$", fontsize=10)
        ax.set_ylabel("step t")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        ax.set_xticks([])
    sorted_by = (
        ""
        if sort_by is None
        else f", sorted by mean {GATE_LABELS[sort_by].split(' $')[0]} (high to low)"
    )
    for row, name in enumerate(names):
        ax = fig.add_subplot(grid[row, 1])
        signed = name in ("g", "n", "c", "h")
        vmin, vmax = (-1, 1) if signed else (0, 1)
        if name == "c":
            vmax = max(1.0, float(np.abs(acts[name]).max()))
            vmin = -vmax
        im = ax.imshow(
            acts[name][:, order], cmap="RdBu_r" if signed else "viridis", vmin=vmin, vmax=vmax,
            aspect="auto", interpolation="nearest", extent=extent,
        )  # fmt: skip
        ax.set_title(GATE_LABELS[name], fontsize=10)
        ax.set_ylabel("step t")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        ax.set_xticks([])
        if row == len(names) - 1:
            ax.set_xlabel(f"hidden units{sorted_by}")
        fig.colorbar(im, cax=fig.add_subplot(grid[row, 2]))
    if title:
        fig.suptitle(title)
    return fig
