"""Baselines: independent pixels (binary or with intensities), and a fully visible logistic model.

**Independent Bernoulli pixels.** Every pixel has its own probability and ignores the
others, ``p(x) = prod_i p_i^{x_i} (1 - p_i)^{1 - x_i}`` with ``p_i = sigmoid(b_i)``. Its
maximum-likelihood fit is the mean image (:meth:`IndependentBernoulli.fit_mle`).

**Independent categorical pixels** (``K`` levels): ``p(x) = prod_i pi_{i, x_i}`` with
``pi_i = softmax(b_i)`` over the levels ``0..K-1``; its maximum-likelihood fit is the
histogram of each pixel's levels (:meth:`IndependentCategorical.fit_mle`).

**FVSBN**, the fully visible sigmoid belief network (Frey, 1998): logistic regression
on all the pixels before ``i`` in raster order,

    p(x_i = 1 | x_<i) = sigmoid(b_i + sum_{j < i} W_ij x_j),

with ``W`` strictly lower triangular (the mask zeroes ``j >= i``). It is the simplest
autoregressive model, and what the "recurrence" of the source document would have to
become to be a probability model at all.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from rnntutor.generation.base import (
    AutoregressiveImageModel,
    _check_levels,
    as_binary_images,
)

__all__ = ["FVSBN", "IndependentBernoulli", "IndependentCategorical"]


class IndependentBernoulli(AutoregressiveImageModel):
    """One logit per pixel, ``(H, W)``; the logits do not depend on ``x`` at all."""

    def __init__(self, image_shape=(8, 8)):
        super().__init__()
        h, w = (int(s) for s in image_shape)
        self.image_shape = (h, w)
        self._config = {"image_shape": [h, w]}
        self.bias = nn.Parameter(torch.zeros(h, w))

    def logits(self, x: Tensor) -> Tensor:
        return self.bias.expand(x.shape[0], -1, -1)  # (N, H, W)

    @torch.no_grad()
    def fit_mle(self, images, *, alpha: float = 1.0) -> IndependentBernoulli:
        """Set ``p_i = (sum_n x_ni + alpha) / (N + 2 alpha)`` (the mean image, smoothed); return self.

        ``alpha > 0`` (Laplace smoothing) keeps a pixel that is always 0 in training from
        getting probability exactly 0, which would give an infinite NLL on a test image.
        """
        x = as_binary_images(images, self.image_shape, name="images")
        p = (x.sum(0) + alpha) / (x.shape[0] + 2 * alpha)
        self.bias.copy_(torch.log(p) - torch.log1p(-p))
        return self


class IndependentCategorical(AutoregressiveImageModel):
    """One logit per pixel and level, ``(K, H, W)``; the logits do not depend on ``x`` at all."""

    def __init__(self, image_shape=(8, 8), levels: int = 17):
        super().__init__()
        h, w = (int(s) for s in image_shape)
        self.image_shape = (h, w)
        self.levels = _check_levels(levels)
        if self.levels == 2:
            raise ValueError(
                "levels=2 is binary: use IndependentBernoulli (one logit per pixel)"
            )
        self._config = {"image_shape": [h, w], "levels": self.levels}
        self.bias = nn.Parameter(torch.zeros(self.levels, h, w))

    def logits(self, x: Tensor) -> Tensor:
        return self.bias.expand(x.shape[0], -1, -1, -1)  # (N, K, H, W)

    @torch.no_grad()
    def fit_mle(self, images, *, alpha: float = 1.0) -> IndependentCategorical:
        """Set ``pi_ik = (#{n: x_ni = k} + alpha) / (N + K alpha)`` (each pixel's smoothed histogram); return self."""
        x = as_binary_images(
            images, self.image_shape, name="images", levels=self.levels
        ).long()
        counts = (
            torch.nn.functional.one_hot(x, self.levels)
            .sum(0)
            .permute(2, 0, 1)
            .float()
        )  # (K, H, W)
        self.bias.copy_(
            torch.log((counts + alpha) / (x.shape[0] + self.levels * alpha))
        )
        return self


class FVSBN(AutoregressiveImageModel):
    """Fully visible sigmoid belief network: ``l = b + W_masked x`` over the flattened image."""

    def __init__(self, image_shape=(8, 8)):
        super().__init__()
        h, w = (int(s) for s in image_shape)
        self.image_shape = (h, w)
        self._config = {"image_shape": [h, w]}
        d = h * w
        self.weight = nn.Parameter(torch.zeros(d, d))
        self.bias = nn.Parameter(torch.zeros(d))
        self.register_buffer(
            "mask", torch.tril(torch.ones(d, d), diagonal=-1), persistent=False
        )  # j < i only

    def logits(self, x: Tensor) -> Tensor:
        n = x.shape[0]
        flat = x.reshape(n, -1).float()  # (N, D)
        return (flat @ (self.weight * self.mask).T + self.bias).reshape(
            n, *self.image_shape
        )


_ = np  # numpy arrays are accepted through as_binary_images
