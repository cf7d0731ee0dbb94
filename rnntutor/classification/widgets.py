"""The widget of Chapter 4: step through the rows a classifier reads."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from rnntutor.validation import check_array


def row_stepper(model, images, labels=None) -> widgets.interactive:
    """Step through digits row by row and watch a trained classifier's probabilities change.

    ``model`` is a unidirectional :class:`rnntutor.nn.SequenceClassifier` reading rows;
    ``images (N, H, W)``, optional ``labels (N,)``. The probabilities after each number
    of rows are computed once (:func:`rnntutor.classification.analysis.step_probabilities`); the
    sliders pick the digit and the number of rows ``k`` read so far (see
    :func:`rnntutor.classification.plots.plot_step_probabilities`).
    """
    from IPython.display import display

    from rnntutor.classification.analysis import step_probabilities
    from rnntutor.classification.plots import plot_step_probabilities

    images = check_array(
        images, "images", shape=("N", "H", "W"), dtypes=("f",)
    )
    n, height, _ = images.shape
    if labels is not None:
        labels = check_array(labels, "labels", shape=(n,), dtypes=("i", "u"))
    if getattr(model, "config", {}).get("order") != "rows":
        raise ValueError(
            "row_stepper needs a SequenceClassifier with order='rows'"
        )
    probs = step_probabilities(model, images)  # (N, T, C)
    index = widgets.IntSlider(
        value=0, min=0, max=n - 1, description="digit", continuous_update=False
    )
    rows = widgets.IntSlider(
        value=height // 2,
        min=1,
        max=height,
        description="rows k",
        continuous_update=False,
    )

    def show(index: int, k: int) -> None:
        label = None if labels is None else int(labels[index])
        fig = plot_step_probabilities(
            images[index], probs[index], k, label=label
        )
        display(fig)
        plt.close(fig)

    return widgets.interactive(show, index=index, k=rows)
