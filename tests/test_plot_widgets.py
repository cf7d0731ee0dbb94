"""Plot and widget helpers of Chapter 1 return figures and widgets with the expected content."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from rnntutor import plot  # noqa: E402
from rnntutor.background import plots as bg_plots
from rnntutor.background.widgets import scan_order_explorer  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _image(h=4, w=6):
    return (np.arange(h * w, dtype=np.float32) / (h * w)).reshape(h, w)


def test_step_map_inverts_scan_order():
    steps = bg_plots._step_map((3, 4), "snake")
    # hand-computed: row 1 is read right to left
    np.testing.assert_array_equal(
        steps, [[0, 1, 2, 3], [7, 6, 5, 4], [8, 9, 10, 11]]
    )
    np.testing.assert_array_equal(
        bg_plots._step_map((3, 4), "rows"),
        np.repeat([[0], [1], [2]], 4, axis=1),
    )
    perm = bg_plots._step_map((5, 5), "permuted", seed=3)
    assert sorted(perm.ravel().tolist()) == list(range(25))
    assert not np.array_equal(perm.ravel(), np.arange(25))


def test_image_grid_axes_titles_and_hidden_spares():
    images = np.random.default_rng(0).random((7, 8, 8)).astype(np.float32)
    fig = plot.plot_image_grid(images, labels=np.arange(7), ncols=4)
    axes = fig.axes
    assert len(axes) == 8  # 2 rows x 4 columns
    assert [ax.get_title() for ax in axes[:7]] == [
        f"label {k}" for k in range(7)
    ]
    assert not axes[7].axison  # the spare axis is hidden
    np.testing.assert_allclose(axes[3].images[0].get_array(), images[3])
    with pytest.raises(ValueError, match="got 2 titles for 7 images"):
        plot.plot_image_grid(images, titles=["a", "b"])
    with pytest.raises(ValueError, match="shape"):
        plot.plot_image_grid(images[0])


def test_scan_orders_figure_shows_each_order_and_its_sequence():
    image = _image()
    fig = bg_plots.plot_scan_orders(image, orders=("rows", "pixels", "snake"))
    titles = [ax.get_title() for ax in fig.axes]
    assert "row by row\nT = 4 steps, F = 6" in titles
    assert "pixel by pixel (raster)\nT = 24 steps, F = 1" in titles
    # each bottom panel shows the (F, T) sequence: rows -> the image transposed
    seq_axes = [ax for ax in fig.axes if ax.get_title().startswith("sequence")]
    assert len(seq_axes) == 3
    np.testing.assert_allclose(seq_axes[0].images[0].get_array(), image.T)
    np.testing.assert_allclose(
        seq_axes[1].images[0].get_array(), image.reshape(1, -1)
    )
    snake = image.copy()
    snake[1::2] = snake[1::2, ::-1]
    np.testing.assert_allclose(
        seq_axes[2].images[0].get_array(), snake.reshape(1, -1)
    )


def test_scan_progress_masks_unread_pixels_and_marks_current_step():
    image = _image()
    fig = bg_plots.plot_scan_progress(
        image, "snake", 8
    )  # 8 steps: row 0 and two pixels of row 1
    ax_img = fig.axes[0]
    shown = np.ma.getdata(ax_img.images[0].get_array())
    mask = np.isnan(shown)
    assert mask.sum() == 24 - 8
    assert not mask[0].any() and not mask[1, 4:].any() and mask[1, :4].all()
    boxes = [p for p in ax_img.patches if isinstance(p, Rectangle)]
    assert len(boxes) == 1 and boxes[0].get_xy() == (
        4 - 0.5,
        1 - 0.5,
    )  # step 8 reads pixel (1, 4)
    assert ax_img.get_title().startswith("snake: step 8 of 24")

    fig = bg_plots.plot_scan_progress(image, "rows", 2)
    (box,) = fig.axes[
        0
    ].patches  # a whole row is one step: one box around row 1
    assert (box.get_xy(), box.get_width(), box.get_height()) == (
        (-0.5, 0.5),
        6,
        1,
    )
    assert (
        np.isnan(np.ma.getdata(fig.axes[0].images[0].get_array())).sum()
        == 2 * 6
    )
    with pytest.raises(ValueError, match="between 1 and 4"):
        bg_plots.plot_scan_progress(image, "rows", 5)


def test_hidden_states_panels():
    hs = np.tanh(np.random.default_rng(1).normal(size=(10, 5)))
    fig = bg_plots.plot_hidden_states(hs, units=3)
    line_axes = [ax for ax in fig.axes if ax.lines]
    assert len(line_axes) == 1 and len(line_axes[0].lines) == 3
    np.testing.assert_allclose(line_axes[0].lines[2].get_ydata(), hs[:, 2])
    fig = bg_plots.plot_hidden_states(hs, x=np.zeros((10, 8), np.float32))
    image_axes = [ax for ax in fig.axes if ax.images]
    assert (
        len(image_axes) == 2
    )  # input and hidden heatmaps (+ a colorbar axis)
    with pytest.raises(ValueError, match="x must have shape"):
        bg_plots.plot_hidden_states(hs, x=np.zeros((9, 8), np.float32))


def _by_description(explorer):
    return {
        w.description: w
        for w in explorer.children
        if isinstance(w, widgets.ValueWidget) and w.description
    }


def test_explorer_sliders_follow_the_scan_order():
    images = np.random.default_rng(2).random((3, 5, 7)).astype(np.float32)
    explorer = scan_order_explorer(images, labels=np.array([4, 1, 9]))
    assert isinstance(explorer, widgets.interactive)
    controls = _by_description(explorer)
    digit, order, step = (
        controls["digit"],
        controls["order"],
        controls["step t"],
    )
    assert (digit.min, digit.max) == (0, 2)
    assert order.value == "rows" and set(order.options) == {
        ("row by row", "rows"),
        ("pixel by pixel (raster)", "pixels"),
        ("snake", "snake"),
        ("permuted pixels", "permuted"),
    }
    assert (step.min, step.max) == (1, 5)
    order.value = "pixels"
    assert step.max == 35
    step.value = 30
    order.value = "rows"
    assert step.max == 5 and step.value == 5  # clamped to the new range


def test_explorer_rejects_bad_input():
    with pytest.raises(ValueError, match="images must have shape"):
        scan_order_explorer(np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match="unknown scan order"):
        scan_order_explorer(
            np.zeros((2, 8, 8), np.float32), orders=("rows", "diagonal")
        )
