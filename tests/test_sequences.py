"""Moving MNIST generation and file loading, the ConvLSTM (NumPy reference and PyTorch),
the predictors, the metrics and the direction task."""

import hashlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnntutor import data
from rnntutor.reference import convlstm as ref
from rnntutor.sequences import (
    BlankFrame,
    ConvLSTM,
    ConvLSTMCell,
    ConvLSTMPredictor,
    CopyLastFrame,
    DirectionClassifier,
    FCLSTMPredictor,
    MeanFrame,
    bce_per_sequence,
    bce_per_step,
    convlstm_step,
    convlstm_step_gates,
    depth_to_space,
    evaluate_predictor,
    mse_per_frame,
    mse_per_step,
    space_to_depth,
    ssim_per_frame,
    train_predictor,
)

# ------------------------------------------------------------------------- generation


def test_moving_mnist_shape_range_and_determinism():
    a = data.moving_mnist(6, seed=3)
    assert a.shape == (6, 20, 64, 64) and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0 and a.max() > 0.9
    assert np.array_equal(a, data.moving_mnist(6, seed=3))
    assert not np.array_equal(a, data.moving_mnist(6, seed=4))


def test_moving_mnist_frames_are_max_of_split_digits_at_the_corners():
    seqs, info = data.moving_mnist(4, seed=1, split="test", return_info=True)
    corners, index = info["corners"], info["index"]  # (n, D, T, 2), (n, D)
    assert (
        corners.shape == (4, 2, 20, 2)
        and corners.min() >= 0
        and corners.max() <= 64 - 28
    )
    test_images, test_labels = data.load_split("mnist5k", "test")
    np.testing.assert_array_equal(info["labels"], test_labels[index])
    for j in range(4):  # redraw each sequence pixel by pixel
        canvas = np.zeros((20, 64, 64), np.float32)
        for k in range(2):
            for t in range(20):
                y, x = corners[j, k, t]
                for u in range(28):
                    for v in range(28):
                        canvas[t, y + u, x + v] = max(
                            canvas[t, y + u, x + v],
                            test_images[index[j, k], u, v],
                        )
        np.testing.assert_array_equal(seqs[j], canvas)
    train = data.moving_mnist(4, seed=1, split="train")
    assert not np.array_equal(train, seqs)


def test_moving_mnist_motion_has_constant_speed_and_bounces():
    _, info = data.moving_mnist(50, seed=0, return_info=True)
    c = info["corners"].astype(float)  # (n, D, T, 2)
    step = np.abs(
        np.diff(c, axis=2)
    )  # |displacement| per axis, rounded positions
    free = 64 - 28
    assert (
        step.max() <= 0.1 * free + 1
    )  # 3.6 px per frame at most, plus rounding
    walls = (c == 0) | (c == free)
    assert walls.any()  # some digits reach a wall within 20 frames
    # after touching a wall a coordinate moves back inward
    n, d, t, _ = c.shape
    for i, k, s, a in zip(*np.nonzero(walls[:, :, 1:-1]), strict=True):
        before, at, after = c[i, k, s, a], c[i, k, s + 1, a], c[i, k, s + 2, a]
        assert (before - at) * (
            after - at
        ) >= 0  # a turning point (or at rest on the wall)


def test_generated_test_set_prefix_and_chunks():
    a = data.moving_mnist_test(8)
    b = data.moving_mnist_test(3, start=5)
    np.testing.assert_array_equal(a[5:], b)
    small = data.moving_mnist_test(4, **data.MOVING_SMALL)
    assert small.shape == (4, 16, 24, 24)
    with pytest.raises(ValueError, match=r"start \+ n must be in"):
        data.moving_mnist_test(5, start=data.MOVING_TEST_SIZE - 2)
    with pytest.raises(TypeError, match="unknown variant"):
        data.moving_mnist_test(2, speed=3)


def test_small_variant_and_errors():
    x = data.moving_mnist(3, seed=0, **data.MOVING_SMALL)
    assert x.shape == (3, 16, 24, 24)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        data.moving_mnist(0)
    with pytest.raises(ValueError, match="unknown split"):
        data.moving_mnist(2, split="val")
    with pytest.raises(ValueError, match="at least the digit size 28"):
        data.moving_mnist(2, size=20)
    with pytest.raises(ValueError, match="step must be a number in"):
        data.moving_mnist(2, step=2.0)


