"""Pictures, an animation and a widget for Chapter 3c (DRAW drawing step by step).

All three take a :class:`~rnntutor.generation.draw.DrawTrace` (``model.trace(...)``):
its canvases ``sigmoid(c_t)`` ``(n, T, H, W)`` and, per step, the attention windows
``(gX, gY, sigma2, delta, gamma)`` in pixels. A window is drawn as the rectangle
spanned by its ``N x N`` filter centres, ``gX +- (N - 1)/2 delta`` (at least one
pixel wide): red for the write window, green for the read window.

- :func:`plot_drawing`: a grid of canvases, one row per image, one column per step;
- :func:`animate_drawing`: an HTML animation (``FuncAnimation.to_jshtml``) that plays
  offline: it links no stylesheet, script or font from the internet;
- :func:`drawing_stepper`: an ipywidgets slider over the steps (live in JupyterLab).
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

__all__ = ["animate_drawing", "drawing_stepper", "plot_drawing", "window_box"]

WRITE_COLOUR = "tab:red"
READ_COLOUR = "tab:green"


def window_box(params, N: int) -> tuple[float, float, float, float]:
    """``(x0, y0, width, height)`` in ``imshow`` coordinates of a window ``(gX, gY, sigma2, delta, gamma)``.

    The rectangle spans the filter centres ``g +- (N - 1)/2 delta`` plus half a pixel on
    each side (pixel ``a`` covers ``a - 0.5 .. a + 0.5``).
    """
    gx, gy, _, delta, _ = (float(v) for v in params)
    half = (N - 1) / 2 * delta + 0.5
    return gx - half, gy - half, 2 * half, 2 * half


def _add_box(ax, params, N, colour):
    x0, y0, w, h = window_box(params, N)
    patch = Rectangle(
        (x0, y0), w, h, fill=False, edgecolor=colour, linewidth=1.5
    )
    ax.add_patch(patch)
    return patch


def _check_trace(trace, index):
    canvases = np.asarray(trace.canvases)
    if canvases.ndim != 4:
        raise ValueError(
            f"trace.canvases must have shape (n, T, H, W), got {canvases.shape}"
        )
    n = canvases.shape[0]
    index = list(range(n)) if index is None else list(index)
    bad = [i for i in index if not 0 <= i < n]
    if bad:
        raise ValueError(f"image indices must be in 0..{n - 1}, got {bad}")
    return canvases, index


def plot_drawing(
    trace,
    *,
    write_n: int,
    read_n: int | None = None,
    index=None,
    steps=None,
    size: float = 1.0,
):
    """A grid of canvases: one row per image of ``index``, one column per step of ``steps``.

    ``write_n`` / ``read_n`` are the model's grid sizes (the boxes are drawn only when the
    trace holds windows: a model without attention has none).
    """
    canvases, index = _check_trace(trace, index)
    T = canvases.shape[1]
    steps = list(range(T)) if steps is None else list(steps)
    fig, axes = plt.subplots(
        len(index),
        len(steps),
        figsize=(size * len(steps), size * len(index) + 0.5),
        squeeze=False,
    )
    writes = np.asarray(trace.write)
    reads = np.asarray(trace.read)
    for r, i in enumerate(index):
        for c, t in enumerate(steps):
            ax = axes[r, c]
            ax.imshow(canvases[i, t], cmap="gray", vmin=0, vmax=1)
            if writes.shape[1]:
                _add_box(ax, writes[i, t], write_n, WRITE_COLOUR)
            if read_n is not None and reads.shape[1]:
                _add_box(ax, reads[i, t], read_n, READ_COLOUR)
            ax.set_xlim(-0.5, canvases.shape[3] - 0.5)
            ax.set_ylim(canvases.shape[2] - 0.5, -0.5)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"t = {t + 1}", fontsize=8)
    fig.tight_layout()
    return fig


def _offline(html: str) -> str:
    """Drop the stylesheet matplotlib links from a CDN (Font Awesome for its buttons)."""
    return re.sub(
        r'<link rel="stylesheet"\s+href="https?://[^"]*">\n?', "", html
    )


def animate_drawing(
    trace, *, write_n: int, read_n: int | None = None, index=None, interval: int = 300
) -> str:  # fmt: skip
    """HTML (``to_jshtml``) of the canvases of the images ``index`` being drawn, step by step.

    The HTML links nothing external (matplotlib's Font Awesome stylesheet is removed;
    the book's theme serves the icons), so it plays on an offline site.
    """
    from matplotlib.animation import FuncAnimation

    canvases, index = _check_trace(trace, index)
    T = canvases.shape[1]
    writes = np.asarray(trace.write)
    reads = np.asarray(trace.read)
    fig, axes = plt.subplots(
        1, len(index), figsize=(1.6 * len(index), 2.0), squeeze=False
    )
    images, boxes = [], []
    for ax, i in zip(axes[0], index, strict=True):
        images.append(ax.imshow(canvases[i, 0], cmap="gray", vmin=0, vmax=1))
        box_w = (
            _add_box(ax, writes[i, 0], write_n, WRITE_COLOUR)
            if writes.shape[1]
            else None
        )
        box_r = (
            _add_box(ax, reads[i, 0], read_n, READ_COLOUR)
            if read_n and reads.shape[1]
            else None
        )
        boxes.append((box_w, box_r))
        ax.set_xlim(-0.5, canvases.shape[3] - 0.5)
        ax.set_ylim(canvases.shape[2] - 0.5, -0.5)
        ax.set_xticks([])
        ax.set_yticks([])
    caption = fig.suptitle("")

    def update(t):
        for im, (box_w, box_r), i in zip(images, boxes, index, strict=True):
            im.set_data(canvases[i, t])
            for box, params, N in (
                (box_w, writes, write_n),
                (box_r, reads, read_n),
            ):
                if box is not None:
                    x0, y0, w, h = window_box(params[i, t], N)
                    box.set_bounds(x0, y0, w, h)
        caption.set_text(f"step t = {t + 1} of {T}")
        return images

    anim = FuncAnimation(fig, update, frames=T, interval=interval, blit=False)
    html = anim.to_jshtml()
    plt.close(fig)
    return _offline(html)


def drawing_stepper(trace, *, write_n: int, read_n: int | None = None):
    """An ipywidgets explorer: choose an image and a step; shows the canvas and its windows."""
    import ipywidgets as widgets

    canvases, _ = _check_trace(trace, None)
    n, T = canvases.shape[:2]
    writes = np.asarray(trace.write)
    reads = np.asarray(trace.read)

    def show(image: int, t: int) -> None:
        fig, axes = plt.subplots(1, 2, figsize=(5.0, 2.6))
        ax = axes[0]
        ax.imshow(canvases[image, t - 1], cmap="gray", vmin=0, vmax=1)
        if writes.shape[1]:
            _add_box(ax, writes[image, t - 1], write_n, WRITE_COLOUR)
        if read_n is not None and reads.shape[1]:
            _add_box(ax, reads[image, t - 1], read_n, READ_COLOUR)
        ax.set_xlim(-0.5, canvases.shape[3] - 0.5)
        ax.set_ylim(canvases.shape[2] - 0.5, -0.5)
        ax.set_title(f"canvas after step {t}", fontsize=9)
        before = (
            canvases[image, t - 2]
            if t > 1
            else np.full_like(canvases[image, 0], 0.5)
        )
        axes[1].imshow(
            canvases[image, t - 1] - before, cmap="RdBu_r", vmin=-1, vmax=1
        )
        axes[1].set_title("what step t changed", fontsize=9)
        for a in axes:
            a.set_xticks([])
            a.set_yticks([])
        plt.show()

    image = widgets.IntSlider(value=0, min=0, max=n - 1, description="image")
    step = widgets.IntSlider(value=1, min=1, max=T, description="step t")
    return widgets.interactive(show, image=image, t=step)
