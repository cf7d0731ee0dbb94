"""PixelRNN's Diagonal BiLSTM: skewing, the diagonal recurrence, causality, full context, likelihood, sampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _helpers import randomize_weights

from rnntutor.generation import (
    DiagonalBiLSTM,
    DiagonalBiLSTMLayer,
    MaskedConv2d,
    RowLSTM,
    check_causality,
    dependency_matrix,
    image_mask,
    load_model,
    save_model,
    skew,
    unskew,
)
from rnntutor.generation.pretrained import model_classes


def _model(shape=(4, 5), seed=0, **kw):
    torch.manual_seed(seed)
    kw.setdefault("hidden", 6)
    kw.setdefault("head", 8)
    return randomize_weights(DiagonalBiLSTM(shape, **kw), seed=seed)


def _past(d):
    """``past[i, j]``: pixel ``j`` comes before pixel ``i`` in raster order."""
    return np.tril(np.ones((d, d), dtype=bool), k=-1)


# ----------------------------------------------------------------------------- skewing and masks


@pytest.mark.parametrize("n, m", [(1, 1), (3, 3), (4, 6), (6, 2)])
def test_skew_puts_pixel_r_c_at_column_r_plus_c_and_unskew_inverts_it(n, m):
    x = (
        torch.arange(1.0, n * m + 1).reshape(n, m).expand(2, 3, n, m)
    )  # leading dims are kept
    s = skew(x)
    assert s.shape == (2, 3, n, n + m - 1)
    expected = torch.zeros(n, n + m - 1)
    for r in range(n):
        for c in range(m):
            expected[r, r + c] = x[0, 0, r, c]
    assert torch.equal(s[1, 2], expected)  # everything else is zero padding
    assert torch.equal(unskew(s), x)
    with pytest.raises(ValueError, match="at least"):
        unskew(torch.zeros(4, 3))


def test_image_mask_and_masked_conv2d():
    assert image_mask(3, "A").tolist() == [[1, 1, 1], [1, 0, 0], [0, 0, 0]]
    assert image_mask((3, 5), "B").tolist() == [
        [1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0],
        [0, 0, 0, 0, 0],
    ]
    with pytest.raises(ValueError, match="odd"):
        image_mask((2, 3), "A")
    with pytest.raises(ValueError, match="'A' or 'B'"):
        image_mask(3, "C")
    torch.manual_seed(0)
    conv = MaskedConv2d(2, 4, (3, 5), "A")
    x = torch.randn(3, 2, 4, 6)
    torch.testing.assert_close(
        conv(x),
        F.conv2d(
            x, conv.weight * image_mask((3, 5), "A"), conv.bias, padding=(1, 2)
        ),
    )


# ----------------------------------------------------------------------------- the recurrence


def _naive_direction(layer, u, direction):
    """One direction, pixel by pixel in image coordinates (zero states outside the image).

    gates(r, c) = K_is u(r, c) + W_up h(r - 1, c) + W_left h(r, c - 1); the cell comes from (r, c - 1).
    """
    d = layer.hidden
    if direction == 1:
        u = u.flip(-1)
    w = layer.input_to_state.weight[
        4 * d * direction : 4 * d * (direction + 1), :, 0, 0
    ]
    b = layer.input_to_state.bias[4 * d * direction : 4 * d * (direction + 1)]
    w_up, w_left = (
        layer.state_to_state[direction, :, :, 0],
        layer.state_to_state[direction, :, :, 1],
    )
    n_img, _, n, m = u.shape
    h = torch.zeros(
        n_img, d, n + 1, m + 1
    )  # index (r + 1, c + 1): row/column -1 is zero
    cell = torch.zeros(n_img, d, n + 1, m + 1)
    for r in range(n):
        for c in range(m):
            gates = (
                u[:, :, r, c] @ w.T
                + b
                + h[:, :, r, c + 1] @ w_up.T
                + h[:, :, r + 1, c] @ w_left.T
            )
            i, f, g, o = gates.chunk(4, dim=1)
            cell[:, :, r + 1, c + 1] = torch.sigmoid(f) * cell[
                :, :, r + 1, c
            ] + torch.sigmoid(i) * torch.tanh(g)
            h[:, :, r + 1, c + 1] = torch.sigmoid(o) * torch.tanh(
                cell[:, :, r + 1, c + 1]
            )
    out = h[:, :, 1:, 1:]
    return out.flip(-1) if direction == 1 else out


@pytest.mark.parametrize("n, m", [(4, 4), (3, 6), (5, 2)])
@torch.no_grad()
def test_diagonal_scan_equals_the_pixel_by_pixel_recurrence(n, m):
    torch.manual_seed(0)
    layer = randomize_weights(DiagonalBiLSTMLayer(3, 5))
    u = torch.randn(2, 3, n, m)
    h_lr, h_rl = layer.directions(u)
    torch.testing.assert_close(
        h_lr, _naive_direction(layer, u, 0), atol=1e-5, rtol=1e-5
    )
    torch.testing.assert_close(
        h_rl, _naive_direction(layer, u, 1), atol=1e-5, rtol=1e-5
    )
    shifted = F.pad(h_rl, (0, 0, 1, 0))[
        :, :, :-1
    ]  # row r holds h_RL(r - 1), row 0 zeros
    torch.testing.assert_close(layer(u), h_lr + shifted)
    broken = DiagonalBiLSTMLayer(3, 5, shift_right_to_left=False)
    broken.load_state_dict(layer.state_dict())
    torch.testing.assert_close(broken(u), h_lr + h_rl)


# ----------------------------------------------------------------------------- causality and context


CAUSAL_CASES = [
    ((4, 4), 1, None),
    ((5, 7), 2, None),
    ((7, 3), 2, None),
    ((5, 5), 1, 3),
    ((1, 4), 1, None),
]


@pytest.mark.parametrize("shape, layers, kernel", CAUSAL_CASES)
def test_diagonal_bilstm_is_causal(shape, layers, kernel):
    report = check_causality(
        _model(shape, num_layers=layers, in_kernel=kernel, pixel_bias=True)
    )
    assert report.ok, str(report)
    assert not np.triu(report.dependency).any()


@pytest.mark.parametrize("shape, layers", [((4, 4), 1), ((5, 7), 2)])
def test_without_the_down_shift_the_right_to_left_direction_sees_the_pixel_itself(
    shape, layers
):
    report = check_causality(
        _model(shape, num_layers=layers, shift_right_to_left=False)
    )
    assert not report.ok and not bool(report)
    assert any(
        i == j for i, j in report.violations
    )  # the feature right of a pixel has read the pixel
    text = str(report)
    assert (
        "NOT causal" in text
        and "its own value" in text
        and "pixel 0 (0, 0) changes with its own value" in text
    )


def test_every_pixel_depends_on_its_whole_past():
    dep = dependency_matrix(_model((5, 5), num_layers=2), n_images=2)
    assert np.array_equal(
        dep, _past(25)
    )  # each pixel sees every earlier pixel and nothing else
    assert dep[24, 4]  # the last pixel sees the top-right pixel
    # the paper's Row LSTM (3-wide kernels) sees a triangle above each pixel: not the far upper right
    torch.manual_seed(0)
    row = randomize_weights(
        RowLSTM((5, 5), hidden=6, num_layers=2, in_kernel=3, prev_row=False)
    )
    dep_row = dependency_matrix(row)
    assert not dep_row[24, 4]
    i = 4 * 5 + 0  # pixel (4, 0)
    assert dep[i, 4] and not dep_row[i, 4]
    assert dep_row[i].sum() < dep[i].sum() == i


def test_a_small_input_kernel_misses_the_last_pixel_of_the_row_above():
    n, m = 5, 6
    dep = dependency_matrix(_model((n, m), num_layers=3, in_kernel=3))
    missing = _past(n * m) & ~dep
    expected = np.zeros_like(missing)
    for r in range(1, n):
        for c in range(m - 2):  # c + 3 // 2 < m - 1
            expected[r * m + c, (r - 1) * m + m - 1] = True
    assert np.array_equal(
        missing, expected
    )  # exactly pixel (r - 1, m - 1), for any depth
    assert not (dep & ~_past(n * m)).any()


# ----------------------------------------------------------------------------- likelihood


def test_log_prob_is_the_sum_of_bernoulli_log_likelihoods_of_the_logits():
    model = _model((4, 5), num_layers=2, pixel_bias=True)
    x = (np.random.default_rng(0).random((6, 4, 5)) < 0.5).astype(np.float32)
    with torch.no_grad():
        logits = model.logits(torch.from_numpy(x)).double()
    xt = torch.from_numpy(x).double()
    expected = (
        xt * F.logsigmoid(logits) + (1 - xt) * F.logsigmoid(-logits)
    ).sum(dim=(1, 2))
    np.testing.assert_allclose(
        model.log_prob(x).double().numpy(), expected.numpy(), rtol=1e-5
    )


def test_probabilities_of_all_3x3_images_sum_to_one():
    model = _model((3, 3), num_layers=2, seed=3)
    k = np.arange(512)
    images = (
        ((k[:, None] >> np.arange(9)) & 1)
        .astype(np.float32)
        .reshape(512, 3, 3)
    )
    assert model.log_prob(images).double().exp().sum().item() == pytest.approx(
        1.0, abs=1e-4
    )


# ----------------------------------------------------------------------------- sampling and completion


def test_sampling_is_seeded_and_binary_and_completion_keeps_the_known_pixels():
    model = _model((4, 5))
    a, b, c = (
        model.sample(5, seed=1),
        model.sample(5, seed=1),
        model.sample(5, seed=2),
    )
    assert a.shape == (5, 4, 5) and set(np.unique(a)) <= {0.0, 1.0}
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    steps = model.sample_steps(2, every=7, seed=3)
    assert steps.shape == (3, 2, 4, 5) and np.array_equal(
        steps[-1], model.sample(2, seed=3)
    )
    x = (np.random.default_rng(0).random((3, 4, 5)) < 0.5).astype(np.float32)
    known = np.zeros((4, 5), dtype=bool)
    known[:2] = True  # top half known
    out = model.complete(x, known, seed=0)
    assert out.shape == x.shape and np.array_equal(out[:, known], x[:, known])
    assert np.array_equal(
        model.complete(x, np.zeros((4, 5), bool), seed=4),
        model.sample(3, seed=4),
    )


# ----------------------------------------------------------------------------- config, checkpoints, errors


def test_save_and_load_round_trip(tmp_path):
    assert model_classes()["DiagonalBiLSTM"] is DiagonalBiLSTM
    model = _model((4, 5), num_layers=2, in_kernel=(3, 5), pixel_bias=True)
    assert model.config == {
        "image_shape": [4, 5],
        "hidden": 6,
        "num_layers": 2,
        "in_kernel": [3, 5],
        "head": 8,
        "pixel_bias": True,
        "shift_right_to_left": True,
    }
    sha = save_model(tmp_path / "d.pt", model)
    loaded = load_model(tmp_path / "d.pt", sha256=sha)
    assert isinstance(loaded, DiagonalBiLSTM) and loaded.config == model.config
    x = (np.random.default_rng(0).random((3, 4, 5)) < 0.5).astype(np.float32)
    torch.testing.assert_close(loaded.log_prob(x), model.log_prob(x))
    assert DiagonalBiLSTM((8, 8)).config["in_kernel"] == [
        3,
        15,
    ]  # default: the whole row above


def test_bad_arguments_get_clear_errors():
    with pytest.raises(ValueError, match="num_layers"):
        DiagonalBiLSTM((4, 4), num_layers=0)
    with pytest.raises(ValueError, match="odd"):
        DiagonalBiLSTM((4, 4), in_kernel=4)
    model = _model((4, 5))
    with pytest.raises(ValueError, match=r"shape \(N, 4, 5\)"):
        model.logits(torch.zeros(1, 5, 4))
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(np.full((1, 4, 5), 0.5, dtype=np.float32))


def test_training_lowers_the_nll():
    from rnntutor.data import binarize, load_split
    from rnntutor.generation import train_generator

    x = binarize(load_split("digits", "train")[0][:128], 0.5)
    torch.manual_seed(0)
    model = DiagonalBiLSTM((8, 8), hidden=8, num_layers=1, head=16)
    before = float(-model.log_prob(x).mean())
    history = train_generator(model, x, epochs=3, lr=0.02, seed=0)
    assert (
        float(-model.log_prob(x).mean()) < before - 5
        and history.train_loss[-1] < history.train_loss[0]
    )
