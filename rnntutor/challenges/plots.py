"""Figures of Chapter 5 (challenges): gradient norms, curves against length, recall."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def plot_gradient_norms(
    curves: dict,
    *,
    bounds: dict | None = None,
    title: str | None = None,
    ax=None,
) -> Figure:
    """``‖∂s_T/∂s_t‖`` against the lag ``T - t`` on a log scale; return the figure.

    ``curves`` maps a label to norms ``(T,)`` (entry ``k`` is lag ``k + 1``, as returned
    by :func:`rnntutor.challenges.gradients.state_gradient_norms`); ``bounds`` maps a label to a
    bound of the same length, drawn dashed in the colour of the curve with that label.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 4.0), constrained_layout=True)
    else:
        fig = ax.figure
    colours = {}
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        lags = np.arange(1, len(norms) + 1)
        (line,) = ax.plot(lags, np.maximum(norms, 1e-30), label=label)
        colours[label] = line.get_color()
    for label, bound in (bounds or {}).items():
        bound = np.asarray(bound, dtype=float)
        ax.plot(np.arange(1, len(bound) + 1), bound, "--", color=colours.get(label, "k"), lw=1,
                label=f"bound {label}")  # fmt: skip
    ax.set_yscale("log")
    ax.set_ylim(1e-12, 1e6)
    ax.set_xlabel("lag $T - t$ (steps back in time)")
    ax.set_ylabel(r"$\|\partial s_T / \partial s_t\|_2$")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncols=2)
    if title:
        ax.set_title(title)
    return fig


def plot_curves(
    curves: dict,
    *,
    x=None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    baseline: float | None = None,
    baseline_label: str = "baseline",
    logy: bool = False,
    title: str | None = None,
    ax=None,
) -> Figure:
    """Several curves on one axis (``curves``: label -> values), an optional horizontal baseline; return the figure.

    Labels containing ``"val"`` are drawn dashed. ``x`` gives shared x values (default ``1..n``).
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 3.6), constrained_layout=True)
    else:
        fig = ax.figure
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        xs = (
            np.arange(1, len(values) + 1)
            if x is None
            else np.asarray(x)[: len(values)]
        )
        ax.plot(
            xs,
            values,
            "--" if "val" in label else "-",
            marker="." if len(values) < 40 else None,
            label=label,
        )
    if baseline is not None:
        ax.axhline(baseline, color="k", lw=1, ls=":", label=baseline_label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_recall(
    recalls: dict, *, counts=None, title: str | None = None
) -> Figure:
    """Per-class recall as grouped bars (``recalls``: label -> ``(C,)``); optional training counts per class."""
    labels = list(recalls)
    n_classes = len(np.asarray(recalls[labels[0]]))
    fig, ax = plt.subplots(figsize=(8, 3.4), constrained_layout=True)
    width = 0.8 / len(labels)
    for k, label in enumerate(labels):
        xs = np.arange(n_classes) + (k - (len(labels) - 1) / 2) * width
        ax.bar(xs, np.asarray(recalls[label]), width, label=label)
    names = [
        str(c) if counts is None else f"{c}\n(n={int(counts[c])})"
        for c in range(n_classes)
    ]
    ax.set_xticks(np.arange(n_classes), names)
    ax.set_xlabel("class" + ("" if counts is None else " (training examples)"))
    ax.set_ylabel("recall")
    ax.set_ylim(0, 1.25)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="upper right", ncols=len(labels))
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_adding_record(record: dict, *, ax=None) -> Figure:
    """Validation MSE of each cell against ``T`` over seeds, from a ``challenges_adding`` record.

    Every seed is a small dot and the mean a line, on a log scale, with the memoryless
    baseline ``1/6`` (dotted) and the success threshold ``1/12`` (dashed).
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 3.6), constrained_layout=True)
    else:
        fig = ax.figure
    lengths = np.asarray(record["lengths"])
    for cell, table in record["results"].items():
        values = np.array(
            [table[str(T)]["values"] for T in lengths]
        )  # (lengths, seeds)
        (line,) = ax.plot(
            lengths,
            values.mean(axis=1),
            marker="o",
            label=f"{cell.upper()} (mean)",
        )
        for k in range(values.shape[1]):
            ax.plot(
                lengths, values[:, k], ".", color=line.get_color(), alpha=0.5
            )
    threshold = record["success_threshold"]
    ax.axhline(2 * threshold, color="k", lw=1, ls=":", label="baseline 1/6")
    ax.axhline(
        threshold,
        color="grey",
        lw=0.8,
        ls="--",
        label="success threshold 1/12",
    )
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xticks(lengths, [str(T) for T in lengths])
    ax.minorticks_off()
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("validation MSE")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(
        f"adding problem, {record['steps']} steps, {len(record['seeds'])} seeds (dots)",
        fontsize=10,
    )
    return fig
