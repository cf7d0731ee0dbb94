"""Training a generative model with the package's one loop, :func:`rnntutor.train.fit`.

The loss is the negative log-likelihood in nats per image (:func:`~rnntutor.generation.nll_loss`);
the loader yields ``(x, x)`` pairs (:func:`~rnntutor.generation.image_loader`). ``fit`` is
called once per epoch with the *same* optimizer, so the learning rate can decay
geometrically between epochs (``lr * lr_decay ** epoch``). ``fit``'s "accuracy" column
is the fraction of pixels whose most likely value is right; we do not use it.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from rnntutor.generation.base import image_loader, nll_loss
from rnntutor.train import History, fit

__all__ = ["apply_binarization", "evaluate_checkpoint", "train_generator"]


def apply_binarization(images, binarization) -> np.ndarray:
    """Binarize grey images ``(N, H, W)`` as a checkpoint's ``data["binarization"]`` says.

    ``{"method": "threshold", "threshold": 0.5}`` (``pixel > threshold``) or
    ``{"method": "stochastic", "seed": 0}`` (``Bernoulli(pixel)``); ``None`` keeps them.
    """
    from rnntutor.data import binarize, binarize_stochastic

    if binarization is None:
        return np.asarray(images, dtype=np.float32)
    method = (
        binarization.get("method") if isinstance(binarization, dict) else None
    )
    if method == "threshold":
        return binarize(images, float(binarization.get("threshold", 0.5)))
    if method == "stochastic":
        return binarize_stochastic(
            images, seed=int(binarization.get("seed", 0))
        )
    raise ValueError(
        f"unknown binarization {binarization!r}: expected None, {{'method': 'threshold', 'threshold': t}} "
        "or {'method': 'stochastic', 'seed': s}"
    )


@torch.no_grad()
def evaluate_checkpoint(
    model, checkpoint: dict, *, dataset: str, split: str = "test", batch_size: int = 256, device="cpu",
    cache_dir=None,
) -> dict:  # fmt: skip
    """The ``rnntutor evaluate`` evaluator of generative models: mean NLL in nats and bits/dim.

    Images of ``split`` (with the recorded ``split_seed``) are binarized as recorded in the
    checkpoint's ``data["binarization"]`` (a categorical model of ``K`` levels gets them
    quantized to ``0..K-1`` instead); images of another size than the model's are
    refused before it runs. ``nll_nats`` is ``-mean_n log p(x_n)``; ``bits_per_dim`` is
    that divided by ``H * W * ln 2``.
    """
    from rnntutor.checkpoint import check_data
    from rnntutor.data import load_split

    provenance = checkpoint.get("data", {})
    raw, _ = load_split(
        dataset,
        split,
        seed=int(provenance.get("split_seed", 0)),
        cache_dir=cache_dir,
    )
    check_data(checkpoint, dataset, raw.shape[1:])
    if getattr(
        model, "categorical", False
    ):  # K levels: the grey images quantized, as recorded in data["levels"]
        from rnntutor.data import quantize

        images = quantize(raw, model.levels)
    else:
        images = apply_binarization(raw, provenance.get("binarization"))
    total = 0.0
    for start in range(0, len(images), batch_size):
        total += float(
            -model.log_prob(images[start : start + batch_size]).double().sum()
        )
    n = len(images)
    nats = total / n
    bits = nats / (images.shape[1] * images.shape[2] * math.log(2.0))
    return {
        "nll_nats": nats,
        "bits_per_dim": bits,
        "n": n,
        "summary": f"{checkpoint['model']} on {dataset} {split} (n={n}): NLL {nats:.2f} nats, {bits:.4f} bits/dim",
    }


def train_generator(
    model,
    images,
    *,
    epochs: int,
    lr: float = 1e-2,
    lr_decay: float = 1.0,
    batch_size: int = 64,
    seed: int = 0,
    clip: float | None = None,
    weight_decay: float = 0.0,
    device="cpu",
    progress: bool | None = None,
    on_epoch=None,
) -> History:
    """Train ``model`` on ``images`` ``(N, H, W)`` by maximum likelihood; return the joined :class:`History`.

    The images are binary, or the levels ``0..K-1`` for a model with ``levels=K``.

    AdamW (decoupled ``weight_decay``) with learning rate ``lr * lr_decay ** epoch`` in epoch ``epoch`` (0-based);
    shuffling and initial seeding are fixed by ``seed``. ``epochs`` must be a positive int and
    ``0 < lr_decay <= 1`` (a negative factor would flip the sign of every other step).
    ``on_epoch(epoch, model)`` (optional) is called after every epoch (1-based), e.g. to record
    a test likelihood.
    """
    from rnntutor.train import _check_epochs, _check_positive

    epochs = _check_epochs(epochs)
    lr = _check_positive("lr", lr)
    decay = _check_positive("lr_decay", lr_decay)
    if decay > 1:
        raise ValueError(f"lr_decay must be in (0, 1], got {lr_decay!r}")
    loader = image_loader(
        images,
        batch_size=batch_size,
        shuffle=True,
        seed=seed,
        levels=getattr(model, "levels", 2),
    )
    opt = torch.optim.AdamW(
        model.parameters(), lr=lr, weight_decay=weight_decay
    )
    history = History()
    for epoch in range(epochs):
        for group in opt.param_groups:
            group["lr"] = lr * decay**epoch
        h = fit(
            model,
            loader,
            epochs=1,
            lr=lr,
            optimizer=opt,
            clip=clip,
            device=device,
            seed=seed + epoch,
            progress=progress,
            loss_fn=nll_loss,
        )
        for key, values in h.as_dict().items():
            getattr(history, key).extend(
                [epoch + 1] if key == "epoch" else values
            )
        if on_epoch is not None:
            on_epoch(epoch + 1, model)
    model.eval()
    return history
