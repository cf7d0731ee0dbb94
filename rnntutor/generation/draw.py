"""DRAW (Gregor et al. 2015): a recurrent network that draws an image on a canvas.

Chapter 3's pixel RNNs generate an image one pixel at a time and give the exact
likelihood ``p(x) = prod_i p(x_i | x_<i)``. DRAW generates *all* pixels at each of ``T``
steps: a decoder LSTM adds a patch to a canvas ``c_t``, and the image is drawn from
``sigmoid(c_T)``. It is a latent-variable model (a sequential variational
auto-encoder), so it is trained with, and evaluated by, a lower bound on ``log p(x)``.

Images are ``(n, H, W)`` in ``{0, 1}`` (batch first). ``N`` is the side of an
attention grid (``read_n`` for reading, ``write_n`` for writing).

Equations (one step ``t = 1..T``; ``h^dec_0 = h^enc_0 = 0``, ``c_0 = 0``)::

    x_hat_t  = x - sigmoid(c_{t-1})                      # what is still to draw
    r_t      = read(x, x_hat_t, h^dec_{t-1})             # (n, 2 N_r^2)
    h^enc_t  = LSTM_enc(h^enc_{t-1}, [r_t, h^dec_{t-1}])
    mu_t     = W_mu h^enc_t + b_mu,  log s_t = W_s h^enc_t + b_s
    z_t      = mu_t + s_t * eps_t,   eps_t ~ N(0, I)      # reparameterisation
    h^dec_t  = LSTM_dec(h^dec_{t-1}, z_t)
    c_t      = c_{t-1} + write(h^dec_t)
    p(x | z_1:T) = prod_i Bernoulli(x_i; sigmoid(c_T,i))

Loss per image, in nats (the negative evidence lower bound, ELBO)::

    L = -log p(x | z_1:T) + sum_t KL(N(mu_t, s_t^2) || N(0, I)),
    KL_t = 1/2 sum_j (mu_tj^2 + s_tj^2 - log s_tj^2 - 1),

and ``-L <= log p(x)``.

**Gaussian attention** (the filterbank; :mod:`rnntutor.reference.draw` is the NumPy
reference). From a decoder state ``h``::

    (gx~, gy~, log sigma2, log delta~, log gamma) = W h + b
    gX = (W - 1)/2 (gx~ + 1),  gY = (H - 1)/2 (gy~ + 1)     # grid centre, pixels
    delta = (max(H, W) - 1) / (N - 1) * exp(log delta~)     # stride (N = 1: no -1)
    mu_X[i] = gX + (i - (N - 1)/2) delta,   i = 0..N-1       # filter centres
    F_X[i, a] = exp(-(a - mu_X[i])^2 / (2 sigma2)) / Z_X[i], a = 0..W-1
    F_Y[j, b] = exp(-(b - mu_Y[j])^2 / (2 sigma2)) / Z_Y[j], b = 0..H-1
    Z_X[i] = max(sum_a exp(...), eps)                       # rows sum to 1

    read(x, x_hat, h)  = gamma [F_Y x F_X^T, F_Y x_hat F_X^T]   # two (N, N) glimpses
    write(h)           = 1/gamma F_Y^T w F_X,  w = W_w h + b_w   # (N, N) patch -> (H, W)

The **no-attention** variant (``attention=False``) reads the whole image
``[x, x_hat]`` and writes a whole ``(H, W)`` update ``W_w h + b_w`` at each step.

**Likelihood.** :meth:`DRAW.elbo` is the bound above with one sample of ``z``;
:meth:`DRAW.log_prob` is the importance-weighted estimate with ``k`` samples
(Burda et al. 2016)::

    log p(x) >= L_k = E[ log (1/k) sum_s p(x, z^s) / q(z^s | x) ],  z^s ~ q(z | x),

a lower bound on ``log p(x)`` that tightens as ``k`` grows (``L_1`` is the ELBO,
``L_k -> log p(x)`` as ``k -> inf``). ``-L_k`` is the reported "IW-NLL".
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor.generation.base import as_binary_images

__all__ = [
    "DRAW",
    "DrawHistory",
    "DrawTrace",
    "attention_params",
    "filterbank",
    "evaluate_checkpoint",
    "read_attention",
    "train_draw",
    "write_attention",
]

EPS = 1e-8
"""Floor of the filterbank's normaliser ``Z`` (a window far outside the image)."""