def test_moving_directions_labels_match_the_motion():
    clips, labels = data.moving_directions(40, seed=2, split="test")
    assert clips.shape == (40, 6, 16, 16) and set(np.unique(labels)) <= set(
        range(8)
    )
    for clip, label in zip(clips, labels, strict=True):
        # the digit moves rigidly: frame t+1 is frame t shifted by the direction's (dy, dx)
        angle = label * np.pi / 4
        dy, dx = int(-np.rint(np.sin(angle))), int(np.rint(np.cos(angle)))
        for t in range(5):
            np.testing.assert_array_equal(
                np.roll(clip[t], (dy, dx), axis=(0, 1)), clip[t + 1]
            )
    with pytest.raises(ValueError, match="at least digit size"):
        data.moving_directions(2, size=10)


# ---------------------------------------------------------------- the standard file


def _write_fake_standard(folder, n=3, frames=20):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(frames, n, 64, 64), dtype=np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mnist_test_seq.npy"
    np.save(path, arr)
    return path, arr


def test_download_moving_mnist_from_a_file_mirror(tmp_path):
    src, arr = _write_fake_standard(tmp_path / "mirror")
    md5 = hashlib.md5(src.read_bytes()).hexdigest()
    cache = tmp_path / "cache"
    file = ("mnist_test_seq.npy", f"md5:{md5}")
    mirrors = ["file:///nonexistent/", (tmp_path / "mirror").as_uri() + "/"]
    path = data.download_moving_mnist(cache, mirrors=mirrors, file=file)
    assert path == cache / "moving_mnist" / "mnist_test_seq.npy"
    x = data.load_moving_mnist_file(cache, file=file)
    assert x.shape == (3, 20, 64, 64) and x.dtype == np.float32
    np.testing.assert_allclose(x, np.swapaxes(arr, 0, 1) / 255.0, atol=1e-7)
    assert data.load_moving_mnist_file(cache, file=file, n=2).shape == (
        2,
        20,
        64,
        64,
    )
    # cached: a second download does not need a mirror
    assert (
        data.download_moving_mnist(
            cache, mirrors=["file:///nonexistent/"], file=file
        )
        == path
    )


def test_download_moving_mnist_rejects_bad_checksum_and_bad_content(tmp_path):
    src, _ = _write_fake_standard(tmp_path / "mirror")
    mirror = [(tmp_path / "mirror").as_uri() + "/"]
    with pytest.raises(data.DownloadError, match="checksum mismatch"):
        data.download_moving_mnist(
            tmp_path / "c1",
            mirrors=mirror,
            file=("mnist_test_seq.npy", "md5:" + "0" * 32),
        )
    assert not (
        tmp_path / "c1" / "moving_mnist" / "mnist_test_seq.npy"
    ).exists()
    bad = tmp_path / "bad"
    bad.mkdir()
    np.save(bad / "mnist_test_seq.npy", np.zeros((20, 2, 32, 32), np.uint8))
    md5 = hashlib.md5((bad / "mnist_test_seq.npy").read_bytes()).hexdigest()
    with pytest.raises(
        data.DownloadError, match=r"uint8 frames of shape \(T, N, 64, 64\)"
    ):
        data.download_moving_mnist(
            tmp_path / "c2",
            mirrors=[bad.as_uri() + "/"],
            file=("mnist_test_seq.npy", md5),
        )


def test_load_moving_mnist_file_missing_and_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_moving_mnist"):
        data.load_moving_mnist_file(tmp_path)
    _write_fake_standard(tmp_path / "moving_mnist")
    with pytest.raises(ValueError, match="corrupt"):
        data.load_moving_mnist_file(
            tmp_path
        )  # the real md5 does not match the fake file


def test_published_checksum_is_torchvisions():
    assert data.MOVING_MNIST_FILE == (
        "mnist_test_seq.npy",
        "md5:be083ec986bfe91a449d63653c411eb2",
    )


# ------------------------------------------------------------ ConvLSTM: NumPy reference


@pytest.mark.parametrize("peephole", [False, True])
@pytest.mark.parametrize(
    "kernel_size,size,seed", [(3, (4, 5), 0), (1, (3, 2), 1), (5, (5, 3), 2)]
)
def test_reference_gradcheck(peephole, kernel_size, size, seed):
    errors = ref.convlstm_gradcheck(
        peephole=peephole, kernel_size=kernel_size, size=size, seed=seed
    )
    expected = {"weight_ih", "weight_hh", "bias", "x", "h_prev", "c_prev"}
    if peephole:
        expected |= set(ref.PEEPHOLES)
    assert set(errors) == expected
    assert max(errors.values()) < 1e-7, errors


