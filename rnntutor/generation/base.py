"""The interface every generative model of Chapter 3 shares.

A model of binary images ``x`` of shape ``(H, W)`` defines, in raster order
(pixel ``i = r * W + c``), the autoregressive factorisation

    p(x) = prod_i p(x_i | x_<i),   p(x_i = 1 | x_<i) = sigmoid(l_i(x_<i)),

where the logit ``l_i`` may depend only on the pixels *before* ``i``. A subclass
implements :meth:`logits` (all ``H*W`` logits in one pass, images ``(N, H, W)`` ->
logits ``(N, H, W)``); everything else follows from it:

- :meth:`log_prob`: the exact log-likelihood ``log p(x)`` per image, in nats;
- :meth:`nll_bits_per_dim`: ``-log p(x) / (H * W * ln 2)``, bits per pixel;
- :meth:`sample`: ancestral sampling pixel by pixel, with a temperature and a seed;
- :meth:`complete`: fill in the unknown pixels of an image given the known ones;
- ``forward(x)`` returns :meth:`logits`, so :func:`rnntutor.train.fit` can train the
  model with :func:`nll_loss` (nats per image).

Images are float tensors or arrays with values in ``{0, 1}`` (binarize first, see
:func:`rnntutor.data.binarize`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["AutoregressiveImageModel", "nll_loss", "as_binary_images", "image_loader"]


def as_binary_images(x, image_shape: tuple[int, int], *, name: str = "x", device=None) -> Tensor:
    """Return ``x`` as a float32 tensor ``(N, H, W)`` with values in ``{0, 1}``, or raise a clear error."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be a real array of 0/1 pixels, got dtype {x.dtype}")
        x = torch.from_numpy(np.asarray(x, dtype=np.float32))
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a numpy array or torch tensor of shape (N, H, W), got {type(x).__name__}")
    if x.dim() == 2:
        raise ValueError(
            f"{name} must have shape (N, H, W), got one image of shape {tuple(x.shape)}; pass {name}[None]"
        )
    h, w = image_shape
    if x.dim() != 3 or tuple(x.shape[1:]) != (h, w):
        raise ValueError(f"{name} must have shape (N, {h}, {w}), got {tuple(x.shape)}")
    x = x.float()
    if device is not None:
        x = x.to(device)
    if x.numel() and not bool(((x == 0) | (x == 1)).all()):
        raise ValueError(
            f"{name} must be binary (values 0 or 1); binarize it first with rnntutor.data.binarize(images, 0.5)"
        )
    return x


def nll_loss(logits: Tensor, x: Tensor) -> Tensor:
    """Mean negative log-likelihood in nats per image: ``-mean_n sum_i log p(x_i | x_<i)``.

    ``logits`` and ``x`` are ``(N, H, W)``; this is the ``loss_fn`` for :func:`rnntutor.train.fit`
    with a loader of ``(x, x)`` pairs (see :func:`image_loader`).
    """
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]


def image_loader(images, *, batch_size: int = 64, shuffle: bool = True, seed: int = 0):
    """A DataLoader of ``(x, x)`` pairs of binary images ``(B, H, W)``: input and target are the image.

    :func:`rnntutor.data.make_loader` pairs images with class labels; a density model's
    target is the image itself, so this wraps the images twice (shuffling seeded like
    ``make_loader``).
    """
    from rnntutor.data import tensor_loader

    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W), got {images.shape}")
    x = as_binary_images(images, images.shape[1:], name="images")
    return tensor_loader(x, x, batch_size=batch_size, shuffle=shuffle, seed=seed)


def _check_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, int | float) or not temperature > 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    return float(temperature)


