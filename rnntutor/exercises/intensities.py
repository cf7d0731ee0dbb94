"""Checkers for the exercises of Chapter 3b (pixels with intensities, PixelCNN).

1. :func:`check_quantize`: intensities in ``[0, 1]`` -> integer levels ``0..K-1``.
2. :func:`check_bits_per_dim`: the exact NLL of a categorical model in bits per dimension.
3. :func:`check_mask`: the 2-D masks A and B of a masked convolution, at several sizes.
4. :func:`check_sample_levels`: drawing levels from a softmax by inverting its CDF.
5. :func:`check_blind_spot`: which past pixels a deep PixelCNN cannot see.

Every checker calls the learner's function on several sizes and seeds, compares with the
package's answer, names the common mistakes, and never raises.
"""

from __future__ import annotations

import functools
import inspect
import math
import re

import numpy as np
import torch

from rnntutor.exercises import (
    LearnerError,
    Verdict,
    as_numpy,
    call_learner,
    failed,
    passed,
    run_learner,
)

__all__ = [
    "check_bits_per_dim",
    "check_blind_spot",
    "check_mask",
    "check_quantize",
    "check_sample_levels",
]


def _numeric(got, what: str):
    """``(array, None)`` for a numeric array-like, else ``(None, reason)``; never raises."""
    got = as_numpy(got)
    if got is None:
        return (
            None,
            "your function returned None. Did you forget the `return` statement?",
        )
    if isinstance(got, (str, bytes, dict)):
        return (
            None,
            f"{what} should be a numeric array, got {type(got).__name__}",
        )
    try:
        arr = np.asarray(got)
    except Exception:  # ragged lists and other oddities
        return (
            None,
            f"{what} should be a numeric array, got {type(got).__name__} that NumPy cannot read as one",
        )
    if arr.dtype.kind not in "biuf":
        return None, f"{what} should be a numeric array, got dtype {arr.dtype}"
    return arr, None


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


# ----------------------------------------------------------------------------- 1. quantisation


def check_quantize(fn) -> Verdict:
    """``fn(images, levels)`` must return the integer levels ``round(images * (levels - 1))`` (int or float dtype)."""
    from rnntutor.data import quantize

    name = "quantize to K levels"
    for seed, shape, k in (
        (0, (3, 5, 7), 17),
        (1, (2, 4, 6), 256),
        (2, (4, 3, 3), 5),
    ):
        rng = np.random.default_rng(seed)
        x = rng.random(shape).astype(np.float32)
        x[0, 0, 0], x[-1, -1, -1] = 0.0, 1.0
        expected = quantize(x, k)
        try:
            got = call_learner(fn, _readonly(x), k)
        except LearnerError as exc:
            if "read-only" in str(exc):
                return failed(
                    name,
                    "your function writes into its input",
                    "Compute a new array; leave images as is.",
                )
            return failed(name, str(exc))
        arr, why = _numeric(got, f"quantize(images, {k})")
        if why:
            return failed(name, why)
        if arr.shape != expected.shape:
            return failed(
                name,
                f"for images of shape {shape} you returned shape {arr.shape}, expected {shape}",
            )
        if np.array_equal(arr, expected):
            continue
        xd = x.astype(np.float64)
        mistakes = [
            (
                np.floor(xd * (k - 1)),
                "you truncated (floor) instead of rounding to the nearest level",
            ),
            (
                np.clip(np.round(xd * k), 0, k - 1),
                "you multiplied by K: intensity 1 is level K - 1, so use K - 1",
            ),
            (
                np.clip(np.floor(xd * k), 0, k - 1),
                "you multiplied by K and truncated: intensity 1 is level K - 1",
            ),
            (
                np.round(xd * (k - 1)) / (k - 1),
                "you returned intensities again: return the integer levels 0..K-1",
            ),
            (xd, "you returned the images unchanged"),
        ]
        for wrong, why in mistakes:
            if arr.shape == wrong.shape and np.allclose(
                arr.astype(np.float64), wrong, atol=1e-6
            ):
                return failed(name, why)
        bad = int(np.sum(arr != expected))
        return failed(
            name,
            f"{bad} of {expected.size} levels differ for K = {k}",
            "Level = round(x * (K - 1)).",
        )
    return passed(name)


