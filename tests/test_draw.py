"""DRAW: the attention filterbank against the NumPy reference, the bound, sampling, input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnntutor.generation import DRAW
from rnntutor.generation import draw as D
from rnntutor.reference import draw as ref

SIZES = [(7, 11), (13, 5), (28, 28), (9, 16)]
GRIDS = [1, 2, 3, 5]


def _raw_params(rng, n):
    """Five raw attention outputs per window, non-trivial (centres off-centre, stride != 1)."""
    return np.column_stack(
        [
            rng.uniform(-1.2, 1.2, n),  # gx~ (a bit outside the image too)
            rng.uniform(-1.2, 1.2, n),  # gy~
            rng.uniform(-1.5, 1.5, n),  # log sigma2
            rng.uniform(-1.0, 0.5, n),  # log delta~
            rng.uniform(-0.7, 0.7, n),  # log gamma
        ]
    )


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("N", GRIDS)
def test_filterbank_read_write_match_numpy_reference(shape, N):
    H, W = shape
    rng = np.random.default_rng(H * 100 + W * 10 + N)
    n = 4
    p = _raw_params(rng, n)
    gx, gy, sigma2, delta, gamma = D.attention_params(
        torch.tensor(p), shape, N
    )
    F_X, F_Y = D.filterbank(gx, gy, sigma2, delta, N, shape)
    assert (
        F_X.dtype == torch.float64
        and F_X.shape == (n, N, W)
        and F_Y.shape == (n, N, H)
    )
    x = torch.tensor(rng.random((n, H, W)))
    x_hat = torch.tensor(rng.normal(size=(n, H, W)))
    w = torch.tensor(rng.normal(size=(n, N, N)))
    glimpse = D.read_attention(x, F_X, F_Y, gamma)
    glimpse_hat = D.read_attention(x_hat, F_X, F_Y, gamma)
    canvas = D.write_attention(w, F_X, F_Y, gamma)
    for b in range(n):
        params = ref.attention_params(p[b], shape, N)
        np.testing.assert_allclose(
            [float(t[b]) for t in (gx, gy, sigma2, delta, gamma)],
            params,
            rtol=1e-12,
        )
        rgx, rgy, rs2, rdelta, rgamma = params
        rF_X, rF_Y = ref.filterbank(rgx, rgy, rs2, rdelta, N, shape)
        np.testing.assert_allclose(
            F_X[b].numpy(), rF_X, rtol=1e-10, atol=1e-14
        )
        np.testing.assert_allclose(
            F_Y[b].numpy(), rF_Y, rtol=1e-10, atol=1e-14
        )
        both = ref.read(x[b].numpy(), x_hat[b].numpy(), rF_X, rF_Y, rgamma)
        np.testing.assert_allclose(
            glimpse[b].numpy(), both[0], rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            glimpse_hat[b].numpy(), both[1], rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            canvas[b].numpy(),
            ref.write(w[b].numpy(), rF_X, rF_Y, rgamma),
            rtol=1e-10,
        )


def test_filterbank_hand_computed_values():
    # N = 2 on a 1 x 3 image: centre gX = 1, delta = 2 -> filter centres 0 and 2; sigma2 = 0.5
    F = ref.filters(1.0, 2.0, 0.5, 2, 3)
    e1, e4 = math.exp(-1.0), math.exp(-4.0)
    np.testing.assert_allclose(
        F, np.array([[1, e1, e4], [e4, e1, 1]]) / (1 + e1 + e4), rtol=1e-14
    )
    # the torch version gives the same rows
    F_X, _ = D.filterbank(
        torch.tensor([1.0], dtype=torch.float64),
        torch.tensor([0.0], dtype=torch.float64),
        torch.tensor([0.5], dtype=torch.float64),
        torch.tensor([2.0], dtype=torch.float64),
        2,
        (1, 3),
    )
    np.testing.assert_allclose(F_X[0].numpy(), F, rtol=1e-12)


def test_filter_rows_sum_to_one_and_far_windows_stay_finite():
    g = torch.tensor([500.0, 3.0], dtype=torch.float64)
    F_X, F_Y = D.filterbank(
        g,
        g,
        torch.tensor([0.01, 1.0], dtype=torch.float64),
        torch.ones(2).double(),
        3,
        (6, 8),
    )
    assert torch.isfinite(F_X).all() and torch.isfinite(F_Y).all()
    np.testing.assert_allclose(F_X[1].sum(-1).numpy(), 1.0, rtol=1e-12)
    assert (
        float(F_X[0].abs().max()) == 0.0
    )  # a window far outside reads nothing (Z floored at EPS)


def test_filterbank_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    p = torch.tensor(_raw_params(rng, 2), requires_grad=True)
    x = torch.tensor(rng.random((2, 6, 9)))
    w = torch.tensor(rng.normal(size=(2, 3, 3)))

    def f(p):
        gx, gy, s2, d, g = D.attention_params(p, (6, 9), 3)
        F_X, F_Y = D.filterbank(gx, gy, s2, d, 3, (6, 9))
        return (
            D.read_attention(x, F_X, F_Y, g).sum()
            + (D.write_attention(w, F_X, F_Y, g) ** 2).sum()
        )

    assert torch.autograd.gradcheck(f, (p,))


def _tiny(attention=True, **kw):
    torch.manual_seed(0)
    cfg = dict(
        T=4, hidden=12, z_dim=3, read_n=2, write_n=3, attention=attention
    )
    cfg.update(kw)
    model = DRAW((7, 10), **cfg).double()
    with torch.no_grad():  # non-zero random biases everywhere
        for name, prm in model.named_parameters():
            if "bias" in name:
                prm.copy_(torch.randn_like(prm) * 0.3)
    return model


def _binary(n, shape=(7, 10), seed=0):
    return (np.random.default_rng(seed).random((n, *shape)) < 0.4).astype(
        np.float64
    )


@pytest.mark.parametrize("attention", [True, False])
def test_loss_is_reconstruction_plus_analytic_kl(attention):
    model = _tiny(attention)
    x = torch.tensor(_binary(5))
    torch.manual_seed(1)
    recon, kl = model.loss_terms(x)
    assert recon.shape == (5,) and kl.shape == (5,)
    assert (kl > 0).all() and (recon > 0).all()
    # the KL of each step, in closed form, against torch.distributions on a hand-made q
    mu, log_s = torch.randn(4, 3).double(), torch.randn(4, 3).double() * 0.5
    q = torch.distributions.Normal(mu, log_s.exp())
    p = torch.distributions.Normal(
        torch.zeros(4, 3).double(), torch.ones(4, 3).double()
    )
    ours = 0.5 * (mu**2 + torch.exp(2 * log_s) - 2 * log_s - 1).sum(1)
    torch.testing.assert_close(
        ours, torch.distributions.kl_divergence(q, p).sum(1)
    )


def test_monte_carlo_kl_and_importance_weights_agree_with_closed_form():
    model = _tiny(True)
    x = torch.tensor(_binary(1)).repeat(4000, 1, 1)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        _, (kl, log_q, log_prior), _ = model._run(x, len(x), generator=gen)
    # KL(q || p) = E_q[log q - log p]: the sampled estimate converges to the closed form
    mc = (log_q - log_prior).mean()
    se = (log_q - log_prior).std() / math.sqrt(len(x))
    assert abs(float(mc - kl.mean())) < 4 * float(se) + 1e-6


def test_importance_weighted_bound_tightens_with_k_and_lies_above_elbo():
    model = _tiny(True)
    x = _binary(6, seed=2)
    elbo = model.elbo(x, seed=0)
    lp1 = model.log_prob(x, k=1, seed=0)
    lp50 = model.log_prob(x, k=50, seed=0)
    assert lp1.shape == (6,) and lp50.shape == (6,)
    assert float(lp50.mean()) > float(elbo.mean())
    assert float(lp50.mean()) > float(lp1.mean())
    # deterministic for a fixed seed, different for another
    torch.testing.assert_close(model.log_prob(x, k=50, seed=0), lp50)
    assert not torch.allclose(model.log_prob(x, k=50, seed=1), lp50)
    # the chunking of image-sample pairs does not change the estimate's distribution shape
    assert model.log_prob(x, k=50, seed=0, batch_size=100).shape == (6,)


def test_bound_is_below_exact_log_likelihood_of_a_tiny_model():
    # 2 x 2 images: log p(x) by summing over the 16 images is not available (continuous z), but
    # sum_x p(x) = 1 must hold, so the IW estimates exponentiated must sum to <= ~1.
    model = DRAW((2, 2), T=2, hidden=6, z_dim=2, read_n=1, write_n=2).double()
    all_x = np.array(
        [[(i >> b) & 1 for b in range(4)] for i in range(16)], dtype=np.float64
    ).reshape(16, 2, 2)
    lp = model.log_prob(all_x, k=400, seed=0)
    total = float(torch.logsumexp(lp, 0).exp())
    assert (
        0.85 < total < 1.02
    )  # a lower bound per image: the sum sits just below 1


def test_sample_reconstruct_trace_shapes_and_seeds():
    model = _tiny(True)
    s = model.sample(3, seed=4)
    assert s.shape == (3, 7, 10) and set(np.unique(s)) <= {0.0, 1.0}
    np.testing.assert_array_equal(s, model.sample(3, seed=4))
    m = model.sample(3, seed=4, mean=True)
    assert ((m > 0) & (m < 1)).all()
    r = model.reconstruct(_binary(2), seed=0)
    assert r.shape == (2, 7, 10)
    tr = model.trace(_binary(2), seed=0)
    assert (
        tr.canvases.shape == (2, 4, 7, 10)
        and tr.read.shape == (2, 4, 5)
        and tr.write.shape == (2, 4, 5)
    )
    np.testing.assert_allclose(tr.canvases[:, -1].numpy(), r, rtol=1e-12)
    assert tr.kl.shape == (2, 4) and (tr.kl > 0).all()
    tr = model.trace(n=3, seed=4)
    assert tr.read.shape == (3, 0, 5) and tr.write.shape == (3, 4, 5)
    np.testing.assert_allclose(tr.canvases[:, -1].numpy(), m, rtol=1e-12)
    no_att = _tiny(False).trace(n=2)
    assert no_att.write.shape == (2, 0, 5) and no_att.canvases.shape == (
        2,
        4,
        7,
        10,
    )


def test_no_attention_reads_the_whole_image():
    model = _tiny(False)
    assert (
        model.encoder.input_size == 2 * 70 + 12
        and model.to_write.out_features == 70
    )
    att = _tiny(True)
    assert (
        att.encoder.input_size == 2 * 4 + 12 and att.to_write.out_features == 9
    )


def test_training_lowers_the_bound_and_keeps_the_best_epoch():
    torch.manual_seed(0)
    model = DRAW((7, 10), T=3, hidden=16, z_dim=4, read_n=2, write_n=3)
    x, val = _binary(120, seed=5), _binary(40, seed=6)
    before = float(-model.elbo(val).mean())
    hist = D.train_draw(
        model, x, val, epochs=3, lr=2e-2, batch_size=20, seed=0
    )
    assert (
        len(hist.val) == 3 and hist.best_epoch == int(np.argmin(hist.val)) + 1
    )
    assert min(hist.val) < before - 1.5  # 49.1 -> about 46 nats
    assert float(-model.elbo(val, seed=0).mean()) == pytest.approx(
        min(hist.val), abs=1e-3
    )
    # a KL warm-up changes the updates, not what is recorded: the full negative ELBO
    torch.manual_seed(0)
    warm = DRAW((7, 10), T=3, hidden=16, z_dim=4, read_n=2, write_n=3)
    hist_warm = D.train_draw(
        warm, x, val, epochs=1, lr=2e-2, batch_size=20, seed=0, kl_warmup=1
    )
    assert np.isfinite(hist_warm.train[0]) and hist_warm.train[
        0
    ] != pytest.approx(hist.train[0], abs=1e-6)


def test_attention_starts_with_overlapping_filters():
    model = DRAW((28, 28), read_n=2, write_n=5)
    for layer, N in ((model.to_read_att, 2), (model.to_write_att, 5)):
        delta0 = 27 / (N - 1)
        assert float(layer.bias[2].detach()) == pytest.approx(
            2 * math.log(delta0 / 2)
        )
    sigma2 = (27 / 4 / 2) ** 2
    assert float(model.to_write_att.bias[4].detach()) == pytest.approx(
        -math.log(2 * math.pi * sigma2)
    )
    # a constant patch of 1 reaches the middle of the canvas at about 1
    h = torch.zeros(1, model.hidden)
    with torch.no_grad():
        p = model.to_write_att(h)
        gx, gy, s2, delta, gamma = D.attention_params(p, (28, 28), 5)
        F_X, F_Y = D.filterbank(gx, gy, s2, delta, 5, (28, 28))
        canvas = D.write_attention(torch.ones(1, 5, 5), F_X, F_Y, gamma)
    assert 0.5 < float(canvas[0, 14, 14]) < 2.0


def test_bad_input_errors_name_expected_and_given():
    model = _tiny(True).float()
    with pytest.raises(ValueError, match=r"\(N, 7, 10\).*\(2, 10, 7\)"):
        model.elbo(np.zeros((2, 10, 7)))
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(np.full((1, 7, 10), 0.3), k=2)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.log_prob(np.zeros((1, 7, 10)), k=0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        model.sample(0)
    with pytest.raises(ValueError, match="read_n"):
        DRAW((8, 8), read_n=0)
    with pytest.raises(ValueError, match=r"\(n, 5\)"):
        D.attention_params(torch.zeros(3, 4), (8, 8), 2)
    with pytest.raises(ValueError, match="shape"):
        ref.read(
            np.zeros((3, 3)),
            np.zeros((3, 3)),
            np.ones((2, 4)),
            np.ones((2, 3)),
            1.0,
        )


def test_plots_animation_and_widget_are_offline_and_shaped():
    import re

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnntutor.generation import draw_plots as dp

    assert dp.window_box((5.0, 3.0, 1.0, 2.0, 1.0), 3) == pytest.approx(
        (2.5, 0.5, 5.0, 5.0)
    )
    model = _tiny(True).float()
    tr = model.trace(_binary(3), seed=0)
    fig = dp.plot_drawing(tr, write_n=3, read_n=2, index=[0, 2])
    assert (
        len(fig.axes) == 2 * 4 and len(fig.axes[0].patches) == 2
    )  # write and read boxes
    plt.close(fig)
    html = dp.animate_drawing(tr, write_n=3, read_n=2, index=[0, 1])
    assert "<script" in html and "animation" in html.lower()
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html), (
        "the animation links something external"
    )
    assert "font-awesome" not in html and "cdnjs" not in html
    widget = dp.drawing_stepper(tr, write_n=3, read_n=2)
    assert [c.description for c in widget.children[:2]] == ["image", "step t"]
    with pytest.raises(ValueError, match="indices"):
        dp.plot_drawing(tr, write_n=3, index=[5])
