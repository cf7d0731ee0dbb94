"""Figures of Chapter 4 (classification): accuracy after k rows, hidden-state
trajectories, confusion matrix, misclassified digits, step probabilities, labelling.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from rnntutor.plot import plot_image_grid
from rnntutor.validation import check_array


def plot_accuracy_after_k(
    curves: dict, *, chance: float = 0.1, xlabel: str = "rows read k"
) -> Figure:
    """Accuracy of the prediction made after ``k`` steps, one curve per model (``name -> (T,)``)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4), constrained_layout=True)
    for name, acc in curves.items():
        acc = check_array(
            acc, f"curves[{name!r}]", shape=("T",), dtypes=("f",)
        )
        ax.plot(
            np.arange(1, len(acc) + 1),
            acc,
            marker="o",
            markersize=3,
            label=name,
        )
    ax.axhline(chance, color="grey", linestyle=":", label="chance")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_trajectories(
    projected, labels, *, explained=None, title: str | None = None
) -> Figure:
    """Hidden-state trajectories projected to 2-D, ``projected (N, T, 2)``, coloured by class.

    Each line is one image read step by step; a circle marks ``h_1`` and a labelled
    square the final state ``h_T``.
    """
    projected = check_array(
        projected, "projected", shape=("N", "T", 2), dtypes=("f",)
    )
    labels = check_array(
        labels, "labels", shape=(projected.shape[0],), dtypes=("i", "u")
    )
    cmap = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(6.5, 5.2), constrained_layout=True)
    for path, label in zip(projected, labels, strict=True):
        color = cmap(int(label) % 10)
        ax.plot(path[:, 0], path[:, 1], color=color, alpha=0.6, linewidth=1)
        ax.plot(path[0, 0], path[0, 1], "o", color=color, markersize=3)
        ax.plot(
            path[-1, 0],
            path[-1, 1],
            "s",
            color=color,
            markersize=9,
            markeredgecolor="k",
        )
        ax.annotate(
            str(int(label)),
            path[-1],
            ha="center",
            va="center",
            fontsize=7,
            color="white",
        )
    pcs = ["PC 1", "PC 2"]
    if explained is not None:
        pcs = [f"PC {k + 1} ({explained[k]:.0%} of variance)" for k in (0, 1)]
    ax.set_xlabel(pcs[0])
    ax.set_ylabel(pcs[1])
    ax.grid(alpha=0.3)
    ax.set_title(
        title
        or "hidden-state trajectories (circle: first step, square: last step)",
        fontsize=10,
    )
    return fig


def plot_confusion(cm, *, title: str | None = None) -> Figure:
    """Confusion matrix ``cm (C, C)`` (rows: true class, columns: predicted) with per-class accuracy."""
    cm = check_array(cm, "cm", shape=("C", "C"), dtypes=("i", "u"))
    n = cm.shape[0]
    totals = np.maximum(cm.sum(axis=1), 1)
    fig, (ax, ax_bar) = plt.subplots(
        1,
        2,
        figsize=(9.5, 4.2),
        gridspec_kw={"width_ratios": [1.25, 1]},
        constrained_layout=True,
    )
    im = ax.imshow(cm / totals[:, None], cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] / totals[i] > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.colorbar(
        im, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class"
    )
    acc = np.diag(cm) / totals
    ax_bar.barh(range(n), acc, color="tab:blue")
    for i, a in enumerate(acc):
        ax_bar.text(
            min(a, 1.0) - 0.01,
            i,
            f"{a:.1%}",
            ha="right",
            va="center",
            color="white",
            fontsize=7,
        )
    ax_bar.set_yticks(range(n))
    ax_bar.invert_yaxis()
    ax_bar.set_xlim(max(0.0, float(acc.min()) - 0.1), 1.0)
    ax_bar.set_xlabel("per-class accuracy")
    ax_bar.grid(alpha=0.3, axis="x")
    if title:
        fig.suptitle(title)
    return fig


def plot_misclassified(
    images, labels, probs, indices, *, ncols: int = 8
) -> Figure:
    """Show misclassified ``images[indices]`` with true label, prediction and top probabilities."""
    images = check_array(
        images, "images", shape=("N", "H", "W"), dtypes=("f",)
    )
    probs = check_array(
        probs, "probs", shape=(images.shape[0], "C"), dtypes=("f",)
    )
    indices = [int(i) for i in indices]
    titles = []
    for i in indices:
        top = np.argsort(-probs[i])[:2]
        titles.append(
            f"true {int(labels[i])}\n{int(top[0])}: {probs[i, top[0]]:.2f}\n{int(top[1])}: {probs[i, top[1]]:.2f}"
        )
    return plot_image_grid(
        images[indices], titles=titles, ncols=ncols, size=1.35
    )


