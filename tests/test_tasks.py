"""The adding problem and the copy task: data layout, seeds, and the baselines' values."""

import math

import numpy as np
import pytest
import torch

from rnntutor import data, train
from rnntutor.challenges import tasks
from rnntutor.classification import labelling


def test_adding_problem_layout_and_target():
    x, y = tasks.adding_problem(500, 12, seed=3)
    assert x.shape == (500, 12, 2) and y.shape == (500,)
    assert x.dtype == np.float32 and y.dtype == np.float32
    marks = x[:, :, 1]
    assert np.all(marks.sum(axis=1) == 2)
    assert np.all(marks[:, :6].sum(axis=1) == 1) and np.all(
        marks[:, 6:].sum(axis=1) == 1
    )
    np.testing.assert_allclose(y, (x[:, :, 0] * marks).sum(axis=1), rtol=1e-6)
    assert 0 <= x[:, :, 0].min() and x[:, :, 0].max() < 1


def test_adding_problem_is_seeded():
    a = tasks.adding_problem(4, 10, seed=1)
    b = tasks.adding_problem(4, 10, seed=1)
    c = tasks.adding_problem(4, 10, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_adding_baseline_is_the_best_constant_mse():
    _, y = tasks.adding_problem(200_000, 10, seed=0)
    assert tasks.adding_baseline() == pytest.approx(1 / 6)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, rel=0.02)
    assert np.mean((y - y.mean()) ** 2) == pytest.approx(1 / 6, rel=0.02)


def test_copy_task_layout():
    T, K, S = 7, 4, 5
    x, y = tasks.copy_task(3, T, seed=0, n_symbols=S, copy_length=K)
    assert x.shape == (3, T + 2 * K, S + 2) and y.shape == (3, T + 2 * K)
    tokens = x.argmax(-1)
    np.testing.assert_array_equal(x.sum(-1), 1.0)
    assert np.all(tokens[:, :K] < S)
    assert np.all(tokens[:, K : K + T - 1] == S) and np.all(
        tokens[:, K + T - 1] == S + 1
    )
    assert np.all(tokens[:, K + T :] == S)
    assert np.all(y[:, : T + K] == S)
    np.testing.assert_array_equal(y[:, T + K :], tokens[:, :K])


def test_copy_baseline_matches_the_memoryless_strategy():
    T = 15
    x, y = tasks.copy_task(4000, T, seed=0)
    # Memoryless strategy: blank with certainty for T + K steps, then uniform over 8 symbols.
    logits = np.full(y.shape + (10,), -1e9)
    logits[:, : T + 10, 8] = 0.0
    logits[:, T + 10 :, :8] = 0.0
    loss = labelling.step_loss(torch.tensor(logits), torch.tensor(y)).item()
    assert loss == pytest.approx(tasks.copy_baseline(T), rel=1e-6)
    assert tasks.copy_baseline(T) == pytest.approx(10 * math.log(8) / (T + 20))


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="T must be an integer"):
        tasks.adding_problem(3, 1)
    with pytest.raises(ValueError, match="n must be"):
        tasks.copy_task(0, 5)
    with pytest.raises(ValueError, match="unknown cell"):
        tasks.SequenceRegressor("transformer")


def test_models_shapes_and_one_training_step():
    x, y = tasks.adding_problem(64, 10, seed=0)
    model = tasks.SequenceRegressor("gru", 2, 8)
    assert model(torch.from_numpy(x)).shape == (64,)
    hist = train.fit(
        model,
        data.tensor_loader(x, y, batch_size=32),
        epochs=1,
        lr=1e-2,
        loss_fn=tasks.mse_loss,
    )
    assert np.isfinite(hist.train_loss[-1])
    xc, yc = tasks.copy_task(8, 5, seed=0)
    n_in = tasks.COPY_SYMBOLS + 2
    tagger = labelling.SequenceLabeller(
        "lstm", n_in, 8, n_in, bidirectional=False
    )
    assert tagger(torch.from_numpy(xc)).shape == (8, 25, 10)
