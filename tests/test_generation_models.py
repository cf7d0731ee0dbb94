"""Generative models of Chapter 3: exact likelihoods, causality, sampling, completion."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _helpers import randomize_weights

from rnntutor.generation import (
    FVSBN,
    IndependentBernoulli,
    MaskedConv1d,
    PixelLSTM,
    RowLSTM,
    check_causality,
    dependency_matrix,
    row_mask,
)
from rnntutor.generation.base import AutoregressiveImageModel
from rnntutor.generation.row_lstm import conv_row

SHAPE = (4, 5)


def _models(shape=SHAPE):
    torch.manual_seed(0)
    return {
        "independent": randomize_weights(IndependentBernoulli(shape)),
        "fvsbn": randomize_weights(FVSBN(shape)),
        "pixel_lstm": randomize_weights(PixelLSTM(shape, hidden=8)),
        "pixel_lstm_no_above": randomize_weights(
            PixelLSTM(shape, hidden=8, above=False, pixel_bias=False)
        ),
        "row_lstm": randomize_weights(
            RowLSTM(shape, hidden=6, pixel_bias=True)
        ),
        "row_lstm_paper": randomize_weights(
            RowLSTM(shape, hidden=6, num_layers=3, in_kernel=3, prev_row=False)
        ),
    }


def _all_images(h, w):
    d = h * w
    return np.array(
        [[(k >> j) & 1 for j in range(d)] for k in range(2**d)],
        dtype=np.float32,
    ).reshape(-1, h, w)


# ----------------------------------------------------------------------------- causality


@pytest.mark.parametrize("name", list(_models()))
def test_every_model_is_causal(name):
    report = check_causality(_models()[name])
    assert report.ok and bool(report), str(report)
    assert not np.triu(report.dependency).any()


def _broken_models():
    from rnntutor.exercises.generation import _break, _model

    models = {}
    for kind in ("fvsbn", "pixel_lstm", "row_lstm"):
        model = _model(kind, SHAPE, 0)
        _break(kind, model, np.random.default_rng(0))
        models[kind] = randomize_weights(model)
    return models


@pytest.mark.parametrize("kind", ["fvsbn", "pixel_lstm", "row_lstm"])
def test_causality_checker_catches_models_that_peek(kind):
    report = check_causality(_broken_models()[kind])
    assert not report.ok and not bool(report)
    assert any(
        i == j for i, j in report.violations
    )  # each broken model sees its own pixel
    assert "NOT causal" in str(report) and "its own value" in str(report)


def test_block_check_catches_an_interaction_that_single_flips_miss():
    # logit i depends on the product of two later pixels: flipping one of them from a
    # base image where the other is 0 changes nothing, so only the block check sees it
    def fn(x):
        flat = x.reshape(x.shape[0], -1)
        out = torch.zeros_like(flat)
        out[:, 0] = (
            flat[:, 3] * flat[:, 4] * flat[:, 5] * flat[:, 6] * flat[:, 7]
        )
        return out.reshape(x.shape)

    report = check_causality(fn, (3, 3), n_images=1, n_blocks=9, seed=0)
    assert not report.ok
    assert 0 in report.block_violations


def test_dependency_matrix_of_fvsbn_is_the_full_strict_lower_triangle():
    dep = dependency_matrix(_models()["fvsbn"])
    d = SHAPE[0] * SHAPE[1]
    assert np.array_equal(dep, np.tril(np.ones((d, d), dtype=bool), k=-1))


def test_row_lstm_contexts_paper_triangle_versus_ours():
    shape = (6, 8)
    torch.manual_seed(0)
    paper = randomize_weights(
        RowLSTM(shape, hidden=6, in_kernel=3, prev_row=False)
    )
    ours = randomize_weights(RowLSTM(shape, hidden=6))
    i = 5 * 8 + 1  # a pixel near the bottom left
    past = np.arange(48) < i
    dep_paper, dep_ours = (
        dependency_matrix(paper)[i],
        dependency_matrix(ours)[i],
    )
    assert not dep_paper[
        0 * 8 + 7
    ]  # the far upper right is outside the paper's triangle
    assert dep_paper.sum() < past.sum()
    assert np.array_equal(dep_ours, past)  # ours sees the whole past


def test_checker_rejects_wrong_output_shape():
    with pytest.raises(ValueError, match="logits of shape"):
        check_causality(lambda x: x.reshape(x.shape[0], -1), (2, 2))
    with pytest.raises(ValueError, match="image_shape"):
        check_causality(lambda x: x)


# ----------------------------------------------------------------------------- exact likelihood


@pytest.mark.parametrize("name", list(_models((2, 2))))
def test_probabilities_of_all_2x2_images_sum_to_one(name):
    model = _models((2, 2))[name]
    total = model.log_prob(_all_images(2, 2)).double().exp().sum().item()
    assert total == pytest.approx(1.0, abs=1e-5)


def test_probabilities_of_all_3x3_images_sum_to_one_for_row_lstm():
    model = randomize_weights(
        RowLSTM((3, 3), hidden=4, pixel_bias=True), seed=3
    )
    assert model.log_prob(
        _all_images(3, 3)
    ).double().exp().sum().item() == pytest.approx(1.0, abs=1e-4)


def test_fvsbn_log_prob_matches_a_float64_numpy_oracle():
    model = _models()["fvsbn"]
    rng = np.random.default_rng(1)
    x = (rng.random((7, *SHAPE)) < 0.4).astype(np.float32)
    w = (model.weight * model.mask).detach().double().numpy()
    b = model.bias.detach().double().numpy()
    flat = x.reshape(7, -1).astype(np.float64)
    expected = []
    for row in flat:
        logp = 0.0
        for i in range(flat.shape[1]):
            s = 1.0 / (
                1.0
                + math.exp(-(b[i] + sum(w[i, j] * row[j] for j in range(i))))
            )
            logp += math.log(s) if row[i] == 1 else math.log(1.0 - s)
        expected.append(logp)
    np.testing.assert_allclose(
        model.log_prob(x).double().numpy(), expected, rtol=1e-5
    )


def test_bits_per_dim_is_nats_over_pixels_times_ln2():
    model = _models()["row_lstm"]
    x = (np.random.default_rng(2).random((3, *SHAPE)) < 0.5).astype(np.float32)
    np.testing.assert_allclose(
        model.nll_bits_per_dim(x).numpy(),
        (-model.log_prob(x) / (20 * math.log(2))).numpy(),
        rtol=1e-6,
    )


def test_independent_bernoulli_mle_is_the_smoothed_mean_image():
    x = (np.random.default_rng(0).random((10, *SHAPE)) < 0.3).astype(
        np.float32
    )
    model = IndependentBernoulli(SHAPE).fit_mle(x, alpha=1.0)
    p = torch.sigmoid(model.bias).detach().numpy()
    np.testing.assert_allclose(p, (x.sum(0) + 1) / 12, rtol=1e-5)


def test_conv_row_and_masked_conv_match_torch_conv1d():
    g = torch.Generator().manual_seed(0)
    x, w, b = (
        torch.randn(3, 4, 9, generator=g),
        torch.randn(6, 4, 5, generator=g),
        torch.randn(6, generator=g),
    )
    torch.testing.assert_close(conv_row(x, w, b), F.conv1d(x, w, b, padding=2))
    conv = MaskedConv1d(4, 6, 5, "A")
    torch.testing.assert_close(
        conv(x),
        F.conv1d(
            x,
            conv.weight * torch.tensor([1.0, 1, 0, 0, 0]),
            conv.bias,
            padding=2,
        ),
    )
    assert row_mask(3, "B").tolist() == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="odd"):
        row_mask(4, "A")
    with pytest.raises(ValueError, match="'A' or 'B'"):
        row_mask(3, "C")


# ----------------------------------------------------------------------------- sampling and completion


@pytest.mark.parametrize("name", ["fvsbn", "pixel_lstm", "row_lstm"])
def test_sampling_is_seeded_and_binary(name):
    model = _models()[name]
    a, b, c = (
        model.sample(6, seed=1),
        model.sample(6, seed=1),
        model.sample(6, seed=2),
    )
    assert a.shape == (6, *SHAPE) and set(np.unique(a)) <= {0.0, 1.0}
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_temperature_sharpens_and_is_validated():
    model = IndependentBernoulli(SHAPE)
    with torch.no_grad():
        model.bias.copy_(
            torch.where(torch.arange(20).reshape(SHAPE) % 3 == 0, 0.5, -0.5)
        )
    cold = model.sample(
        400, temperature=0.05, seed=0
    )  # logits +-10: almost always the mode
    mode = (torch.sigmoid(model.bias) > 0.5).float().numpy()
    assert (cold == mode).mean() > 0.999
    warm = model.sample(400, temperature=1.0, seed=0)
    assert 0.55 < (warm == mode).mean() < 0.70  # sigmoid(0.5) = 0.62
    with pytest.raises(ValueError, match="temperature"):
        model.sample(2, temperature=0)
    with pytest.raises(ValueError, match="n must be"):
        model.sample(0)


def test_row_lstm_fast_sampler_equals_the_generic_one():
    model = _models()["row_lstm"]
    for seed in (0, 5):
        fast = model.sample(5, temperature=0.8, seed=seed)
        x = torch.zeros(5, *SHAPE)
        AutoregressiveImageModel._fill(
            model, x, torch.ones_like(x, dtype=torch.bool), 0.8, seed
        )
        assert np.array_equal(fast, x.numpy())
    steps = model.sample_steps(2, every=5, seed=3)
    assert steps.shape == (4, 2, *SHAPE) and np.array_equal(
        steps[-1], model.sample(2, seed=3)
    )


@pytest.mark.parametrize("name", ["fvsbn", "pixel_lstm", "row_lstm"])
def test_completion_keeps_known_pixels_and_matches_sampling_when_nothing_is_known(
    name,
):
    model = _models()[name]
    rng = np.random.default_rng(0)
    x = (rng.random((4, *SHAPE)) < 0.5).astype(np.float32)
    known = np.zeros(SHAPE, dtype=bool)
    known[:2] = True  # top half known
    out = model.complete(x, known, seed=0)
    assert np.array_equal(out[:, known], x[:, known])
    assert np.array_equal(model.complete(x, np.ones(SHAPE, bool)), x)
    assert np.array_equal(
        model.complete(x, np.zeros(SHAPE, bool), seed=4),
        model.sample(4, seed=4),
    )
    per_image = np.broadcast_to(known, x.shape).copy()
    per_image[0] = True
    out2 = model.complete(x, per_image, seed=0)
    assert np.array_equal(out2[0], x[0])


def test_completion_conditions_on_the_known_part():
    # an FVSBN that copies the pixel above: completing the bottom row copies the top row
    model = FVSBN((2, 3))
    with torch.no_grad():
        model.bias.fill_(-10.0)
        for c in range(3):
            model.weight[3 + c, c] = 20.0
    x = np.array([[[1, 0, 1], [0, 0, 0]]], dtype=np.float32)
    known = np.array([[True, True, True], [False, False, False]])
    assert model.complete(x, known, seed=0)[0, 1].tolist() == [1.0, 0.0, 1.0]


def test_bad_inputs_get_clear_errors():
    model = _models()["fvsbn"]
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(np.full((1, *SHAPE), 0.5, dtype=np.float32))
    with pytest.raises(ValueError, match=r"pass x\[None\]"):
        model.log_prob(np.zeros(SHAPE, dtype=np.float32))
    with pytest.raises(ValueError, match=r"shape \(N, 4, 5\)"):
        model.log_prob(np.zeros((1, 5, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="known_mask"):
        model.complete(
            np.zeros((1, *SHAPE), np.float32), np.ones((2, 2), bool)
        )


def test_training_with_fit_lowers_the_nll():
    from rnntutor.data import binarize, load_split
    from rnntutor.generation import train_generator

    x = binarize(load_split("digits", "train")[0][:256], 0.5)
    torch.manual_seed(0)
    model = FVSBN((8, 8))
    before = float(-model.log_prob(x).mean())
    history = train_generator(model, x, epochs=5, lr=0.02, seed=0)
    after = float(-model.log_prob(x).mean())
    assert before == pytest.approx(
        64 * math.log(2), rel=1e-5
    )  # zero weights: p = 1/2 everywhere
    assert after < 25.0 and history.train_loss[-1] < history.train_loss[0]
