"""Chapter 4 plots and the row-stepping widget return figures/widgets with the expected content."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from rnntutor import plot  # noqa: E402
from rnntutor.classification import plots as cls_plots
from rnntutor.classification.widgets import row_stepper  # noqa: E402
from rnntutor.nn import SequenceClassifier  # noqa: E402
from rnntutor.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


IMAGES = np.random.default_rng(0).random((4, 8, 8)).astype(np.float32)


def test_learning_curves_and_accuracy_after_k():
    h = History(
        epoch=[1, 2],
        train_loss=[1.0, 0.5],
        train_acc=[0.5, 0.8],
        val_loss=[1, 1],
        val_acc=[0.4, 0.7],
    )
    fig = plot.plot_learning_curves({"LSTM": h, "GRU": h})
    assert [line.get_label() for line in fig.axes[1].lines] == ["LSTM", "GRU"]
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [0.4, 0.7])
    fig = cls_plots.plot_accuracy_after_k({"a": np.array([0.1, 0.5, 0.9])})
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xdata(), [1, 2, 3])


def test_trajectories_confusion_misclassified():
    proj = np.random.default_rng(1).normal(size=(3, 5, 2))
    fig = cls_plots.plot_trajectories(
        proj, np.array([0, 1, 2]), explained=np.array([0.5, 0.2])
    )
    assert "50%" in fig.axes[0].get_xlabel()
    cm = np.array([[3, 1], [0, 4]])
    fig = cls_plots.plot_confusion(cm)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["3", "1", "4"]  # zero entries are not written
    probs = np.full((4, 10), 0.05)
    probs[:, 3] = 0.55
    fig = cls_plots.plot_misclassified(
        IMAGES, np.array([1, 2, 3, 4]), probs, [0, 1]
    )
    assert fig.axes[0].get_title().startswith("true 1\n3: 0.55")


def test_step_probabilities_and_labelling():
    probs = np.full((8, 10), 0.1)
    fig = cls_plots.plot_step_probabilities(IMAGES[0], probs, 3, label=2)
    assert "3 of 8 rows" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="k must be between 1 and 8"):
        cls_plots.plot_step_probabilities(IMAGES[0], probs, 9)
    canv = np.zeros((2, 4, 6), dtype=np.float32)
    labels = np.array([[10, 1, 1, 10, 10, 10], [10, 10, 2, 2, 10, 10]])
    fig = cls_plots.plot_labelling(canv, labels, labels, n=2)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        ".",
        "1",
        "1",
        ".",
        ".",
        ".",
    ]


def test_row_stepper_widget():
    torch.manual_seed(0)
    model = SequenceClassifier("lstm", 8, 4, 10, order="rows")
    w = row_stepper(model, IMAGES, np.array([0, 1, 2, 3]))
    assert isinstance(w, widgets.interactive)
    sliders = [c for c in w.children if isinstance(c, widgets.IntSlider)]
    assert [s.max for s in sliders] == [3, 8]
    with pytest.raises(ValueError, match="order='rows'"):
        row_stepper(
            SequenceClassifier("lstm", 1, 4, 10, order="pixels"), IMAGES
        )
