"""The widget of Chapter 1: an explorer of the scan orders of an image."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from rnntutor.validation import check_array


def scan_order_explorer(
    images,
    labels=None,
    *,
    orders=("rows", "pixels", "snake", "permuted"),
    seed: int = 0,
) -> widgets.interactive:
    """Explore how an RNN reads an image: choose a digit, a scan order and a step ``t``.

    ``images`` ``(N, H, W)`` in ``[0, 1]``, optional ``labels`` ``(N,)``. Shows the
    pixels read after ``t`` steps and the step's own pixels (see
    :func:`rnntutor.background.plots.plot_scan_progress`). The step slider's range follows the
    order: ``1..H`` for rows, ``1..H*W`` for the pixel orders.
    """
    from IPython.display import display

    from rnntutor.background.plots import ORDER_LABELS, plot_scan_progress

    images = check_array(
        images, "images", shape=("N", "H", "W"), dtypes=("f",)
    )
    n, height, width = images.shape
    if labels is not None:
        labels = check_array(labels, "labels", shape=(n,), dtypes=("i", "u"))
    unknown = [o for o in orders if o not in ORDER_LABELS]
    if unknown:
        raise ValueError(
            f"unknown scan order(s) {unknown}: expected some of {list(ORDER_LABELS)}"
        )

    def n_steps(order: str) -> int:
        return height if order == "rows" else height * width

    index = widgets.IntSlider(
        value=0, min=0, max=n - 1, description="digit", continuous_update=False
    )
    order = widgets.Dropdown(
        options=[(ORDER_LABELS[o], o) for o in orders],
        value=orders[0],
        description="order",
    )
    step = widgets.IntSlider(
        value=max(1, n_steps(orders[0]) // 2),
        min=1,
        max=n_steps(orders[0]),
        description="step t",
        continuous_update=False,
    )

    def follow_order(change) -> None:
        step.max = n_steps(
            change["new"]
        )  # ipywidgets clamps the value to the new range

    order.observe(
        follow_order, names="value"
    )  # registered first, so it runs before the redraw

    def show(index: int, order: str, t: int) -> None:
        t = min(t, n_steps(order))
        title = f"image {index}" + (
            "" if labels is None else f" (label {int(labels[index])})"
        )
        fig = plot_scan_progress(
            images[index], order, t, seed=seed, title=title
        )
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, index=index, order=order, t=step)