def test_reference_conv_matches_torch_and_hand_example():
    rng = np.random.default_rng(0)
    x, w, b = (
        rng.standard_normal((2, 3, 5, 4)),
        rng.standard_normal((6, 3, 3, 3)),
        rng.standard_normal(6),
    )
    want = F.conv2d(
        torch.from_numpy(x),
        torch.from_numpy(w),
        torch.from_numpy(b),
        padding=1,
    ).numpy()
    np.testing.assert_allclose(ref.conv2d_same(x, w, b), want, atol=1e-12)
    # by hand: a 3x3 kernel with a single 1 at (0, 0) shifts the image down-right by one
    k = np.zeros((1, 1, 3, 3))
    k[0, 0, 0, 0] = 1.0
    img = np.arange(12.0).reshape(1, 1, 3, 4)
    out = ref.conv2d_same(img, k)[0, 0]
    np.testing.assert_array_equal(
        out, [[0, 0, 0, 0], [0, 0, 1, 2], [0, 4, 5, 6]]
    )


def test_reference_step_bad_input():
    p = ref.init_convlstm_params(2, 3)
    x, h = np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 4, 4))
    with pytest.raises(ValueError, match=r"x must have shape \(B, 2, H, W\)"):
        ref.convlstm_step(np.zeros((1, 5, 4, 4)), h, h, p)
    with pytest.raises(ValueError, match="h_prev must have shape"):
        ref.convlstm_step(x, np.zeros((1, 3, 4, 5)), h, p)
    with pytest.raises(ValueError, match="k odd"):
        ref.convlstm_step(x, h, h, {**p, "weight_ih": np.zeros((12, 2, 2, 2))})


# ------------------------------------------------------------ ConvLSTM: PyTorch parity


def _torch_params(p):
    return {k: torch.from_numpy(v) for k, v in p.items()}


@pytest.mark.parametrize("peephole", [False, True])
@pytest.mark.parametrize("step", [convlstm_step, convlstm_step_gates])
def test_torch_step_matches_numpy_float64(peephole, step):
    rng = np.random.default_rng(5)
    p = ref.init_convlstm_params(3, 4, 3, peephole=peephole, seed=7)
    x = rng.standard_normal((2, 3, 5, 7))
    h0, c0 = (
        rng.standard_normal((2, 4, 5, 7)),
        rng.standard_normal((2, 4, 5, 7)),
    )
    h_ref, c_ref, cache = ref.convlstm_step(x, h0, c0, p)
    tp = {k: v.requires_grad_() for k, v in _torch_params(p).items()}
    tx, th, tc = (torch.from_numpy(a).requires_grad_() for a in (x, h0, c0))
    h, c = step(
        tx,
        th,
        tc,
        tp["weight_ih"],
        tp["weight_hh"],
        tp["bias"],
        *(tp.get(n) for n in ref.PEEPHOLES),
    )
    assert np.abs(h.detach().numpy() - h_ref).max() <= 1e-10
    assert np.abs(c.detach().numpy() - c_ref).max() <= 1e-10
    dh, dc = rng.standard_normal(h_ref.shape), rng.standard_normal(c_ref.shape)
    (
        (h * torch.from_numpy(dh)).sum() + (c * torch.from_numpy(dc)).sum()
    ).backward()
    grads = ref.convlstm_step_backward(dh, dc, cache)
    got = {
        **{k: v.grad for k, v in tp.items()},
        "x": tx.grad,
        "h_prev": th.grad,
        "c_prev": tc.grad,
    }
    assert set(grads) == set(got)
    for name, g in grads.items():
        assert np.abs(got[name].numpy() - g).max() <= 1e-10, name


