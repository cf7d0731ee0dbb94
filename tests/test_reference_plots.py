"""Chapter 2's plot and widget helpers: gate traces, gate heatmaps and the gate explorer."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnntutor import reference as ref  # noqa: E402
from rnntutor.gates import plots as gate_plots
from rnntutor.gates.widgets import gate_explorer, gate_input, lstm_unit_params  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_gate_activations_are_consistent_with_the_equations():
    rng = np.random.default_rng(0)
    params = ref.init_params("lstm", 2, 3, seed=1)
    x = rng.normal(size=(2, 5, 2))
    hs, cache = ref.forward("lstm", params, x)
    a = ref.gate_activations("lstm", cache)
    assert set(a) == {"i", "f", "g", "o", "c", "h"}
    np.testing.assert_allclose(
        a["c"][:, 1],
        a["f"][:, 1] * a["c"][:, 0] + a["i"][:, 1] * a["g"][:, 1],
        atol=1e-15,
    )
    np.testing.assert_allclose(a["h"], a["o"] * np.tanh(a["c"]), atol=1e-15)
    np.testing.assert_allclose(a["h"], hs)
    g = ref.gate_activations(
        "gru", ref.forward("gru", ref.init_params("gru", 2, 3), x)[1]
    )
    assert set(g) == {"r", "z", "n", "h"} and g["z"].shape == (2, 5, 3)
    with pytest.raises(ValueError, match="cache must come from"):
        ref.gate_activations("gru", cache)


def test_plot_gate_traces_draws_every_gate():
    acts = {
        k: np.linspace(0, 1, 12).reshape(6, 2)
        for k in ("i", "f", "g", "o", "c", "h")
    }
    fig = gate_plots.plot_gate_traces(acts, x=np.ones((6, 1)), unit=1)
    assert len(fig.axes) == 3  # input, gates, states
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert labels == [
        "input gate $i_t$",
        "forget gate $f_t$",
        "output gate $o_t$",
    ]
    np.testing.assert_allclose(
        fig.axes[1].lines[0].get_ydata(), acts["i"][:, 1]
    )
    with pytest.raises(ValueError, match="unit must be in"):
        gate_plots.plot_gate_traces(acts, unit=2)
    with pytest.raises(ValueError, match="unknown gate name"):
        gate_plots.plot_gate_traces({"q": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"f must have shape \(6, 2\)"):
        gate_plots.plot_gate_traces(
            {"i": np.zeros((6, 2)), "f": np.zeros((5, 2))}
        )


def test_plot_gate_heatmaps_lines_up_image_rows():
    acts = {k: np.full((8, 4), 0.5) for k in ("r", "z", "n")}
    fig = gate_plots.plot_gate_heatmaps(
        acts, image=np.zeros((8, 8)), sort_by="z", title="digit"
    )
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [
        "input rows $x_t$",
        "reset gate $r_t$",
        "update gate $z_t$",
        "candidate $n_t$",
    ]
    image_ax = fig.axes[0]
    assert (
        image_ax.get_ylim() == fig.axes[1].get_ylim() == (8.5, 0.5)
    )  # step t level with row t
    with pytest.raises(ValueError, match=r"image must have shape \(8, W\)"):
        gate_plots.plot_gate_heatmaps(acts, image=np.zeros((7, 8)))
    with pytest.raises(ValueError, match="cannot sort the units by 'f'"):
        gate_plots.plot_gate_heatmaps(acts)  # a GRU has no forget gate


def test_unit_order_sorts_by_the_mean_gate_highest_first():
    f = np.array(
        [[0.2, 0.9, 0.5, 0.1], [0.4, 0.7, 0.5, 0.3]]
    )  # means 0.3, 0.8, 0.5, 0.2
    np.testing.assert_array_equal(
        gate_plots.unit_order({"f": f, "i": 1 - f}), [1, 2, 0, 3]
    )
    np.testing.assert_array_equal(
        gate_plots.unit_order({"f": f, "i": 1 - f}, by="i"), [3, 0, 2, 1]
    )
    ties = np.full((3, 4), 0.5)
    np.testing.assert_array_equal(
        gate_plots.unit_order({"f": ties}), [0, 1, 2, 3]
    )  # stable


def test_plot_gate_heatmaps_sorts_every_panel_alike():
    rng = np.random.default_rng(3)
    acts = {k: rng.uniform(size=(5, 6)) for k in ("i", "f", "o")}
    acts["c"] = rng.normal(size=(5, 6)) * 3
    order = np.argsort(-acts["f"].mean(axis=0))
    fig = gate_plots.plot_gate_heatmaps(acts)  # sorted by f by default
    shown = {
        ax.get_title(): ax.images[0].get_array()
        for ax in fig.axes
        if ax.images
    }
    assert list(shown) == [gate_plots.GATE_LABELS[k] for k in acts]
    for k, array in shown.items():
        name = next(
            n for n, label in gate_plots.GATE_LABELS.items() if label == k
        )
        np.testing.assert_array_equal(np.asarray(array), acts[name][:, order])
    assert np.all(
        np.diff(np.asarray(shown["forget gate $f_t$"]).mean(axis=0)) <= 0
    )
    assert (
        "sorted by mean forget gate" in fig.axes[-2].get_xlabel()
    )  # last panel, before its colourbar
    assert len(fig.axes) == 2 * len(acts)  # every panel has its colourbar
    unsorted = gate_plots.plot_gate_heatmaps(acts, sort_by=None)
    np.testing.assert_array_equal(
        np.asarray(unsorted.axes[0].images[0].get_array()), acts["i"]
    )
    assert fig.get_figwidth() <= 7.5  # readable on a 700-pixel page


def test_gate_explorer_widget_and_forget_bias():
    w = gate_explorer(n_steps=12)
    assert isinstance(w, widgets.interactive)
    names = [c.description for c in w.children[:-1]]
    assert (
        names[0] == "input x_t" and "b_f" in names and "u (recurrent)" in names
    )
    # A pulse stored in the cell survives with a large forget bias and vanishes with a negative one.
    x = gate_input("pulse", 12)[None]
    keep = lstm_unit_params(4, 0, 3, 0, -2, 4, 0, 2, 0)
    lose = lstm_unit_params(4, 0, 3, 0, -2, -4, 0, 2, 0)
    c_keep = ref.gate_activations("lstm", ref.forward("lstm", keep, x)[1])[
        "c"
    ][0, :, 0]
    c_lose = ref.gate_activations("lstm", ref.forward("lstm", lose, x)[1])[
        "c"
    ][0, :, 0]
    assert c_keep[-1] > 0.5 * c_keep.max() > 0.3
    assert abs(c_lose[-1]) < 0.01
    with pytest.raises(ValueError, match="unknown input 'noise'"):
        gate_input("noise")
