"""End-to-end: a GRU classifier trained entirely in NumPy reads 8x8 digits row by row."""

import time

import numpy as np

from rnntutor import data
from rnntutor import reference as ref


def test_numpy_classifier_reaches_95_percent_on_digits():
    X_train, y_train = data.load_split("digits", "train")
    X_test, y_test = data.load_split("digits", "test")
    assert X_train.shape[1:] == (
        8,
        8,
    )  # each image is a sequence of T=8 rows with I=8 pixels
    start = time.perf_counter()
    clf = ref.SequenceClassifier(
        "gru", input_size=8, hidden_size=32, num_classes=10, seed=0
    )
    history = clf.fit(
        X_train, y_train, epochs=15, batch_size=32, lr=1e-2, seed=0
    )
    seconds = time.perf_counter() - start
    acc = clf.accuracy(X_test, y_test)
    assert history[-1] < history[0] / 5  # the loss really went down
    assert acc >= 0.95, f"test accuracy {acc:.3f} < 0.95"
    assert seconds < 30
    assert clf.params["weight_ih"].dtype == np.float64


def test_classifier_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    clf = ref.SequenceClassifier(
        "lstm", input_size=3, hidden_size=4, num_classes=3, seed=1
    )
    X, y = rng.normal(size=(2, 3, 3)), np.array([0, 2])
    _, grads = clf.loss_and_grads(X, y)
    loss = lambda: clf.loss_and_grads(X, y)[0]
    for k in ("weight_hh", "bias_ih"):
        assert (
            ref.relative_error(
                grads["cell"][k], ref.numerical_gradient(loss, clf.params[k])
            )
            < 1e-7
        )
    assert (
        ref.relative_error(
            grads["readout"]["weight"],
            ref.numerical_gradient(loss, clf.readout["weight"]),
        )
        < 1e-7
    )
