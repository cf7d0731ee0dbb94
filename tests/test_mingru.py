"""minGRU: the parallel (log-space) scan agrees with the sequential loop, values and gradients."""

import pytest
import torch

from rnntutor.challenges.mingru import (
    MinGRU,
    g,
    log_g,
    scan_linear,
    scan_linear_log,
)


def test_g_and_log_g():
    a = torch.linspace(-6, 6, 101, dtype=torch.float64)
    assert bool((g(a) > 0).all())
    torch.testing.assert_close(torch.exp(log_g(a)), g(a))
    assert g(torch.tensor(0.0)).item() == pytest.approx(0.5)


def test_linear_scan_matches_loop_hand_computed():
    a = torch.tensor([[[0.5], [0.25], [2.0]]], dtype=torch.float64)
    b = torch.tensor([[[1.0], [2.0], [0.5]]], dtype=torch.float64)
    h0 = torch.tensor([[4.0]], dtype=torch.float64)
    # h1 = 0.5*4 + 1 = 3, h2 = 0.25*3 + 2 = 2.75, h3 = 2*2.75 + 0.5 = 6
    expected = torch.tensor([[[3.0], [2.75], [6.0]]], dtype=torch.float64)
    torch.testing.assert_close(scan_linear(a, b, h0), expected)
    torch.testing.assert_close(
        scan_linear_log(a.log(), b.log(), h0.log()), expected
    )


@pytest.mark.parametrize("with_h0", [False, True])
def test_mingru_scan_equals_sequential(with_h0):
    torch.manual_seed(0)
    model = MinGRU(3, 5).double()
    x = torch.randn(4, 50, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.rand(4, 5, dtype=torch.float64) + 0.1 if with_h0 else None
    seq = model(x, h0, mode="sequential")
    par = model(x, h0, mode="scan")
    torch.testing.assert_close(par, seq, rtol=1e-9, atol=1e-10)
    (gs,) = torch.autograd.grad(seq.sum(), x)
    (gp,) = torch.autograd.grad(par.sum(), x)
    torch.testing.assert_close(gp, gs, rtol=1e-7, atol=1e-9)


def test_mingru_rejects_bad_input():
    model = MinGRU(3, 5)
    with pytest.raises(ValueError, match="shape"):
        model(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="unknown mode"):
        model(torch.zeros(2, 4, 3), mode="fast")
    with pytest.raises(ValueError, match="positive"):
        model(torch.zeros(2, 4, 3), -torch.ones(2, 5))
