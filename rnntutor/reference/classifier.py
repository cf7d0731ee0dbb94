"""A sequence classifier trained entirely in NumPy: recurrent layer + linear readout.

An image ``(N, rows, cols)`` is read row by row as a sequence ``(B, T=rows, I=cols)``;
the final hidden state ``h_T`` goes through a linear readout to class logits, and the
model is trained with softmax cross-entropy, BPTT, global-norm clipping and Adam::

    h_T = RNN(x_1, ..., x_T)        logits = h_T W^T + b        L = CE(softmax(logits), y)
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from rnntutor.reference.layers import (
    backward,
    forward,
    init_linear,
    init_params,
    linear_backward,
    linear_forward,
)
from rnntutor.reference.losses import softmax_cross_entropy
from rnntutor.reference.optim import Adam, clip_grad_norm
from rnntutor.reference.threads import one_blas_thread
from rnntutor.validation import check_array


class SequenceClassifier:
    """Recurrent classifier: ``cell`` ("rnn", "lstm", "gru") over the rows, readout of ``h_T``.

    Parameters live in ``self.params`` (keys of the cell) and ``self.readout``
    (``weight (K, H)``, ``bias (K,)``).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        *,
        seed: int = 0,
        dtype=np.float64,
    ):
        self.cell = cell
        self.params = init_params(
            cell, input_size, hidden_size, seed=seed, dtype=dtype
        )
        self.readout = init_linear(
            hidden_size, num_classes, seed=seed + 1, dtype=dtype
        )
        self.num_classes = num_classes

    def _sequences(self, X) -> np.ndarray:
        n_in = self.params["weight_ih"].shape[1]
        X = check_array(X, "X", shape=("N", "T", n_in), dtypes=("f", "i", "u"))
        return X.astype(self.params["weight_ih"].dtype, copy=False)

    def logits(self, X) -> np.ndarray:
        """Class logits ``(N, K)`` for images or sequences ``X (N, T, I)``."""
        hs, _ = forward(self.cell, self.params, self._sequences(X))
        return linear_forward(self.readout, hs[:, -1])[0]

    def predict(self, X) -> np.ndarray:
        """Predicted labels ``(N,)``."""
        return self.logits(X).argmax(axis=1)

    def accuracy(self, X, y) -> float:
        """Fraction of correctly classified examples."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def loss_and_grads(self, X, y):
        """Mean cross-entropy on a batch and the gradients of all parameters.

        Returns ``(loss, grads)`` with ``grads = {"cell": {...}, "readout": {...}}``.
        """
        X = self._sequences(X)
        hs, cache = forward(self.cell, self.params, X)  # (B, T, H)
        logits, lin_cache = linear_forward(self.readout, hs[:, -1])  # (B, K)
        loss, dlogits = softmax_cross_entropy(logits, y)
        g_out = linear_backward(dlogits, lin_cache)
        dhs = np.zeros_like(hs)
        dhs[:, -1] = g_out.pop("x")  # only h_T feeds the readout
        g_cell = backward(self.cell, cache, dhs)
        g_cell = {k: g_cell[k] for k in self.params}
        return loss, {"cell": g_cell, "readout": g_out}

    def fit(
        self,
        X,
        y,
        *,
        epochs: int = 10,
        batch_size: int = 32,
        lr: float = 1e-2,
        clip: float = 5.0,
        seed: int = 0,
    ) -> list[float]:
        """Train with Adam on shuffled mini-batches; return the mean loss of each epoch.

        The matrices are small, so NumPy's BLAS runs on one thread while training: extra
        threads only add synchronisation, and on a busy machine they can slow training
        down tenfold.
        """
        with one_blas_thread():
            return self._fit(
                X,
                y,
                epochs=epochs,
                batch_size=batch_size,
                lr=lr,
                clip=clip,
                seed=seed,
            )

    def _fit(self, X, y, *, epochs, batch_size, lr, clip, seed) -> list[float]:
        for name, value in (("epochs", epochs), ("batch_size", batch_size)):
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Integral)
                or value < 1
            ):
                raise ValueError(
                    f"{name} must be a positive integer, got {value!r}"
                )
        for name, value in (("lr", lr), ("clip", clip)):
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not 0 < value < math.inf
            ):
                raise ValueError(
                    f"{name} must be a positive finite number, got {value!r}"
                )
        X = self._sequences(X)
        if len(X) == 0:
            raise ValueError(
                f"X must hold at least one example, got shape {X.shape}"
            )
        y = check_array(y, "y", shape=(X.shape[0],), dtypes=("i", "u"))
        rng = np.random.default_rng(seed)
        opt_cell, opt_out = (
            Adam(self.params, lr=float(lr)),
            Adam(self.readout, lr=float(lr)),
        )
        history = []
        for _ in range(int(epochs)):
            order = rng.permutation(len(X))
            losses = []
            for start in range(0, len(X), int(batch_size)):
                idx = order[start : start + batch_size]
                loss, grads = self.loss_and_grads(X[idx], y[idx])
                flat = {
                    **{"cell." + k: v for k, v in grads["cell"].items()},
                    **{"out." + k: v for k, v in grads["readout"].items()},
                }
                clip_grad_norm(flat, float(clip))
                opt_cell.step({k: flat["cell." + k] for k in self.params})
                opt_out.step({k: flat["out." + k] for k in self.readout})
                losses.append(loss)
            history.append(float(np.mean(losses)))
        return history
