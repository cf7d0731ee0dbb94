"""Losses, optimisers and clipping against torch, including extreme logits."""

import warnings

import numpy as np
import pytest
import torch

from rnntutor import reference as ref


def test_softmax_cross_entropy_extreme_logits_no_warnings():
    logits = np.array(
        [
            [1000.0, -1000.0, 0.0],
            [-1000.0, -1000.0, 1000.0],
            [1000.0, 1000.0, -1000.0],
        ]
    )
    y = np.array([0, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = ref.softmax_cross_entropy(logits, y)
    # Row 0 is certain and right (0), row 1 is off by 2000 (2000), row 2 is a 50/50 tie (log 2).
    assert loss == pytest.approx((0.0 + 2000.0 + np.log(2.0)) / 3, rel=1e-12)
    assert np.all(np.isfinite(grad))
    expected = torch.nn.functional.cross_entropy(
        torch.tensor(logits), torch.tensor(y)
    )
    assert loss == pytest.approx(expected.item(), rel=1e-12)


def test_softmax_cross_entropy_gradient_matches_torch():
    rng = np.random.default_rng(0)
    logits, y = rng.normal(size=(5, 4)) * 3, rng.integers(0, 4, size=5)
    loss, grad = ref.softmax_cross_entropy(logits, y)
    z = torch.tensor(logits, requires_grad=True)
    t = torch.nn.functional.cross_entropy(z, torch.tensor(y))
    t.backward()
    assert loss == pytest.approx(t.item(), abs=1e-12)
    np.testing.assert_allclose(grad, z.grad.numpy(), atol=1e-14)


def test_bernoulli_extreme_logits_no_warnings():
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0])
    x = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ll = ref.bernoulli_log_likelihood(z, x)
        loss, grad = ref.bernoulli_nll(z, x)
    np.testing.assert_allclose(
        ll, [0.0, 0.0, -1000.0, -1000.0, -np.log(2.0)], atol=1e-12
    )
    assert loss == pytest.approx((2000.0 + np.log(2.0)) / 5, rel=1e-12)
    np.testing.assert_allclose(
        grad, np.array([0.0, 0.0, 1.0, -1.0, -0.5]) / 5, atol=1e-15
    )


def test_bernoulli_nll_matches_torch():
    rng = np.random.default_rng(1)
    z, x = rng.normal(size=(3, 7)) * 4, rng.uniform(size=(3, 7))
    loss, grad = ref.bernoulli_nll(z, x)
    zt = torch.tensor(z, requires_grad=True)
    t = torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.tensor(x)
    )
    t.backward()
    assert loss == pytest.approx(t.item(), abs=1e-12)
    np.testing.assert_allclose(grad, zt.grad.numpy(), atol=1e-15)


def test_loss_input_errors():
    with pytest.raises(ValueError, match=r"labels must have shape \(2\)"):
        ref.softmax_cross_entropy(np.zeros((2, 3)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        ref.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"targets must have shape \(2, 3\)"):
        ref.bernoulli_nll(np.zeros((2, 3)), np.zeros((3,)))


def test_sigmoid_extreme_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ref.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


def _torch_reference(opt_cls, opt_kwargs, ref_cls, ref_kwargs, steps=5):
    rng = np.random.default_rng(2)
    p0 = {"a": rng.normal(size=(3, 2)), "b": rng.normal(size=4)}
    grads = [
        {k: rng.normal(size=v.shape) for k, v in p0.items()}
        for _ in range(steps)
    ]
    params = {k: v.copy() for k, v in p0.items()}
    opt = ref_cls(params, **ref_kwargs)
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in p0.items()}
    topt = opt_cls(list(tparams.values()), **opt_kwargs)
    for g in grads:
        opt.step(g)
        for k, t in tparams.items():
            t.grad = torch.tensor(g[k])
        topt.step()
    for k in p0:
        np.testing.assert_allclose(
            params[k], tparams[k].detach().numpy(), atol=1e-12
        )
        assert not np.allclose(params[k], p0[k])


def test_sgd_matches_torch():
    _torch_reference(torch.optim.SGD, {"lr": 0.1}, ref.SGD, {"lr": 0.1})
    _torch_reference(
        torch.optim.SGD,
        {"lr": 0.1, "momentum": 0.9},
        ref.SGD,
        {"lr": 0.1, "momentum": 0.9},
    )


def test_adam_matches_torch():
    _torch_reference(torch.optim.Adam, {"lr": 0.01}, ref.Adam, {"lr": 0.01})


def test_clip_grad_norm_matches_torch():
    rng = np.random.default_rng(3)
    grads = {"a": rng.normal(size=(4, 3)) * 5, "b": rng.normal(size=6)}
    ts = [
        torch.zeros(v.shape, dtype=torch.float64, requires_grad=True)
        for v in grads.values()
    ]
    for t, v in zip(ts, grads.values(), strict=True):
        t.grad = torch.tensor(v)
    total_t = torch.nn.utils.clip_grad_norm_(ts, 1.0)
    total = ref.clip_grad_norm(grads, 1.0)
    assert total == pytest.approx(total_t.item(), rel=1e-12)
    for t, v in zip(ts, grads.values(), strict=True):
        np.testing.assert_allclose(v, t.grad.numpy(), atol=1e-14)
    assert ref.global_norm(grads) == pytest.approx(1.0, abs=1e-5)
    small = {"a": np.array([0.1, 0.2])}
    ref.clip_grad_norm(small, 1.0)
    np.testing.assert_array_equal(small["a"], [0.1, 0.2])


def test_optimizer_rejects_wrong_gradient_shape():
    opt = ref.SGD({"a": np.zeros(3)}, lr=0.1)
    with pytest.raises(
        ValueError, match=r"gradient of 'a' must have shape \(3,\)"
    ):
        opt.step({"a": np.zeros(4)})
    with pytest.raises(KeyError, match="no gradient for parameter 'a'"):
        opt.step({"b": np.zeros(3)})


def test_linear_readout_matches_torch():
    rng = np.random.default_rng(4)
    lin = ref.init_linear(5, 3, seed=1)
    h, dy = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    y, cache = ref.linear_forward(lin, h)
    g = ref.linear_backward(dy, cache)
    m = torch.nn.Linear(5, 3, dtype=torch.float64)
    m.load_state_dict({k: torch.tensor(v) for k, v in lin.items()})
    ht = torch.tensor(h, requires_grad=True)
    yt = m(ht)
    (yt * torch.tensor(dy)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(g["weight"], m.weight.grad.numpy(), atol=1e-14)
    np.testing.assert_allclose(g["bias"], m.bias.grad.numpy(), atol=1e-14)
    np.testing.assert_allclose(g["x"], ht.grad.numpy(), atol=1e-14)
    with pytest.raises(ValueError, match=r"h must have shape \(\?, 5\)"):
        ref.linear_forward(lin, np.zeros((4, 6)))