class AutoregressiveImageModel(nn.Module):
    """Base class: subclasses set ``self.image_shape`` and implement :meth:`logits`."""

    image_shape: tuple[int, int]
    checkpoint_kind = "generative"  # evaluated by rnntutor.checkpoint.EVALUATORS["generative"]

    @property
    def config(self) -> dict:
        """Constructor arguments (to rebuild the model from a checkpoint)."""
        return dict(self._config)

    @property
    def n_pixels(self) -> int:
        h, w = self.image_shape
        return h * w

    def _device(self) -> torch.device:
        p = next(self.parameters(), None)
        return p.device if p is not None else torch.device("cpu")

    def logits(self, x: Tensor) -> Tensor:  # pragma: no cover - abstract
        """Logits ``(N, H, W)`` of ``p(x_i = 1 | x_<i)`` for every pixel, in one pass."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        return self.logits(x)

    @torch.no_grad()
    def log_prob(self, x) -> Tensor:
        """Exact ``log p(x)`` per image in nats, ``(N,)``: ``sum_i [x_i log s_i + (1 - x_i) log(1 - s_i)]``."""
        x = as_binary_images(x, self.image_shape, device=self._device())
        was = self.training
        self.eval()
        try:
            out = -F.binary_cross_entropy_with_logits(self.logits(x), x, reduction="none").sum(dim=(1, 2))
        finally:
            self.train(was)
        return out.cpu()

    def nll_bits_per_dim(self, x) -> Tensor:
        """``-log2 p(x) / (H * W)`` per image, ``(N,)``: nats divided by ``H * W * ln 2``."""
        return -self.log_prob(x) / (self.n_pixels * math.log(2.0))

    @torch.no_grad()
    def _fill(self, x: Tensor, unknown: Tensor, temperature: float, seed: int, record: bool = False):
        """Sample the ``unknown`` pixels of ``x`` ``(N, H, W)`` in raster order, in place."""
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        h, w = self.image_shape
        n = x.shape[0]
        flat_unknown = unknown.reshape(n, h * w)
        todo = torch.nonzero(flat_unknown.any(dim=0)).flatten().tolist()
        frames = []
        was = self.training
        self.eval()
        try:
            for i in todo:
                r, c = divmod(i, w)
                logit = self.logits(x)[:, r, c] / temperature  # (N,)
                u = torch.rand(n, generator=gen).to(x.device)
                draw = (u < torch.sigmoid(logit)).float()
                x[:, r, c] = torch.where(flat_unknown[:, i], draw, x[:, r, c])
                if record:
                    frames.append(x.clone().cpu())
        finally:
            self.train(was)
        return frames

    def sample(self, n: int, *, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
        """Draw ``n`` images ``(n, H, W)`` (float32 0/1) by ancestral sampling in raster order.

        Pixel ``i`` is drawn from ``Bernoulli(sigmoid(l_i / temperature))`` given the pixels
        already drawn; ``temperature < 1`` sharpens, ``> 1`` flattens. Same seed, same images.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        t = _check_temperature(temperature)
        x = torch.zeros((n, *self.image_shape), device=self._device())
        self._fill(x, torch.ones_like(x, dtype=torch.bool), t, seed)
        return x.cpu().numpy()

    def complete(self, x, known_mask, *, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
        """Fill in the pixels where ``known_mask`` is False; keep the known ones exactly.

        Unknown pixels are sampled in raster order from ``p(x_i | x_<i)``, which sees every
        pixel before ``i`` (known or already filled in). Known pixels *after* ``i`` cannot
        influence pixel ``i`` in this model, so this is exact conditional sampling when the
        unknown region comes last in raster order (e.g. an occluded bottom half), and an
        approximation otherwise (e.g. a hole in the middle).
        ``known_mask`` is ``(H, W)`` (same for all images) or ``(N, H, W)``.
        """
        x = as_binary_images(x, self.image_shape, device=self._device()).clone()
        mask = torch.as_tensor(np.asarray(known_mask), dtype=torch.bool)
        if mask.dim() == 2:
            mask = mask.expand(x.shape[0], -1, -1)
        if tuple(mask.shape) != tuple(x.shape):
            raise ValueError(
                f"known_mask must have shape {tuple(self.image_shape)} or {tuple(x.shape)}, got {tuple(mask.shape)}"
            )
        t = _check_temperature(temperature)
        self._fill(x, ~mask.to(x.device), t, seed)
        return x.cpu().numpy()

    def sample_steps(self, n: int, *, every: int = 1, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
        """Like :meth:`sample` but return the partial images ``(S, n, H, W)`` every ``every`` pixels.

        Same seed and temperature as :meth:`sample` give the same final images. ``every``
        is a positive int.
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
            raise ValueError(f"every must be a positive integer (pixels between frames), got {every!r}")
        n, every = int(n), int(every)
        t = _check_temperature(temperature)
        x = torch.zeros((n, *self.image_shape), device=self._device())
        frames = self._fill(x, torch.ones_like(x, dtype=torch.bool), t, seed, record=True)
        keep = frames[every - 1 :: every]
        if not keep or not torch.equal(keep[-1], frames[-1]):
            keep.append(frames[-1])
        return torch.stack(keep).numpy()
