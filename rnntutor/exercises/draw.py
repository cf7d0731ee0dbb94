"""Checkers for the exercises of Chapter 3c (DRAW: drawing with attention).

1. :func:`check_filterbank`: the Gaussian filterbank matrices ``F_X``, ``F_Y`` (the
   substantial one), against :mod:`rnntutor.reference.draw` at several sizes.
2. :func:`check_read_write`: a glimpse through the filters and a patch written back.
3. :func:`check_kl_gaussian`: the KL divergence of a diagonal Gaussian from ``N(0, I)``.
4. :func:`check_iw_bound`: the importance-weighted bound from log-weights, stably.
5. :func:`check_canvas`: the canvases ``sigmoid(c_t)`` from the write updates, no loop.

Every checker calls the learner's function on several sizes and seeds with read-only
inputs, accepts float32 and float64 answers (and torch tensors), names the common
mistakes, and never raises.
"""

from __future__ import annotations

import math

import numpy as np

from rnntutor.exercises import (
    Verdict,
    as_numpy,
    checker,
    compare_result,
    failed,
    learner_array,
    passed,
    readonly,
    run_learner,
    uses_python_loop,
)
from rnntutor.reference import draw as ref

__all__ = [
    "check_canvas",
    "check_filterbank",
    "check_iw_bound",
    "check_kl_gaussian",
    "check_read_write",
]

# (gX, gY, sigma2, delta, N, H, W): non-square images, grids of 1..5, windows off-centre
_WINDOWS = [
    (4.3, 2.1, 1.7, 1.4, 3, 6, 9),
    (10.0, 3.5, 0.6, 2.3, 5, 8, 17),
    (1.2, 7.9, 2.5, 0.8, 2, 11, 5),
    (6.0, 6.0, 0.9, 1.0, 4, 13, 13),
    (2.0, 3.0, 1.1, 1.0, 1, 7, 4),
]


def _filters_paper_offset(g, delta, sigma2, N, size):
    """The paper's 1-based ``i - N/2 - 0.5`` used with a 0-based ``i``: centres shifted by ``delta``."""
    F = np.zeros((N, size))
    for i in range(N):
        mu = g + (i - N / 2 - 0.5) * delta
        F[i] = np.exp(-((np.arange(size) - mu) ** 2) / (2 * sigma2))
        F[i] /= max(F[i].sum(), ref.EPS)
    return F


def _unnormalised(g, delta, sigma2, N, size):
    mu = g + (np.arange(N) - (N - 1) / 2) * delta
    return np.exp(
        -((np.arange(size)[None, :] - mu[:, None]) ** 2) / (2 * sigma2)
    )


def _pair(got, what_x, what_y, shape_x, shape_y):
    """Read a learner's ``(F_X, F_Y)`` pair; ``(F_X, F_Y, None)`` or ``(None, None, (why, hint))``."""
    got = as_numpy(got)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = type(got).__name__
        return (
            None,
            None,
            (
                f"your function returned a {kind}; expected a pair (F_X, F_Y).",
                "return F_X, F_Y",
            ),
        )
    fx, problem = learner_array(got[0], what_x)
    if problem is not None:
        return None, None, problem
    fy, problem = learner_array(got[1], what_y)
    if problem is not None:
        return None, None, problem
    if fx.shape == shape_y and fy.shape == shape_x and shape_x != shape_y:
        return (
            None,
            None,
            (
                f"F_X has shape {fx.shape} and F_Y {fy.shape}: they are swapped.",
                "F_X runs along the columns (width W), F_Y along the rows (height H).",
            ),
        )
    return fx, fy, None


