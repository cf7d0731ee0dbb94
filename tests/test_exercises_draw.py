"""Chapter 3c exercise checkers: right answers accepted, plausible wrong ones rejected, malformed returns survived."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _helpers import (
    MALFORMED,
    malformed_rejected,
    stub_crash_and_non_function_rejected,
)
from scipy.special import logsumexp

from rnntutor.exercises import draw as ex
from rnntutor.reference import draw as ref


def _read_ok(x, F_X, F_Y, gamma):
    return gamma * F_Y @ x @ F_X.T


def _write_ok(w, F_X, F_Y, gamma):
    return F_Y.T @ w @ F_X / gamma


CHECKERS = {
    "filterbank": ex.check_filterbank,
    "read_write": lambda fn: ex.check_read_write(fn, fn),
    "kl": ex.check_kl_gaussian,
    "iw": ex.check_iw_bound,
    "canvas": ex.check_canvas,
}


@pytest.mark.parametrize("name", list(CHECKERS))
def test_checkers_never_raise(name, capsys):
    checker = CHECKERS[name]
    for bad in MALFORMED:
        malformed_rejected(checker, bad, capsys)
    stub_crash_and_non_function_rejected(checker, capsys)


# ----------------------------------------------------------------------------- 1. filterbank


def _filterbank_vectorised(gx, gy, sigma2, delta, N, H, W):
    i = np.arange(N) - (N - 1) / 2

    def axis(g, size):
        mu = g + i * delta
        f = np.exp(
            -((np.arange(size)[None, :] - mu[:, None]) ** 2) / (2 * sigma2)
        )
        return f / np.maximum(f.sum(axis=1, keepdims=True), 1e-8)

    return axis(gx, W), axis(gy, H)


def _filterbank_torch32(gx, gy, sigma2, delta, N, H, W):
    from rnntutor.generation.draw import filterbank

    t = [
        torch.tensor([v], dtype=torch.float32) for v in (gx, gy, sigma2, delta)
    ]
    F_X, F_Y = filterbank(t[0], t[1], t[2], t[3], N, (H, W))
    return F_X[0], F_Y[0]


def test_filterbank_checker_accepts_correct_answers(capsys):
    assert ex.check_filterbank(_filterbank_vectorised)
    assert ex.check_filterbank(
        lambda gx, gy, s2, d, N, H, W: ref.filterbank(gx, gy, s2, d, N, (H, W))
    )
    assert ex.check_filterbank(_filterbank_torch32)  # float32 tensors
    assert ex.check_filterbank(
        lambda *a: [f.astype(np.float32) for f in _filterbank_vectorised(*a)]
    )
    assert capsys.readouterr().out.count("✅") == 4


def _variant(
    *,
    centre_shift=0.0,
    two=2.0,
    norm_axis=1,
    reverse=False,
    square_root=False,
    swap=False,
    H_fixed=None,
):
    def fb(gx, gy, sigma2, delta, N, H, W):
        H = H_fixed or H
        i = np.arange(N) - (N - 1) / 2 + centre_shift
        s2 = np.sqrt(sigma2) if square_root else sigma2

        def axis(g, size):
            f = np.exp(
                -((np.arange(size)[None, :] - (g + i * delta)[:, None]) ** 2)
                / (two * s2)
            )
            if norm_axis is not None:
                f = f / np.maximum(f.sum(axis=norm_axis, keepdims=True), 1e-8)
            return f[::-1] if reverse else f

        fx, fy = axis(gx, W), axis(gy, H)
        return (fy, fx) if swap else (fx, fy)

    return fb


@pytest.mark.parametrize(
    "fn, message",
    [
        (_variant(norm_axis=None), "is not normalised"),
        (_variant(centre_shift=-1.0), "shifted by one stride"),
        (_variant(two=1.0), "too narrow"),
        (_variant(square_root=True), "standard deviation"),
        (_variant(norm_axis=0), "normalised over the filters"),
        (_variant(reverse=True), "reverse order"),
        (_variant(swap=True), "swapped"),
        (_variant(H_fixed=8), "shape"),
    ],
)
def test_filterbank_checker_names_mistakes(fn, message, capsys):
    assert not ex.check_filterbank(fn)
    assert message in capsys.readouterr().out


def test_filterbank_checker_refuses_a_single_matrix(capsys):
    assert not ex.check_filterbank(lambda *a: _filterbank_vectorised(*a)[0])
    assert "expected a pair (F_X, F_Y)" in capsys.readouterr().out


# ----------------------------------------------------------------------------- 2. read / write


def test_read_write_checker(capsys):
    assert ex.check_read_write(_read_ok, _write_ok)
    assert ex.check_read_write(
        lambda x, F_X, F_Y, g: np.einsum("ib,ba,ja->ij", F_Y, x, F_X) * g,
        lambda w, F_X, F_Y, g: (
            torch.tensor(F_Y).T @ torch.tensor(w) @ torch.tensor(F_X) / g
        ),
    )
    assert capsys.readouterr().out.count("✅") == 2
    cases = [
        (
            lambda x, F_X, F_Y, g: F_Y @ x @ F_X.T,
            _write_ok,
            "missing the intensity gamma",
        ),
        (
            lambda x, F_X, F_Y, g: F_Y @ x @ F_X.T / g,
            _write_ok,
            "you divided by gamma",
        ),
        (
            lambda x, F_X, F_Y, g: (g * F_Y @ x @ F_X.T).T,
            _write_ok,
            "transposed",
        ),
        (
            lambda x, F_X, F_Y, g: g * F_X @ x.T @ F_Y.T,
            _write_ok,
            "transposed",
        ),
        (
            _read_ok,
            lambda w, F_X, F_Y, g: F_Y.T @ w @ F_X * g,
            "you multiplied by gamma",
        ),
        (
            _read_ok,
            lambda w, F_X, F_Y, g: F_Y.T @ w @ F_X,
            "1/gamma factor is missing",
        ),
        (
            _read_ok,
            lambda w, F_X, F_Y, g: F_Y.T @ w.T @ F_X / g,
            "patch w is transposed",
        ),
        (_read_ok, lambda w, F_X, F_Y, g: F_X.T @ w @ F_Y / g, "shape"),
    ]
    for read, write, message in cases:
        assert not ex.check_read_write(read, write)
        assert message in capsys.readouterr().out
    assert not ex.check_read_write(_read_ok)
    assert "pass both functions" in capsys.readouterr().out

    def in_place(x, F_X, F_Y, g):
        x *= g
        return F_Y @ x @ F_X.T

    assert not ex.check_read_write(in_place, _write_ok)
    assert "in place" in capsys.readouterr().out


# ----------------------------------------------------------------------------- 3. KL


def test_kl_checker(capsys):
    assert ex.check_kl_gaussian(
        lambda mu, ls: (
            0.5 * np.sum(mu**2 + np.exp(2 * ls) - 2 * ls - 1, axis=1)
        )
    )
    assert ex.check_kl_gaussian(
        lambda mu, ls: torch.distributions.kl_divergence(
            torch.distributions.Normal(
                torch.tensor(mu), torch.tensor(ls).exp()
            ),
            torch.distributions.Normal(0.0, 1.0),
        ).sum(-1)
    )
    assert capsys.readouterr().out.count("✅") == 2
    cases = {
        "log-variance": lambda mu, ls: (
            0.5 * np.sum(mu**2 + np.exp(ls) - ls - 1, axis=1)
        ),
        "factor 1/2": lambda mu, ls: np.sum(
            mu**2 + np.exp(2 * ls) - 2 * ls - 1, axis=1
        ),
        "averaged over the latent": lambda mu, ls: (
            0.5 * np.mean(mu**2 + np.exp(2 * ls) - 2 * ls - 1, axis=1)
        ),
        "the -1": lambda mu, ls: (
            0.5 * np.sum(mu**2 + np.exp(2 * ls) - 2 * ls, axis=1)
        ),
        "one KL per latent unit": lambda mu, ls: (
            0.5 * (mu**2 + np.exp(2 * ls) - 2 * ls - 1)
        ),
        "differs": lambda mu, ls: (
            0.5 * np.sum(mu**2 + np.exp(2 * ls) - 2 * ls - 1, axis=1) + 0.1
        ),
    }
    for message, fn in cases.items():
        assert not ex.check_kl_gaussian(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- 4. IW bound


def test_iw_checker(capsys):
    assert ex.check_iw_bound(
        lambda lw: logsumexp(lw, axis=1) - np.log(lw.shape[1])
    )
    assert ex.check_iw_bound(
        lambda lw: torch.logsumexp(torch.tensor(lw), 1) - np.log(lw.shape[1])
    )

    def by_hand(lw):
        top = lw.max(axis=1, keepdims=True)
        return (
            top + np.log(np.mean(np.exp(lw - top), axis=1, keepdims=True))
        ).ravel()

    assert ex.check_iw_bound(by_hand)
    assert capsys.readouterr().out.count("✅") == 3
    cases = {
        "that is the ELBO estimate": lambda lw: lw.mean(1),
        "forgot the 1/k": lambda lw: logsumexp(lw, axis=1),
        "only the largest": lambda lw: lw.max(1),
        "exp underflows": lambda lw: np.log(np.exp(lw).mean(1)),
        "shape": lambda lw: (
            logsumexp(lw, axis=1, keepdims=True) - np.log(lw.shape[1])
        ),
    }
    with np.errstate(all="ignore"):
        for message, fn in cases.items():
            assert not ex.check_iw_bound(fn)
            assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- 5. canvas


def test_canvas_checker(capsys):
    assert ex.check_canvas(lambda u: 1 / (1 + np.exp(-np.cumsum(u, axis=1))))
    assert ex.check_canvas(lambda u: torch.sigmoid(torch.tensor(u).cumsum(1)))
    assert capsys.readouterr().out.count("✅") == 2
    cases = {
        "you summed the sigmoids": lambda u: np.cumsum(
            1 / (1 + np.exp(-u)), axis=1
        ),
        "only its own update": lambda u: 1 / (1 + np.exp(-u)),
        "sigmoid is missing": lambda u: np.cumsum(u, axis=1),
        "wrong axis": lambda u: 1 / (1 + np.exp(-np.cumsum(u, axis=-1))),
    }
    for message, fn in cases.items():
        assert not ex.check_canvas(fn)
        assert message in capsys.readouterr().out

    def looped(u):
        c = np.zeros_like(u[:, 0])
        out = []
        for t in range(u.shape[1]):
            c = c + u[:, t]
            out.append(1 / (1 + np.exp(-c)))
        return np.stack(out, 1)

    assert not ex.check_canvas(looped)
    assert "Python loop" in capsys.readouterr().out

    def in_place(u):
        np.cumsum(u, axis=1, out=u)
        return 1 / (1 + np.exp(-u))

    assert not ex.check_canvas(in_place)
    assert "in place" in capsys.readouterr().out