LOG_2PI = math.log(2.0 * math.pi)


def _check_n(value, name: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or value < 1
    ):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def attention_params(p: Tensor, image_shape: tuple[int, int], N: int):
    """Map the 5 raw outputs ``p = W h + b (n, 5)`` to the window.

    Returns ``(gX, gY, sigma2, delta, gamma)``, each ``(n,)``::

        gX = (W - 1)/2 (gx~ + 1)        gY = (H - 1)/2 (gy~ + 1)
        sigma2 = exp(log sigma2)        gamma = exp(log gamma)
        delta = (max(H, W) - 1)/(N - 1) exp(log delta~)

    (for ``N = 1`` the division is by 1).
    """
    if p.dim() != 2 or p.shape[1] != 5:
        raise ValueError(
            "attention parameters must have shape (n, 5), "
            f"got {tuple(p.shape)}"
        )
    H, W = image_shape
    gx_, gy_, log_sigma2, log_delta_, log_gamma = p.unbind(-1)
    gx = (W - 1) / 2 * (gx_ + 1)
    gy = (H - 1) / 2 * (gy_ + 1)
    delta = (max(H, W) - 1) / max(N - 1, 1) * torch.exp(log_delta_)
    return gx, gy, torch.exp(log_sigma2), delta, torch.exp(log_gamma)


def _filters(
    g: Tensor, delta: Tensor, sigma2: Tensor, N: int, size: int
) -> Tensor:
    """One axis of the filterbank: ``(n, N, size)``, each row a normalised Gaussian."""
    i = torch.arange(N, dtype=g.dtype, device=g.device) - (N - 1) / 2  # (N,)
    mu = g[:, None] + i[None, :] * delta[:, None]  # (n, N)
    a = torch.arange(size, dtype=g.dtype, device=g.device)  # (size,)
    f = torch.exp(
        -((a[None, None, :] - mu[:, :, None]) ** 2)
        / (2 * sigma2[:, None, None])
    )  # (n, N, size)
    return f / f.sum(dim=-1, keepdim=True).clamp_min(EPS)


def filterbank(
    gx: Tensor, gy: Tensor, sigma2: Tensor, delta: Tensor, N: int, image_shape
) -> tuple[Tensor, Tensor]:
    """The Gaussian filterbank matrices ``F_X`` ``(n, N, W)`` and ``F_Y`` ``(n, N, H)``.

    ``F_X[i, a] = exp(-(a - mu_X[i])^2 / (2 sigma2)) / Z_X[i]`` with
    ``mu_X[i] = gX + (i - (N - 1)/2) delta``, and the same for ``F_Y`` along the rows.
    """
    N = _check_n(N, "N")
    H, W = image_shape
    return _filters(gx, delta, sigma2, N, W), _filters(gy, delta, sigma2, N, H)


def read_attention(
    x: Tensor, F_X: Tensor, F_Y: Tensor, gamma: Tensor
) -> Tensor:
    """A glimpse ``gamma F_Y x F_X^T``: images ``(n, H, W)`` -> ``(n, N, N)``."""
    return gamma[:, None, None] * (F_Y @ x @ F_X.transpose(1, 2))


def write_attention(
    w: Tensor, F_X: Tensor, F_Y: Tensor, gamma: Tensor
) -> Tensor:
    """A canvas update ``1/gamma F_Y^T w F_X``: patches ``(n, N, N)`` -> ``(n, H, W)``."""
    return (F_Y.transpose(1, 2) @ w @ F_X) / gamma[:, None, None]


