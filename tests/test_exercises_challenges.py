"""Chapter 5 checkers accept correct answers and reject plausible wrong ones with a helpful message."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _helpers import (
    MALFORMED,
    malformed_rejected,
    stub_crash_and_non_function_rejected,
)

from rnntutor.exercises import challenges as ch

CHECKERS = [
    ch.check_clip_global_norm,
    ch.check_copy_baseline,
    ch.check_copy_baseline_freqs,
    ch.check_vanishing_lag,
    ch.check_linear_recurrence,
    ch.check_clipped_training,
]


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", MALFORMED, ids=lambda b: type(b).__name__)
def test_malformed_returns_get_a_message(check, bad, capsys):
    if (
        check is ch.check_clipped_training
        and bad is not None
        and not isinstance(bad, (str, dict))
    ):
        pytest.skip(
            "the training checker first verifies the (absent) updates; three returns suffice"
        )
    malformed_rejected(check, bad, capsys)


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
def test_stub_raising_and_non_function(check, capsys):
    stub_crash_and_non_function_rejected(check, capsys, None)


# ----------------------------------------------------------------------------- clipping


def clip_ok(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    scale = min(1.0, max_norm / (norm + 1e-12))
    return [g * scale for g in grads]


def clip_branch(grads, max_norm):
    norm = np.sqrt(np.sum([np.vdot(g, g) for g in grads]))
    if norm <= max_norm:
        return [g.copy() for g in grads]
    return [g * (max_norm / norm) for g in grads]


def clip_with_torch(
    grads, max_norm
):  # torch's own clip_grad_norm_ (adds 1e-6 to the norm)
    params = [
        torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        for g in grads
    ]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params]


def clip_float32(grads, max_norm):
    params = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g, dtype=torch.float32)
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad.numpy() for p in params]


def clip_per_tensor(grads, max_norm):
    return [
        g * min(1.0, max_norm / max(np.linalg.norm(g), 1e-12)) for g in grads
    ]


def clip_always(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    return [g * max_norm / max(norm, 1e-12) for g in grads]


def clip_in_place(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    for g in grads:
        g *= min(1.0, max_norm / max(norm, 1e-12))
    return grads


def clip_no_sqrt(grads, max_norm):
    norm2 = sum(float(np.sum(g**2)) for g in grads)
    return [g * min(1.0, max_norm / max(norm2, 1e-12)) for g in grads]


def clip_divides_by_zero(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    return [g * min(1.0, max_norm / norm) for g in grads]


def clip_replaces_entries(grads, max_norm):
    clipped = clip_ok(grads, max_norm)
    grads[:] = clipped
    return list(clipped)


def test_clip_checker(capsys):
    for fn in (clip_ok, clip_branch, clip_with_torch, clip_float32):
        assert ch.check_clip_global_norm(fn)
        assert "✅" in capsys.readouterr().out
    cases = {
        "each gradient by its own norm": clip_per_tensor,
        "scaled them *up*": clip_always,
        "modified one of its input arrays": clip_in_place,
        "clipping by value": lambda grads, m: [
            np.clip(g, -m, m) for g in grads
        ],
        "without the square root": clip_no_sqrt,
        "divided by the zero norm": clip_divides_by_zero,
        "single number": lambda grads, m: min(
            1.0, m / math.sqrt(sum(float(np.sum(g**2)) for g in grads))
        ),
        "returned the list it was given": lambda grads, m: grads,
        "changed the list it was given": clip_replaces_entries,
        "unchanged although": lambda grads, m: [g.copy() for g in grads],
        "2 arrays for 3 gradients": lambda grads, m: clip_ok(grads, m)[:2],
    }
    for message, fn in cases.items():
        assert not ch.check_clip_global_norm(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- copy baselines


def test_copy_baseline_checker(capsys):
    correct = [
        lambda T, K, S: K * math.log(S) / (T + 2 * K),
        lambda T, K, S: np.float32(
            K * np.log(S) / (T + 2 * K)
        ),  # float32 is accepted
        lambda T, K, S: torch.tensor(float(S)).log() * K / (T + 2 * K),
    ]
    for fn in correct:
        assert ch.check_copy_baseline(fn)
        assert "✅" in capsys.readouterr().out
    cases = {
        "base 2": lambda T, K, S: K * math.log2(S) / (T + 2 * K),
        "denominator": lambda T, K, S: K * math.log(S) / (T + K),
        "total": lambda T, K, S: K * math.log(S),
        "uniform guess at every step": lambda T, K, S: math.log(S + 2),
        "expected a number": lambda T, K, S: "0.1x",
        "expected 0.173": lambda T, K, S: 0.5,
    }
    for message, fn in cases.items():
        assert not ch.check_copy_baseline(fn)
        assert message in capsys.readouterr().out.replace(
            "should be a number", "expected a number"
        )


def entropy_baseline(T, K, p):
    p = p[p > 0]
    return K * float(-(p * np.log(p)).sum()) / (T + 2 * K)


def entropy_baseline_torch(T, K, p):
    p = torch.tensor(p, dtype=torch.float32)
    return K * torch.special.entr(p).sum() / (T + 2 * K)


def test_copy_baseline_freqs_checker(capsys):
    for fn in (entropy_baseline, entropy_baseline_torch):
        assert ch.check_copy_baseline_freqs(fn)
        assert "✅" in capsys.readouterr().out

    def sorts_in_place(T, K, p):
        p.sort()
        return entropy_baseline(T, K, p)

    def with_nan(T, K, p):
        with np.errstate(all="ignore"):
            return K * -(p * np.log(p)).sum() / (T + 2 * K)

    cases = {
        "uniform guess": lambda T, K, p: K * np.log(len(p)) / (T + 2 * K),
        "in bits": lambda T, K, p: entropy_baseline(T, K, p) / math.log(2),
        "sign is wrong": lambda T, K, p: -entropy_baseline(T, K, p),
        "total over the sequence": lambda T, K, p: (
            entropy_baseline(T, K, p) * (T + 2 * K)
        ),
        "T + 2K steps in all": lambda T, K, p: (
            entropy_baseline(T, K, p) * (T + 2 * K) / (T + K)
        ),
        "0 · ln 0 = 0": with_nan,
        "modified one of its input arrays": sorts_in_place,
    }
    for message, fn in cases.items():
        assert not ch.check_copy_baseline_freqs(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- vanishing lag


def lag_formula(sigma, eps):
    if sigma >= 1:
        return math.inf
    return math.floor(math.log(eps) / math.log(sigma)) + 1


def lag_loop(sigma, eps):
    if sigma >= 1:
        return float("inf")
    lag, bound = 1, sigma
    while bound >= eps:
        lag, bound = lag + 1, bound * sigma
    return np.int64(lag)


def test_vanishing_lag_checker(capsys):
    for fn in (lag_formula, lag_loop):
        assert ch.check_vanishing_lag(fn)
        assert "66 steps" in capsys.readouterr().out
    cases = {
        "off by one": lambda s, e: (
            math.inf if s >= 1 else math.floor(math.log(e) / math.log(s))
        ),
        "not a whole number": lambda s, e: (
            math.inf if s >= 1 else math.log(e) / math.log(s)
        ),
        "return math.inf before dividing": lambda s, e: (
            math.floor(math.log(e) / math.log(s)) + 1
        ),
        "never falls below eps": lambda s, e: lag_formula(min(s, 0.99), e),
        "negative lag": lambda s, e: (
            math.inf if s >= 1 else -lag_formula(s, e)
        ),
        "expected 66": lambda s, e: math.inf if s >= 1 else 3,
    }
    for message, fn in cases.items():
        assert not ch.check_vanishing_lag(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- linear recurrence


def scan_cumprod(a, b):
    A = np.cumprod(a, axis=0)
    return A * np.cumsum(b / A, axis=0)


def scan_log_space(a, b):
    log_A = np.cumsum(np.log(a), axis=0)
    return np.exp(log_A + np.logaddexp.accumulate(np.log(b) - log_A, axis=0))


def test_linear_recurrence_checker(capsys):
    for fn in (
        scan_cumprod,
        scan_log_space,
        lambda a, b: scan_cumprod(a, b).astype(np.float32),
    ):
        assert ch.check_linear_recurrence(fn)
        assert "✅" in capsys.readouterr().out

    def off_by_one(a, b):
        A = np.cumprod(a, axis=0)
        prev = np.concatenate([np.ones((1, a.shape[1])), A[:-1]])
        return A * np.cumsum(b / prev, axis=0)

    def loop(a, b):
        h, out = np.zeros(a.shape[1]), []
        for t in range(len(a)):
            h = a[t] * h + b[t]
            out.append(h)
        return np.array(out)

    def in_place(a, b):
        np.cumprod(a, axis=0, out=a)
        return a * np.cumsum(b / a, axis=0)

    def hard_coded(a, b):
        A = np.cumprod(a.reshape(12, 3), axis=0)
        return A * np.cumsum(b.reshape(12, 3) / A, axis=0)

    cases = {
        "off by one": off_by_one,
        "decays a_t are missing": lambda a, b: np.cumsum(b, axis=0),
        "multiply back by A_t": lambda a, b: np.cumsum(
            b / np.cumprod(a, axis=0), axis=0
        ),
        "decayed by all of": lambda a, b: (
            np.cumprod(a, axis=0) * np.cumsum(b, axis=0)
        ),
        "reverse time order": lambda a, b: scan_cumprod(a, b)[::-1],
        "Python loop": loop,
        "modified one of its input arrays": in_place,
        "cannot reshape": hard_coded,
        "None": lambda a, b: None,
        "shape": lambda a, b: np.zeros((3, 3)),
        "only to float32 precision": lambda a, b: (
            scan_cumprod(a, b).astype(np.float32).astype(np.float64)
        ),
    }
    for message, fn in cases.items():
        assert not ch.check_linear_recurrence(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- training with clipping


def train_with_torch_clip(model, batches, lr, max_norm):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        opt.step()
        losses.append(loss.item())
    return losses


def train_by_hand(model, batches, lr, max_norm):
    losses = []
    for k in range(len(batches)):
        x, y = batches[k]
        model.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        norm = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters()))
        scale = min(1.0, max_norm / float(norm))
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * scale * p.grad
        losses.append(loss.detach())
    return losses


def _loop(clip=None, zero_grad=True):
    def train(model, batches, lr, max_norm):
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for x, y in batches:
            if zero_grad:
                opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            if clip is not None:
                clip(list(model.parameters()), max_norm)
            opt.step()
            losses.append(loss.item())
        return losses

    return train


def per_parameter(params, max_norm):
    for p in params:
        torch.nn.utils.clip_grad_norm_([p], max_norm)


def test_clipped_training_checker(capsys):
    for fn in (train_with_torch_clip, train_by_hand):
        assert ch.check_clipped_training(fn)
        assert "Without clipping the loss blew up" in capsys.readouterr().out

    def clip_after_step(model, batches, lr, max_norm):
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for x, y in batches:
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            losses.append(loss.item())
        return losses

    def momentum(model, batches, lr, max_norm):
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        for x, y in batches:
            opt.zero_grad()
            F.mse_loss(model(x), y).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            opt.step()
        return [0.0] * len(batches)

    def half_the_batches(model, batches, lr, max_norm):
        return train_with_torch_clip(
            model,
            [b for k, b in enumerate(batches) if k % 2 == 0],
            lr,
            max_norm,
        )

    cases = {
        "not clipped": _loop(),
        "Clip between loss.backward()": clip_after_step,
        "each parameter's gradient by its own norm": _loop(per_parameter),
        "by value": _loop(torch.nn.utils.clip_grad_value_),
        "forget optimizer.zero_grad()": _loop(
            torch.nn.utils.clip_grad_norm_, zero_grad=False
        ),
        "not -lr * clip(g)": momentum,
        "one at a time": half_the_batches,
        "did not change the parameters": lambda model, batches, lr, m: [
            0.1 for _ in batches
        ],
        "one float per batch": lambda model, batches, lr, m: (
            train_with_torch_clip(model, batches, lr, m)[:-1]
        ),
    }
    for message, fn in cases.items():
        assert not ch.check_clipped_training(fn)
        assert message in capsys.readouterr().out