@checker("Exercise 1: the filterbank matrices")
def check_filterbank(fn) -> Verdict:
    """``fn(gx, gy, sigma2, delta, N, H, W)`` must return ``(F_X (N, W), F_Y (N, H))``, rows summing to 1."""
    name = "Exercise 1: the filterbank matrices"
    for gx, gy, sigma2, delta, N, H, W in _WINDOWS:
        F_X, F_Y = ref.filterbank(gx, gy, sigma2, delta, N, (H, W))
        got, verdict = run_learner(fn, name, gx, gy, sigma2, delta, N, H, W)
        if verdict is not None:
            return verdict
        fx, fy, problem = _pair(
            got,
            f"F_X for N={N}, W={W}",
            f"F_Y for N={N}, H={H}",
            (N, W),
            (N, H),
        )
        if problem is not None:
            return failed(name, *problem)
        for arr, expected, g, size, axis in (
            (fx, F_X, gx, W, "X"),
            (fy, F_Y, gy, H, "Y"),
        ):
            mistakes = [
                (
                    _unnormalised(g, delta, sigma2, N, size),
                    f"F_{axis} is not normalised.",
                    "Divide each row by its sum over the pixels, so that every filter sums to 1.",
                ),
                (
                    _filters_paper_offset(g, delta, sigma2, N, size),
                    f"the filter centres of F_{axis} are shifted by one stride.",
                    "With i = 0..N-1 the centres are g + (i - (N - 1)/2) * delta, symmetric about g.",
                ),
                (
                    ref.filters(g, delta, sigma2 / 2, N, size),
                    f"the Gaussians of F_{axis} are too narrow.",
                    "The exponent is -(a - mu)^2 / (2 sigma2): sigma2 is the variance, keep the 2.",
                ),
                (
                    ref.filters(g, delta, math.sqrt(sigma2), N, size),
                    f"F_{axis} uses the standard deviation where the variance belongs.",
                    "sigma2 is already the variance sigma^2: do not take its square root.",
                ),
                (
                    _unnormalised(g, delta, sigma2, N, size)
                    / np.maximum(
                        _unnormalised(g, delta, sigma2, N, size).sum(
                            axis=0, keepdims=True
                        ),
                        ref.EPS,
                    ),
                    f"F_{axis} is normalised over the filters (columns sum to 1).",
                    "Normalise each filter (each row) over the pixels a.",
                ),
            ]
            if N > 1:
                mistakes.append(
                    (
                        ref.filters(g, delta, sigma2, N, size)[::-1],
                        f"the filters of F_{axis} are in reverse order.",
                        "Filter i = 0 has the smallest centre.",
                    )
                )
            problem = compare_result(
                arr, expected, f"F_{axis} (N={N}, size {size})", mistakes
            )
            if problem is not None:
                return failed(name, *problem)
    return passed(
        name,
        f"matches the reference at {len(_WINDOWS)} sizes (N = 1..5, non-square images).",
    )