@dataclass
class DrawTrace:
    """What one pass recorded, per step ``t = 1..T`` (tensors on the CPU).

    ``canvases`` ``(n, T, H, W)``: ``sigmoid(c_t)``; ``write`` / ``read`` ``(n, T, 5)``:
    ``(gX, gY, sigma2, delta, gamma)`` in pixels (``read`` is empty when sampling, both
    are empty without attention); ``kl`` ``(n, T)``: nats per step (reconstruction only).
    """

    canvases: Tensor
    write: Tensor
    read: Tensor
    kl: Tensor


class DRAW(nn.Module):
    """DRAW with Gaussian read/write attention, or full-image read/write (``attention=False``).

    ``image_shape=(H, W)``, ``T`` steps, LSTMs of ``hidden`` units, ``z_dim`` latent
    units per step, read and write grids of ``read_n`` and ``write_n``. Training
    minimises :meth:`loss` (the negative ELBO in nats per image, see the module doc).

    Initialisation: PyTorch's defaults, except two biases of the attention layers. The
    bias of ``log sigma2`` starts a window with ``sigma = delta / 2`` (its filters
    overlap and, with ``delta~ = 1``, the grid covers the whole image): with ``sigma = 1``
    a 5x5 grid on 28x28 images would start by touching only 25 thin spots. The bias of
    the write window's ``log gamma`` starts at ``-log(2 pi sigma^2)``: each normalised
    filter spreads a patch value over about ``2 pi sigma^2`` pixels, and ``1 / gamma``
    gives the write its full size back (without it the first writes are 70 times too
    small on 28x28 images and training sits for epochs at the mean image).
    """

    checkpoint_kind = (
        "draw"  # evaluated by rnntutor.checkpoint.EVALUATORS["draw"]
    )

    def __init__(
        self,
        image_shape=(28, 28),
        *,
        T: int = 16,
        hidden: int = 256,
        z_dim: int = 20,
        read_n: int = 2,
        write_n: int = 5,
        attention: bool = True,
    ) -> None:
        super().__init__()
        if not isinstance(image_shape, tuple | list) or len(image_shape) != 2:
            raise ValueError(
                f"image_shape must be (H, W), got {image_shape!r}"
            )
        H, W = (_check_n(s, "image_shape entries") for s in image_shape)
        self.image_shape = (H, W)
        self.T = _check_n(T, "T")
        self.hidden = _check_n(hidden, "hidden")
        self.z_dim = _check_n(z_dim, "z_dim")
        self.read_n = _check_n(read_n, "read_n")
        self.write_n = _check_n(write_n, "write_n")
        if not isinstance(attention, bool):
            raise TypeError(
                f"attention must be True or False, got {attention!r}"
            )
        self.attention = attention
        self._config = {
            "image_shape": [H, W],
            "T": self.T,
            "hidden": self.hidden,
            "z_dim": self.z_dim,
            "read_n": self.read_n,
            "write_n": self.write_n,
            "attention": attention,
        }
        read_size = 2 * self.read_n**2 if attention else 2 * H * W
        write_size = self.write_n**2 if attention else H * W
        self.encoder = nn.LSTMCell(read_size + hidden, hidden)
        self.decoder = nn.LSTMCell(self.z_dim, hidden)
        self.to_mu = nn.Linear(hidden, self.z_dim)
        self.to_log_s = nn.Linear(hidden, self.z_dim)
        self.to_write = nn.Linear(hidden, write_size)
        if attention:
            self.to_read_att = nn.Linear(hidden, 5)
            self.to_write_att = nn.Linear(hidden, 5)
            with (
                torch.no_grad()
            ):  # start with windows whose filters overlap: sigma = delta / 2
                for layer, N in (
                    (self.to_read_att, self.read_n),
                    (self.to_write_att, self.write_n),
                ):
                    delta0 = (max(H, W) - 1) / max(N - 1, 1)
                    layer.bias[2] = 2 * math.log(delta0 / 2)
                # a normalised filter peaks near 1 / (sqrt(2 pi) sigma) per axis: start with
                # 1 / gamma = 2 pi sigma^2 so that a written value w reaches the canvas at about w
                self.to_write_att.bias[4] = (
                    -math.log(2 * math.pi) - self.to_write_att.bias[2]
                )

    @property
    def config(self) -> dict:
        """Constructor arguments (to rebuild the model from a checkpoint)."""
        return copy.deepcopy(self._config)

    def _device(self) -> torch.device:
        return next(self.parameters()).device

    def _images(self, x, name: str = "x") -> Tensor:
        x = as_binary_images(
            x, self.image_shape, name=name, device=self._device()
        )
        return x.to(next(self.parameters()).dtype)

    # -- the two attention operations -------------------------------------------------
    def _read(self, x: Tensor, x_hat: Tensor, h_dec: Tensor):
        n = x.shape[0]
        if not self.attention:
            return torch.cat(
                [x.reshape(n, -1), x_hat.reshape(n, -1)], dim=1
            ), None
        gx, gy, sigma2, delta, gamma = params = attention_params(
            self.to_read_att(h_dec), self.image_shape, self.read_n
        )
        F_X, F_Y = filterbank(
            gx, gy, sigma2, delta, self.read_n, self.image_shape
        )
        glimpse = torch.cat(
            [
                read_attention(x, F_X, F_Y, gamma),
                read_attention(x_hat, F_X, F_Y, gamma),
            ],
            dim=1,
        )
        return glimpse.reshape(n, -1), torch.stack(
            params, dim=1
        )  # (n, 2 N^2), (n, 5)

    def _write(self, h_dec: Tensor):
        n = h_dec.shape[0]
        H, W = self.image_shape
        w = self.to_write(h_dec)
        if not self.attention:
            return w.reshape(n, H, W), None
        gx, gy, sigma2, delta, gamma = params = attention_params(
            self.to_write_att(h_dec), self.image_shape, self.write_n
        )
        F_X, F_Y = filterbank(
            gx, gy, sigma2, delta, self.write_n, self.image_shape
        )
        patch = w.reshape(n, self.write_n, self.write_n)
        return write_attention(patch, F_X, F_Y, gamma), torch.stack(
            params, dim=1
        )

    # -- one pass through the T steps -------------------------------------------------
    def _run(
        self, x: Tensor | None, n: int, *, generator=None, record: bool = False
    ):
        """Encode-decode ``x`` (or, with ``x=None``, sample ``n`` images from the prior).

        Returns ``(c_T, log_w_parts, trace)`` where ``log_w_parts`` is ``(kl, log_q, log_prior)``
        summed over steps, each ``(n,)`` (``None`` when sampling).
        """
        H, W = self.image_shape
        dev = self._device()
        dtype = next(self.parameters()).dtype
        c = torch.zeros(n, H, W, device=dev, dtype=dtype)
        h_dec = c_dec = h_enc = c_enc = torch.zeros(
            n, self.hidden, device=dev, dtype=dtype
        )
        kl = torch.zeros(n, device=dev, dtype=dtype)
        log_q = torch.zeros(n, device=dev, dtype=dtype)
        log_prior = torch.zeros(n, device=dev, dtype=dtype)
        canvases, reads, writes, kls = [], [], [], []
        for _ in range(self.T):
            eps = torch.randn(
                n, self.z_dim, device=dev, dtype=dtype, generator=generator
            )
            if x is None:
                z = eps
            else:
                x_hat = x - torch.sigmoid(c)
                r, read_p = self._read(x, x_hat, h_dec)
                h_enc, c_enc = self.encoder(
                    torch.cat([r, h_dec], dim=1), (h_enc, c_enc)
                )
                mu, log_s = self.to_mu(h_enc), self.to_log_s(h_enc)
                z = mu + torch.exp(log_s) * eps
                kl_t = 0.5 * (
                    mu**2 + torch.exp(2 * log_s) - 2 * log_s - 1
                ).sum(dim=1)
                kl = kl + kl_t
                log_q = log_q - 0.5 * (eps**2 + LOG_2PI + 2 * log_s).sum(dim=1)
                log_prior = log_prior - 0.5 * (z**2 + LOG_2PI).sum(dim=1)
                if record:
                    kls.append(kl_t.detach().cpu())
                    if read_p is not None:
                        reads.append(read_p.detach().cpu())
            h_dec, c_dec = self.decoder(z, (h_dec, c_dec))
            update, write_p = self._write(h_dec)
            c = c + update
            if record:
                canvases.append(torch.sigmoid(c).detach().cpu())
                if write_p is not None:
                    writes.append(write_p.detach().cpu())
        trace = None
        if record:

            def stack(items):
                return (
                    torch.stack(items, dim=1)
                    if items
                    else torch.zeros(n, 0, 5)
                )

            trace = DrawTrace(
                canvases=torch.stack(canvases, dim=1),
                write=stack(writes),
                read=stack(reads),
                kl=torch.stack(kls, dim=1) if kls else torch.zeros(n, 0),
            )
        return c, (None if x is None else (kl, log_q, log_prior)), trace

    def loss_terms(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Reconstruction ``-log p(x | z)`` and ``sum_t KL_t``.

        Each is ``(n,)``, in nats, from one sample of ``z``.
        """
        c, (kl, _, _), _ = self._run(x, x.shape[0])
        recon = F.binary_cross_entropy_with_logits(c, x, reduction="none").sum(
            dim=(1, 2)
        )
        return recon, kl

    def loss(self, x: Tensor, *, beta: float = 1.0) -> Tensor:
        """Mean negative ELBO in nats per image (the training loss); ``x`` ``(n, H, W)`` tensor.

        ``beta < 1`` weighs the KL term less (``recon + beta * KL``): only for a warm-up at
        the start of training (see :func:`train_draw`); the bound itself has ``beta = 1``.
        """
        recon, kl = self.loss_terms(x)
        return (recon + beta * kl).mean()

    def forward(self, x: Tensor) -> Tensor:
        """The logits of the final canvas ``c_T`` ``(n, H, W)`` for images ``x`` (one ``z`` sample)."""
        return self._run(self._images(x), x.shape[0])[0]

    @torch.no_grad()
    def elbo(self, x, *, seed: int = 0, batch_size: int = 500) -> Tensor:
        """The ELBO per image in nats, ``(n,)``: ``log p(x | z) - sum_t KL_t`` with one seeded ``z``.

        A lower bound on ``log p(x)``; the negative ELBO is the training loss.
        """
        x = self._images(x)
        gen = torch.Generator(device=x.device).manual_seed(int(seed))
        out = []
        with _eval(self):
            for start in range(0, len(x), batch_size):
                xb = x[start : start + batch_size]
                c, (kl, _, _), _ = self._run(xb, len(xb), generator=gen)
                recon = F.binary_cross_entropy_with_logits(
                    c, xb, reduction="none"
                ).sum(dim=(1, 2))
                out.append(-(recon + kl))
        return torch.cat(out).cpu()

    @torch.no_grad()
    def log_prob(
        self, x, *, k: int = 100, seed: int = 0, batch_size: int = 5000
    ) -> Tensor:
        """Importance-weighted estimate of ``log p(x)`` per image in nats, ``(n,)``, with ``k`` samples.

        ``L_k = log (1/k) sum_s exp(log p(x | z^s) + log p(z^s) - log q(z^s | x))``, ``z^s ~ q``.
        This is a (stochastic) **lower bound** on ``log p(x)``: ``E[L_k] <= log p(x)``,
        it increases with ``k`` (``k = 1`` is the ELBO) and tends to ``log p(x)``.
        ``batch_size`` counts image-sample pairs per pass.
        """
        k = _check_n(k, "k")
        x = self._images(x)
        gen = torch.Generator(device=x.device).manual_seed(int(seed))
        per = max(1, batch_size // k)
        out = []
        with _eval(self):
            for start in range(0, len(x), per):
                xb = x[start : start + per]
                m = len(xb)
                xr = xb.repeat_interleave(k, dim=0)  # (m k, H, W)
                c, (_, log_q, log_prior), _ = self._run(
                    xr, m * k, generator=gen
                )
                log_px = -F.binary_cross_entropy_with_logits(
                    c, xr, reduction="none"
                ).sum(dim=(1, 2))
                log_w = (log_px + log_prior - log_q).reshape(m, k)
                out.append(torch.logsumexp(log_w, dim=1) - math.log(k))
        return torch.cat(out).cpu()

    @torch.no_grad()
    def sample(
        self, n: int, *, seed: int = 0, mean: bool = False
    ) -> np.ndarray:
        """``n`` images ``(n, H, W)`` from the model: ``z_t ~ N(0, I)``, then ``x ~ Bernoulli(sigmoid(c_T))``.

        ``mean=True`` returns the probabilities ``sigmoid(c_T)`` instead of binary pixels.
        """
        n = _check_n(n, "n")
        gen = torch.Generator(device=self._device()).manual_seed(int(seed))
        with _eval(self):
            c, _, _ = self._run(None, n, generator=gen)
            probs = torch.sigmoid(c)
            if mean:
                return probs.cpu().numpy()
            u = torch.rand(
                probs.shape,
                generator=gen,
                device=probs.device,
                dtype=probs.dtype,
            )
            return (u < probs).float().cpu().numpy()

    @torch.no_grad()
    def reconstruct(self, x, *, seed: int = 0) -> np.ndarray:
        """``sigmoid(c_T)`` ``(n, H, W)``: the model's reconstruction of ``x`` (one seeded ``z ~ q(z | x)``)."""
        x = self._images(x)
        gen = torch.Generator(device=x.device).manual_seed(int(seed))
        with _eval(self):
            c, _, _ = self._run(x, len(x), generator=gen)
        return torch.sigmoid(c).cpu().numpy()

    @torch.no_grad()
    def trace(
        self, x=None, *, n: int | None = None, seed: int = 0
    ) -> DrawTrace:
        """Record the canvases and attention windows of every step (a :class:`DrawTrace`).

        With images ``x``: reconstruct them (read and write windows); without: draw ``n``
        samples from the prior (write windows only).
        """
        gen = torch.Generator(device=self._device()).manual_seed(int(seed))
        with _eval(self):
            if x is None:
                if n is None:
                    raise ValueError(
                        "pass images x to reconstruct, or n to sample"
                    )
                return self._run(
                    None, _check_n(n, "n"), generator=gen, record=True
                )[2]
            x = self._images(x)
            return self._run(x, len(x), generator=gen, record=True)[2]


class _eval:
    """Context manager: eval mode inside, the previous mode restored after."""

    def __init__(self, model: nn.Module) -> None:
        self.model, self.was = model, model.training

    def __enter__(self):
        self.model.eval()

    def __exit__(self, *exc):
        self.model.train(self.was)


@dataclass
class DrawHistory:
    """Per-epoch negative ELBO (nats per image) on the training and validation images."""

    train: list[float] = field(default_factory=list)
    val: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped: str = ""


def train_draw(
    model: DRAW,
    train_x,
    val_x,
    *,
    epochs: int = 20,
    lr: float = 1e-3,
    batch_size: int = 100,
    clip: float = 5.0,
    seed: int = 0,
    patience: int | None = None,
    max_seconds: float | None = None,
    kl_warmup: float = 0.0,
    log=None,
) -> DrawHistory:
    """Train ``model`` with Adam on the negative ELBO; keep the weights of the best validation epoch.

    ``val_x`` is held out from the training images (never the test set): after each
    epoch its negative ELBO (one seeded ``z`` sample) is measured, and at the end the
    model gets back the weights of the epoch where it was lowest. Training stops after
    ``epochs``, after ``patience`` epochs without improvement, or once ``max_seconds``
    have passed. ``log(epoch, train, val, seconds)`` is called after each epoch.

    ``kl_warmup`` (in epochs, may be fractional) ramps the weight of the KL term linearly
    from ``1 / steps`` to 1 over that many epochs of updates (a KL warm-up, which helps
    the decoder start using ``z`` instead of drawing the mean image); the recorded
    training loss is still the full negative ELBO, and validation always uses it.
    """
    train_x = model._images(train_x, "train_x")
    val_x = model._images(val_x, "val_x")
    torch.manual_seed(seed)
    order_gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hist = DrawHistory()
    best, best_state = math.inf, None
    start = time.perf_counter()
    warmup_steps = max(
        1, round(kl_warmup * math.ceil(len(train_x) / batch_size))
    )
    step = 0
    for epoch in range(1, int(epochs) + 1):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(len(train_x), generator=order_gen)
        total = 0.0
        for i in range(0, len(train_x), batch_size):
            xb = train_x[perm[i : i + batch_size].to(train_x.device)]
            step += 1
            recon, kl = model.loss_terms(xb)
            beta = min(1.0, step / warmup_steps) if kl_warmup > 0 else 1.0
            loss = (recon + beta * kl).mean()
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"the loss became {float(loss)} at epoch {epoch}; lower lr"
                )
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            total += float((recon + kl).detach().sum())
        val = float(-model.elbo(val_x, seed=seed).mean())
        hist.train.append(total / len(train_x))
        hist.val.append(val)
        hist.seconds.append(time.perf_counter() - t0)
        if log is not None:
            log(epoch, hist.train[-1], val, hist.seconds[-1])
        if val < best:
            best, best_state, hist.best_epoch = (
                val,
                copy.deepcopy(model.state_dict()),
                epoch,
            )
        if patience is not None and epoch - hist.best_epoch >= patience:
            hist.stopped = f"no validation improvement for {patience} epochs"
            break
        if (
            max_seconds is not None
            and time.perf_counter() - start > max_seconds
        ):
            hist.stopped = f"time budget of {max_seconds:.0f} s reached"
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return hist


