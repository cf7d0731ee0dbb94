"""Categorical (K-level) pixels, quantisation, PixelCNN and Gated PixelCNN (Chapter 3b)."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _helpers import randomize_weights

from rnntutor import data
from rnntutor.checkpoint import load_checkpoint, save_checkpoint
from rnntutor.generation import (
    DiagonalBiLSTM,
    GatedPixelCNN,
    IndependentBernoulli,
    IndependentCategorical,
    PixelCNN,
    PixelLSTM,
    RowLSTM,
    check_causality,
    dependency_matrix,
    image_mask,
    nll_loss,
    vertical_mask,
)
from rnntutor.generation.comparison import (
    MATCHED,
    count_parameters,
    load_result,
    matched_models,
)
from rnntutor.generation.training import train_generator


def _categorical_models(shape, levels, seed=0, scale=0.5):
    torch.manual_seed(seed)
    models = {
        "independent": IndependentCategorical(shape, levels),
        "pixel LSTM": PixelLSTM(shape, hidden=4, levels=levels),
        "Row LSTM": RowLSTM(shape, hidden=4, levels=levels, pixel_bias=True),
        "Diagonal BiLSTM": DiagonalBiLSTM(
            shape, hidden=4, levels=levels, pixel_bias=True
        ),
        "PixelCNN": PixelCNN(
            shape,
            channels=4,
            num_layers=2,
            in_kernel=3,
            levels=levels,
            pixel_bias=True,
        ),
        "Gated PixelCNN": GatedPixelCNN(
            shape,
            channels=4,
            num_layers=2,
            in_kernel=3,
            levels=levels,
            pixel_bias=True,
        ),
    }
    return {
        k: randomize_weights(m, seed=seed + 1, scale=scale)
        for k, m in models.items()
    }


def _all_images(h, w, levels):
    combos = itertools.product(range(levels), repeat=h * w)
    return np.array(list(combos), dtype=np.float32).reshape(-1, h, w)


# ----------------------------------------------------------------------------- quantisation


def test_quantize_recovers_the_original_integer_levels():
    from sklearn.datasets import load_digits

    images, _ = data.load_images("digits")
    assert np.array_equal(
        data.quantize(images, 17), load_digits().images.astype(np.int64)
    )
    assert data.LEVELS == {"digits": 17, "mnist5k": 256, "mnist": 256}


def test_quantize_and_dequantize_by_hand():
    x = np.array(
        [[0.0, 0.24, 0.26, 0.5], [0.74, 0.76, 0.99, 1.0]], dtype=np.float32
    )
    assert data.quantize(x, 5).tolist() == [[0, 1, 1, 2], [3, 3, 4, 4]]
    assert data.quantize(x, 2).tolist() == [
        [0, 0, 0, 1],
        [1, 1, 1, 1],
    ]  # 0.5 goes up
    assert data.dequantize(np.array([0, 1, 4]), 5).tolist() == [0.0, 0.25, 1.0]
    rng = np.random.default_rng(0)
    levels = rng.integers(0, 256, size=(3, 4, 5))
    assert np.array_equal(
        data.quantize(data.dequantize(levels, 256), 256), levels
    )


def test_quantize_errors():
    with pytest.raises(ValueError, match="levels must be an integer >= 2"):
        data.quantize(np.zeros((1, 2, 2)), 1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        data.quantize(np.full((1, 2, 2), 3.0), 17)
    with pytest.raises(ValueError, match="integers 0..16"):
        data.dequantize(np.array([0, 17]), 17)
    with pytest.raises(ValueError, match="integers 0..16"):
        data.dequantize(np.array([0.5]), 17)


# ----------------------------------------------------------------------------- exact likelihood


@pytest.mark.parametrize("name", list(_categorical_models((2, 2), 3)))
def test_probabilities_of_all_2x2_images_with_3_levels_sum_to_one(name):
    model = _categorical_models((2, 2), 3)[name]
    images = _all_images(2, 2, 3)  # all 81 images
    total = model.log_prob(images).double().exp().sum().item()
    assert total == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("name", ["Row LSTM", "Gated PixelCNN"])
def test_probabilities_of_all_2x3_images_with_4_levels_sum_to_one(name):
    model = _categorical_models((2, 3), 4, seed=5)[name]
    total = (
        model.log_prob(_all_images(2, 3, 4)).double().exp().sum().item()
    )  # 4096 images
    assert total == pytest.approx(1.0, abs=1e-4)


def test_categorical_log_prob_matches_a_float64_numpy_oracle():
    model = _categorical_models((3, 4), 5, seed=2)["PixelCNN"]
    x = (
        np.random.default_rng(0)
        .integers(0, 5, size=(6, 3, 4))
        .astype(np.float32)
    )
    with torch.no_grad():
        logits = (
            model.logits(torch.from_numpy(x)).double().numpy()
        )  # (N, K, H, W)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    n, h, w = np.indices(x.shape)
    expected = logp[n, x.astype(int), h, w].sum(axis=(1, 2))
    np.testing.assert_allclose(
        model.log_prob(x).double().numpy(), expected, rtol=1e-5, atol=1e-4
    )
    with torch.no_grad():
        loss = nll_loss(model.logits(torch.from_numpy(x)), torch.from_numpy(x))
    assert float(loss) == pytest.approx(-expected.mean(), rel=1e-5)


def test_uniform_logits_give_log2_k_bits_per_dim():
    model = IndependentCategorical(
        (3, 5), 17
    )  # zero logits: every level has probability 1/17
    x = np.random.default_rng(1).integers(0, 17, size=(4, 3, 5))
    np.testing.assert_allclose(
        model.nll_bits_per_dim(x).numpy(), math.log2(17), rtol=1e-6
    )


def test_independent_categorical_mle_is_the_smoothed_histogram():
    x = np.random.default_rng(2).integers(0, 4, size=(50, 2, 3))
    model = IndependentCategorical((2, 3), 4).fit_mle(x, alpha=0.5)
    probs = model.pixel_distribution(x[:1], (1, 2))[0]
    counts = np.bincount(x[:, 1, 2], minlength=4)
    np.testing.assert_allclose(
        probs, (counts + 0.5) / (50 + 4 * 0.5), rtol=1e-5
    )


def test_pixel_distribution_is_binary_for_a_bernoulli_model():
    model = IndependentBernoulli((2, 2))
    with torch.no_grad():
        model.bias[1, 0] = 1.0
    p = model.pixel_distribution(np.zeros((1, 2, 2)), (1, 0))
    np.testing.assert_allclose(
        p, [[1 - 1 / (1 + math.e**-1), 1 / (1 + math.e**-1)]], rtol=1e-6
    )


# ----------------------------------------------------------------------------- binary models unchanged


def test_binary_models_keep_their_parameters_and_config():
    assert "levels" not in RowLSTM((8, 8), hidden=4).config
    assert "levels" not in PixelLSTM((8, 8), hidden=4).config
    assert "levels" not in DiagonalBiLSTM((8, 8), hidden=4).config
    assert RowLSTM((8, 8), hidden=4).head[-1].out_channels == 1
    binary, categorical = (
        RowLSTM((4, 4), hidden=4),
        RowLSTM((4, 4), hidden=4, levels=17),
    )
    assert binary.logits(torch.zeros(2, 4, 4)).shape == (2, 4, 4)
    assert categorical.logits(torch.zeros(2, 4, 4)).shape == (2, 17, 4, 4)
    assert categorical.config["levels"] == 17


# ----------------------------------------------------------------------------- masks and causality


def test_masks_match_hand_written_arrays():
    assert image_mask(3, "A").tolist() == [[1, 1, 1], [1, 0, 0], [0, 0, 0]]
    assert image_mask(3, "B").tolist() == [[1, 1, 1], [1, 1, 0], [0, 0, 0]]
    assert image_mask((3, 5), "A").tolist() == [
        [1, 1, 1, 1, 1],
        [1, 1, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ]
    assert image_mask((1, 5), "B").tolist() == [[1, 1, 1, 0, 0]]
    assert vertical_mask(3, first=True).tolist() == [
        [1, 1, 1],
        [0, 0, 0],
        [0, 0, 0],
    ]
    assert vertical_mask(3, first=False).tolist() == [
        [1, 1, 1],
        [1, 1, 1],
        [0, 0, 0],
    ]
    assert (
        vertical_mask(5, first=True).sum() == 10
        and vertical_mask(5, first=False).sum() == 15
    )
    model = GatedPixelCNN(
        (6, 6), channels=2, num_layers=2, in_kernel=5, kernel=3
    )
    assert model.layers[0].horizontal.mask[0, 0].tolist() == [[1, 1, 0, 0, 0]]
    assert model.layers[1].horizontal.mask[0, 0].tolist() == [[1, 1, 0]]


@pytest.mark.parametrize("levels", [2, 17])
@pytest.mark.parametrize("cls", [PixelCNN, GatedPixelCNN])
def test_pixelcnns_are_causal_on_a_non_square_image(cls, levels):
    model = randomize_weights(
        cls((5, 7), channels=4, num_layers=3, in_kernel=3, levels=levels),
        seed=4,
    )
    report = check_causality(model)
    assert report.ok, str(report)


def test_matched_models_are_causal_and_have_matched_sizes():
    torch.manual_seed(0)
    models = matched_models((8, 8), 17)
    counts = {name: count_parameters(m) for name, m in models.items()}
    assert max(counts.values()) / min(counts.values()) < 1.05, counts
    for name, model in models.items():
        assert check_causality(model).ok, name


def test_checker_catches_a_broken_pixelcnn_mask():
    model = randomize_weights(
        PixelCNN((5, 6), channels=4, num_layers=2, in_kernel=3), seed=1
    )
    with torch.no_grad():
        model.input_conv.mask[..., 1, 1] = (
            1.0  # mask B in the first layer: the centre sees its own pixel
        )
    report = check_causality(model)
    assert not report.ok
    assert all((i, i) in report.violations for i in range(30))
    assert "see their own value" in str(report)


def test_checker_catches_broken_gated_masks():
    for part in ("horizontal", "vertical"):
        model = randomize_weights(
            GatedPixelCNN(
                (5, 6), channels=4, num_layers=2, in_kernel=3, levels=5
            ),
            seed=2,
        )
        with torch.no_grad():
            if part == "horizontal":
                model.layers[0].horizontal.mask[..., 0, 1] = (
                    1.0  # first horizontal layer reads the centre
                )
            else:
                model.layers[0].vertical.mask[..., 1, :] = (
                    1.0  # first vertical layer reads its own row
                )
        report = check_causality(model)
        assert not report.ok, part
        if (
            part == "vertical"
        ):  # a pixel sees the one to its right (through the vertical-to-horizontal link)
            assert (0, 1) in report.violations


def _past(h, w):
    d = h * w
    return np.tril(np.ones((d, d), dtype=bool), k=-1)


def test_pixelcnn_blind_spot_is_the_measured_upper_right_cone():
    h = w = 8
    model = randomize_weights(
        PixelCNN((h, w), channels=6, num_layers=7, in_kernel=3, kernel=3),
        seed=3,
    )
    dep = dependency_matrix(model)
    r, c = 5, 4
    rows, cols = np.indices((h, w))
    expected = (rows < r) & (cols - c <= r - rows) | (rows == r) & (cols < c)
    assert np.array_equal(dep[r * w + c].reshape(h, w), expected)
    assert not np.array_equal(
        dep, _past(h, w)
    )  # a blind spot: less than the whole past
    assert (
        dep[r * w + c].reshape(h, w)[r - 1, c + 2] == 0
    )  # the pixel two right of the one above


def test_gated_pixelcnn_sees_the_whole_past():
    h, w = 5, 6
    model = randomize_weights(
        GatedPixelCNN((h, w), channels=4, num_layers=6, in_kernel=3, kernel=3),
        seed=6,
    )
    assert np.array_equal(dependency_matrix(model), _past(h, w))


# ----------------------------------------------------------------------------- sampling


@pytest.mark.parametrize("name", list(_categorical_models((3, 4), 5)))
def test_categorical_samples_are_seeded_levels(name):
    model = _categorical_models((3, 4), 5, scale=0.1)[
        name
    ]  # small weights: no level is certain
    a, b = model.sample(4, seed=3), model.sample(4, seed=3)
    assert a.shape == (4, 3, 4) and np.array_equal(a, b)
    assert set(np.unique(a)) <= set(range(5))
    assert not np.array_equal(a, model.sample(4, seed=4))


def test_categorical_sampler_draws_from_the_softmax():
    model = IndependentCategorical((1, 2), 4)
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    with torch.no_grad():
        model.bias[:, 0, 1] = torch.tensor(np.log(probs), dtype=torch.float32)
    draws = model.sample(4000, seed=0)[:, 0, 1].astype(int)
    freq = np.bincount(draws, minlength=4) / 4000
    assert np.all(
        np.abs(freq - probs) < 4 * np.sqrt(probs * (1 - probs) / 4000)
    ), freq
    cold = model.sample(200, temperature=0.05, seed=0)[:, 0, 1]
    assert (
        cold == 3
    ).mean() > 0.95  # a low temperature picks the most likely level
    hot = model.pixel_distribution(
        np.zeros((1, 1, 2)), (0, 1), temperature=100.0
    )[0]
    np.testing.assert_allclose(hot, 0.25, atol=0.01)


def test_row_lstm_fast_categorical_sampler_equals_the_generic_one():
    model = _categorical_models((4, 5), 6, seed=1)["Row LSTM"]
    fast = model.sample(3, seed=7, temperature=0.8)
    generic = torch.zeros(3, 4, 5)
    PixelCNN._fill(
        model, generic, torch.ones_like(generic, dtype=torch.bool), 0.8, 7
    )  # the base class loop
    assert np.array_equal(fast, generic.numpy())


def test_categorical_completion_keeps_the_known_pixels():
    model = _categorical_models((4, 4), 7, seed=2)["Gated PixelCNN"]
    x = (
        np.random.default_rng(0)
        .integers(0, 7, size=(3, 4, 4))
        .astype(np.float32)
    )
    known = np.zeros((4, 4), dtype=bool)
    known[:2] = True
    out = model.complete(x, known, seed=1)
    assert np.array_equal(out[:, known], x[:, known])
    assert set(np.unique(out)) <= set(range(7))


def test_categorical_inputs_are_validated():
    model = PixelCNN((4, 4), channels=2, num_layers=1, in_kernel=3, levels=17)
    with pytest.raises(ValueError, match=r"quantize\(images, 17\)"):
        model.log_prob(np.full((1, 4, 4), 0.5))
    with pytest.raises(ValueError, match=r"levels 0..16"):
        model.log_prob(np.full((1, 4, 4), 17.0))
    with pytest.raises(ValueError, match="levels must be an integer >= 2"):
        PixelCNN((4, 4), levels=1)
    with pytest.raises(ValueError, match="num_layers"):
        GatedPixelCNN((4, 4), num_layers=0)
    with pytest.raises(ValueError, match="odd"):
        GatedPixelCNN((4, 4), kernel=4)


# ----------------------------------------------------------------------------- training and checkpoints


def test_training_a_categorical_pixelcnn_lowers_the_nll():
    torch.manual_seed(0)
    x = data.quantize(data.load_split("digits", "train", seed=0)[0][:400], 17)
    model = PixelCNN((8, 8), channels=8, num_layers=2, in_kernel=5, levels=17)
    before = float(model.nll_bits_per_dim(x).mean())
    train_generator(model, x, epochs=3, lr=1e-2, seed=0)
    after = float(model.nll_bits_per_dim(x).mean())
    assert before > 3.5 and after < 3.0, (
        before,
        after,
    )  # log2(17) = 4.09 bits/dim is uniform guessing


@pytest.mark.parametrize("name", ["PixelCNN", "Gated PixelCNN"])
def test_categorical_models_round_trip_through_a_checkpoint(tmp_path, name):
    model = _categorical_models((4, 5), 9)[name]
    save_checkpoint(tmp_path / "m.pt", model, metrics={"x": 1.0})
    loaded, config, _ = load_checkpoint(tmp_path / "m.pt")
    assert type(loaded) is type(model) and config["levels"] == 9
    x = np.random.default_rng(0).integers(0, 9, size=(2, 4, 5))
    assert torch.equal(loaded.log_prob(x), model.log_prob(x))


def test_cross_entropy_matches_binary_cross_entropy_for_two_levels():
    logits = torch.randn(3, 2, 2, generator=torch.Generator().manual_seed(0))
    x = torch.randint(0, 2, (3, 2, 2)).float()
    as_two = torch.stack(
        [torch.zeros_like(logits), logits], dim=1
    )  # softmax([0, l]) = [1 - s, s]
    assert float(nll_loss(as_two, x)) == pytest.approx(
        float(nll_loss(logits, x)), rel=1e-6
    )
    assert float(nll_loss(logits, x)) == pytest.approx(
        float(
            F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / 3
        ),
        rel=1e-6,
    )


def test_chapter_plots_draw_what_they_are_given():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnntutor.generation import plots

    image = np.random.default_rng(0).integers(0, 17, size=(8, 8))
    p = np.full(17, 1 / 17)
    fig = plots.plot_pixel_distribution(
        image, (3, 2), {"cat": p, "bern": [0.4, 0.6]}, levels=17, true_level=5
    )
    bars = [patch for patch in fig.axes[1].patches]
    assert (
        len(bars) == 17 + 2
    )  # 17 levels, and the Bernoulli pair drawn at the two ends
    assert sorted(round(b.get_height(), 3) for b in bars)[-2:] == [0.4, 0.6]
    plt.close(fig)
    result = {
        "independent_bits_per_dim": 2.4,
        "models": {
            "A": {
                "mean": 2.0,
                "sd": 0.1,
                "runs": [{"test_bits_per_dim": v} for v in (1.9, 2.0, 2.1)],
            },
            "B": {
                "mean": 1.8,
                "sd": 0.0,
                "runs": [{"test_bits_per_dim": 1.8}] * 3,
            },
        },
    }
    fig = plots.plot_bits_per_dim(result)
    assert [round(b.get_height(), 3) for b in fig.axes[0].patches] == [
        2.0,
        1.8,
    ]
    plt.close(fig)
    bench = {
        "timer": "cpu",
        "models": {"A": {"epoch_seconds": 2.0, "sample_seconds": 0.5}},
    }
    fig = plots.plot_timings(bench)
    assert [b.get_height() for b in fig.axes[0].patches] == [2.0, 0.5]
    plt.close(fig)
    ctx = np.zeros((8, 8), dtype=bool)
    ctx[:5] = True
    fig = plots.draw_masks(ctx, ctx, (5, 4))
    assert len(fig.axes) == 1
    plt.close(fig)


def test_shipped_bits_per_dim_table_is_consistent():
    result = load_result("intensities_digits17")
    assert set(result["models"]) == set(MATCHED)
    for name, r in result["models"].items():
        tests = [run["test_bits_per_dim"] for run in r["runs"]]
        assert len(tests) >= 3, name
        assert r["mean"] == pytest.approx(np.mean(tests), abs=1e-4)
        assert r["sd"] == pytest.approx(np.std(tests, ddof=1), abs=1e-4)
        assert (
            r["mean"]
            < result["independent_bits_per_dim"]
            < result["uniform_bits_per_dim"]
        )
    with pytest.raises(ValueError, match="no stored result 'nope'"):
        load_result("nope")


def test_shipped_mnist_checkpoint_reproduces_its_recorded_metrics():
    from rnntutor.generation import load_pretrained, pretrained_record

    record = pretrained_record("pixelcnn_mnist5k_256")
    model = load_pretrained("pixelcnn_mnist5k_256")
    assert model.levels == 256 and record["size_bytes"] < 2_000_000
    x_test = data.quantize(data.load_split("mnist5k", "test", seed=0)[0], 256)
    bits = float(model.nll_bits_per_dim(x_test).double().mean())
    assert bits == pytest.approx(
        record["metrics"]["test_bits_per_dim"], abs=1e-4
    )
    assert bits < 8.0  # well below uniform guessing over 256 levels


def test_pixel_explorer_builds_and_redraws():
    import matplotlib

    matplotlib.use("Agg")
    from rnntutor.generation import widgets

    model = _categorical_models((4, 5), 6)["PixelCNN"]
    images = np.random.default_rng(0).integers(0, 6, size=(3, 4, 5))
    widget = widgets.pixel_explorer(model, images)
    names = [c.description for c in widget.children[:-1]]
    assert names == ["image", "row", "column", "temperature"]
    assert widget.children[1].max == 3 and widget.children[2].max == 4
    widget.children[1].value = 3  # redraws without an error