# ----------------------------------------------------------------------------- 2. bits per dimension


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def check_bits_per_dim(fn) -> Verdict:
    """``fn(logits (N, K, H, W), x (N, H, W) levels)`` must return the mean NLL in bits per pixel (a number)."""
    name = "categorical NLL in bits per dimension"
    for seed, (n, k, h, w), dtype in (
        (0, (4, 17, 3, 5), np.float64),
        (1, (3, 256, 4, 2), np.float32),
    ):
        rng = np.random.default_rng(seed)
        logits = (rng.standard_normal((n, k, h, w)) * 2).astype(dtype)
        x = rng.integers(0, k, size=(n, h, w))
        lp = _log_softmax(logits.astype(np.float64))
        idx = np.indices(x.shape)
        picked = lp[idx[0], x, idx[1], idx[2]]  # (N, H, W)
        d = h * w
        expected = -picked.sum(axis=(1, 2)).mean() / (d * math.log(2))
        got, verdict = run_learner(fn, name, _readonly(logits), _readonly(x))
        if verdict is not None:
            return verdict
        arr, why = _numeric(got, "the result")
        if why:
            return failed(name, why)
        if arr.size != 1:
            hint = (
                "Average over the images too."
                if arr.shape == (n,)
                else "Sum over pixels, average over images."
            )
            return failed(
                name,
                f"return one number, got an array of shape {arr.shape}",
                hint,
            )
        value = float(arr.reshape(()))
        tol = 1e-4 if arr.dtype == np.float32 or dtype == np.float32 else 1e-9
        if math.isfinite(value) and abs(value - expected) <= tol * max(
            1.0, abs(expected)
        ):
            continue
        raw = logits.astype(np.float64)[idx[0], x, idx[1], idx[2]]
        mistakes = [
            (
                expected * math.log(2),
                "that is nats per dimension: divide by ln 2 to get bits",
            ),
            (
                expected * d,
                "that is bits per image: divide by the number of pixels H * W",
            ),
            (
                expected * n,
                "you summed over the images: take the mean over images",
            ),
            (
                -raw.sum(axis=(1, 2)).mean() / (d * math.log(2)),
                "the logits are not log-probabilities: log-softmax",
            ),
            (
                -np.log2(np.exp(lp).max(axis=1)).sum(axis=(1, 2)).mean() / d,
                "you scored the most likely level",
            ),
        ]
        for wrong, why in mistakes:
            if math.isfinite(value) and abs(value - wrong) <= 1e-3 * max(
                1.0, abs(wrong)
            ):
                return failed(name, why)
        if math.isfinite(value) and abs(value - expected) <= 1e-3 * max(
            1.0, abs(expected)
        ):
            return failed(
                name,
                f"{value!r} is close to {expected:.6f} but not within {tol:g}: only precision is off",
                "Compute the log-softmax stably (subtract the max) and in float64.",
            )
        return failed(
            name,
            f"for logits {logits.shape} you returned {value!r}, expected {expected:.6f}",
        )
    return passed(name, "Uniform guessing costs log2 K.")


# ----------------------------------------------------------------------------- 3. masks A and B


