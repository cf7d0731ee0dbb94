"""Figures of Chapters 3 and 3b (generation; pixels with intensities, PixelCNN).

- :func:`plot_pixel_distribution`: the predictive distribution of one pixel given its context;
- :func:`plot_bits_per_dim`: the bits/dim of several models, mean ± sd over seeds;
- :func:`plot_timings`: time per training epoch against time to sample, side by side;
- :func:`draw_masks`: masks A and B, the blind spot of stacked mask-B layers and the
  Gated PixelCNN's two stacks (the chapter's diagram, ``scripts/make_mask_diagram.py``).
- :func:`plot_context_maps`, :func:`plot_completions`, :func:`plot_generation_steps`: Chapter 3's
  measured contexts, completions of occluded images and generation in raster order.

The chapters' widgets are in :mod:`rnntutor.generation.widgets`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from rnntutor.plot import plot_image_grid

__all__ = [
    "draw_masks",
    "plot_bits_per_dim",
    "plot_completions",
    "plot_context_maps",
    "plot_generation_steps",
    "plot_pixel_distribution",
    "plot_timings",
    "show_occluded",
]

CONTEXT = (0.25, 0.45, 0.85)
TARGET = (0.85, 0.15, 0.15)
PAST = (0.88, 0.88, 0.88)


def plot_pixel_distribution(
    image, pixel, probs: dict, *, levels: int, true_level=None, title=None
) -> Figure:
    """Left: ``image`` ``(H, W)`` (levels ``0..K-1``) with the pixels after ``pixel`` hidden; right: ``probs``.

    ``probs`` is ``{name: (K,) probabilities}`` of the pixel's level; a two-entry vector
    (a Bernoulli model's ``[p(0), p(1)]``) is drawn at the levels 0 and ``K - 1``, the two
    values it knows. ``true_level`` is marked with a dashed line.
    """
    image = np.asarray(image, dtype=np.float64) / (levels - 1)
    h, w = image.shape
    r, c = pixel
    past = (np.arange(h * w) < r * w + c).reshape(h, w)
    rgb = np.where(
        past[..., None], (1 - image)[..., None].repeat(3, -1), 0.75
    )  # grey_r image, future mid-grey
    rgb[r, c] = TARGET
    fig, (ax0, ax1) = plt.subplots(
        1, 2, figsize=(8.5, 2.8), gridspec_kw={"width_ratios": [1, 2.6]}
    )
    ax0.imshow(rgb)
    ax0.set_xticks([])
    ax0.set_yticks([])
    ax0.set_title(f"context of pixel {tuple(pixel)}", fontsize=9)
    k = np.arange(levels)
    width = 0.8 / max(1, len(probs))
    for j, (name, p) in enumerate(probs.items()):
        p = np.asarray(p, dtype=np.float64)
        x = (
            np.array([0, levels - 1])
            if p.shape == (2,) and levels > 2
            else k[: len(p)]
        )
        ax1.bar(
            x + (j - (len(probs) - 1) / 2) * width, p, width=width, label=name
        )
    if true_level is not None:
        ax1.axvline(
            true_level,
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"true level {int(true_level)}",
        )
    ax1.set_xlabel("grey level k (0 = white, K-1 = black ink)")
    ax1.set_ylabel("p(x_i = k | x_<i)")
    ax1.set_xticks(
        k if levels <= 20 else np.linspace(0, levels - 1, 9).round()
    )
    ax1.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_bits_per_dim(result: dict, *, title=None) -> Figure:
    """Bars of the mean test bits/dim (± sd, every seed as a dot) of ``result["models"]``; baselines as lines."""
    models = result["models"]
    names = list(models)
    fig, ax = plt.subplots(figsize=(6.5, 3.0))
    means = [models[n]["mean"] for n in names]
    sds = [models[n]["sd"] or 0.0 for n in names]
    ax.bar(names, means, yerr=sds, capsize=4, color="#8fb3e6")
    for i, n in enumerate(names):
        runs = [run["test_bits_per_dim"] for run in models[n]["runs"]]
        ax.plot([i] * len(runs), runs, "k.", markersize=5)
    if "independent_bits_per_dim" in result:
        ax.axhline(
            result["independent_bits_per_dim"],
            color="grey",
            linestyle=":",
            label="independent pixels",
        )
        ax.legend(fontsize=8, loc="lower right")
    low = min(
        min(run["test_bits_per_dim"] for run in m["runs"])
        for m in models.values()
    )
    top = result.get("independent_bits_per_dim", max(means))
    ax.set_ylim(low - 0.1, top + 0.1)
    ax.set_ylabel("test bits / dim")
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(
        title or "bits per dimension, mean ± sd over seeds (dots: seeds)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def plot_timings(result: dict, *, title=None) -> Figure:
    """Two bar groups per model: seconds per training epoch and seconds to sample, log scale."""
    models = result["models"]
    names = list(models)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(6.5, 3.0))
    epoch = [models[n]["epoch_seconds"] for n in names]
    sample = [models[n]["sample_seconds"] for n in names]
    ax.bar(
        x - 0.2,
        epoch,
        width=0.4,
        label="one training epoch (1,438 images)",
        color="#8fb3e6",
    )
    ax.bar(
        x + 0.2, sample, width=0.4, label="sampling 16 images", color="#e6a88f"
    )
    ax.set_xticks(x, names, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel(f"seconds ({result.get('timer', 'wall')} time)")
    ax.legend(fontsize=8)
    ax.set_title(
        title or "parallel training, sequential sampling", fontsize=10
    )
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- the chapter's diagram


def _grid(
    ax, colors: np.ndarray, title: str, ox: float, oy: float, cell: float = 1.0
) -> None:
    """Draw a grid of coloured cells ``colors`` ``(h, w, 3)`` with its top-left corner at ``(ox, oy)``."""
    h, w, _ = colors.shape
    for a in range(h):
        for b in range(w):
            ax.add_patch(
                plt.Rectangle(
                    (ox + b * cell, oy - (a + 1) * cell),
                    cell,
                    cell,
                    facecolor=colors[a, b],
                    edgecolor="#aaaaaa",
                )
            )
    ax.text(
        ox + w * cell / 2,
        oy + 0.5,
        title,
        ha="center",
        va="bottom",
        fontsize=10,
        color="black",
    )


def _mask_colors(mask: np.ndarray) -> np.ndarray:
    colors = np.ones((*mask.shape, 3))
    colors[mask > 0] = CONTEXT
    kh, kw = mask.shape
    if mask[kh // 2, kw // 2] == 0:
        colors[kh // 2, kw // 2] = TARGET
    else:
        colors[kh // 2, kw // 2] = (
            0.55,
            0.25,
            0.6,
        )  # kept centre: a causal feature, not the pixel
    return colors


def _context_colors(ctx: np.ndarray, pixel) -> np.ndarray:
    h, w = ctx.shape
    r, c = pixel
    past = (np.arange(h * w) < r * w + c).reshape(h, w)
    colors = np.ones((h, w, 3))
    colors[past] = PAST
    colors[ctx] = CONTEXT
    colors[r, c] = TARGET
    return colors


def draw_masks(
    pixelcnn_context: np.ndarray, gated_context: np.ndarray, pixel
) -> Figure:
    """The chapter's diagram: masks A and B (5x5), and the measured contexts of a PixelCNN and a Gated PixelCNN.

    ``*_context`` are ``(H, W)`` bool maps of the pixels that one prediction uses (from
    :func:`~rnntutor.generation.dependency_matrix`), ``pixel`` the target. The figure sits
    on a white rounded rectangle, so it reads on light and dark pages alike.
    """
    from rnntutor.generation import image_mask

    h, w = pixelcnn_context.shape
    fig = plt.figure(figsize=(11, 3.6))
    ax = fig.add_axes((0, 0, 1, 1))
    width = 5 + 5 + w + w + 4 * 2.0
    ax.set_xlim(-1, width + 1)
    ax.set_ylim(-h - 4.6, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(
        FancyBboxPatch(
            (-0.8, -h - 4.4),
            width + 1.6,
            h + 6.7,
            boxstyle="round,pad=0.1,rounding_size=0.8",
            facecolor="white",
            edgecolor="#999999",
        )
    )
    x = 0.0
    _grid(
        ax,
        _mask_colors(image_mask(5, "A").numpy()),
        "mask A (first layer)",
        x,
        0,
    )
    x += 7
    _grid(
        ax,
        _mask_colors(image_mask(5, "B").numpy()),
        "mask B (later layers)",
        x,
        0,
    )
    x += 7
    _grid(
        ax,
        _context_colors(pixelcnn_context, pixel),
        "PixelCNN: measured context",
        x,
        0,
    )
    blind = (np.arange(h * w) < pixel[0] * w + pixel[1]).reshape(
        h, w
    ) & ~pixelcnn_context
    for a, b in np.argwhere(blind):
        ax.add_patch(
            plt.Rectangle(
                (x + b, -(a + 1)),
                1,
                1,
                facecolor="none",
                edgecolor="#cc6600",
                hatch="////",
                linewidth=0,
            )
        )
    x += w + 2
    _grid(
        ax,
        _context_colors(gated_context, pixel),
        "Gated PixelCNN: measured context",
        x,
        0,
    )
    legend = [
        (TARGET, "the pixel being predicted (mask A hides it)"),
        ((0.55, 0.25, 0.6), "centre kept by mask B (a causal feature)"),
        (CONTEXT, "read / in the context"),
        (PAST, "past pixels not in the context"),
    ]
    legend.append((None, "blind spot: past pixels that no depth reaches"))
    legend.append(((1.0, 1.0, 1.0), "future pixels (never read)"))
    for i, (color, text) in enumerate(legend):
        lx, ly = (i % 2) * 16.0, -h - 1.5 - (i // 2) * 1.2
        hatch = "////" if color is None else None
        ax.add_patch(
            plt.Rectangle(
                (lx, ly),
                0.9,
                0.9,
                facecolor=color or PAST,
                edgecolor="#cc6600" if hatch else "#666666",
                hatch=hatch,
            )
        )
        ax.text(
            lx + 1.3, ly + 0.45, text, va="center", fontsize=9, color="black"
        )
    return fig


def plot_context_maps(
    maps: dict,
    pixel: tuple[int, int],
    *,
    size: float = 2.4,
    title: str | None = None,
) -> Figure:
    """Show, for one target ``pixel`` ``(r, c)``, which pixels each model's prediction uses.

    ``maps`` is ``{name: (H, W) bool}`` (True = in the context); the target pixel is drawn
    in red, the context in blue, the rest of the past in light grey and the future white.
    """
    n = len(maps)
    fig, axes = plt.subplots(
        1, n, figsize=(size * n, size + 0.5), squeeze=False
    )
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
        ax.tick_params(
            which="both", length=0, labelbottom=False, labelleft=False
        )
        ax.set_title(name, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(
        rect=(0, 0, 1, 0.88) if title else None
    )  # leave room for the title above two-line labels
    return fig


def show_occluded(images, known_mask) -> np.ndarray:
    """Images ``(N, H, W)`` with the unknown pixels (``known_mask`` False) set to 0.5 grey, for display."""
    images = np.asarray(images, dtype=np.float32)
    mask = np.broadcast_to(np.asarray(known_mask, dtype=bool), images.shape)
    return np.where(mask, images, 0.5).astype(np.float32)


def plot_completions(
    originals,
    known_mask,
    completions,
    *,
    size: float = 1.1,
    title: str | None = None,
) -> Figure:
    """Three rows: the originals, what the model was given (unknown pixels grey), its completions."""
    originals = np.asarray(originals, dtype=np.float32)
    shown = np.concatenate(
        [
            originals,
            show_occluded(originals, known_mask),
            np.asarray(completions, np.float32),
        ]
    )
    n = originals.shape[0]
    titles = ["original"] * n + ["given"] * n + ["completed"] * n
    return plot_image_grid(
        shown, titles=titles, ncols=n, size=size, suptitle=title
    )


def plot_generation_steps(
    frames,
    *,
    image: int = 0,
    n_frames: int = 8,
    size: float = 1.3,
    title: str | None = None,
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
    return plot_image_grid(
        np.stack(shown),
        titles=titles,
        ncols=len(shown),
        size=size,
        suptitle=title,
    )
