"""The causality checker: no prediction may look at its own pixel or at later ones.

An autoregressive model is only a valid probability model if the logit ``l_i`` of pixel
``i`` (raster order) depends on ``x_<i`` alone. If it also sees ``x_i`` it can copy the
answer: the training loss drops towards zero, the reported likelihood is meaningless,
and sampling pixel by pixel produces noise. The check is a black-box experiment:

1. **single flips**: for a few random binary images, flip each pixel ``j`` in turn and
   record which logits change. Pixel ``j`` may only change logits ``i > j``;
2. **block perturbations**: for several positions ``i``, redraw *all* pixels at or after
   ``i`` at random; the logit ``i`` (and every logit before it) must not move.

:func:`dependency_matrix` returns what step 1 measures, ``dep[i, j] = True`` when the
prediction of pixel ``i`` changed after flipping pixel ``j``: for a causal model it is
strictly lower triangular, and its rows show the context each pixel really uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = ["CausalityReport", "check_causality", "dependency_matrix"]


def _logit_fn(model, image_shape):
    """Return ``(fn, (H, W))`` where ``fn(x (N, H, W) float tensor) -> logits (N, C, H * W)``.

    The model's logits are ``(N, H, W)`` (binary pixels, ``C = 1``) or ``(N, K, H, W)``
    (categorical pixels, ``C = K``): a pixel's prediction changes when any of its ``K``
    logits does.
    """
    shape = (
        getattr(model, "image_shape", None)
        if image_shape is None
        else image_shape
    )
    if shape is None:
        raise ValueError(
            "pass image_shape=(H, W) when checking a plain function"
        )
    h, w = (int(s) for s in shape)
    if isinstance(model, torch.nn.Module):
        fn = model.logits if hasattr(model, "logits") else model
    elif callable(model):
        fn = model
    else:
        raise TypeError(
            f"expected a model or a function x -> logits, got {type(model).__name__}"
        )

    @torch.no_grad()
    def run(x: torch.Tensor) -> torch.Tensor:
        was = getattr(model, "training", None)
        if was is not None:
            model.eval()
        try:
            dev = (
                next(model.parameters()).device
                if isinstance(model, torch.nn.Module)
                and any(True for _ in model.parameters())
                else torch.device("cpu")
            )
            out = fn(x.to(dev))
        finally:
            if was is not None:
                model.train(was)
        out = torch.as_tensor(out).detach().cpu().float()
        if tuple(out.shape) == tuple(x.shape):
            out = out[:, None]  # (N, 1, H, W)
        elif (
            out.dim() != 4
            or out.shape[0] != x.shape[0]
            or tuple(out.shape[2:]) != tuple(x.shape[1:])
        ):
            n = x.shape[0]
            raise ValueError(
                f"the model must return logits of shape {tuple(x.shape)} (or (N, K, H, W) = ({n}, K, {h}, {w}) "
                f"for K levels) for input {tuple(x.shape)}, got {tuple(out.shape)}"
            )
        return out.reshape(out.shape[0], out.shape[1], h * w)

    return run, (h, w)


def dependency_matrix(
    model,
    image_shape=None,
    *,
    n_images: int = 2,
    seed: int = 0,
    atol: float = 1e-7,
) -> np.ndarray:
    """``(D, D)`` bool, ``D = H*W``: ``dep[i, j]`` is True if flipping pixel ``j`` changed the logit of pixel ``i``.

    Measured on ``n_images`` random binary images (seeded) with one forward pass each
    over the ``D + 1`` images "unchanged, pixel 0 flipped, pixel 1 flipped, ...". A change
    counts when it exceeds ``atol`` (for a categorical model: in any of the pixel's ``K``
    logits; the random images use the levels 0 and 1, valid for every ``K``). The default
    is small because in a freshly initialised model the influence of a pixel many gates
    away can be tiny (``1e-5`` misses some); the logits of pixels outside a model's context do not change at all.
    """
    run, (h, w) = _logit_fn(model, image_shape)
    d = h * w
    gen = torch.Generator().manual_seed(int(seed))
    dep = np.zeros((d, d), dtype=bool)
    eye = torch.eye(d).reshape(d, h, w)
    for _ in range(n_images):
        base = (torch.rand((h, w), generator=gen) < 0.5).float()
        batch = torch.cat(
            [base[None], (base[None] + eye) % 2]
        )  # (D + 1, H, W): row 1 + j has pixel j flipped
        out = run(batch)  # (D + 1, C, D)
        changed = (out[1:] - out[0]).abs().amax(dim=1) > atol  # (j, i)
        dep |= changed.T.numpy()
    return dep


@dataclass
class CausalityReport:
    """Result of :func:`check_causality`; true in a boolean context when the model is causal."""

    ok: bool
    image_shape: tuple
    violations: list = field(
        default_factory=list
    )  # (i, j): logit i moved when pixel j >= i changed
    block_violations: list = field(
        default_factory=list
    )  # i: logit i moved when all pixels >= i were redrawn
    dependency: np.ndarray | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        h, w = self.image_shape
        if self.ok:
            return f"causal: no prediction sees its own pixel or a later one ({h}x{w})"
        lines = [
            f"NOT causal: {len(self.violations)} (pixel, later pixel) dependencies and "
            f"{len(self.block_violations)} failed block checks"
        ]
        for i, j in self.violations[:5]:
            what = (
                "its own value"
                if i == j
                else f"pixel {j} {divmod(j, w)} (later)"
            )
            lines.append(
                f"  the prediction of pixel {i} {divmod(i, w)} changes with {what}"
            )
        same = sum(1 for i, j in self.violations if i == j)
        if same:
            lines.append(
                f"  {same} pixel(s) see their own value: the input is probably not"
            )
            lines.append(
                "  shifted by one step (or a mask includes the centre)"
            )
        return "\n".join(lines)

    __repr__ = __str__


def check_causality(
    model,
    image_shape=None,
    *,
    n_images: int = 2,
    n_blocks: int = 8,
    seed: int = 0,
    atol: float = 1e-5,
) -> CausalityReport:
    """Check that the logit of every pixel ``i`` ignores the pixels at and after ``i``.

    ``model`` is an :class:`~rnntutor.generation.AutoregressiveImageModel` (its ``logits``
    are tested) or any function ``x (N, H, W) -> logits (N, H, W)`` with ``image_shape``.
    Returns a :class:`CausalityReport` (``bool(report)`` is True when causal).
    """
    run, (h, w) = _logit_fn(model, image_shape)
    d = h * w
    dep = dependency_matrix(
        model, (h, w), n_images=n_images, seed=seed, atol=atol
    )
    bad = np.argwhere(np.triu(dep))  # i <= j
    violations = sorted((int(i), int(j)) for i, j in bad)
    gen = torch.Generator().manual_seed(int(seed) + 1)
    positions = torch.randperm(d, generator=gen)[:n_blocks].tolist()
    block = []
    for i in sorted(positions):
        base = (torch.rand(d, generator=gen) < 0.5).float()
        other = base.clone()
        other[i:] = (torch.rand(d - i, generator=gen) < 0.5).float()
        other[i] = 1 - base[i]  # make sure pixel i itself changes
        out = run(torch.stack([base, other]).reshape(2, h, w))  # (2, C, D)
        if (out[0, :, : i + 1] - out[1, :, : i + 1]).abs().max() > atol:
            block.append(int(i))
    ok = not violations and not block
    return CausalityReport(
        ok=ok,
        image_shape=(h, w),
        violations=violations,
        block_violations=block,
        dependency=dep,
    )
