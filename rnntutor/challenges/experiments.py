"""Chapter 5's training experiments, shared by the chapter and ``scripts/eval_challenges.py``.

The chapter runs each experiment once (seed 0) live; the script repeats them over several
seeds and stores the mean and spread in ``rnntutor/results/challenges_*.json``. Both call
the functions here, so the live run is one of the script's runs.

- :func:`adding_run`: one cell trained on the adding problem for a fixed budget of steps;
  returns the validation MSE (the baseline is ``1/6``, success is below ``1/12``).
- :func:`digits_run`: a recurrent classifier on digit rows (``T = 8``) with optional
  dropout before the readout and decoupled weight decay (AdamW); returns the model and
  its :class:`rnntutor.train.History` (training and validation loss per epoch).
- :func:`mean_sd`: the mean and the sample standard deviation (``ddof = 1``) of a list.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnntutor import data, train
from rnntutor.challenges import tasks
from rnntutor.nn import SequenceClassifier

__all__ = ["adding_run", "digits_run", "mean_sd"]


def adding_run(
    cell: str,
    T: int,
    *,
    steps: int = 400,
    hidden: int = 32,
    lr: float = 1e-2,
    seed: int = 0,
    impl: str = "cudnn",
    **model_kw,
) -> float:
    """Train a :class:`~rnntutor.challenges.tasks.SequenceRegressor` on the
    adding problem.

    ``steps`` Adam steps of 64 fresh sequences of length ``T`` (one epoch
    over ``64 * steps`` sequences, seeded by ``seed``), then the mean squared
    error on 1,000 validation sequences (seed ``seed + 1000``). ``model_kw``
    goes to the regressor (``tbptt=k``, ``checkpoint=k``). Returns the
    validation MSE, a float.
    """
    x, y = tasks.adding_problem(steps * 64, T, seed=seed)  # (N, T, 2), (N,)
    xv, yv = tasks.adding_problem(1000, T, seed=seed + 1000)
    torch.manual_seed(seed)
    model = tasks.SequenceRegressor(cell, 2, hidden, impl=impl, **model_kw)
    loader = data.tensor_loader(x, y, batch_size=64, seed=seed)
    train.fit(
        model, loader, epochs=1, lr=lr, loss_fn=tasks.mse_loss, seed=seed
    )
    val = data.tensor_loader(xv, yv, batch_size=500, shuffle=False)
    return float(train.evaluate(model, val, loss_fn=tasks.mse_loss)["loss"])


def digits_run(hidden: int, *, x, y, val_loader=None, epochs: int = 40, lr: float = 1e-2, dropout: float = 0.0,
               weight_decay: float = 0.0, seed: int = 0, loss_fn=None, cell: str = "gru"):  # fmt: skip
    """Train a classifier on the rows of digit images ``x (N, 8, 8)``; return ``(model, History)``.

    The model is :class:`rnntutor.nn.SequenceClassifier` (``cell``, hidden size
    ``hidden``) reading rows, ``T = 8``. ``dropout > 0`` puts ``nn.Dropout(dropout)``
    before the readout (on the features ``s``). The optimiser is AdamW with the given
    ``weight_decay``: every step also shrinks each weight, ``θ ← θ - lr · λ · θ``.
    Batches of 32, shuffled with ``seed``; ``val_loader`` (optional) is evaluated after
    every epoch.
    """
    torch.manual_seed(seed)
    model = SequenceClassifier(cell, 8, hidden, 10, impl="cudnn")
    if dropout:
        model.head = nn.Sequential(
            nn.Dropout(dropout), model.head
        )  # dropout on the features s
    opt = torch.optim.AdamW(
        model.parameters(), lr=lr, weight_decay=weight_decay
    )
    loader = data.make_loader(x, y, batch_size=32, seed=seed)
    hist = train.fit(model, loader, epochs=epochs, lr=lr, optimizer=opt, val_loader=val_loader, seed=seed,
                     loss_fn=loss_fn)  # fmt: skip
    return model, hist


def mean_sd(values) -> tuple[float, float]:
    """``(mean, sample standard deviation)`` of ``values`` (``ddof = 1``; ``sd = 0`` for one value)."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(
            f"mean_sd expects a non-empty 1-D list of numbers, got shape {v.shape}"
        )
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0
