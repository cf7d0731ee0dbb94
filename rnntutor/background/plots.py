"""Figures of Chapter 1 (background): scan orders, a scan in progress, hidden states."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from rnntutor.validation import check_array

ORDER_LABELS = {
    "rows": "row by row",
    "pixels": "pixel by pixel (raster)",
    "snake": "snake",
    "permuted": "permuted pixels",
}
"""Readable names of the scan orders of :func:`rnntutor.data.to_sequence`."""


def _step_map(
    image_shape: tuple[int, int], order: str, *, seed: int = 0
) -> np.ndarray:
    """``(H, W)`` int array: the time step (0-based) at which each pixel is read.

    For ``"rows"`` a whole row is one step; for the pixel orders it inverts
    :func:`rnntutor.data.scan_order` (which gives the pixel read at each step).
    """
    from rnntutor import data

    height, width = image_shape
    if order == "rows":
        return np.repeat(np.arange(height)[:, None], width, axis=1)  # (H, W)
    visit = data.scan_order(
        (height, width), order, seed=seed
    )  # (H*W,) pixel read at step t
    steps = np.empty(height * width, dtype=np.int64)
    steps[visit] = np.arange(height * width)
    return steps.reshape(height, width)  # (H, W)


def plot_scan_orders(
    image,
    orders=("rows", "pixels", "snake", "permuted"),
    *,
    seed: int = 0,
    path_steps: int | None = None,
) -> Figure:
    """Show one image read in several scan orders; return the figure.

    Top row: the time step at which each pixel is read (colour), the digit's outline
    and the path of the first ``path_steps`` steps (default: all steps of an image with
    at most 64 pixels, otherwise six rows' worth, two for "permuted"). Bottom row: the sequence
    the RNN receives, features (vertical) against time steps (horizontal).
    """
    from rnntutor import data

    image = check_array(image, "image", shape=("H", "W"), dtypes=("f",))
    height, width = image.shape
    if path_steps is None:
        path_steps = height * width if height * width <= 64 else 6 * width
    fig, axes = plt.subplots(
        2,
        len(orders),
        figsize=(3.0 * len(orders), 5.6),
        squeeze=False,
        gridspec_kw={"height_ratios": [3, 2]},
    )
    for col, order in enumerate(orders):
        steps = _step_map((height, width), order, seed=seed)  # (H, W)
        seq = data.to_sequence(image[None], order=order, seed=seed)[
            0
        ]  # (T, F)
        n_steps, n_features = seq.shape
        ax = axes[0, col]
        im = ax.imshow(
            steps + 1, cmap="viridis", vmin=1, vmax=n_steps
        )  # steps t = 1..T
        ax.contour(image, levels=[0.5], colors="white", linewidths=1.5)
        if order != "rows":
            n_path = (
                min(path_steps, 2 * width)
                if order == "permuted" and height * width > 64
                else path_steps
            )
            visit = data.scan_order((height, width), order, seed=seed)[
                :n_path
            ]  # random jumps: fewer
            rows, cols = np.divmod(visit, width)
            ax.plot(cols, rows, color="red", linewidth=1.0, alpha=0.8)
            ax.plot(cols[0], rows[0], "o", color="red", markersize=5)
        else:
            for r in range(height):
                ax.annotate(
                    "",
                    xy=(width - 0.5, r),
                    xytext=(-0.5, r),
                    arrowprops={
                        "arrowstyle": "->",
                        "color": "red",
                        "alpha": 0.35,
                        "linewidth": 0.8,
                    },
                )
        ax.set_title(
            f"{ORDER_LABELS.get(order, order)}\nT = {n_steps} steps, F = {n_features}",
            fontsize=10,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="step t")
        ax = axes[1, col]
        extent = (
            0.5,
            n_steps + 0.5,
            n_features - 0.5,
            -0.5,
        )  # columns at t = 1..T
        ax.imshow(
            seq.T,
            cmap="gray_r",
            vmin=0,
            vmax=1,
            aspect="auto",
            interpolation="nearest",
            extent=extent,
        )
        ax.set_xlabel("time step t")
        ax.set_ylabel("feature" if n_features > 1 else "")
        ax.set_yticks([] if n_features == 1 else [0, n_features - 1])
        ax.set_title("sequence $x_1, \\dots, x_T$", fontsize=10)
    fig.tight_layout()
    return fig


def plot_scan_progress(
    image, order: str, t: int, *, seed: int = 0, title: str | None = None
) -> Figure:
    """Show what an RNN has read of ``image`` after ``t`` steps in ``order``; return the figure.

    Left: read pixels in grey, unread ones pale blue, the pixels of step ``t`` outlined
    in red. Right: the sequence ``x_1 .. x_t`` received so far (features against steps).
    ``t`` counts steps from 1 to ``T``.
    """
    from rnntutor import data

    image = check_array(image, "image", shape=("H", "W"), dtypes=("f",))
    height, width = image.shape
    steps = _step_map((height, width), order, seed=seed)  # (H, W), 0-based
    n_steps = int(steps.max()) + 1
    if not 1 <= t <= n_steps:
        raise ValueError(
            f"t must be between 1 and {n_steps} for order {order!r}, got {t}"
        )
    fig, (ax_img, ax_seq) = plt.subplots(
        1,
        2,
        figsize=(8.0, 3.6),
        gridspec_kw={"width_ratios": [1, 1.6]},
        constrained_layout=True,
    )
    cmap = plt.get_cmap("gray_r").with_extremes(bad="#cfe0f3")
    ax_img.imshow(
        np.where(steps < t, image, np.nan), cmap=cmap, vmin=0, vmax=1
    )
    if order == "rows":  # one box around the whole row read at step t
        ax_img.add_patch(
            Rectangle(
                (-0.5, t - 1.5),
                width,
                1,
                fill=False,
                edgecolor="red",
                linewidth=2,
            )
        )
    else:
        (r, c) = np.argwhere(steps == t - 1)[0]
        ax_img.add_patch(
            Rectangle(
                (c - 0.5, r - 0.5),
                1,
                1,
                fill=False,
                edgecolor="red",
                linewidth=2,
            )
        )
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    read = int((steps < t).sum())
    ax_img.set_title(
        f"{ORDER_LABELS.get(order, order)}: step {t} of {n_steps}\n{read} of {height * width} pixels read"
    )
    seq = data.to_sequence(image[None], order=order, seed=seed)[0]  # (T, F)
    shown = np.full(seq.T.shape, np.nan)
    shown[:, :t] = seq[:t].T
    extent = (
        0.5,
        n_steps + 0.5,
        seq.shape[1] - 0.5,
        -0.5,
    )  # columns at t = 1..T
    ax_seq.imshow(
        shown,
        cmap=cmap,
        vmin=0,
        vmax=1,
        aspect="auto",
        interpolation="nearest",
        extent=extent,
    )
    ax_seq.axvline(t, color="red", linewidth=1.5)
    ax_seq.set_xlabel("time step t")
    if seq.shape[1] == 1:
        ax_seq.set_yticks([])
    else:
        ax_seq.set_ylabel("feature")
    ax_seq.set_title(f"sequence so far: x_t has {seq.shape[1]} feature(s)")
    if title:
        fig.suptitle(title)
    return fig


def plot_hidden_states(
    hs, *, x=None, units: int = 4, title: str | None = None
) -> Figure:
    """Plot the hidden states ``hs`` ``(T, H)`` of one sequence over time; return the figure.

    Optional top panel: the inputs ``x`` ``(T, F)``. Then a heatmap of ``h_t`` (units
    against steps ``t = 1..T``, colour scale -1..1 as for tanh) and the curves of the
    first ``units`` hidden units.
    """
    hs = check_array(hs, "hs", shape=("T", "H"), dtypes=("f",))
    n_steps = hs.shape[0]
    panels = ["h", "lines"] if x is None else ["x", "h", "lines"]
    if x is not None:
        x = check_array(x, "x", shape=(n_steps, "F"), dtypes=("f",))
    heights = {"x": 1.6, "h": 2.2, "lines": 1.8}

    def extent(a: np.ndarray) -> tuple[float, float, float, float]:
        return (
            0.5,
            n_steps + 0.5,
            a.shape[1] - 0.5,
            -0.5,
        )  # columns at t = 1..T

    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(7.5, sum(heights[p] for p in panels)),
        sharex=True,
        gridspec_kw={"height_ratios": [heights[p] for p in panels]},
        constrained_layout=True,
    )
    for ax, panel in zip(axes, panels, strict=True):
        if panel == "x":
            ax.imshow(
                x.T,
                cmap="gray_r",
                vmin=0,
                vmax=1,
                aspect="auto",
                interpolation="nearest",
                extent=extent(x),
            )
            ax.set_ylabel("input $x_t$\nfeature")
        elif panel == "h":
            im = ax.imshow(
                hs.T,
                cmap="RdBu_r",
                vmin=-1,
                vmax=1,
                aspect="auto",
                interpolation="nearest",
                extent=extent(hs),
            )
            ax.set_ylabel("hidden $h_t$\nunit")
            fig.colorbar(im, ax=ax, pad=0.01)
        else:
            for k in range(min(units, hs.shape[1])):
                ax.plot(
                    np.arange(1, n_steps + 1),
                    hs[:, k],
                    marker=".",
                    label=f"unit {k}",
                )
            ax.set_ylim(-1.05, 1.05)
            ax.set_ylabel("$h_t$ value")
            ax.legend(fontsize=8, ncols=min(units, 4), loc="lower right")
            ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time step t")
    if title:
        fig.suptitle(title)
    return fig
