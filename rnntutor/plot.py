"""Matplotlib helpers used by the book's chapters."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from rnntutor.validation import check_array

# ----------------------------------------------------------------------------- Chapter 1: images as sequences

ORDER_LABELS = {
    "rows": "row by row",
    "pixels": "pixel by pixel (raster)",
    "snake": "snake",
    "permuted": "permuted pixels",
}
"""Readable names of the scan orders of :func:`rnntutor.data.to_sequence`."""


def _step_map(image_shape: tuple[int, int], order: str, *, seed: int = 0) -> np.ndarray:
    """``(H, W)`` int array: the time step (0-based) at which each pixel is read.

    For ``"rows"`` a whole row is one step; for the pixel orders it inverts
    :func:`rnntutor.data.scan_order` (which gives the pixel read at each step).
    """
    from rnntutor import data

    height, width = image_shape
    if order == "rows":
        return np.repeat(np.arange(height)[:, None], width, axis=1)  # (H, W)
    visit = data.scan_order((height, width), order, seed=seed)  # (H*W,) pixel read at step t
    steps = np.empty(height * width, dtype=np.int64)
    steps[visit] = np.arange(height * width)
    return steps.reshape(height, width)  # (H, W)


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
    images = check_array(images, "images", shape=("N", "H", "W"), dtypes=("f", "i", "u", "b"))
    n = images.shape[0]
    if titles is None and labels is not None:
        titles = [f"label {int(label)}" for label in np.asarray(labels).ravel()]
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {len(titles)} titles for {n} images")
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
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
        2, len(orders), figsize=(3.0 * len(orders), 5.6), squeeze=False, gridspec_kw={"height_ratios": [3, 2]}
    )
    for col, order in enumerate(orders):
        steps = _step_map((height, width), order, seed=seed)  # (H, W)
        seq = data.to_sequence(image[None], order=order, seed=seed)[0]  # (T, F)
        n_steps, n_features = seq.shape
        ax = axes[0, col]
        im = ax.imshow(steps + 1, cmap="viridis", vmin=1, vmax=n_steps)  # steps t = 1..T
        ax.contour(image, levels=[0.5], colors="white", linewidths=1.5)
        if order != "rows":
            n_path = min(path_steps, 2 * width) if order == "permuted" and height * width > 64 else path_steps
            visit = data.scan_order((height, width), order, seed=seed)[:n_path]  # random jumps: fewer
            rows, cols = np.divmod(visit, width)
            ax.plot(cols, rows, color="red", linewidth=1.0, alpha=0.8)
            ax.plot(cols[0], rows[0], "o", color="red", markersize=5)
        else:
            for r in range(height):
                ax.annotate(
                    "",
                    xy=(width - 0.5, r),
                    xytext=(-0.5, r),
                    arrowprops={"arrowstyle": "->", "color": "red", "alpha": 0.35, "linewidth": 0.8},
                )
        ax.set_title(f"{ORDER_LABELS.get(order, order)}\nT = {n_steps} steps, F = {n_features}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="step t")
        ax = axes[1, col]
        extent = (0.5, n_steps + 0.5, n_features - 0.5, -0.5)  # columns at t = 1..T
        ax.imshow(seq.T, cmap="gray_r", vmin=0, vmax=1, aspect="auto", interpolation="nearest", extent=extent)
        ax.set_xlabel("time step t")
        ax.set_ylabel("feature" if n_features > 1 else "")
        ax.set_yticks([] if n_features == 1 else [0, n_features - 1])
        ax.set_title("sequence $x_1, \\dots, x_T$", fontsize=10)
    fig.tight_layout()
    return fig


def plot_scan_progress(image, order: str, t: int, *, seed: int = 0, title: str | None = None) -> Figure:
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
        raise ValueError(f"t must be between 1 and {n_steps} for order {order!r}, got {t}")
    fig, (ax_img, ax_seq) = plt.subplots(
        1, 2, figsize=(8.0, 3.6), gridspec_kw={"width_ratios": [1, 1.6]}, constrained_layout=True
    )
    cmap = plt.get_cmap("gray_r").with_extremes(bad="#cfe0f3")
    ax_img.imshow(np.where(steps < t, image, np.nan), cmap=cmap, vmin=0, vmax=1)
    if order == "rows":  # one box around the whole row read at step t
        ax_img.add_patch(Rectangle((-0.5, t - 1.5), width, 1, fill=False, edgecolor="red", linewidth=2))
    else:
        (r, c) = np.argwhere(steps == t - 1)[0]
        ax_img.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    read = int((steps < t).sum())
    ax_img.set_title(f"{ORDER_LABELS.get(order, order)}: step {t} of {n_steps}\n{read} of {height * width} pixels read")
    seq = data.to_sequence(image[None], order=order, seed=seed)[0]  # (T, F)
    shown = np.full(seq.T.shape, np.nan)
    shown[:, :t] = seq[:t].T
    extent = (0.5, n_steps + 0.5, seq.shape[1] - 0.5, -0.5)  # columns at t = 1..T
    ax_seq.imshow(shown, cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest", extent=extent)
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


def plot_hidden_states(hs, *, x=None, units: int = 4, title: str | None = None) -> Figure:
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
        return (0.5, n_steps + 0.5, a.shape[1] - 0.5, -0.5)  # columns at t = 1..T

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
            ax.imshow(x.T, cmap="gray_r", vmin=0, vmax=1, aspect="auto", interpolation="nearest", extent=extent(x))
            ax.set_ylabel("input $x_t$\nfeature")
        elif panel == "h":
            im = ax.imshow(
                hs.T, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest", extent=extent(hs)
            )
            ax.set_ylabel("hidden $h_t$\nunit")
            fig.colorbar(im, ax=ax, pad=0.01)
        else:
            for k in range(min(units, hs.shape[1])):
                ax.plot(np.arange(1, n_steps + 1), hs[:, k], marker=".", label=f"unit {k}")
            ax.set_ylim(-1.05, 1.05)
            ax.set_ylabel("$h_t$ value")
            ax.legend(fontsize=8, ncols=min(units, 4), loc="lower right")
            ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time step t")
    if title:
        fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- training and benchmarks (issue 4)


def plot_history(history, *, title: str | None = None) -> Figure:
    """Loss and accuracy per epoch of a :class:`rnntutor.train.History`; return the figure.

    Validation curves are drawn when the history has them (entries not ``None``).
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
    epochs = list(history.epoch)
    for ax, key, name in ((ax_loss, "loss", "loss"), (ax_acc, "acc", "accuracy")):
        ax.plot(epochs, getattr(history, f"train_{key}"), marker="o", label="train")
        val = [np.nan if v is None else v for v in getattr(history, f"val_{key}")]
        if val and not np.all(np.isnan(val)):
            ax.plot(epochs, val, marker="s", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def plot_benchmark(result: dict, *, title: str | None = None) -> Figure:
    """Bar chart of a :func:`rnntutor.bench.run` result: time relative to ``torch.nn`` per size.

    One group of bars per problem size, one bar per implementation; each bar is labelled
    with its ratio and median time. The line at 1 is ``torch.nn``.
    """
    from rnntutor.bench import LABELS

    sizes = result["sizes"]
    impls = list(sizes[0]["results"])
    fig, ax = plt.subplots(figsize=(8, 3.6), constrained_layout=True)
    width = 0.8 / len(impls)
    for k, impl in enumerate(impls):
        xs = np.arange(len(sizes)) + (k - (len(impls) - 1) / 2) * width
        ratios = [s["results"][impl]["ratio"] for s in sizes]
        bars = ax.bar(xs, ratios, width, label=LABELS.get(impl, impl))
        for bar, s in zip(bars, sizes, strict=True):
            r = s["results"][impl]
            ax.annotate(
                f"{r['ratio']:.2f}x\n{r['median_ms']:.3g} ms",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center", va="bottom", fontsize=7,
            )  # fmt: skip
    ax.axhline(1.0, color="k", lw=0.8)
    top = max(s["results"][impl]["ratio"] for s in sizes for impl in impls)
    ax.set_xticks(np.arange(len(sizes)), [f"{s['label']}\nT={s['T']} B={s['B']} I={s['I']} H={s['H']}" for s in sizes])
    ax.set_ylabel("time / torch.nn time")
    ax.set_ylim(0, top * 1.35)
    ax.legend(fontsize=8, ncols=len(impls), loc="upper left")
    m = result["machine"]
    where = m["gpu"] if m.get("gpu") else f"{m['cpu']} ({m['cpu_cores']} cores, {m['torch_threads']} torch threads)"
    timer = result.get("timer", "wall")
    ax.set_title(title or f"LSTM forward + backward, median {timer} time, on {m['device']}: {where}", fontsize=9)
    return fig


# ----------------------------------------------------------------------------- Chapter 2: gates (issue 3)

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


# ----------------------------------------------------------------------------- Chapter 4: image classification


def plot_learning_curves(histories: dict, *, title: str | None = None) -> Figure:
    """Compare several :class:`rnntutor.train.History` runs: training loss and test accuracy per epoch.

    ``histories`` maps a name (e.g. ``"LSTM"``) to a history with validation entries.
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9.5, 3.3), constrained_layout=True)
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


def plot_accuracy_after_k(curves: dict, *, chance: float = 0.1, xlabel: str = "rows read k") -> Figure:
    """Accuracy of the prediction made after ``k`` steps, one curve per model (``name -> (T,)``)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4), constrained_layout=True)
    for name, acc in curves.items():
        acc = check_array(acc, f"curves[{name!r}]", shape=("T",), dtypes=("f",))
        ax.plot(np.arange(1, len(acc) + 1), acc, marker="o", markersize=3, label=name)
    ax.axhline(chance, color="grey", linestyle=":", label="chance")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_trajectories(projected, labels, *, explained=None, title: str | None = None) -> Figure:
    """Hidden-state trajectories projected to 2-D, ``projected (N, T, 2)``, coloured by class.

    Each line is one image read step by step; a circle marks ``h_1`` and a labelled
    square the final state ``h_T``.
    """
    projected = check_array(projected, "projected", shape=("N", "T", 2), dtypes=("f",))
    labels = check_array(labels, "labels", shape=(projected.shape[0],), dtypes=("i", "u"))
    cmap = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(6.5, 5.2), constrained_layout=True)
    for path, label in zip(projected, labels, strict=True):
        color = cmap(int(label) % 10)
        ax.plot(path[:, 0], path[:, 1], color=color, alpha=0.6, linewidth=1)
        ax.plot(path[0, 0], path[0, 1], "o", color=color, markersize=3)
        ax.plot(path[-1, 0], path[-1, 1], "s", color=color, markersize=9, markeredgecolor="k")
        ax.annotate(str(int(label)), path[-1], ha="center", va="center", fontsize=7, color="white")
    pcs = ["PC 1", "PC 2"]
    if explained is not None:
        pcs = [f"PC {k + 1} ({explained[k]:.0%} of variance)" for k in (0, 1)]
    ax.set_xlabel(pcs[0])
    ax.set_ylabel(pcs[1])
    ax.grid(alpha=0.3)
    ax.set_title(title or "hidden-state trajectories (circle: first step, square: last step)", fontsize=10)
    return fig