def plot_step_probabilities(
    image, probs, k: int, *, label=None, title: str | None = None
) -> Figure:
    """One image read row by row: the first ``k`` rows and the class probabilities after them.

    ``probs (T, C)`` are the probabilities after each step (see
    :func:`rnntutor.classification.analysis.step_probabilities`). Left: rows read so far (unread rows pale).
    Middle: probabilities after ``k`` rows. Right: probability of each class against ``k``.
    """
    image = check_array(image, "image", shape=("H", "W"), dtypes=("f",))
    probs = check_array(
        probs, "probs", shape=(image.shape[0], "C"), dtypes=("f",)
    )
    n_steps, n_classes = probs.shape
    if not 1 <= k <= n_steps:
        raise ValueError(f"k must be between 1 and {n_steps}, got {k}")
    fig, (ax_img, ax_bar, ax_line) = plt.subplots(
        1,
        3,
        figsize=(11, 3.2),
        gridspec_kw={"width_ratios": [1, 1.3, 1.6]},
        constrained_layout=True,
    )
    cmap = plt.get_cmap("gray_r").with_extremes(bad="#cfe0f3")
    shown = image.astype(float).copy()
    shown[k:] = np.nan
    ax_img.imshow(shown, cmap=cmap, vmin=0, vmax=1)
    ax_img.axhline(k - 0.5, color="red", linewidth=1.5)
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    ax_img.set_title(
        f"{k} of {n_steps} rows read"
        + ("" if label is None else f" (label {int(label)})")
    )
    pred = int(probs[k - 1].argmax())
    colors = [
        "tab:green" if c == pred else "tab:blue" for c in range(n_classes)
    ]
    if label is not None and pred != int(label):
        colors[pred] = "tab:red"
    ax_bar.bar(range(n_classes), probs[k - 1], color=colors)
    ax_bar.set_xticks(range(n_classes))
    ax_bar.set_ylim(0, 1)
    ax_bar.set_xlabel("class")
    ax_bar.set_title(
        f"P(class | first {k} rows): {pred} at {probs[k - 1, pred]:.0%}"
    )
    cmap10 = plt.get_cmap("tab10")
    for c in range(n_classes):
        width = 2.5 if label is not None and c == int(label) else 1
        ax_line.plot(
            np.arange(1, n_steps + 1),
            probs[:, c],
            color=cmap10(c % 10),
            linewidth=width,
            label=str(c),
        )
    ax_line.axvline(k, color="red", linewidth=1)
    ax_line.set_ylim(0, 1)
    ax_line.set_xlabel("rows read k")
    ax_line.set_ylabel("probability")
    ax_line.legend(fontsize=6, ncols=2, loc="upper left")
    ax_line.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def plot_labelling(
    canvases, true_labels, pred_labels, *, background: int = 10, n: int = 4
) -> Figure:
    """Canvases with their per-column labels: true labels above, predictions below (``.`` = background)."""
    canvases = check_array(
        canvases, "canvases", shape=("M", "H", "W"), dtypes=("f",)
    )
    m, _, width = canvases.shape
    n = min(n, m)
    size = (min(14, 0.32 * width + 1), 1.35 * n)
    fig, axes = plt.subplots(
        n, 1, figsize=size, squeeze=False, constrained_layout=True
    )
    for i, ax in enumerate(axes[:, 0]):
        ax.imshow(canvases[i], cmap="gray_r", vmin=0, vmax=1)
        ax.set_yticks([])
        ax.set_xticks(range(width))
        ax.set_xticklabels(
            [
                "." if int(v) == background else str(int(v))
                for v in pred_labels[i]
            ],
            fontsize=7,
        )
        top = ax.secondary_xaxis("top")
        top.set_xticks(range(width))
        top.set_xticklabels(
            [
                "." if int(v) == background else str(int(v))
                for v in true_labels[i]
            ],
            fontsize=7,
        )
        wrong = np.flatnonzero(
            np.asarray(pred_labels[i]) != np.asarray(true_labels[i])
        )
        for c in wrong:
            ax.axvspan(c - 0.5, c + 0.5, color="red", alpha=0.25)
    axes[0, 0].set_title(
        "top: true column labels; bottom: predicted ('.' = background; red = wrong)",
        fontsize=9,
    )
    return fig
