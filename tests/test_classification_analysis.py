"""analysis: early predictions, PCA, confusion matrices, errors; the forget-gate bias helper."""

import numpy as np
import pytest
import torch

from rnntutor import data
from rnntutor import nn as rnn
from rnntutor.classification import analysis
from rnntutor.classification.cnn import SmallCNN
from rnntutor.nn import SequenceClassifier


def _model(readout="last", bidirectional=False, order="rows"):
    torch.manual_seed(0)
    m = SequenceClassifier("lstm", 8 if order == "rows" else 1, 6, 10, readout=readout,
                           bidirectional=bidirectional, order=order)  # fmt: skip
    with torch.no_grad():  # non-zero random biases everywhere
        for p in m.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return m


IMAGES = np.random.default_rng(0).random((7, 8, 8)).astype(np.float32)


@pytest.mark.parametrize("readout", ["last", "mean"])
def test_step_logits_equal_the_model_run_on_truncated_images(readout):
    model = _model(readout)
    steps = analysis.step_logits(model, IMAGES)  # (N, T, C)
    assert steps.shape == (7, 8, 10)
    with (
        torch.no_grad()
    ):  # oracle: feed only the first k rows to the model itself
        for k in (1, 3, 8):
            direct = model(torch.from_numpy(IMAGES[:, :k])).numpy()
            np.testing.assert_allclose(steps[:, k - 1], direct, atol=1e-5)


def test_step_logits_refuse_bidirectional_models():
    with pytest.raises(ValueError, match="bidirectional"):
        analysis.step_logits(_model(bidirectional=True), IMAGES)


def test_predict_proba_matches_softmax_and_works_for_cnn_and_permuted():
    model = _model(order="permuted")
    probs = analysis.predict_proba(model, IMAGES, batch_size=3)
    with torch.no_grad():
        seq = torch.from_numpy(data.to_sequence(IMAGES, "permuted", seed=0))
        expected = torch.softmax(model(seq), dim=1).numpy()
    np.testing.assert_allclose(probs, expected, atol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert analysis.predict_proba(SmallCNN(2), IMAGES).shape == (7, 10)


def test_accuracy_after_k_by_hand():
    scores = np.zeros((2, 3, 2))
    scores[0, :, 1] = [1, -1, 1]  # image 0 (label 1): right, wrong, right
    scores[1, :, 0] = [1, 1, -1]  # image 1 (label 0): right, right, wrong
    np.testing.assert_allclose(
        analysis.accuracy_after_k(scores, np.array([1, 0])), [1.0, 0.5, 0.5]
    )


def test_hidden_states_shape_and_last_step_is_h_T():
    model = _model()
    hs = analysis.hidden_states(model, IMAGES)
    assert hs.shape == (7, 8, 6)
    with torch.no_grad():
        feats = model.features(torch.from_numpy(IMAGES)).numpy()
    np.testing.assert_allclose(hs[:, -1], feats, atol=1e-6)


def test_pca_against_numpy_covariance_eigendecomposition():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5)) + 3.0
    comps, mean, explained = analysis.pca(x, 2)
    evals, evecs = np.linalg.eigh(np.cov(x, rowvar=False))  # oracle
    order = np.argsort(evals)[::-1]
    for k in range(2):
        assert abs(abs(comps[k] @ evecs[:, order[k]]) - 1) < 1e-8
    np.testing.assert_allclose(
        explained, evals[order[:2]] / evals.sum(), rtol=1e-8
    )
    np.testing.assert_allclose(mean, x.mean(axis=0))
    with pytest.raises(ValueError, match="k must be"):
        analysis.pca(x, 6)


def test_confusion_matrix_per_class_and_errors():
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([0, 1, 1, 1, 0, 2])
    cm = analysis.confusion_matrix(y, p, 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    np.testing.assert_allclose(
        analysis.per_class_accuracy(cm), [0.5, 1.0, 0.5]
    )
    with pytest.raises(ValueError, match="must be in 0..2"):
        analysis.confusion_matrix(y, p + 1, 3)
    probs = np.eye(3)[p] * 0.5 + 0.1
    probs[4, 0] = 0.9  # the most confident error
    np.testing.assert_array_equal(
        analysis.most_confident_errors(probs, y, k=5), [4, 1]
    )


def test_set_forget_bias():
    model = _model()
    assert rnn.set_forget_bias(model, 1.0) == 1
    b = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0  # gates i, f, g, o
    np.testing.assert_allclose(b[6:12].detach().numpy(), 1.0)
    assert not torch.allclose(b[:6], torch.ones(6))
    with pytest.raises(ValueError, match="no LSTM"):
        rnn.set_forget_bias(SmallCNN(2))
