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

**Intensities.** A model built with ``levels=K > 2`` models images whose pixels are the
integers ``0..K-1`` (:func:`rnntutor.data.quantize`) with a **categorical** distribution
per pixel, as PixelRNN does with its 256-way softmax:

    p(x_i = k | x_<i) = softmax(l_i(x_<i))_k,   k = 0..K-1,

and :meth:`logits` returns ``(N, K, H, W)``. The network reads the levels scaled to
``[0, 1]`` (:meth:`scaled`). With ``levels=2`` (the default) the model is the binary one
above, with one logit per pixel and a Bernoulli output, unchanged.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "AutoregressiveImageModel",
    "nll_loss",
    "as_binary_images",
    "image_loader",
]


def as_binary_images(
    x,
    image_shape: tuple[int, int],
    *,
    name: str = "x",
    device=None,
    levels: int = 2,
) -> Tensor:
    """Return ``x`` as a float32 tensor ``(N, H, W)`` with values in ``{0, 1}``, or raise a clear error.

    With ``levels=K > 2`` the values must be the integer levels ``0..K-1`` instead.
    """
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} must be a real array of 0/1 pixels, got dtype {x.dtype}"
            )
        x = torch.from_numpy(np.asarray(x, dtype=np.float32))
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name} must be a numpy array or torch tensor of shape (N, H, W), got {type(x).__name__}"
        )
    if x.dim() == 2:
        raise ValueError(
            f"{name} must have shape (N, H, W), got one image of shape {tuple(x.shape)}; pass {name}[None]"
        )
    h, w = image_shape
    if x.dim() != 3 or tuple(x.shape[1:]) != (h, w):
        raise ValueError(
            f"{name} must have shape (N, {h}, {w}), got {tuple(x.shape)}"
        )
    x = x.float()
    if device is not None:
        x = x.to(device)
    if levels == 2:
        if x.numel() and not bool(((x == 0) | (x == 1)).all()):
            raise ValueError(
                f"{name} must be binary (values 0 or 1); binarize it first with rnntutor.data.binarize(images, 0.5)"
            )
    elif x.numel() and not bool(
        ((x >= 0) & (x <= levels - 1) & (x == x.round())).all()
    ):
        raise ValueError(
            f"{name} must hold the integer levels 0..{levels - 1}, got values in "
            f"[{float(x.min()):.4g}, {float(x.max()):.4g}]; quantize it first with "
            f"rnntutor.data.quantize(images, {levels})"
        )
    return x


def nll_loss(logits: Tensor, x: Tensor) -> Tensor:
    """Mean negative log-likelihood in nats per image: ``-mean_n sum_i log p(x_i | x_<i)``.

    ``x`` is ``(N, H, W)``. Binary models give ``logits`` ``(N, H, W)`` (binary cross-entropy);
    categorical models ``(N, K, H, W)`` (cross-entropy over the ``K`` levels, ``x`` holding
    the levels ``0..K-1``). This is the ``loss_fn`` for :func:`rnntutor.train.fit` with a
    loader of ``(x, x)`` pairs (see :func:`image_loader`).
    """
    if logits.dim() == x.dim() + 1:
        return F.cross_entropy(logits, x.long(), reduction="sum") / x.shape[0]
    return (
        F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        / x.shape[0]
    )


def image_loader(
    images,
    *,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int = 0,
    levels: int = 2,
):
    """A DataLoader of ``(x, x)`` pairs of images ``(B, H, W)``: input and target are the image.

    The images are binary (``levels=2``) or hold the integer levels ``0..levels-1``.

    :func:`rnntutor.data.make_loader` pairs images with class labels; a density model's
    target is the image itself, so this wraps the images twice (shuffling seeded like
    ``make_loader``).
    """
    from rnntutor.data import tensor_loader

    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(
            f"images must have shape (N, H, W), got {images.shape}"
        )
    x = as_binary_images(
        images, images.shape[1:], name="images", levels=levels
    )
    return tensor_loader(
        x, x, batch_size=batch_size, shuffle=shuffle, seed=seed
    )