@checker("Exercise 2: read and write through the filters")
def check_read_write(read, write=None) -> Verdict:
    """``read(x, F_X, F_Y, gamma)`` -> ``(N, N)`` glimpse; ``write(w, F_X, F_Y, gamma)`` -> ``(H, W)`` canvas update."""
    name = "Exercise 2: read and write through the filters"
    if not callable(write):
        return failed(
            name,
            f"pass both functions: check_read_write(read, write) (got {type(write).__name__}).",
        )
    for seed, (gx, gy, sigma2, delta, N, H, W) in enumerate(_WINDOWS[:4]):
        rng = np.random.default_rng(seed)
        F_X, F_Y = ref.filterbank(gx, gy, sigma2, delta, N, (H, W))
        gamma = float(rng.uniform(0.5, 2.0))
        x = rng.random((H, W))
        w = rng.normal(size=(N, N))
        if seed % 2:
            x, w, F_X, F_Y = (a.astype(np.float32) for a in (x, w, F_X, F_Y))
        x, w, F_X, F_Y = readonly(x, w, F_X, F_Y)
        x64, w64, fx, fy = (a.astype(np.float64) for a in (x, w, F_X, F_Y))
        glimpse = gamma * fy @ x64 @ fx.T
        got, verdict = run_learner(read, name, x, F_X, F_Y, gamma)
        if verdict is not None:
            return verdict
        mistakes = [
            (
                fy @ x64 @ fx.T,
                "read: the glimpse is missing the intensity gamma.",
                "Multiply by gamma.",
            ),
            (
                fy @ x64 @ fx.T / gamma,
                "read: you divided by gamma.",
                "The glimpse is gamma * F_Y x F_X^T.",
            ),
            (
                glimpse.T,
                "read: the glimpse is transposed.",
                "Rows of the glimpse come from F_Y: F_Y @ x @ F_X.T.",
            ),
        ]
        problem = compare_result(
            got, glimpse, f"the glimpse (N={N}, image {H}x{W})", mistakes
        )
        if problem is not None:
            return failed(name, *problem)
        update = fy.T @ w64 @ fx / gamma
        got, verdict = run_learner(write, name, w, F_X, F_Y, gamma)
        if verdict is not None:
            return verdict
        mistakes = [
            (
                fy.T @ w64 @ fx * gamma,
                "write: you multiplied by gamma.",
                "Writing divides by gamma: (1/gamma) F_Y^T w F_X.",
            ),
            (
                fy.T @ w64 @ fx,
                "write: the 1/gamma factor is missing.",
                "Divide by gamma.",
            ),
            (
                fy.T @ w64.T @ fx / gamma,
                "write: the patch w is transposed.",
                "Use w as given: F_Y.T @ w @ F_X.",
            ),
        ]
        problem = compare_result(
            got, update, f"the canvas update (N={N}, image {H}x{W})", mistakes
        )
        if problem is not None:
            return failed(name, *problem)
    return passed(
        name, "glimpses and patches match at four sizes, float32 and float64."
    )


@checker("Exercise 3: KL of the latent step")
def check_kl_gaussian(fn) -> Verdict:
    """``fn(mu, log_s)`` (both ``(n, Z)``) must return ``KL(N(mu, s^2) || N(0, I))`` per row, ``(n,)``."""
    name = "Exercise 3: KL of the latent step"
    for seed, (n, Z) in enumerate([(4, 3), (2, 7), (5, 1)]):
        rng = np.random.default_rng(seed + 10)
        mu = rng.normal(size=(n, Z))
        log_s = rng.normal(size=(n, Z)) * 0.7
        if seed == 1:
            mu, log_s = mu.astype(np.float32), log_s.astype(np.float32)
        mu, log_s = readonly(mu, log_s)
        m, ls = mu.astype(np.float64), log_s.astype(np.float64)
        terms = 0.5 * (m**2 + np.exp(2 * ls) - 2 * ls - 1)  # (n, Z)
        got, verdict = run_learner(fn, name, mu, log_s)
        if verdict is not None:
            return verdict
        arr = as_numpy(got)
        if isinstance(arr, np.ndarray) and arr.shape == (n, Z) and Z > 1:
            return failed(
                name,
                f"you returned one KL per latent unit, shape {(n, Z)}.",
                "Sum over the Z units.",
            )
        mistakes = [
            (
                0.5 * (m**2 + np.exp(ls) - ls - 1).sum(1),
                "you treated log_s as the log-variance.",
                "log_s is log s (the standard deviation): s^2 = exp(2 log_s).",
            ),
            (
                (m**2 + np.exp(2 * ls) - 2 * ls - 1).sum(1),
                "the factor 1/2 is missing.",
                "",
            ),
            (
                terms.mean(1),
                "you averaged over the latent units.",
                "The KL of independent units is their sum.",
            ),
            (
                0.5 * (m**2 + np.exp(2 * ls) - 2 * ls).sum(1),
                "the -1 of each unit is missing.",
                "",
            ),
        ]
        problem = compare_result(
            got, terms.sum(1), f"the KL for n={n}, Z={Z}", mistakes
        )
        if problem is not None:
            return failed(name, *problem)
    return passed(name)


def _log_mean_exp(log_w: np.ndarray) -> np.ndarray:
    top = log_w.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(log_w - top).mean(axis=1, keepdims=True)))[
        :, 0
    ]


