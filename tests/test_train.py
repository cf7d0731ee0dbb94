"""rnntutor.train: fit/evaluate, clipping, NaN guard, reproducibility, checkpoints."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnntutor import data, seed_everything, train
from rnntutor.checkpoint import _digest
from rnntutor.nn import SequenceClassifier


@pytest.fixture(scope="module")
def digits():
    images, labels = data.load_split("digits", "train")
    return images[:192], labels[:192]


def make(digits, cell="gru", batch_size=64, seed=0):
    seed_everything(seed)
    model = SequenceClassifier(
        cell, input_size=8, hidden_size=16, order="rows"
    )
    loader = data.make_loader(
        *digits, order="rows", batch_size=batch_size, seed=seed
    )
    return model, loader


def test_fit_learns_and_records_history(digits):
    model, loader = make(digits)
    history = train.fit(
        model, loader, epochs=3, lr=2e-2, device="cpu", val_loader=loader
    )
    assert history.epoch == [1, 2, 3]
    assert history.train_loss[-1] < history.train_loss[0]
    assert all(0.0 <= a <= 1.0 for a in history.train_acc + history.val_acc)
    assert all(g > 0 for g in history.grad_norm)
    # validation numbers equal an independent evaluation of the final model
    final = train.evaluate(model, loader, device="cpu")
    assert history.val_loss[-1] == pytest.approx(final["loss"], rel=1e-6)
    fig = history.plot()
    assert len(fig.axes) == 2


def test_evaluate_matches_hand_computation(digits):
    model, loader = make(digits)
    metrics = train.evaluate(model, loader, device="cpu")
    x = torch.from_numpy(data.to_sequence(digits[0], "rows"))
    y = torch.from_numpy(digits[1])
    with torch.no_grad():
        logits = model(x)
    assert metrics["n"] == len(y)
    assert metrics["loss"] == pytest.approx(
        F.cross_entropy(logits, y).item(), rel=1e-5
    )
    assert metrics["accuracy"] == pytest.approx(
        (logits.argmax(1) == y).double().mean().item()
    )
    assert model.training  # mode restored


def test_same_seed_same_numbers(digits):
    runs = []
    for _ in range(2):
        model, loader = make(digits, seed=3)
        history = train.fit(
            model, loader, epochs=2, lr=1e-2, device="cpu", seed=3
        )
        runs.append((history, model.state_dict()))
    (h1, s1), (h2, s2) = runs
    assert (
        h1.train_loss == h2.train_loss
        and h1.train_acc == h2.train_acc
        and h1.grad_norm == h2.grad_norm
    )
    for k in s1:
        assert torch.equal(s1[k], s2[k]), k


def test_clipping_bounds_the_update(digits):
    model, _ = make(digits)
    loader = data.make_loader(
        *digits, order="rows", batch_size=len(digits[1]), shuffle=False
    )  # one batch
    before = [p.detach().clone() for p in model.parameters()]
    history = train.fit(
        model,
        loader,
        epochs=1,
        lr=1.0,
        optimizer="sgd",
        clip=1e-3,
        device="cpu",
    )
    step = math.sqrt(
        sum(
            ((p.detach() - b) ** 2).sum().item()
            for p, b in zip(model.parameters(), before, strict=True)
        )
    )
    assert (
        history.grad_norm[0] > 1e-2
    )  # the raw gradient was much larger than the clip
    assert step == pytest.approx(
        1e-3, rel=1e-3
    )  # SGD step = lr * clipped gradient


def test_nan_guard_fires_on_exploding_training(digits):
    model, loader = make(digits, cell="rnn")
    with pytest.raises(
        train.DivergenceError, match="diverged.*lower the learning rate.*clip"
    ):
        train.fit(
            model,
            loader,
            epochs=3,
            lr=1e38,
            optimizer="sgd",
            clip=None,
            device="cpu",
        )


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_gpu_is_a_clear_error(digits):
    model, loader = make(digits)
    with pytest.raises(RuntimeError, match="no CUDA GPU is available"):
        train.fit(model, loader, epochs=1, lr=1e-2, device="cuda")


def test_bad_arguments(digits):
    model, loader = make(digits)
    with pytest.raises(ValueError, match="lr must be a positive"):
        train.fit(model, loader, epochs=1, lr=-1.0)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        train.fit(model, loader, epochs=0, lr=1e-2)
    with pytest.raises(ValueError, match="unknown optimizer"):
        train.fit(
            model, loader, epochs=1, lr=1e-2, optimizer="lbfgs2", device="cpu"
        )


def test_progress_switch(monkeypatch):
    monkeypatch.setenv("RNNTUTOR_PROGRESS", "0")
    assert train.progress_enabled() is False
    assert train.progress_enabled(True) is True
    monkeypatch.setenv("RNNTUTOR_PROGRESS", "1")
    assert train.progress_enabled(False) is False


# ----------------------------------------------------------------------------- checkpoints


@pytest.fixture
def saved(tmp_path, digits):
    model, _ = make(digits, cell="lstm")
    path = train.save_checkpoint(
        tmp_path / "m.pt",
        model,
        model.config,
        {"test_accuracy": 0.5, "curve": [1.0, 0.5]},
    )
    return path, model


def test_checkpoint_round_trip(saved, digits):
    path, model = saved
    loaded, config, metrics = train.load_checkpoint(path)
    assert config == model.config and metrics == {
        "test_accuracy": 0.5,
        "curve": [1.0, 0.5],
    }
    x = torch.from_numpy(data.to_sequence(digits[0][:4], "rows"))
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    # loading into an existing model of the same config (another impl is fine)
    other = SequenceClassifier(**{**model.config, "impl": "scratch"})
    train.load_checkpoint(path, other)
    torch.testing.assert_close(other(x), model(x), rtol=1e-5, atol=1e-6)


def test_tampered_weights_are_rejected(saved):
    path, _ = saved
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["head.bias"][0] += (
        1.0  # edit a weight, keep the stored digest
    )
    torch.save(payload, path)
    with pytest.raises(train.CheckpointError, match="sha256"):
        train.load_checkpoint(path)


def test_flipped_bytes_and_truncation_are_rejected(saved):
    path, _ = saved
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(train.CheckpointError, match="truncated"):
        train.load_checkpoint(path)
    damaged = bytearray(raw)
    damaged[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(train.CheckpointError):
        train.load_checkpoint(path)


def test_incompatible_config_is_rejected(saved, tmp_path):
    path, model = saved
    payload = torch.load(path, weights_only=True)
    payload["config"]["hidden_size"] = 32  # weights are for 16 units
    payload["sha256"] = _digest(
        payload
    )  # a consistent file, just a wrong config
    bad = tmp_path / "bad.pt"
    torch.save(payload, bad)
    with pytest.raises(train.CheckpointError, match="incompatible config"):
        train.load_checkpoint(bad)
    with pytest.raises(
        train.CheckpointError, match="incompatible config.*cell"
    ):
        train.load_checkpoint(
            path, SequenceClassifier("gru", input_size=8, hidden_size=16)
        )
    with pytest.raises(train.CheckpointError, match="do not fit"):
        train.save_checkpoint(
            tmp_path / "x.pt", model, {**model.config, "num_layers": 2}
        )


def test_other_bad_files(tmp_path, saved):
    path, _ = saved
    with pytest.raises(train.CheckpointError, match="does not exist"):
        train.load_checkpoint(tmp_path / "missing.pt")
    plain = tmp_path / "plain.pt"
    torch.save({"weights": torch.zeros(2)}, plain)
    with pytest.raises(
        train.CheckpointError, match="not an rnntutor checkpoint"
    ):
        train.load_checkpoint(plain)
    with pytest.raises(train.CheckpointError, match="expected sha256"):
        train.load_checkpoint(path, sha256="0" * 64)
    np.testing.assert_equal(
        train.load_checkpoint(path)[2]["test_accuracy"], 0.5
    )


class _PerStepLabeller(torch.nn.Module):
    """Predicts class 1 at every step: logits (B, T, 2)."""

    def forward(self, x):
        logits = torch.zeros(x.shape[0], x.shape[1], 2)
        logits[..., 1] = 1.0
        return logits


def test_accuracy_of_per_step_labels_counts_every_step():
    x = torch.zeros(4, 3, 1)
    y = torch.tensor(
        [[1, 1, 1], [1, 0, 0], [0, 0, 0], [1, 1, 0]]
    )  # 6 of 12 labels are 1
    loader = [(x, y)]

    def loss_fn(out, target):
        return F.cross_entropy(out.reshape(-1, 2), target.reshape(-1))

    result = train.evaluate(
        _PerStepLabeller(), loader, device="cpu", loss_fn=loss_fn
    )
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["n"] == 4
