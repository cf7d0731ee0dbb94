"""The CNN baseline: parameter formula, matcher, shapes, and that it learns on the same loader."""

import numpy as np
import pytest
import torch

from rnntutor import data, train
from rnntutor.classification.cnn import (
    SmallCNN,
    cnn_param_count,
    count_parameters,
    match_channels,
)
from rnntutor.nn import SequenceClassifier


@pytest.mark.parametrize("channels", [1, 4, 33])
def test_param_formula_matches_the_module(channels):
    # independent oracle: torch's own count of the module's parameters
    model = SmallCNN(channels, num_classes=10)
    assert (
        cnn_param_count(channels)
        == sum(p.numel() for p in model.parameters())
        == count_parameters(model)
    )


def test_match_channels_is_closest_to_an_lstm():
    lstm = SequenceClassifier("lstm", 8, 64, 10)
    target = count_parameters(lstm)  # 4*64*(8+64) + 8*64 + 64*10 + 10
    assert target == 4 * 64 * 72 + 8 * 64 + 650
    c = match_channels(target)
    gap = abs(cnn_param_count(c) - target)
    assert gap <= abs(cnn_param_count(c - 1) - target)
    assert gap <= abs(cnn_param_count(c + 1) - target)
    assert gap / target < 0.05


def test_match_channels_rejects_bad_targets():
    with pytest.raises(ValueError, match="below the smallest"):
        match_channels(5)
    with pytest.raises(ValueError, match="positive int"):
        match_channels(0)


def test_forward_shapes_and_errors():
    model = SmallCNN(3)
    assert model(torch.rand(5, 8, 8)).shape == (5, 10)
    assert model(torch.rand(2, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match=r"\(B, H, W\)"):
        model(torch.rand(5, 1, 8, 8))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model(np.zeros((2, 8, 8), dtype=np.float32))


def test_global_pooling_makes_features_nearly_shift_invariant():
    torch.manual_seed(0)
    cnn, lstm = SmallCNN(3), SequenceClassifier("lstm", 28, 8, 10)
    img = np.zeros((1, 28, 28), dtype=np.float32)
    img[0, 10:16, 9:14] = np.random.default_rng(0).random((6, 5))
    moved = data.shift_images(
        img, 4, -4
    )  # a multiple of the total pooling stride 4
    with torch.no_grad():
        f_cnn = [cnn.features(torch.from_numpy(a)) for a in (img, moved)]
        f_lstm = [lstm.features(torch.from_numpy(a)) for a in (img, moved)]
    cnn_change = (f_cnn[0] - f_cnn[1]).abs().max() / f_cnn[0].abs().max()
    lstm_change = (f_lstm[0] - f_lstm[1]).abs().max() / f_lstm[0].abs().max()
    assert cnn_change < 1e-2 < lstm_change


def test_it_learns_on_the_rnn_loader():
    x, y = data.load_split("digits", "train")
    xt, yt = data.load_split("digits", "test")
    loader = data.make_loader(
        x, y, order="rows", batch_size=32, seed=0
    )  # rows view = the image
    torch.manual_seed(0)
    model = SmallCNN(8)
    train.fit(model, loader, epochs=3, lr=1e-2, device="cpu", seed=0)
    acc = train.evaluate(
        model,
        data.make_loader(xt, yt, order="rows", shuffle=False),
        device="cpu",
    )["accuracy"]
    assert acc > 0.7  # 0.89 measured; chance is 0.1
