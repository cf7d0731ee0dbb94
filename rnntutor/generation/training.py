"""Training a generative model with the package's one loop, :func:`rnntutor.train.fit`.

The loss is the negative log-likelihood in nats per image (:func:`~rnntutor.generation.nll_loss`);
the loader yields ``(x, x)`` pairs (:func:`~rnntutor.generation.image_loader`). ``fit`` is
called once per epoch with the *same* optimizer, so the learning rate can decay
geometrically between epochs (``lr * lr_decay ** epoch``). ``fit``'s "accuracy" column
is the fraction of pixels whose most likely value is right; we do not use it.
"""

from __future__ import annotations

import torch

from rnntutor.generation.base import image_loader, nll_loss
from rnntutor.train import History, fit

__all__ = ["train_generator"]


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
    shuffling and initial seeding are fixed by ``seed``. ``on_epoch(epoch, model)`` (optional) is
    called after every epoch (1-based), e.g. to record a test likelihood.
    """
    loader = image_loader(images, batch_size=batch_size, shuffle=True, seed=seed, levels=getattr(model, "levels", 2))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = History()
    for epoch in range(epochs):
        for group in opt.param_groups:
            group["lr"] = lr * lr_decay**epoch
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
            getattr(history, key).extend([epoch + 1] if key == "epoch" else values)
        if on_epoch is not None:
            on_epoch(epoch + 1, model)
    model.eval()
    return history
