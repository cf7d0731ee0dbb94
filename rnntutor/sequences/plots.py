"""Pictures, an animation and a widget for Chapter 6 (frames, predictions, error curves).

Frames are ``(T, S, S)`` arrays in ``[0, 1]``. :func:`plot_frame_grid` draws rows of
frames (input | truth | prediction), :func:`animate_prediction` returns an HTML
animation that plays offline (``FuncAnimation.to_jshtml``), :func:`frame_scrubber` is an
ipywidgets slider over the frames, :func:`plot_horizon` draws error against the
prediction horizon. :func:`load_result` reads the JSON results shipped with the package.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from rnntutor import results

RESULTS = Path(__file__).parent / "results"


def load_result(name: str) -> dict:
    """A JSON result shipped in ``rnntutor/sequences/results`` (e.g. ``"bench_convlstm"``).

    An unknown name raises :class:`rnntutor.results.UnknownResultError` listing the known ones.
    """
    return results.read(name, RESULTS)


def plot_frame_grid(
    rows: dict, *, title: str | None = None, size: float = 0.9
):
    """One row of frames per entry of ``rows`` (label -> ``(T, S, S)``), frames left to right.

    Rows may have different lengths; shorter rows are right-aligned so that
    predictions sit under the frames they predict.
    """
    n_cols = max(len(v) for v in rows.values())
    fig, axes = plt.subplots(
        len(rows),
        n_cols,
        figsize=(size * n_cols, size * len(rows) + 0.4),
        squeeze=False,
    )
    for r, (label, frames) in enumerate(rows.items()):
        offset = n_cols - len(frames)
        for c in range(n_cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= offset:
                ax.imshow(frames[c - offset], cmap="gray", vmin=0, vmax=1)
            else:
                ax.axis("off")
        axes[r, offset].set_ylabel(label, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def animate_prediction(
    inputs, truth, preds: dict, *, interval: int = 250
) -> str:
    """HTML (``to_jshtml``) of the true sequence next to each model's, frame by frame.

    ``inputs (T_in, S, S)``, ``truth (T_out, S, S)``, ``preds`` label -> ``(T_out, S, S)``.
    During the observed frames every panel shows the input.
    """
    from matplotlib.animation import FuncAnimation

    panels = {"truth": np.concatenate([inputs, truth])}
    for label, p in preds.items():
        panels[label] = np.concatenate([inputs, p])
    n_in = len(inputs)
    fig, axes = plt.subplots(1, len(panels), figsize=(2.0 * len(panels), 2.3))
    images = []
    for ax, (label, frames) in zip(
        np.atleast_1d(axes), panels.items(), strict=True
    ):
        images.append(ax.imshow(frames[0], cmap="gray", vmin=0, vmax=1))
        ax.set_title(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    caption = fig.suptitle("")

    def update(t):
        for im, frames in zip(images, panels.values(), strict=True):
            im.set_data(frames[t])
        caption.set_text(
            f"frame {t + 1} ({'observed' if t < n_in else 'predicted'})"
        )
        return images

    anim = FuncAnimation(
        fig, update, frames=len(panels["truth"]), interval=interval, blit=False
    )
    html = anim.to_jshtml()
    plt.close(fig)
    # matplotlib links Font Awesome 4 from a CDN for its buttons; the site must work offline
    # and already serves Font Awesome (the theme's), so drop the external stylesheet
    return re.sub(
        r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">\n?',
        "",
        html,
    )


def frame_scrubber(inputs, truth, preds: dict):
    """An ipywidgets slider over the frames: truth and every model's prediction at frame ``t``."""
    import ipywidgets as widgets

    n_in, n_out = len(inputs), len(truth)

    def show(t):
        observed = t <= n_in
        row = {
            "truth": (inputs if observed else truth)[
                t - 1 if observed else t - n_in - 1
            ]
        }
        for label, p in preds.items():
            row[label] = inputs[t - 1] if observed else p[t - n_in - 1]
        fig, axes = plt.subplots(1, len(row), figsize=(2.0 * len(row), 2.2))
        for ax, (label, frame) in zip(
            np.atleast_1d(axes), row.items(), strict=True
        ):
            ax.imshow(frame, cmap="gray", vmin=0, vmax=1)
            ax.set_title(label, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle(f"frame {t} ({'observed' if observed else 'predicted'})")
        plt.show()

    slider = widgets.IntSlider(
        value=n_in + 1, min=1, max=n_in + n_out, description="frame"
    )
    return widgets.interactive(show, t=slider)


def plot_horizon(
    curves: dict, *, ylabel: str = "MSE per frame", title: str | None = None
):
    """Error against the prediction horizon: ``curves`` label -> values ``(T_out,)``
    or ``(mean, sd)`` pairs of arrays (drawn with a band)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for label, values in curves.items():
        if isinstance(values, tuple):
            mean, sd = (np.asarray(v, dtype=float) for v in values)
        else:
            mean, sd = np.asarray(values, dtype=float), None
        k = np.arange(1, len(mean) + 1)
        ax.plot(k, mean, marker="o", ms=3, label=label)
        if sd is not None:
            ax.fill_between(k, mean - sd, mean + sd, alpha=0.2)
    ax.set_xlabel("frames ahead")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