def plot_confusion(cm, *, title: str | None = None) -> Figure:
    """Confusion matrix ``cm (C, C)`` (rows: true class, columns: predicted) with per-class accuracy."""
    cm = check_array(cm, "cm", shape=("C", "C"), dtypes=("i", "u"))
    n = cm.shape[0]
    totals = np.maximum(cm.sum(axis=1), 1)
    fig, (ax, ax_bar) = plt.subplots(
        1, 2, figsize=(9.5, 4.2), gridspec_kw={"width_ratios": [1.25, 1]}, constrained_layout=True
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
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    acc = np.diag(cm) / totals
    ax_bar.barh(range(n), acc, color="tab:blue")
    for i, a in enumerate(acc):
        ax_bar.text(min(a, 1.0) - 0.01, i, f"{a:.1%}", ha="right", va="center", color="white", fontsize=7)
    ax_bar.set_yticks(range(n))
    ax_bar.invert_yaxis()
    ax_bar.set_xlim(max(0.0, float(acc.min()) - 0.1), 1.0)
    ax_bar.set_xlabel("per-class accuracy")
    ax_bar.grid(alpha=0.3, axis="x")
    if title:
        fig.suptitle(title)
    return fig


def plot_misclassified(images, labels, probs, indices, *, ncols: int = 8) -> Figure:
    """Show misclassified ``images[indices]`` with true label, prediction and top probabilities."""
    images = check_array(images, "images", shape=("N", "H", "W"), dtypes=("f",))
    probs = check_array(probs, "probs", shape=(images.shape[0], "C"), dtypes=("f",))
    indices = [int(i) for i in indices]
    titles = []
    for i in indices:
        top = np.argsort(-probs[i])[:2]
        titles.append(
            f"true {int(labels[i])}\n{int(top[0])}: {probs[i, top[0]]:.2f}\n{int(top[1])}: {probs[i, top[1]]:.2f}"
        )
    return plot_image_grid(images[indices], titles=titles, ncols=ncols, size=1.35)


def plot_step_probabilities(image, probs, k: int, *, label=None, title: str | None = None) -> Figure:
    """One image read row by row: the first ``k`` rows and the class probabilities after them.

    ``probs (T, C)`` are the probabilities after each step (see
    :func:`rnntutor.analysis.step_probabilities`). Left: rows read so far (unread rows pale).
    Middle: probabilities after ``k`` rows. Right: probability of each class against ``k``.
    """
    image = check_array(image, "image", shape=("H", "W"), dtypes=("f",))
    probs = check_array(probs, "probs", shape=(image.shape[0], "C"), dtypes=("f",))
    n_steps, n_classes = probs.shape
    if not 1 <= k <= n_steps:
        raise ValueError(f"k must be between 1 and {n_steps}, got {k}")
    fig, (ax_img, ax_bar, ax_line) = plt.subplots(
        1, 3, figsize=(11, 3.2), gridspec_kw={"width_ratios": [1, 1.3, 1.6]}, constrained_layout=True
    )
    cmap = plt.get_cmap("gray_r").with_extremes(bad="#cfe0f3")
    shown = image.astype(float).copy()
    shown[k:] = np.nan
    ax_img.imshow(shown, cmap=cmap, vmin=0, vmax=1)
    ax_img.axhline(k - 0.5, color="red", linewidth=1.5)
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    ax_img.set_title(f"{k} of {n_steps} rows read" + ("" if label is None else f" (label {int(label)})"))
    pred = int(probs[k - 1].argmax())
    colors = ["tab:green" if c == pred else "tab:blue" for c in range(n_classes)]
    if label is not None and pred != int(label):
        colors[pred] = "tab:red"
    ax_bar.bar(range(n_classes), probs[k - 1], color=colors)
    ax_bar.set_xticks(range(n_classes))
    ax_bar.set_ylim(0, 1)
    ax_bar.set_xlabel("class")
    ax_bar.set_title(f"P(class | first {k} rows): {pred} at {probs[k - 1, pred]:.0%}")
    cmap10 = plt.get_cmap("tab10")
    for c in range(n_classes):
        width = 2.5 if label is not None and c == int(label) else 1
        ax_line.plot(np.arange(1, n_steps + 1), probs[:, c], color=cmap10(c % 10), linewidth=width, label=str(c))
    ax_line.axvline(k, color="red", linewidth=1)
    ax_line.set_ylim(0, 1)
    ax_line.set_xlabel("rows read k")
    ax_line.set_ylabel("probability")
    ax_line.legend(fontsize=6, ncols=2, loc="upper left")
    ax_line.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def plot_labelling(canvases, true_labels, pred_labels, *, background: int = 10, n: int = 4) -> Figure:
    """Canvases with their per-column labels: true labels above, predictions below (``.`` = background)."""
    canvases = check_array(canvases, "canvases", shape=("M", "H", "W"), dtypes=("f",))
    m, _, width = canvases.shape
    n = min(n, m)
    size = (min(14, 0.32 * width + 1), 1.35 * n)
    fig, axes = plt.subplots(n, 1, figsize=size, squeeze=False, constrained_layout=True)
    for i, ax in enumerate(axes[:, 0]):
        ax.imshow(canvases[i], cmap="gray_r", vmin=0, vmax=1)
        ax.set_yticks([])
        ax.set_xticks(range(width))
        ax.set_xticklabels(["." if int(v) == background else str(int(v)) for v in pred_labels[i]], fontsize=7)
        top = ax.secondary_xaxis("top")
        top.set_xticks(range(width))
        top.set_xticklabels(["." if int(v) == background else str(int(v)) for v in true_labels[i]], fontsize=7)
        wrong = np.flatnonzero(np.asarray(pred_labels[i]) != np.asarray(true_labels[i]))
        for c in wrong:
            ax.axvspan(c - 0.5, c + 0.5, color="red", alpha=0.25)
    axes[0, 0].set_title("top: true column labels; bottom: predicted ('.' = background; red = wrong)", fontsize=9)
    return fig


# ----------------------------------------------------------------------------- Chapter 5: challenges


def plot_gradient_norms(curves: dict, *, bounds: dict | None = None, title: str | None = None, ax=None) -> Figure:
    """``‖∂s_T/∂s_t‖`` against the lag ``T - t`` on a log scale; return the figure.

    ``curves`` maps a label to norms ``(T,)`` (entry ``k`` is lag ``k + 1``, as returned
    by :func:`rnntutor.gradients.state_gradient_norms`); ``bounds`` maps a label to a
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
        xs = np.arange(1, len(values) + 1) if x is None else np.asarray(x)[: len(values)]
        ax.plot(xs, values, "--" if "val" in label else "-", marker="." if len(values) < 40 else None, label=label)
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


def plot_recall(recalls: dict, *, counts=None, title: str | None = None) -> Figure:
    """Per-class recall as grouped bars (``recalls``: label -> ``(C,)``); optional training counts per class."""
    labels = list(recalls)
    n_classes = len(np.asarray(recalls[labels[0]]))
    fig, ax = plt.subplots(figsize=(8, 3.4), constrained_layout=True)
    width = 0.8 / len(labels)
    for k, label in enumerate(labels):
        xs = np.arange(n_classes) + (k - (len(labels) - 1) / 2) * width
        ax.bar(xs, np.asarray(recalls[label]), width, label=label)
    names = [str(c) if counts is None else f"{c}\n(n={int(counts[c])})" for c in range(n_classes)]
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


# ----------------------------------------------------------------------------- Chapter 3: image generation


def plot_context_maps(maps: dict, pixel: tuple[int, int], *, size: float = 2.4, title: str | None = None) -> Figure:
    """Show, for one target ``pixel`` ``(r, c)``, which pixels each model's prediction uses.

    ``maps`` is ``{name: (H, W) bool}`` (True = in the context); the target pixel is drawn
    in red, the context in blue, the rest of the past in light grey and the future white.
    """
    n = len(maps)
    fig, axes = plt.subplots(1, n, figsize=(size * n, size + 0.5), squeeze=False)
    r0, c0 = pixel
    for ax, (name, ctx) in zip(axes[0], maps.items(), strict=True):
        ctx = np.asarray(ctx, dtype=bool)
        h, w = ctx.shape
        past = (np.arange(h * w) < r0 * w + c0).reshape(h, w)
        rgb = np.ones((h, w, 3))
        rgb[past] = (0.88, 0.88, 0.88)
        rgb[ctx] = (0.25, 0.45, 0.85)
        rgb[r0, c0] = (0.85, 0.15, 0.15)
        ax.imshow(rgb)
        ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(name, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.88) if title else None)  # leave room for the title above two-line labels
    return fig


def show_occluded(images, known_mask) -> np.ndarray:
    """Images ``(N, H, W)`` with the unknown pixels (``known_mask`` False) set to 0.5 grey, for display."""
    images = np.asarray(images, dtype=np.float32)
    mask = np.broadcast_to(np.asarray(known_mask, dtype=bool), images.shape)
    return np.where(mask, images, 0.5).astype(np.float32)


def plot_completions(originals, known_mask, completions, *, size: float = 1.1, title: str | None = None) -> Figure:
    """Three rows: the originals, what the model was given (unknown pixels grey), its completions."""
    originals = np.asarray(originals, dtype=np.float32)
    shown = np.concatenate([originals, show_occluded(originals, known_mask), np.asarray(completions, np.float32)])
    n = originals.shape[0]
    titles = ["original"] * n + ["given"] * n + ["completed"] * n
    return plot_image_grid(shown, titles=titles, ncols=n, size=size, suptitle=title)


def plot_generation_steps(
    frames, *, image: int = 0, n_frames: int = 8, size: float = 1.3, title: str | None = None
) -> Figure:
    """One sampled image at ``n_frames`` moments of generation; ``frames`` ``(S, N, H, W)`` from ``sample_steps``.

    Pixels not generated yet are shown grey (0.5).
    """
    frames = np.asarray(frames, dtype=np.float32)[:, image]  # (S, H, W)
    s, h, w = frames.shape
    picks = np.unique(np.linspace(0, s - 1, n_frames).round().astype(int))
    per_frame = h * w / s  # pixels generated per stored frame
    shown, titles = [], []
    for k in picks:
        done = int(round((k + 1) * per_frame))
        img = frames[k].copy()
        img.reshape(-1)[done:] = 0.5
        shown.append(img)
        titles.append(f"{done} px")
    return plot_image_grid(np.stack(shown), titles=titles, ncols=len(shown), size=size, suptitle=title)