def check_mask(fn) -> Verdict:
    """``fn((kh, kw), mask_type)`` must return :func:`rnntutor.generation.image_mask` as a 0/1 array."""
    from rnntutor.generation import image_mask

    name = "masks A and B"
    for size in (
        (3, 3),
        (5, 5),
        (1, 1),
        (3, 5),
        (5, 3),
        (1, 5),
        (7, 3),
        (7, 7),
    ):
        for t in ("A", "B"):
            expected = image_mask(size, t).numpy()
            got, verdict = run_learner(fn, name, size, t)
            if verdict is not None:
                return verdict
            arr, why = _numeric(got, f"mask({size}, {t!r})")
            if why:
                return failed(name, why)
            if arr.shape != expected.shape:
                hint = (
                    "kernel_size is (rows, columns)."
                    if arr.shape == expected.shape[::-1]
                    else ""
                )
                return failed(
                    name,
                    f"mask({size}, {t!r}) has shape {arr.shape}, expected {size}",
                    hint,
                )
            if np.array_equal(arr.astype(np.float64), expected):
                continue
            other = image_mask(size, "B" if t == "A" else "A").numpy()
            kh, kw = size
            centre_row = expected.copy()
            centre_row[kh // 2] = 1.0
            with_below = expected.copy()
            with_below[kh // 2 + 1 :] = 1.0
            mistakes = [
                (
                    other,
                    "mask A hides the centre (a pixel may not see itself); mask B keeps it",
                ),
                (
                    expected[:, ::-1],
                    "your mask is mirrored: in the centre row keep the taps on the LEFT",
                ),
                (
                    centre_row,
                    "the whole centre row is kept: the taps right of the centre are future pixels",
                ),
                (
                    with_below,
                    "the rows below the centre are future pixels: zero them",
                ),
                (
                    1.0 - expected,
                    "your zeros and ones are swapped: 1 means the tap is kept",
                ),
            ]
            for wrong, why in mistakes:
                if np.array_equal(arr.astype(np.float64), wrong):
                    return failed(name, f"mask({size}, {t!r}): {why}")
            return failed(
                name, f"mask({size}, {t!r}) is\n{arr}\n   expected\n{expected}"
            )
    return passed(name, "Every size, both types.")


# ----------------------------------------------------------------------------- 4. sampling a level


def _uses_python_loop(fn) -> bool:
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    body = src.split(":", 1)[1] if src.lstrip().startswith("def") else src
    return re.search(r"\bfor\b|\bwhile\b", body) is not None


def check_sample_levels(fn) -> Verdict:
    """``fn(probs (N, K), u (N,))`` must return, per row, the level ``k`` with ``P(< k) <= u < P(<= k)``."""
    name = "sample a level by inverting the CDF"
    for seed, (n, k), dtype in (
        (0, (500, 17), np.float64),
        (1, (300, 256), np.float32),
        (2, (7, 3), np.float64),
    ):
        rng = np.random.default_rng(seed)
        probs = rng.dirichlet(np.full(k, 0.3), size=n)
        probs[0] = 0.0
        probs[0, k // 2 :] = 1.0 / (
            k - k // 2
        )  # the first levels of row 0 have probability 0
        probs = probs.astype(dtype)
        u = rng.random(n).astype(dtype)
        u[0] = 0.0
        cdf = np.cumsum(probs.astype(np.float64), axis=1)
        expected = np.minimum(
            (u.astype(np.float64)[:, None] >= cdf).sum(axis=1), k - 1
        )
        got, verdict = run_learner(fn, name, _readonly(probs), _readonly(u))
        if verdict is not None:
            return verdict
        arr, why = _numeric(got, "the levels")
        if why:
            return failed(name, why)
        if arr.shape != (n,):
            return failed(
                name,
                f"return one level per row, shape ({n},); got shape {arr.shape}",
            )
        if np.array_equal(arr.astype(np.float64), expected):
            continue
        if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
            return failed(
                name, "return integer levels 0..K-1, not probabilities"
            )
        mistakes = [
            (
                probs.argmax(axis=1),
                "that is the most likely level (argmax), not a random draw",
            ),
            (expected + 1, "levels are numbered from 0: you are one too high"),
            (
                np.minimum((u[:, None] > cdf).sum(axis=1), k - 1),
                "a level with probability 0 was drawn: use >=",
            ),
            (
                (u[:, None] >= probs).sum(axis=1),
                "compare u with the cumulative probabilities (np.cumsum)",
            ),
        ]
        for wrong, why in mistakes:
            if np.array_equal(
                arr.astype(np.float64), np.asarray(wrong, dtype=np.float64)
            ):
                return failed(name, why)
        bad = int(np.sum(arr != expected))
        return failed(
            name,
            f"{bad} of {n} draws differ",
            "Count the levels whose cumulative probability is <= u.",
        )
    if _uses_python_loop(fn):
        return failed(
            name,
            "the results are right, but the exercise asks for no Python loop",
            "Use np.cumsum.",
        )
    return passed(name, "Same uniforms, same levels.")


# ----------------------------------------------------------------------------- 5. the blind spot


@functools.lru_cache(maxsize=8)
def _blind_spot(h: int, w: int, r: int, c: int) -> np.ndarray:
    """Measured: the past pixels that a deep PixelCNN (3x3 masks) does not see from ``(r, c)``.

    ``max(h, w) + 1`` layers reach every pixel that the masks allow; the weights are seeded
    (with a small random perturbation, so that no weight is exactly zero).
    """
    from rnntutor.generation import PixelCNN, dependency_matrix

    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = PixelCNN(
            (h, w), channels=4, num_layers=max(h, w) + 1, in_kernel=3, kernel=3
        ).eval()
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.05 * torch.randn(p.shape, generator=g))
    seen = dependency_matrix(model)[r * w + c].reshape(h, w)
    past = (np.arange(h * w) < r * w + c).reshape(h, w)
    return past & ~seen


def check_blind_spot(fn) -> Verdict:
    """``fn((H, W), (r, c))`` must return the ``(H, W)`` bool map of the past pixels a deep PixelCNN cannot see."""
    name = "the PixelCNN's blind spot"
    for (h, w), (r, c) in (
        ((6, 9), (4, 3)),
        ((7, 5), (5, 1)),
        ((5, 8), (2, 6)),
        ((9, 7), (8, 0)),
    ):
        expected = _blind_spot(h, w, r, c)
        got, verdict = run_learner(fn, name, (h, w), (r, c))
        if verdict is not None:
            return verdict
        arr, why = _numeric(got, "the blind spot")
        if why:
            return failed(name, why)
        if arr.shape != (h, w):
            return failed(
                name,
                f"for a {h}x{w} image return an ({h}, {w}) map, got shape {arr.shape}",
            )
        if np.array_equal(arr.astype(bool), expected) and np.all(
            (arr == 0) | (arr == 1)
        ):
            continue
        past = (np.arange(h * w) < r * w + c).reshape(h, w)
        got_b = arr.astype(bool)
        rows, cols = np.indices((h, w))
        mistakes = [
            (
                past & ~expected,
                "that is what the model sees (its context), not what it misses",
            ),
            (
                expected | ~past,
                "only pixels before (r, c) in raster order count: the future is not a blind spot",
            ),
            (
                past & (rows < r) & (cols - c >= r - rows),
                "the pixel up-right of the target is seen: mask B reads it",
            ),
        ]
        for wrong, why in mistakes:
            if np.array_equal(got_b, wrong):
                return failed(name, f"{h}x{w} image, pixel {(r, c)}: {why}")
        return failed(
            name,
            f"{h}x{w} image, pixel {(r, c)}: you returned\n{got_b.astype(int)}\n   expected\n{expected.astype(int)}",
        )
    return passed(name, "No depth fills it.")