def test_cell_module_impls_agree_and_match_torch_lstm_for_1x1():
    torch.manual_seed(0)
    cell = ConvLSTMCell(3, 5, kernel_size=1).double()
    with torch.no_grad():
        cell.bias.normal_()
    gates = ConvLSTMCell(3, 5, kernel_size=1, impl="gates").double()
    gates.load_state_dict(cell.state_dict())
    x = torch.randn(4, 3, 2, 3, dtype=torch.float64)
    state = (
        torch.randn(4, 5, 2, 3, dtype=torch.float64),
        torch.randn(4, 5, 2, 3, dtype=torch.float64),
    )
    h1, c1 = cell(x, state)
    h2, c2 = gates(x, state)
    assert torch.allclose(h1, h2, atol=1e-12) and torch.allclose(
        c1, c2, atol=1e-12
    )
    # a 1x1 ConvLSTM is torch.nn.LSTMCell applied at every pixel
    lstm = torch.nn.LSTMCell(3, 5).double()
    with torch.no_grad():
        lstm.weight_ih.copy_(cell.weight_ih[:, :, 0, 0])
        lstm.weight_hh.copy_(cell.weight_hh[:, :, 0, 0])
        lstm.bias_ih.copy_(cell.bias)
        lstm.bias_hh.zero_()
    flat = lambda t: t.permute(0, 2, 3, 1).reshape(-1, t.shape[1])  # noqa: E731
    h3, c3 = lstm(flat(x), (flat(state[0]), flat(state[1])))
    assert torch.allclose(flat(h1), h3, atol=1e-12) and torch.allclose(
        flat(c1), c3, atol=1e-12
    )


def test_cell_errors_and_locality():
    with pytest.raises(ValueError, match="odd"):
        ConvLSTMCell(1, 2, kernel_size=4)
    with pytest.raises(ValueError, match="unknown impl"):
        ConvLSTMCell(1, 2, impl="cudnn")
    cell = ConvLSTMCell(2, 3, kernel_size=3)
    with pytest.raises(ValueError, match=r"x must have shape \(B, 2, H, W\)"):
        cell(torch.zeros(1, 3, 4, 4))
    # locality: one step with a 3x3 kernel from a zero state changes h only within 1 pixel
    x = torch.zeros(1, 2, 9, 9, requires_grad=True)
    h, _ = cell(x)
    h[0, :, 4, 4].sum().backward()
    touched = x.grad.abs().sum(dim=(0, 1)) > 0
    assert touched[3:6, 3:6].all() and touched.sum() == 9


def test_layer_runs_a_sequence_and_peephole_params():
    layer = ConvLSTM(1, [4, 6], 3, peephole=True)
    out, states = layer(torch.rand(2, 5, 1, 8, 6))
    assert (
        out.shape == (2, 5, 6, 8, 6)
        and len(states) == 2
        and states[0][0].shape == (2, 4, 8, 6)
    )
    names = {n for n, _ in layer.named_parameters()}
    assert "cells.0.weight_ci" in names and "cells.1.weight_co" in names


# ------------------------------------------------------------------------------ models


def test_space_to_depth_round_trip_and_layout():
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    z = space_to_depth(x, 4)
    assert z.shape == (2, 3, 16, 2, 2)
    assert torch.equal(
        z[0, 0, :, 0, 0], x[0, 0, :4, :4].reshape(-1)
    )  # top-left patch as channels
    assert torch.equal(depth_to_space(z, 4), x)
    with pytest.raises(ValueError, match="divisible by the patch size"):
        space_to_depth(torch.zeros(1, 1, 6, 6), 4)


def test_predictors_shapes_and_baselines():
    x = torch.rand(3, 10, 16, 16)
    conv = ConvLSTMPredictor(16, 4, [8], 3, n_out=5)
    assert conv(x).shape == (3, 5, 16, 16) and conv.predict(x, 2).shape == (
        3,
        2,
        16,
        16,
    )
    fc = FCLSTMPredictor(16, 12, n_out=4)
    assert fc(x).shape == (3, 4, 16, 16)
    assert torch.equal(
        CopyLastFrame().predict(x, 3), x[:, -1:].expand(-1, 3, -1, -1)
    )
    assert torch.allclose(MeanFrame().predict(x, 2)[:, 1], x.mean(dim=1))
    assert torch.equal(BlankFrame().predict(x, 4), torch.zeros(3, 4, 16, 16))
    with pytest.raises(
        ValueError, match=r"x must be a tensor of frames \(B, T, 16, 16\)"
    ):
        conv(torch.rand(3, 10, 12, 12))


def test_predictor_is_causal_in_time():
    torch.manual_seed(0)
    model = ConvLSTMPredictor(8, 2, [4], 3, n_out=3).double()
    x = torch.rand(1, 4, 8, 8, dtype=torch.float64, requires_grad=True)
    out = model(x)
    g = torch.autograd.grad(out[0, 0].sum(), x)[
        0
    ]  # the first prediction sees every input frame
    assert (g.abs().sum(dim=(2, 3))[0] > 0).all()


