"""Widgets of Chapters 3 and 3b: the sampler/completion explorer and the pixel explorer."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from rnntutor.generation.plots import plot_pixel_distribution
from rnntutor.validation import check_array

OCCLUSIONS = ("none (sample)", "bottom half", "right half", "centre block")
"""Occlusion masks offered by :func:`sampler_explorer`."""


def occlusion_mask(kind: str, image_shape):
    """``(H, W)`` bool known-pixel mask: True where the pixel is given, False where it is to be filled in."""
    import numpy as np

    h, w = image_shape
    known = np.ones((h, w), dtype=bool)
    if kind == "none (sample)":
        known[:] = False
    elif kind == "bottom half":
        known[h // 2 :] = False
    elif kind == "right half":
        known[:, w // 2 :] = False
    elif kind == "centre block":
        known[h // 4 : h - h // 4, w // 4 : w - w // 4] = False
    else:
        raise ValueError(
            f"unknown occlusion {kind!r}: expected one of {', '.join(map(repr, OCCLUSIONS))}"
        )
    return known


def sampler_explorer(model, images, *, n: int = 6) -> widgets.interactive:
    """Sample from a generative ``model`` or complete occluded ``images`` with temperature and seed controls.

    ``images`` ``(N, H, W)`` binary: the first ``n`` are occluded for completion.
    """
    from IPython.display import display

    from rnntutor.generation.plots import plot_completions
    from rnntutor.plot import plot_image_grid

    images = check_array(images, "images", shape=("N", "H", "W"))[:n]

    def show(temperature, seed, occlusion) -> None:
        known = occlusion_mask(occlusion, model.image_shape)
        if not known.any():
            out = model.sample(len(images), temperature=temperature, seed=seed)
            fig = plot_image_grid(
                out,
                ncols=len(out),
                suptitle=f"samples, temperature {temperature:.2f}, seed {seed}",
            )
        else:
            out = model.complete(
                images, known, temperature=temperature, seed=seed
            )
            fig = plot_completions(
                images,
                known,
                out,
                title=f"{occlusion}, temperature {temperature:.2f}",
            )
        display(fig)
        plt.close(fig)

    return widgets.interactive(
        show,
        temperature=widgets.FloatSlider(
            value=1.0,
            min=0.2,
            max=2.0,
            step=0.1,
            description="temperature",
            continuous_update=False,
        ),
        seed=widgets.IntSlider(
            value=0, min=0, max=20, description="seed", continuous_update=False
        ),
        occlusion=widgets.Dropdown(
            options=list(OCCLUSIONS),
            value="bottom half",
            description="occlusion",
        ),
    )


def pixel_explorer(model, images):
    """A widget: pick an image, a pixel and a temperature; see the model's predictive distribution of that pixel.

    ``model`` is a categorical model (``levels > 2``), ``images`` ``(N, H, W)`` its levels.
    """
    import ipywidgets as widgets
    from IPython.display import display

    images = np.asarray(images)
    h, w = model.image_shape

    def show(index: int, row: int, col: int, temperature: float) -> None:
        p = model.pixel_distribution(
            images[index : index + 1], (row, col), temperature=temperature
        )[0]
        fig = plot_pixel_distribution(
            images[index], (row, col), {f"T = {temperature:.1f}": p}, levels=model.levels,
            true_level=images[index, row, col],
        )  # fmt: skip
        display(fig)
        plt.close(fig)

    return widgets.interactive(
        show,
        index=widgets.IntSlider(
            value=0,
            min=0,
            max=len(images) - 1,
            description="image",
            continuous_update=False,
        ),
        row=widgets.IntSlider(
            value=h // 2,
            min=0,
            max=h - 1,
            description="row",
            continuous_update=False,
        ),
        col=widgets.IntSlider(
            value=w // 2,
            min=0,
            max=w - 1,
            description="column",
            continuous_update=False,
        ),
        temperature=widgets.FloatSlider(
            value=1.0,
            min=0.2,
            max=2.0,
            step=0.1,
            description="temperature",
            continuous_update=False,
        ),
    )
