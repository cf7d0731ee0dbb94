"""Figures every chapter uses: image grids, training histories, learning curves.

Each chapter's own figures live next to its code, in ``rnntutor.<chapter>.plots``
(for example :mod:`rnntutor.background.plots` for Chapter 1).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from rnntutor.validation import check_array


def plot_image_grid(
    images,
    labels=None,
    *,
    titles=None,
    ncols: int = 10,
    size: float = 1.2,
    cmap: str = "gray_r",
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    colorbar: bool = False,
    suptitle: str | None = None,
) -> Figure:
    """Show ``images`` ``(N, H, W)`` in a grid, one axis per image; return the figure.

    ``labels`` (N,) or ``titles`` (N strings) go above the images. ``vmin=vmax=None``
    scales each image to its own range (useful for mean or standard-deviation images).
    """
    images = check_array(
        images, "images", shape=("N", "H", "W"), dtypes=("f", "i", "u", "b")
    )
    n = images.shape[0]
    if titles is None and labels is not None:
        titles = [
            f"label {int(label)}" for label in np.asarray(labels).ravel()
        ]
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {len(titles)} titles for {n} images")
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False
    )
    for k, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_axis_off()
            continue
        im = ax.imshow(images[k], cmap=cmap, vmin=vmin, vmax=vmax)
        if titles is not None:
            ax.set_title(titles[k], fontsize=9)
        if colorbar:
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_history(history, *, title: str | None = None) -> Figure:
    """Loss and accuracy per epoch of a :class:`rnntutor.train.History`; return the figure.

    Validation curves are drawn when the history has them (entries not ``None``).
    """
    fig, (ax_loss, ax_acc) = plt.subplots(
        1, 2, figsize=(9, 3.2), constrained_layout=True
    )
    epochs = list(history.epoch)
    for ax, key, name in (
        (ax_loss, "loss", "loss"),
        (ax_acc, "acc", "accuracy"),
    ):
        ax.plot(
            epochs, getattr(history, f"train_{key}"), marker="o", label="train"
        )
        val = [
            np.nan if v is None else v for v in getattr(history, f"val_{key}")
        ]
        if val and not np.all(np.isnan(val)):
            ax.plot(epochs, val, marker="s", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def plot_learning_curves(
    histories: dict, *, title: str | None = None
) -> Figure:
    """Compare several :class:`rnntutor.train.History` runs: training loss and test accuracy per epoch.

    ``histories`` maps a name (e.g. ``"LSTM"``) to a history with validation entries.
    """
    fig, (ax_loss, ax_acc) = plt.subplots(
        1, 2, figsize=(9.5, 3.3), constrained_layout=True
    )
    for name, hist in histories.items():
        ax_loss.plot(hist.epoch, hist.train_loss, marker=".", label=name)
        val = [np.nan if v is None else v for v in hist.val_acc]
        ax_acc.plot(hist.epoch, val, marker=".", label=name)
    ax_loss.set_yscale("log")
    ax_loss.set_ylabel("training loss (log)")
    ax_acc.set_ylabel("test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