def test_direction_classifier_reads_the_last_state():
    torch.manual_seed(0)
    clips, labels = data.moving_directions(5, seed=0, size=12, frames=4)
    model = DirectionClassifier(hidden_channels=6, n_classes=8)
    x = torch.from_numpy(clips)
    h, c = None, None
    for t in range(4):  # the same computation written out
        h, c = model.rnn.cells[0](x[:, t, None], None if h is None else (h, c))
    want = model.readout(h.mean(dim=(2, 3)))
    assert torch.allclose(model(x), want, atol=1e-6) and want.shape == (5, 8)


# ----------------------------------------------------------------------------- metrics


def test_metrics_by_hand():
    target = np.zeros((1, 2, 2, 2))
    target[0, 0, 0, 0] = 1.0
    pred = np.full((1, 2, 2, 2), 0.5)
    np.testing.assert_allclose(
        mse_per_step(pred, target), [4 * 0.25, 4 * 0.25]
    )
    assert mse_per_frame(pred, target) == pytest.approx(1.0)
    np.testing.assert_allclose(
        bce_per_step(pred, target), [4 * np.log(2), 4 * np.log(2)]
    )
    assert bce_per_sequence(pred, target) == pytest.approx(8 * np.log(2))
    # a confident wrong pixel costs -log(1e-7) (the clip), not infinity
    assert bce_per_sequence(np.zeros_like(target), target) == pytest.approx(
        -np.log(1e-7), rel=1e-6
    )
    frames = np.random.default_rng(0).random((1, 2, 9, 9))
    assert ssim_per_frame(frames, frames) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        mse_per_frame(pred[:, :1], target)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        mse_per_frame(pred * 3, target)


def test_ssim_is_scikit_images():
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(0)
    a, b = rng.random((2, 3, 16, 16)), rng.random((2, 3, 16, 16))
    want = np.mean(
        [
            structural_similarity(b[i, j], a[i, j], data_range=1.0)
            for i in range(2)
            for j in range(3)
        ]
    )
    assert ssim_per_frame(a, b) == pytest.approx(want)


def test_train_predictor_logs_and_learns_a_little(tmp_path):
    torch.manual_seed(0)
    model = ConvLSTMPredictor(24, 4, [4], 1, n_out=8)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    test = data.moving_mnist_test(4, **data.MOVING_SMALL)
    log = tmp_path / "curve.jsonl"
    recs = train_predictor(
        model,
        steps=4,
        variant=data.MOVING_SMALL,
        batch_size=4,
        chunk=2,
        eval_frames=test,
        eval_every=2,
        log_path=log,
    )
    assert [r["step"] for r in recs] == [2, 4] and len(
        log.read_text().splitlines()
    ) == 2
    assert recs[1]["mse_per_frame"] == pytest.approx(
        evaluate_predictor(model, test, 8)["mse_per_frame"]
    )
    assert any(
        not torch.equal(before[k], v) for k, v in model.state_dict().items()
    )
    copy = evaluate_predictor(CopyLastFrame(), test, 8)
    assert copy["n"] == 4 and len(copy["mse_per_step"]) == 8


def test_checkpoint_round_trip_and_evaluate_file(tmp_path):
    from rnntutor.checkpoint import (
        evaluate_file,
        load_checkpoint,
        save_checkpoint,
    )

    torch.manual_seed(0)
    model = ConvLSTMPredictor(24, 4, [3], 1, n_out=8)
    path = save_checkpoint(
        tmp_path / "m.pt",
        model,
        metrics={"x": 1.0},
        data={"dataset": "moving_mnist", "variant": data.MOVING_SMALL},
    )
    loaded, config, metrics = load_checkpoint(path)
    assert config == model.config and metrics == {"x": 1.0}
    x = torch.rand(2, 8, 24, 24)
    assert torch.equal(loaded(x), model(x))
    result = evaluate_file(path)  # dispatches on the kind "video"
    want = evaluate_predictor(
        model, data.moving_mnist_test(256, **data.MOVING_SMALL), 8
    )
    assert result["kind"] == "video" and result["n"] == 256
    assert result["mse_per_frame"] == pytest.approx(
        want["mse_per_frame"], rel=1e-6
    )
    assert "BCE" in result["summary"]