def _check_temperature(temperature) -> float:
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, int | float)
        or not temperature > 0
    ):
        raise ValueError(
            f"temperature must be a positive number, got {temperature!r}"
        )
    return float(temperature)


def _check_levels(levels) -> int:
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
        raise ValueError(
            f"levels must be an integer >= 2 (2: binary pixels), got {levels!r}"
        )
    return levels


class AutoregressiveImageModel(nn.Module):
    """Base class: subclasses set ``self.image_shape`` (and ``self.levels``) and implement :meth:`logits`."""

    image_shape: tuple[int, int]
    checkpoint_kind = "generative"  # evaluated by rnntutor.checkpoint.EVALUATORS["generative"]

    levels: int = 2  # 2: binary pixels, Bernoulli output; K > 2: levels 0..K-1, categorical output

    @property
    def categorical(self) -> bool:
        """True for a ``K``-way softmax output (``levels > 2``), False for binary pixels."""
        return self.levels > 2

    @property
    def out_channels(self) -> int:
        """Logits per pixel: 1 for binary pixels, ``K`` for a categorical output."""
        return self.levels if self.categorical else 1

    def scaled(self, x: Tensor) -> Tensor:
        """The network's input: the levels scaled to ``[0, 1]``, ``x / (K - 1)`` (binary images unchanged)."""
        return x.float() / (self.levels - 1)

    def _as_logits(self, out: Tensor) -> Tensor:
        """``(N, out_channels, H, W)`` -> ``(N, H, W)`` for binary pixels; unchanged (``(N, K, H, W)``) otherwise."""
        return out if self.categorical else out[:, 0]

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

    def _images(self, x, name: str = "x") -> Tensor:
        return as_binary_images(
            x,
            self.image_shape,
            name=name,
            device=self._device(),
            levels=self.levels,
        )

    @torch.no_grad()
    def log_prob(self, x) -> Tensor:
        """Exact ``log p(x)`` per image in nats, ``(N,)``.

        Binary: ``sum_i [x_i log s_i + (1 - x_i) log(1 - s_i)]``; categorical:
        ``sum_i log softmax(l_i)_{x_i}``.
        """
        x = self._images(x)
        was = self.training
        self.eval()
        try:
            logits = self.logits(x)
            if self.categorical:
                out = -F.cross_entropy(logits, x.long(), reduction="none").sum(
                    dim=(1, 2)
                )
            else:
                out = -F.binary_cross_entropy_with_logits(
                    logits, x, reduction="none"
                ).sum(dim=(1, 2))
        finally:
            self.train(was)
        return out.cpu()

    @torch.no_grad()
    def pixel_distribution(
        self, x, pixel: tuple[int, int], *, temperature: float = 1.0
    ) -> np.ndarray:
        """``p(x_i = k | x_<i)`` for pixel ``i = (r, c)`` of each image: ``(N, K)`` (``K = 2`` for binary).

        Only the pixels before ``(r, c)`` matter; the others may hold anything valid.
        """
        x = self._images(x)
        r, c = pixel
        t = _check_temperature(temperature)
        was = self.training
        self.eval()
        try:
            logit = self.logits(x)[..., r, c] / t
        finally:
            self.train(was)
        if self.categorical:
            return torch.softmax(logit.double(), dim=-1).cpu().numpy()
        s = torch.sigmoid(logit.double())
        return torch.stack([1 - s, s], dim=-1).cpu().numpy()

    def nll_bits_per_dim(self, x) -> Tensor:
        """``-log2 p(x) / (H * W)`` per image, ``(N,)``: nats divided by ``H * W * ln 2``.

        For a categorical model of ``K`` levels this is the discrete NLL that papers report
        for 8-bit images (CIFAR-10: about 3 bits/dim); ``log2 K`` is that of uniform guessing.
        """
        return -self.log_prob(x) / (self.n_pixels * math.log(2.0))

    @torch.no_grad()
    def _fill(
        self,
        x: Tensor,
        unknown: Tensor,
        temperature: float,
        seed: int,
        record: bool = False,
    ):
        """Sample the ``unknown`` pixels of ``x (N, H, W)`` in raster order.

        ``x`` is filled in place.
        """
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
                logit = (
                    self.logits(x)[..., r, c] / temperature
                )  # (N,) or (N, K)
                draw = self._draw(
                    logit, torch.rand(n, generator=gen).to(x.device)
                )
                x[:, r, c] = torch.where(flat_unknown[:, i], draw, x[:, r, c])
                if record:
                    frames.append(x.clone().cpu())
        finally:
            self.train(was)
        return frames

    def _draw(self, logit: Tensor, u: Tensor) -> Tensor:
        """One draw per image from uniforms ``u (N,)``.

        Bernoulli(sigmoid(logit)) for ``(N,)`` logits; for ``(N, K)`` logits
        the inverse of the cumulative softmax (the level ``k`` with
        ``P(< k) <= u < P(<= k)``).
        """
        if not self.categorical:
            return (u < torch.sigmoid(logit)).float()
        cdf = torch.softmax(logit.double(), dim=-1).cumsum(dim=-1)  # (N, K)
        return (
            (u.double()[:, None] >= cdf)
            .sum(dim=-1)
            .clamp(max=self.levels - 1)
            .float()
        )

    def sample(
        self, n: int, *, temperature: float = 1.0, seed: int = 0
    ) -> np.ndarray:
        """Draw ``n`` images ``(n, H, W)`` (float32 0/1) by ancestral sampling in raster order.

        Pixel ``i`` is drawn from ``Bernoulli(sigmoid(l_i / temperature))`` given the pixels
        already drawn; ``temperature < 1`` sharpens, ``> 1`` flattens. Same seed, same images.
        A categorical model draws grey levels ``0..K-1`` (float32) from
        ``softmax(l_i / temperature)``; :func:`rnntutor.data.dequantize` maps them to ``[0, 1]``.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        t = _check_temperature(temperature)
        x = torch.zeros((n, *self.image_shape), device=self._device())
        self._fill(x, torch.ones_like(x, dtype=torch.bool), t, seed)
        return x.cpu().numpy()

    def complete(
        self, x, known_mask, *, temperature: float = 1.0, seed: int = 0
    ) -> np.ndarray:
        """Fill in the pixels where ``known_mask`` is False; keep the known ones exactly.

        Unknown pixels are sampled in raster order from ``p(x_i | x_<i)``, which sees every
        pixel before ``i`` (known or already filled in). Known pixels *after* ``i`` cannot
        influence pixel ``i`` in this model, so this is exact conditional sampling when the
        unknown region comes last in raster order (e.g. an occluded bottom half), and an
        approximation otherwise (e.g. a hole in the middle).
        ``known_mask`` is ``(H, W)`` (same for all images) or ``(N, H, W)``.
        """
        x = self._images(x).clone()
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

    def sample_steps(
        self,
        n: int,
        *,
        every: int = 1,
        temperature: float = 1.0,
        seed: int = 0,
    ) -> np.ndarray:
        """Like :meth:`sample` but return the partial images ``(S, n, H, W)`` every ``every`` pixels.

        Same seed and temperature as :meth:`sample` give the same final images. ``every``
        is a positive int.
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if (
            isinstance(every, bool)
            or not isinstance(every, int | np.integer)
            or every < 1
        ):
            raise ValueError(
                f"every must be a positive integer (pixels between frames), got {every!r}"
            )
        n, every = int(n), int(every)
        t = _check_temperature(temperature)
        x = torch.zeros((n, *self.image_shape), device=self._device())
        frames = self._fill(
            x, torch.ones_like(x, dtype=torch.bool), t, seed, record=True
        )
        keep = frames[every - 1 :: every]
        if not keep or not torch.equal(keep[-1], frames[-1]):
            keep.append(frames[-1])
        return torch.stack(keep).numpy()
