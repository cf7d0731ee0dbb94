"""Generative models of images (Chapters 3 and 3b).

Baselines, pixel LSTM, PixelRNN's Row LSTM and Diagonal BiLSTM, PixelCNN and Gated PixelCNN;
and DRAW (Chapter 3c, :mod:`rnntutor.generation.draw`), a latent-variable model with its own
interface (``elbo``, ``log_prob`` as an importance-weighted bound, ``sample``, ``reconstruct``).

Pixels are binary (``levels=2``, a Bernoulli output) or the integer levels ``0..K-1``
(``levels=K``, a ``K``-way softmax output, see :func:`rnntutor.data.quantize`).

Every model is an :class:`AutoregressiveImageModel`: ``p(x) = prod_i p(x_i | x_<i)`` in
raster order, with

- ``model.log_prob(x)``: exact log-likelihood per image in nats, ``(N,)``;
- ``model.nll_bits_per_dim(x)``: negative log-likelihood in bits per pixel, ``(N,)``;
- ``model.sample(n, temperature=1.0, seed=0)``: images ``(n, H, W)``;
- ``model.complete(x, known_mask, seed=0)``: fill in the unknown pixels;
- ``model(x)``: the logits ``(N, H, W)``, trained with ``rnntutor.train.fit(model,
  image_loader(images), loss_fn=nll_loss, ...)``.

:func:`check_causality` verifies that no prediction peeks at its own pixel or later ones.
"""

from rnntutor.generation.base import (
    AutoregressiveImageModel,
    as_binary_images,
    image_loader,
    nll_loss,
)
from rnntutor.generation.baselines import (
    FVSBN,
    IndependentBernoulli,
    IndependentCategorical,
)
from rnntutor.generation.causality import (
    CausalityReport,
    check_causality,
    dependency_matrix,
)
from rnntutor.generation.diagonal_bilstm import (
    DiagonalBiLSTM,
    DiagonalBiLSTMLayer,
    MaskedConv2d,
    image_mask,
    skew,
    unskew,
)
from rnntutor.generation.draw import DRAW, DrawHistory, DrawTrace, train_draw
from rnntutor.generation.pixel_lstm import PixelLSTM
from rnntutor.generation.pixelcnn import (
    GatedPixelCNN,
    GatedPixelCNNLayer,
    PixelCNN,
    vertical_mask,
)
from rnntutor.generation.pretrained import (
    load_model,
    load_pretrained,
    pretrained_record,
    save_model,
)
from rnntutor.generation.row_lstm import (
    MaskedConv1d,
    RowLSTM,
    RowLSTMLayer,
    row_mask,
)
from rnntutor.generation.training import train_generator

__all__ = [
    "AutoregressiveImageModel",
    "CausalityReport",
    "DiagonalBiLSTM",
    "DiagonalBiLSTMLayer",
    "FVSBN",
    "GatedPixelCNN",
    "GatedPixelCNNLayer",
    "IndependentBernoulli",
    "IndependentCategorical",
    "MaskedConv1d",
    "MaskedConv2d",
    "PixelCNN",
    "PixelLSTM",
    "RowLSTM",
    "RowLSTMLayer",
    "as_binary_images",
    "check_causality",
    "dependency_matrix",
    "image_loader",
    "image_mask",
    "load_model",
    "load_pretrained",
    "nll_loss",
    "pretrained_record",
    "row_mask",
    "save_model",
    "skew",
    "train_generator",
    "unskew",
    "vertical_mask",
    "DRAW",
    "DrawHistory",
    "DrawTrace",
    "train_draw",
]
