"""Chapter 3b exercise checkers: right answers accepted, plausible wrong ones rejected, malformed returns survived."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _helpers import (
    MALFORMED,
    malformed_rejected,
    stub_crash_and_non_function_rejected,
)

from rnntutor.exercises import intensities as ex
from rnntutor.generation import image_mask


@pytest.mark.parametrize(
    "checker",
    [
        ex.check_quantize,
        ex.check_bits_per_dim,
        ex.check_mask,
        ex.check_sample_levels,
        ex.check_blind_spot,
    ],
)
def test_checkers_never_raise(checker, capsys):
    for bad in MALFORMED:
        malformed_rejected(checker, bad, capsys)
    stub_crash_and_non_function_rejected(
        checker, capsys, message="expected your function, got str"
    )


# ----------------------------------------------------------------------------- 1. quantize


def test_quantize_checker(capsys):
    assert ex.check_quantize(lambda x, k: np.round(x * (k - 1)).astype(int))
    assert ex.check_quantize(
        lambda x, k: np.floor(np.asarray(x, dtype=np.float64) * (k - 1) + 0.5)
    )
    assert ex.check_quantize(
        lambda x, k: torch.round(
            torch.from_numpy(np.array(x)) * (k - 1)
        ).long()
    )
    assert "correct" in capsys.readouterr().out
    cases = {
        "truncated (floor)": lambda x, k: np.floor(x * (k - 1)),
        "you multiplied by K": lambda x, k: np.clip(np.round(x * k), 0, k - 1),
        "you returned intensities again": lambda x, k: (
            np.round(x * (k - 1)) / (k - 1)
        ),
        "unchanged": lambda x, k: x,
        "shape": lambda x, k: np.round(x * (k - 1)).ravel(),
    }
    for message, fn in cases.items():
        assert not ex.check_quantize(fn)
        assert message in capsys.readouterr().out

    def in_place(x, k):
        x *= k - 1
        return np.round(x)

    assert not ex.check_quantize(in_place)
    assert "writes into its input" in capsys.readouterr().out


# ----------------------------------------------------------------------------- 2. bits per dimension


def _bits_np(logits, x):
    z = logits - logits.max(axis=1, keepdims=True)
    lp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n, h, w = x.shape
    picked = np.take_along_axis(lp, x[:, None].astype(int), axis=1)[:, 0]
    return -picked.sum() / (n * h * w * math.log(2))


def _bits_torch(logits, x):
    t = torch.from_numpy(np.array(logits, dtype=np.float64))
    loss = torch.nn.functional.cross_entropy(
        t, torch.from_numpy(np.array(x)).long(), reduction="mean"
    )
    return loss / math.log(2)


def test_bits_per_dim_checker(capsys):
    assert ex.check_bits_per_dim(_bits_np)
    assert ex.check_bits_per_dim(_bits_torch)
    assert ex.check_bits_per_dim(
        lambda lg, x: np.float32(_bits_np(lg.astype(np.float64), x))
    )  # float32 result
    assert "correct" in capsys.readouterr().out
    cases = {
        "nats per dimension": lambda lg, x: _bits_np(lg, x) * math.log(2),
        "bits per image": lambda lg, x: (
            _bits_np(lg, x) * x.shape[1] * x.shape[2]
        ),
        "summed over the images": lambda lg, x: _bits_np(lg, x) * x.shape[0],
        "log-softmax": lambda lg, x: (
            -np.take_along_axis(lg, x[:, None], axis=1).sum()
            / (x.size * math.log(2))
        ),
        "one number": lambda lg, x: np.full(x.shape[0], _bits_np(lg, x)),
    }
    for message, fn in cases.items():
        assert not ex.check_bits_per_dim(fn)
        assert message in capsys.readouterr().out
    assert not ex.check_bits_per_dim(
        lambda lg, x: _bits_np(lg, x) * (1 + 1e-5)
    )
    assert "only precision is off" in capsys.readouterr().out


# ----------------------------------------------------------------------------- 3. masks


def _mask_loops(size, t):
    kh, kw = size
    m = np.zeros((kh, kw))
    for a in range(kh):
        for b in range(kw):
            before = a < kh // 2 or (a == kh // 2 and b < kw // 2)
            m[a, b] = before or (t == "B" and a == kh // 2 and b == kw // 2)
    return m


def test_mask_checker(capsys):
    assert ex.check_mask(lambda size, t: image_mask(size, t))
    assert ex.check_mask(_mask_loops)
    assert ex.check_mask(lambda size, t: _mask_loops(size, t).astype(bool))
    assert "correct" in capsys.readouterr().out
    cases = {
        "mask A hides the centre": lambda size, t: image_mask(
            size, "B" if t == "A" else "A"
        ),
        "mirrored": lambda size, t: image_mask(size, t).numpy()[:, ::-1],
        "whole centre row": lambda size, t: np.vstack(
            [
                np.ones((size[0] // 2 + 1, size[1])),
                np.zeros((size[0] - size[0] // 2 - 1, size[1])),
            ]
        ),
        "rows below the centre": lambda size, t: np.where(
            np.arange(size[0])[:, None] > size[0] // 2,
            1.0,
            image_mask(size, t).numpy(),
        ),
        "swapped": lambda size, t: 1 - image_mask(size, t).numpy(),
        "kernel_size is (rows, columns)": lambda size, t: image_mask(
            size[::-1], t
        ).numpy(),
        "expected (5, 5)": lambda size, t: image_mask(
            (3, 3), t
        ),  # hard-coded for the worked example's size
        "expected\n": lambda size, t: (
            image_mask(size, t) * (0.5 if size == (7, 3) else 1.0)
        ),
    }
    for message, fn in cases.items():
        assert not ex.check_mask(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- 4. sampling


def test_sample_levels_checker(capsys):
    def vectorised(p, u):
        return np.minimum(
            (u[:, None] >= np.cumsum(p, axis=1)).sum(axis=1), p.shape[1] - 1
        )

    def searchsorted_rows(p, u):
        cdf = np.cumsum(np.asarray(p, dtype=np.float64), axis=1)
        return np.minimum(
            np.sum(cdf <= np.asarray(u, dtype=np.float64)[:, None], axis=1),
            p.shape[1] - 1,
        )

    assert ex.check_sample_levels(vectorised)
    assert ex.check_sample_levels(searchsorted_rows)
    assert "correct" in capsys.readouterr().out
    cases = {
        "argmax": lambda p, u: p.argmax(axis=1),
        "one too high": lambda p, u: vectorised(p, u) + 1,
        "probability 0 was drawn": lambda p, u: np.minimum(
            (u[:, None] > np.cumsum(p, axis=1)).sum(axis=1), 10**6
        ),
        "cumulative": lambda p, u: (u[:, None] >= p).sum(axis=1),
        "not probabilities": lambda p, u: p.max(axis=1),
    }
    for message, fn in cases.items():
        assert not ex.check_sample_levels(fn)
        assert message in capsys.readouterr().out

    def looped(p, u):
        out = []
        for row, v in zip(p, u, strict=True):
            out.append(min(int((v >= np.cumsum(row)).sum()), len(row) - 1))
        return np.array(out)

    assert not ex.check_sample_levels(looped)
    assert "no Python loop" in capsys.readouterr().out


# ----------------------------------------------------------------------------- 5. blind spot


def _blind(shape, pixel):
    h, w = shape
    r, c = pixel
    rows, cols = np.indices((h, w))
    return (rows < r) & (cols - c > r - rows)


def test_blind_spot_checker(capsys):
    assert ex.check_blind_spot(_blind)
    assert ex.check_blind_spot(lambda s, p: _blind(s, p).astype(np.int64))
    assert "correct" in capsys.readouterr().out

    def context(shape, pixel):
        past = (
            np.arange(shape[0] * shape[1]) < pixel[0] * shape[1] + pixel[1]
        ).reshape(shape)
        return past & ~_blind(shape, pixel)

    def with_future(shape, pixel):
        past = (
            np.arange(shape[0] * shape[1]) < pixel[0] * shape[1] + pixel[1]
        ).reshape(shape)
        return _blind(shape, pixel) | ~past

    def off_by_one(shape, pixel):
        rows, cols = np.indices(shape)
        return (rows < pixel[0]) & (cols - pixel[1] >= pixel[0] - rows)

    cases = {
        "context": context,
        "the future is not a blind spot": with_future,
        "mask B reads it": off_by_one,
        "return an": lambda s, p: _blind(s, p)[:, :-1],
        "you returned": lambda s, p: np.zeros(s, dtype=bool),
    }
    for message, fn in cases.items():
        assert not ex.check_blind_spot(fn)
        assert message in capsys.readouterr().out
