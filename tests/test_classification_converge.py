"""Training to convergence (rnntutor.classification.converge) and Chapter 4's record."""

import sys

import numpy as np
import pytest
import torch
from _helpers import load_script

from rnntutor import data, train
from rnntutor.classification import converge
from rnntutor.classification.cnn import count_parameters


def _toy(n, seed):
    """Two classes of 4x4 'images': the label is whether the top half is brighter."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4, 4)).astype(np.float32)
    y = (x[:, :2].mean(axis=(1, 2)) > x[:, 2:].mean(axis=(1, 2))).astype(
        np.int64
    )
    return x, y


def _toy_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(16, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 2),
    )


def test_fit_best_keeps_the_best_validation_epoch_and_decays_the_rate():
    x, y = _toy(200, 0)
    xv, yv = _toy(60, 1)
    loader = data.make_loader(x, y, batch_size=20, seed=0)
    val = data.make_loader(xv, yv, batch_size=60, shuffle=False)
    model = _toy_model()
    hist = converge.fit_best(
        model,
        loader,
        val,
        lr=0.5,
        max_epochs=30,
        patience=2,
        decays=1,
        device="cpu",
    )
    n = len(hist.epoch)
    assert (
        hist.epoch == list(range(1, n + 1))
        and len(hist.val_acc) == len(hist.lrs) == n
    )
    best = hist.best_epoch
    assert hist.val_acc[best - 1] == max(hist.val_acc)
    assert best == 1 + int(np.argmax(hist.val_acc))  # the first epoch on ties
    # the model holds the best epoch's weights: evaluating it again gives that accuracy
    assert train.evaluate(model, val, device="cpu")[
        "accuracy"
    ] == pytest.approx(hist.val_acc[best - 1], abs=1e-12)
    # the learning rate only ever goes from lr to lr / 10, and only after a plateau
    assert set(hist.lrs) <= {0.5, 0.05} and hist.lrs == sorted(
        hist.lrs, reverse=True
    )
    if n < 30:  # stopped early: two plateaus of `patience` epochs were seen
        assert hist.lrs[-1] == pytest.approx(0.05)
        assert (
            max(hist.val_acc[-2:]) <= hist.val_acc[best - 1]
        )  # the last epochs did not improve


def test_fit_best_stops_at_max_epochs_and_refuses_bad_arguments():
    x, y = _toy(40, 2)
    loader = data.make_loader(x, y, batch_size=20, seed=0)
    hist = converge.fit_best(
        _toy_model(),
        loader,
        loader,
        lr=1e-3,
        max_epochs=3,
        patience=5,
        device="cpu",
    )
    assert len(hist.epoch) == 3 and hist.lrs == [1e-3] * 3
    with pytest.raises(ValueError, match="needs a val_loader"):
        converge.fit_best(_toy_model(), loader, None, lr=1e-2)
    with pytest.raises(
        ValueError, match="patience must be a positive int, got 0"
    ):
        converge.fit_best(_toy_model(), loader, loader, lr=1e-2, patience=0)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        converge.fit_best(_toy_model(), loader, loader, lr=-1.0)


def test_split_validation_is_stratified_and_disjoint():
    x, y = data.load_split("digits", "train")
    xf, yf, xv, yv = converge.split_validation(x, y, 0.1, seed=3)
    assert len(xf) + len(xv) == len(x) and np.bincount(yv).min() >= 13
    flat = {row.tobytes() for row in xv}
    assert not any(row.tobytes() in flat for row in xf[:200])
    again = converge.split_validation(x, y, 0.1, seed=3)
    assert np.array_equal(again[3], yv)


def test_perturbed_test_sets_by_hand():
    images = np.zeros((1, 8, 8), dtype=np.float32)
    images[0, 0, 0] = 1.0
    sets = converge.perturbed_test_sets(images)
    assert tuple(sets) == converge.PERTURBATIONS
    assert sets["right 3"][0, 0, 3] == 1.0 and sets["down 3"][0, 3, 0] == 1.0
    assert np.array_equal(
        np.sort(sets["permuted"].ravel()), np.sort(images.ravel())
    )


def test_compare_rnn_cnn_small_case():
    out = converge.compare_rnn_cnn(
        seed=0, n_train=300, max_epochs=2, hidden=16, device="cpu"
    )
    assert set(out) == {"LSTM", "CNN"}
    for r in out.values():
        assert r["params"] == count_parameters(r["model"])
        assert tuple(r["test"]) == converge.PERTURBATIONS
        assert all(0.0 <= a <= 1.0 for a in r["test"].values())
        assert 1 <= r["best_epoch"] <= r["epochs_run"] <= 2
    assert (
        abs(out["LSTM"]["params"] - out["CNN"]["params"])
        < 0.1 * out["LSTM"]["params"]
    )


def test_mean_sd_against_numpy():
    script = load_script("eval_classification")
    values = [0.9694, 0.9415, 0.9582]
    mean, sd = script.mean_sd(values)
    assert mean == pytest.approx(np.mean(values)) and sd == pytest.approx(
        np.std(values, ddof=1)
    )
    assert script.mean_sd([0.5]) == (0.5, 0.0)


def test_summarize_meets_a_target_only_by_the_mean():
    script = load_script("eval_classification")
    runs = [dict(seed=s, test_accuracy=a, final_train_accuracy=1.0, train_s=1.0, train_cpu_s=1.0,
                 n_test=10, n_train=10, parameters=5, T=8) for s, a in enumerate([0.97, 0.94, 0.93])]  # fmt: skip
    recipe = dict(target=0.95)
    summary = script.summarize(recipe, runs)
    assert (
        summary["test_accuracy"] == [0.97, 0.94, 0.93]
        and summary["met"] is False
    )  # one seed above, mean below
    assert script.summarize(dict(target=None), runs)["met"] is None
    assert script.summarize(dict(target=0.9), runs)["met"] is True


def test_run_target_small_recipe_is_reproducible(monkeypatch):
    script = load_script("eval_classification")
    recipe = dict(dataset="digits", order="rows", cell="lstm", hidden=16, epochs=2, lr=1e-2, finetune=1,
                  batch=64, augment=False, target=None)  # fmt: skip
    torch.set_num_threads(1)
    a = script.run_target("small", recipe, seed=1, device="cpu")
    b = script.run_target("small", recipe, seed=1, device="cpu")
    assert a["test_accuracy"] == b["test_accuracy"] > 0.3  # chance is 0.1
    assert a["n_test"] == 359 and a["T"] == 8 and a["seed"] == 1


def test_the_script_refuses_repeated_seeds(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["eval_classification.py"])
    script = load_script("eval_classification")
    with pytest.raises(SystemExit):
        script.main(["--seeds", "0", "0", "1", "--only"])
    assert "--seeds must be distinct" in capsys.readouterr().err
