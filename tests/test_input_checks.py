"""Issue 14, "silent nonsense": inputs that used to give a wrong result quietly now fail clearly.

Each test names the defect it covers; the accepted cases next to the refused ones show
that the checks do not reject legitimate input (NumPy scalars, NumPy ints).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnntutor import data, train
from rnntutor.generation import FVSBN, train_generator
from rnntutor.nn import IMPLS, make_layer
from rnntutor.reference import layers as ref_layers
from rnntutor.reference.classifier import SequenceClassifier as NumpyClassifier

RNG = np.random.default_rng(0)
BINARY = (RNG.random((12, 3, 3)) < 0.5).astype(np.float32)


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (
            {"epochs": 0},
            "epochs must be a positive int, got 0",
        ),  # used to return an empty history
        (
            {"epochs": 2, "lr_decay": -0.5},
            "lr_decay must be a positive finite number",
        ),  # trained uphill
        ({"epochs": 2, "lr_decay": 1.5}, r"lr_decay must be in \(0, 1\]"),
        (
            {"epochs": 1, "lr": float("nan")},
            "lr must be a positive finite number",
        ),
    ],
)
def test_train_generator_refuses_nonsense(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        train_generator(FVSBN((3, 3)), BINARY, **kwargs)


def test_train_generator_and_fit_accept_numpy_scalars():
    """Defect: fit rejected an np.float32 learning rate."""
    history = train_generator(
        FVSBN((3, 3)),
        BINARY,
        epochs=np.int64(2),
        lr=np.float32(0.05),
        lr_decay=np.float64(0.5),
    )
    assert history.epoch == [1, 2] and len(history.train_loss) == 2
    model = torch.nn.Linear(4, 3)
    x = torch.randn(16, 4, generator=torch.Generator().manual_seed(0))
    loader = data.tensor_loader(x, torch.arange(16) % 3, batch_size=8)
    h = train.fit(
        model,
        loader,
        epochs=np.int32(1),
        lr=np.float32(1e-2),
        clip=np.float32(1.0),
        device="cpu",
    )
    assert h.epoch == [1]
    for bad in (True, np.float32("nan"), -1.0, "0.1"):
        with pytest.raises(
            ValueError, match="lr must be a positive finite number"
        ):
            train.fit(model, loader, epochs=1, lr=bad, device="cpu")


@pytest.mark.parametrize("every", [-1, 0, 1.5, True])
def test_sample_steps_refuses_a_bad_every(every):
    """Defect: every=-1 returned the frames reversed."""
    with pytest.raises(ValueError, match="every must be a positive integer"):
        FVSBN((3, 3)).sample_steps(2, every=every)


def test_sample_steps_still_ends_with_the_sample():
    model = FVSBN((3, 3))
    steps = model.sample_steps(2, every=np.int64(4), seed=1)
    assert steps.shape == (3, 2, 3, 3)  # pixels 4, 8 and the last one
    np.testing.assert_array_equal(steps[-1], model.sample(2, seed=1))


def test_numpy_classifier_fit_refuses_empty_input_and_bad_settings():
    """Defect: the NumPy SequenceClassifier.fit returned [nan] on empty input."""
    clf = NumpyClassifier("gru", 3, 4, 2)
    with pytest.raises(
        ValueError, match=r"at least one example, got shape \(0, 5, 3\)"
    ):
        clf.fit(np.zeros((0, 5, 3)), np.zeros(0, dtype=np.int64))
    X, y = RNG.standard_normal((6, 5, 3)), np.array([0, 1] * 3)
    for kwargs, fragment in (
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"lr": -1}, "lr"),
    ):
        with pytest.raises(ValueError, match=f"{fragment} must be a positive"):
            clf.fit(X, y, **kwargs)
    history = clf.fit(
        X, y, epochs=np.int64(2), lr=np.float32(0.01), batch_size=np.int64(4)
    )
    assert len(history) == 2 and all(np.isfinite(history))


@pytest.mark.parametrize("impl", ["numpy", *IMPLS])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_batch_size_zero_fails_alike_in_every_implementation(cell, impl):
    """Defect: B = 0 failed in some implementations (fused rnn/gru) and not in others."""
    message = r"x must have shape \(B, T, 3\) with B >= 1 and T >= 1, got shape \(0, 5, 3\)"
    with pytest.raises(ValueError, match=message):
        if impl == "numpy":
            ref_layers.forward(
                cell,
                ref_layers.init_params(cell, 3, 4, seed=0),
                np.zeros((0, 5, 3)),
            )
        else:
            make_layer(cell, 3, 4, impl=impl)(torch.zeros(0, 5, 3))


@pytest.mark.parametrize("key", ["weight", "bias"])
def test_linear_forward_refuses_nan_weights(key):
    params = ref_layers.init_linear(3, 2, seed=0)
    y, _ = ref_layers.linear_forward(params, np.ones((4, 3)))
    np.testing.assert_allclose(
        y, np.ones((4, 3)) @ params["weight"].T + params["bias"]
    )
    params[key] = params[key].copy()
    params[key].flat[0] = np.nan
    with pytest.raises(ValueError, match=f"{key} contains 1 non-finite value"):
        ref_layers.linear_forward(params, np.ones((4, 3)))


def test_augment_with_shifts_refuses_fractional_and_bare_shifts():
    """Defect: augment_with_shifts((0.5, 0)) truncated the shift silently."""
    images, labels = RNG.random((2, 4, 4)).astype(np.float32), np.array([3, 4])
    with pytest.raises(
        ValueError, match=r"whole pixels \(ints\), got \(0.5, 0\)"
    ):
        data.augment_with_shifts(images, labels, [(0.5, 0)])
    with pytest.raises(ValueError, match=r"list of \(dy, dx\) pairs.*got 0.5"):
        data.augment_with_shifts(images, labels, (0.5, 0))
    x, y = data.augment_with_shifts(images, labels, [(np.int64(1), 0)])
    np.testing.assert_array_equal(x, data.shift_images(images, 1, 0))
    np.testing.assert_array_equal(y, labels)