@checker("Exercise 4: the importance-weighted bound")
def check_iw_bound(fn) -> Verdict:
    """``fn(log_w (n, k))`` must return ``log (1/k) sum_s exp(log_w[:, s])`` ``(n,)``, without overflow."""
    name = "Exercise 4: the importance-weighted bound"
    cases = [(3, 5, -80.0), (2, 100, -300.0), (4, 1, -20.0), (1, 17, -1200.0)]
    for seed, (n, k, centre) in enumerate(cases):
        rng = np.random.default_rng(seed + 20)
        log_w = centre + rng.normal(size=(n, k)) * 3
        if seed == 2:
            log_w = log_w.astype(np.float32)
        (log_w,) = readonly(log_w)
        lw = log_w.astype(np.float64)
        expected = _log_mean_exp(lw)
        got, verdict = run_learner(fn, name, log_w)
        if verdict is not None:
            return verdict
        arr, problem = learner_array(got, f"the bound for n={n}, k={k}")
        if (
            problem is not None
            and centre < -700
            and isinstance(as_numpy(got), np.ndarray)
        ):
            return failed(
                name,
                f"with log-weights near {centre:.0f} your result is not finite: exp underflows to 0.",
                "Subtract the largest log-weight of each row before exponentiating (log-sum-exp).",
            )
        top = lw.max(axis=1)
        mistakes = [
            (
                lw.mean(1),
                "you averaged the log-weights: that is the ELBO estimate, not the bound.",
                "",
            ),
            (expected + math.log(k), "you forgot the 1/k: subtract log k.", "")
            if k > 1
            else None,
            (
                top,
                "you kept only the largest log-weight.",
                "Sum all the weights, shifted by the largest one.",
            ),
        ]
        mistakes = [m for m in mistakes if m is not None]
        problem = compare_result(
            got, expected, f"the bound for n={n}, k={k}", mistakes
        )
        if problem is not None:
            return failed(name, *problem)
    return passed(name, "stable even for log-weights near -1200.")


@checker("Exercise 5: canvases from the write updates")
def check_canvas(fn) -> Verdict:
    """``fn(updates (n, T, H, W))`` must return ``sigmoid(c_t)`` for ``t = 1..T``, ``(n, T, H, W)``, without a loop."""
    name = "Exercise 5: canvases from the write updates"
    if uses_python_loop(fn):
        return failed(
            name,
            "your function uses a Python loop or comprehension.",
            "Use a cumulative sum over axis 1.",
        )
    for seed, shape in enumerate([(2, 4, 3, 5), (1, 7, 6, 2), (3, 1, 4, 4)]):
        rng = np.random.default_rng(seed + 30)
        updates = rng.normal(size=shape)
        if seed == 1:
            updates = updates.astype(np.float32)
        (updates,) = readonly(updates)
        u = updates.astype(np.float64)
        expected = 1 / (1 + np.exp(-np.cumsum(u, axis=1)))
        got, verdict = run_learner(fn, name, updates)
        if verdict is not None:
            return verdict
        sig = 1 / (1 + np.exp(-u))
        mistakes = [
            (
                np.cumsum(sig, axis=1),
                "you summed the sigmoids: the canvas adds logits, then squashes.",
                "",
            ),
            (
                sig,
                "each canvas shows only its own update.",
                "The canvas accumulates: c_t = c_{t-1} + update_t.",
            ),
            (
                np.cumsum(u, axis=1),
                "the sigmoid is missing: return probabilities.",
                "",
            ),
            (
                1 / (1 + np.exp(-np.cumsum(u, axis=-1))),
                "you accumulated over the wrong axis.",
                "Steps are axis 1 of (n, T, H, W).",
            ),
        ]
        problem = compare_result(
            got, expected, f"the canvases for shape {shape}", mistakes
        )
        if problem is not None:
            return failed(name, *problem)
    return passed(name)
