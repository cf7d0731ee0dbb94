"""Checkers for Chapter 5 (Challenges): global-norm clipping, the copy-task baseline, a linear scan.

Each checker runs the learner's function on test problems, compares it with an answer
computed here and recognises the usual mistakes (per-tensor clipping, log base 2,
an off-by-one in the scan).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rnntutor.exercises import Verdict, compare_arrays, failed, passed, run_learner

__all__ = ["check_clip_global_norm", "check_copy_baseline", "check_linear_recurrence"]


# ----------------------------------------------------------------------------- 1. clipping


def _clip_reference(grads: list[np.ndarray], max_norm: float) -> list[np.ndarray]:
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    scale = min(1.0, max_norm / (norm + 1e-12))
    return [g * scale for g in grads]


def check_clip_global_norm(fn: Callable) -> Verdict:
    """Check ``fn(grads, max_norm) -> list of arrays``: clip a list of gradients by their *global* norm.

    Expected: if ``‖g‖ = sqrt(Σ_p ‖g_p‖²) > max_norm``, every ``g_p`` is multiplied by
    ``max_norm / ‖g‖``; otherwise the gradients are returned unchanged. The inputs must not be modified.
    """
    exercise = "Global-norm clipping"
    rng = np.random.default_rng(0)
    cases = [
        ([rng.normal(size=(3, 4)) * 5, rng.normal(size=(4,)), rng.normal(size=(2, 2)) * 0.1], 1.0),
        ([rng.normal(size=(2, 3)) * 0.01, rng.normal(size=(3,)) * 0.01], 1.0),  # already small
    ]
    for grads, max_norm in cases:
        originals = [g.copy() for g in grads]
        got, verdict = run_learner(fn, exercise, grads, max_norm)
        if verdict is not None:
            return verdict
        if got is None:
            return failed(exercise, "your function returned None.", "Return the list of clipped arrays.")
        if any(not np.array_equal(g, o) for g, o in zip(grads, originals, strict=True)):
            return failed(exercise, "your function modified the input arrays in place.", "Build new arrays: g * scale.")
        got = list(got)
        expected = _clip_reference(originals, max_norm)
        if len(got) != len(expected):
            return failed(exercise, f"you returned {len(got)} arrays for {len(expected)} gradients.")
        per_tensor = [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-12)) for g in originals]
        always = [g * max_norm / math.sqrt(sum(float(np.sum(h**2)) for h in originals)) for g in originals]
        for k, (g, e) in enumerate(zip(got, expected, strict=True)):
            reason = compare_arrays(g, e, f"gradient {k}", atol=1e-9)
            if reason is None:
                continue
            if all(np.allclose(a, b) for a, b in zip(got, per_tensor, strict=True)):
                return failed(
                    exercise,
                    "you clipped each gradient by its own norm; that changes the direction of the update.",
                    "Compute one norm over all gradients together: sqrt(sum of all squared entries).",
                )
            if all(np.allclose(a, b) for a, b in zip(got, always, strict=True)):
                return failed(
                    exercise,
                    "you rescaled gradients whose norm was already below max_norm (you scaled them *up*).",
                    "Only rescale when the global norm exceeds max_norm: scale = min(1, max_norm / norm).",
                )
            return failed(exercise, reason)
    return passed(exercise, "The update keeps its direction and its length is at most max_norm.")


# ----------------------------------------------------------------------------- 2. copy baseline


def check_copy_baseline(fn: Callable) -> Verdict:
    """Check ``fn(T, copy_length, n_symbols) -> float``: the memoryless cross-entropy per step (nats)."""
    exercise = "Copy-task baseline"
    for T, K, S in ((100, 10, 8), (30, 5, 4), (7, 3, 16)):
        got, verdict = run_learner(fn, exercise, T, K, S)
        if verdict is not None:
            return verdict
        try:
            got = float(got)
        except (TypeError, ValueError):
            return failed(exercise, f"your function returned {type(got).__name__}, expected a number.")
        expected = K * math.log(S) / (T + 2 * K)
        if math.isclose(got, expected, rel_tol=1e-9):
            continue
        gap_hint = "The sequence has K symbols, a gap of T steps (T-1 blanks, the delimiter) and K output steps."
        wrong = [
            (K * math.log2(S) / (T + 2 * K), "you used log base 2 (bits); PyTorch's cross-entropy is in nats.",
             "Use math.log (natural logarithm)."),
            (K * math.log(S), "you returned the total over the sequence, not the mean per step.",
             "Divide by the number of steps, T + 2K."),
            (K * math.log(S) / (T + K), "your denominator misses some steps.", gap_hint + " That is T + 2K."),
            (math.log(S + 2), "you assumed a uniform guess at every step.",
             "Blanks are predictable without memory: only the K recalled symbols cost ln S each."),
        ]  # fmt: skip
        for value, why, hint in wrong:
            if math.isclose(got, value, rel_tol=1e-9):
                return failed(exercise, why, hint)
        return failed(exercise, f"for T={T}, K={K}, S={S} you returned {got:.6g}, expected {expected:.6g}.")
    return passed(exercise, "For T = 100 this is 10 ln 8 / 120 ≈ 0.173 nats per step.")


# ----------------------------------------------------------------------------- 3. linear recurrence


def _loop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    h, out = np.zeros_like(b[0]), []
    for t in range(len(a)):
        h = a[t] * h + b[t]
        out.append(h)
    return np.array(out)


def check_linear_recurrence(fn: Callable) -> Verdict:
    """Check ``fn(a, b) -> h``: ``h_t = a_t h_{t-1} + b_t`` (``h_0 = 0``) for positive ``a, b (T, H)``.

    Any correct vectorised method passes; a Python loop over ``t`` also passes the values
    (the exercise asks for cumulative sums/products, see the solution).
    """
    exercise = "Linear recurrence as a scan"
    rng = np.random.default_rng(1)
    a = rng.uniform(0.5, 1.0, size=(12, 3))
    b = rng.uniform(0.1, 1.0, size=(12, 3))
    got, verdict = run_learner(fn, exercise, a.copy(), b.copy())
    if verdict is not None:
        return verdict
    if got is None:
        return failed(exercise, "your function returned None.", "Return h of shape (T, H).")
    expected = _loop(a, b)
    reason = compare_arrays(got, expected, "h", atol=1e-9)
    if reason is None:
        return passed(exercise, "h_t = A_t · cumsum(b_k / A_k) with A_t = cumprod(a)_t.")
    got = np.asarray(got)
    A = np.cumprod(a, axis=0)
    off_by_one = A * np.cumsum(b / np.concatenate([np.ones((1, 3)), A[:-1]]), axis=0)  # divides by A_{k-1}
    if got.shape == expected.shape and np.allclose(got, off_by_one):
        return failed(
            exercise,
            "off by one: b_k must be multiplied by a_{k+1} ... a_t, not by a_k ... a_t.",
            "With A_t = a_1 ... a_t, the factor is A_t / A_k (divide by A_k, not by A_{k-1}).",
        )
    if got.shape == expected.shape and np.allclose(got, np.cumsum(b, axis=0)):
        return failed(exercise, "the decays a_t are missing: you returned cumsum(b).", "Multiply by A_t / A_k.")
    return failed(exercise, reason)