@torch.no_grad()
def evaluate_checkpoint(
    model, checkpoint: dict, *, dataset: str, split: str = "test", batch_size: int = 256, device="cpu",
    cache_dir=None, k: int = 100, seed: int = 0,
) -> dict:  # fmt: skip
    """The ``rnntutor evaluate`` evaluator of DRAW: negative ELBO and IW-NLL (``k`` samples) in nats.

    The images of ``split`` (recorded ``split_seed``) are binarized as recorded in the
    checkpoint's ``data["binarization"]``. Both numbers are seeded (``seed``).
    """
    from rnntutor.checkpoint import check_data
    from rnntutor.data import load_split
    from rnntutor.generation.training import apply_binarization

    provenance = checkpoint.get("data", {})
    raw, _ = load_split(
        dataset,
        split,
        seed=int(provenance.get("split_seed", 0)),
        cache_dir=cache_dir,
    )
    check_data(checkpoint, dataset, raw.shape[1:])
    images = apply_binarization(raw, provenance.get("binarization"))
    model = model.to(device)
    neg_elbo = float(-model.elbo(images, seed=seed).double().mean())
    iw_nll = float(-model.log_prob(images, k=k, seed=seed).double().mean())
    n = len(images)
    return {
        "neg_elbo_nats": neg_elbo,
        "iw_nll_nats": iw_nll,
        "k": k,
        "seed": seed,
        "n": n,
        "summary": f"{checkpoint['model']} on {dataset} {split} (n={n}): -ELBO {neg_elbo:.2f} nats, "
        f"IW-NLL (k={k}) {iw_nll:.2f} nats",
    }
