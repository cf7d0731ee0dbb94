"""Training to convergence on a validation set, and the RNN-versus-CNN comparison.

:func:`fit_best` trains with :func:`rnntutor.train.fit`, one epoch at a time, with one
Adam optimizer kept across the epochs, and measures the validation accuracy ``a_e``
after every epoch ``e``. It keeps the weights of the best epoch
``e* = argmax_e a_e`` (the first one on ties). When ``patience`` epochs in a row do not
improve on ``a_{e*}``, the learning rate is divided by 10 and training goes on from
the best weights (at most ``decays`` times); after that the run stops and the model is
left with the weights of ``e*``. The validation images are held out of the training
images, never taken from the test set.

:func:`compare_rnn_cnn` is Chapter 4's comparison: on ``mnist5k`` a row-by-row LSTM
and a :class:`~rnntutor.classification.cnn.SmallCNN` with the same number of
parameters, both trained to convergence with :func:`fit_best` on the same batches,
then measured on the test images as they are, shifted, and with permuted pixels.
``scripts/eval_classification.py`` runs it over several seeds and stores the result.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch import nn

from rnntutor import data, get_device, seed_everything, train
from rnntutor.classification.cnn import (
    SmallCNN,
    count_parameters,
    match_channels,
)
from rnntutor.nn import SequenceClassifier, set_forget_bias

__all__ = [
    "PERTURBATIONS",
    "compare_rnn_cnn",
    "fit_best",
    "perturbed_test_sets",
    "split_validation",
]

PERTURBATIONS = ("original", "right 3", "down 3", "permuted")
"""The test sets of the comparison: as they are, shifted 3 pixels right, shifted 3
pixels down, and with the pixels in a fixed random order (seed 0)."""


def _positive_int(name: str, value) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or value < 1
    ):
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def split_validation(images, labels, fraction: float = 0.1, *, seed: int = 0):
    """Hold out a stratified ``fraction`` of the *training* images for validation.

    Returns ``(x_fit, y_fit, x_val, y_val)``; the same seed gives the same split
    (:func:`rnntutor.data.stratified_split`).
    """
    images = data.check_images(images)
    fit_idx, val_idx = data.stratified_split(labels, fraction, seed=seed)
    labels = np.asarray(labels)
    return images[fit_idx], labels[fit_idx], images[val_idx], labels[val_idx]


def fit_best(
    model: nn.Module,
    train_loader,
    val_loader,
    *,
    lr: float,
    max_epochs: int = 60,
    patience: int = 5,
    decays: int = 1,
    clip: float | None = 1.0,
    seed: int = 0,
    device="auto",
) -> train.History:
    """Train until the validation accuracy stops improving; keep the best epoch's weights.

    Schedule (``a_e`` the validation accuracy after epoch ``e``, ``e*`` the best so far):
    after ``patience`` epochs with ``a_e <= a_{e*}`` the weights of ``e*`` are restored
    and the learning rate becomes ``lr / 10`` (``decays`` times at most); the next time
    the run stops. ``max_epochs`` bounds the total. Returns the
    :class:`rnntutor.train.History` of every epoch run, with two more attributes:
    ``best_epoch`` (``e*``, 1-based) and ``lrs`` (the learning rate of each epoch). The
    model ends with the weights of ``e*``.
    """
    if val_loader is None:
        raise ValueError(
            "fit_best needs a val_loader (held out from the training images)"
        )
    max_epochs = _positive_int("max_epochs", max_epochs)
    patience = _positive_int("patience", patience)
    if isinstance(decays, bool) or not isinstance(decays, int) or decays < 0:
        raise ValueError(f"decays must be a non-negative int, got {decays!r}")
    if not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    dev = get_device(device)
    model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = train.History()
    lrs: list[float] = []
    best_acc, best_epoch, best_state, waited, decays_left = (
        -1.0,
        0,
        None,
        0,
        decays,
    )
    for epoch in range(1, max_epochs + 1):
        step = train.fit(
            model, train_loader, epochs=1, lr=lr, optimizer=opt, clip=clip,
            val_loader=val_loader, seed=seed * 1000 + epoch, device=dev,
        )  # fmt: skip
        for key, values in step.as_dict().items():
            getattr(history, key).append(
                epoch if key == "epoch" else values[0]
            )
        lrs.append(opt.param_groups[0]["lr"])
        acc = step.val_acc[0]
        if acc > best_acc:
            best_acc, best_epoch, waited = acc, epoch, 0
            best_state = {
                k: v.detach().clone() for k, v in model.state_dict().items()
            }
            continue
        waited += 1
        if waited < patience:
            continue
        model.load_state_dict(
            best_state
        )  # go on (or stop) from the best epoch
        if decays_left == 0:
            break
        decays_left, waited = decays_left - 1, 0
        for group in opt.param_groups:
            group["lr"] = group["lr"] / 10
    model.load_state_dict(best_state)
    history.best_epoch = best_epoch
    history.lrs = lrs
    return history


def perturbed_test_sets(images) -> dict[str, np.ndarray]:
    """The test images under each of :data:`PERTURBATIONS` (name -> images ``(N, H, W)``)."""
    images = data.check_images(images)
    return {
        "original": images,
        "right 3": data.shift_images(images, 0, 3),
        "down 3": data.shift_images(images, 3, 0),
        "permuted": data.permute_pixels(images, seed=0),
    }


def compare_rnn_cnn(
    *,
    seed: int = 0,
    dataset: str = "mnist5k",
    hidden: int = 64,
    lr: float = 1e-2,
    max_epochs: int = 25,
    patience: int = 3,
    decays: int = 1,
    batch_size: int = 64,
    val_fraction: float = 0.1,
    n_train: int | None = None,
    device="auto",
) -> dict:
    """Train a row LSTM and a same-size CNN to convergence; measure them on the test sets.

    Both models are initialised with ``seed``, read the same batches of the training
    images minus a stratified validation fraction (split with ``seed``), and are trained
    by :func:`fit_best`. The test images are the package's fixed ``dataset`` test split.
    ``n_train`` keeps only the first ``n_train`` training images (for quick checks).
    Returns ``{"LSTM": ..., "CNN": ...}``, each with ``params``, ``best_epoch``,
    ``epochs_run``, ``val_accuracy`` (at the best epoch), ``s_per_epoch`` (median),
    ``test`` (accuracy on each of :data:`PERTURBATIONS`), ``model`` and ``history``.
    """
    x_train, y_train = data.load_split(dataset, "train")
    x_test, y_test = data.load_split(dataset, "test")
    if n_train is not None:
        n_train = _positive_int("n_train", n_train)
        x_train, y_train = x_train[:n_train], y_train[:n_train]
    x_fit, y_fit, x_val, y_val = split_validation(
        x_train, y_train, val_fraction, seed=seed
    )
    train_loader = data.make_loader(
        x_fit, y_fit, order="rows", batch_size=batch_size, seed=seed
    )
    val_loader = data.make_loader(
        x_val, y_val, order="rows", batch_size=500, shuffle=False
    )
    tests = {
        name: data.make_loader(
            images, y_test, order="rows", batch_size=500, shuffle=False
        )
        for name, images in perturbed_test_sets(x_test).items()
    }
    seed_everything(seed)
    lstm = SequenceClassifier("lstm", x_train.shape[2], hidden, 10)
    set_forget_bias(lstm, 1.0)
    seed_everything(seed)
    cnn = SmallCNN(match_channels(count_parameters(lstm)))
    out = {}
    for name, model in (("LSTM", lstm), ("CNN", cnn)):
        start = time.perf_counter()
        hist = fit_best(
            model, train_loader, val_loader, lr=lr, max_epochs=max_epochs, patience=patience,
            decays=decays, seed=seed, device=device,
        )  # fmt: skip
        test = {
            t: train.evaluate(model, loader, device=device)["accuracy"]
            for t, loader in tests.items()
        }
        out[name] = dict(
            params=count_parameters(model),
            best_epoch=hist.best_epoch,
            epochs_run=len(hist.epoch),
            val_accuracy=hist.val_acc[hist.best_epoch - 1],
            s_per_epoch=float(np.median(hist.seconds)),
            train_s=time.perf_counter() - start,
            test=test,
            model=model,
            history=hist,
        )
    return out
