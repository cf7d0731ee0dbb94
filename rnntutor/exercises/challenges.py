"""Checkers for Chapter 5 (Challenges).

Exercises: global-norm clipping of a list of gradients, the copy task's memoryless
baseline (uniform and with symbol frequencies), how many steps the Pascanu bound takes to
vanish, a linear recurrence without a Python loop, and a training loop that clips the
gradient and survives where the same loop without clipping diverges.

Every checker runs the learner's function on several sizes and seeds with read-only
inputs, compares with an answer computed here, names the usual mistakes (per-tensor
clipping, clip-by-value, log base 2, an off-by-one in the scan, a missing ``zero_grad``)
and never raises.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from rnntutor.exercises import (
    TOL32,
    LearnerError,
    Verdict,
    as_numpy,
    call_learner,
    checker,
    compare_result,
    failed,
    learner_array,
    learner_number,
    passed,
    readonly,
    run_learner,
    uses_python_loop,
)

__all__ = [
    "check_clip_global_norm",
    "check_clipped_training",
    "check_copy_baseline",
    "check_copy_baseline_freqs",
    "check_linear_recurrence",
    "check_vanishing_lag",
]


# ----------------------------------------------------------------------------- 1. clipping


def _global_norm(grads) -> float:
    return math.sqrt(
        sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in grads)
    )


def _clip_reference(
    grads: list[np.ndarray], max_norm: float
) -> list[np.ndarray]:
    norm = _global_norm(grads)
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [g * scale for g in grads]


def _clip_mistakes(
    grads: list[np.ndarray], max_norm: float
) -> list[tuple[list[np.ndarray], str, str]]:
    """Whole-list wrong answers with their explanation."""
    norm = _global_norm(grads)
    out = [
        (
            [
                g * min(1.0, max_norm / max(float(np.linalg.norm(g)), 1e-300))
                for g in grads
            ],
            "you clipped each gradient by its own norm; that changes the direction of the update.",
            "Compute one norm over all gradients together: sqrt of the sum of all squared entries.",
        ),
        (
            [np.clip(g, -max_norm, max_norm) for g in grads],
            "you clipped each entry to [-max_norm, max_norm] (clipping by value); that changes the direction.",
            "Rescale all gradients by one factor, min(1, max_norm / global_norm).",
        ),
    ]
    if norm > 0:
        out += [
            (
                [g * max_norm / norm for g in grads],
                "you rescaled gradients whose global norm was already below max_norm (you scaled them *up*).",
                "Only rescale when the global norm exceeds max_norm: scale = min(1, max_norm / norm).",
            ),
            (
                [g * min(1.0, max_norm / norm**2) for g in grads],
                "your norm is the sum of squares without the square root.",
                "global_norm = sqrt(sum over all arrays of sum(g**2)).",
            ),
            (
                [g * norm / max_norm for g in grads],
                "your scale factor is upside down: use max_norm / norm.",
                "",
            ),
        ]
        n_entries = sum(np.size(g) for g in grads)
        mean_norm = math.sqrt(norm**2 / n_entries)
        out.append(
            (
                [g * min(1.0, max_norm / mean_norm) for g in grads],
                "your norm is a root-MEAN-square; the global norm sums the squares (no division).",
                "",
            )
        )
    return out


def _clip_cases():
    rng = np.random.default_rng(0)
    return [
        (
            [
                rng.normal(size=(3, 4)) * 5,
                rng.normal(size=(4,)),
                rng.normal(size=(2, 2)) * 0.1,
            ],
            1.0,
        ),
        ([rng.normal(size=(5,)) * 0.2, rng.normal(size=(2, 3, 2)) * 3], 2.5),
        (
            [rng.normal(size=(2, 3)) * 0.01, rng.normal(size=(3,)) * 0.01],
            1.0,
        ),  # already small
        ([rng.normal(size=(7, 2)) * 4], 0.5),  # a single array
        ([np.zeros((2, 2)), np.zeros(3)], 1.0),  # all-zero gradients: norm 0
    ]


@checker("Global-norm clipping")
def check_clip_global_norm(fn: Callable) -> Verdict:
    """Check ``fn(grads, max_norm) -> list of arrays``: clip a list of gradients by their *global* norm.

    Equations::

        ‖g‖ = sqrt(Σ_p ‖g_p‖²);   g_p ← g_p · min(1, max_norm / ‖g‖)

    Gradients whose global norm is at most ``max_norm`` (all-zero ones included) come back
    unchanged; the inputs (read-only arrays in a list) must not be modified, and a new list
    is returned. ``torch.nn.utils.clip_grad_norm_`` (which adds 1e-6 to the norm) passes.
    """
    exercise = "Global-norm clipping"
    for grads, max_norm in _clip_cases():
        originals = [g.copy() for g in grads]
        inputs = list(readonly(*grads))
        given = list(inputs)
        zero = _global_norm(grads) == 0
        zero_why = "with all-zero gradients (norm 0) your function divided by the zero norm."
        zero_hint = "Only rescale when the norm exceeds max_norm: if norm > max_norm: scale = max_norm / norm."
        try:
            got = call_learner(fn, given, max_norm)
        except LearnerError as exc:
            if zero and "ZeroDivision" in str(exc):
                return failed(exercise, zero_why, zero_hint)
            return failed(exercise, str(exc))
        if len(given) != len(inputs) or any(
            a is not b for a, b in zip(given, inputs, strict=False)
        ):
            return failed(
                exercise,
                "your function changed the list it was given.",
                "Build and return a new list.",
            )
        if got is given:
            return failed(
                exercise,
                "your function returned the list it was given; return a new list.",
                "",
            )
        got = as_numpy(got)
        if (
            isinstance(got, np.ndarray)
            and got.ndim == 0
            or isinstance(got, (int, float))
        ):
            return failed(
                exercise,
                f"your function returned a single number ({float(got):.4g}), not the list of clipped arrays.",
                "Return [g * scale for g in grads], not the scale factor or the norm.",
            )
        if not isinstance(got, (list, tuple)):
            return failed(
                exercise,
                f"your function returned a {type(got).__name__}; expected a list of arrays.",
            )
        if len(got) != len(grads):
            return failed(
                exercise,
                f"you returned {len(got)} arrays for {len(grads)} gradients.",
            )
        expected = _clip_reference(originals, max_norm)
        arrays = []
        for k, (g, e) in enumerate(zip(got, expected, strict=True)):
            arr, problem = learner_array(g, f"gradient {k}", e.shape)
            if problem is not None:
                if zero and "NaN" in problem[0]:
                    return failed(
                        exercise, zero_why + " (0 * inf = NaN)", zero_hint
                    )
                return failed(exercise, *problem)
            arrays.append(arr)
        # clip_grad_norm_ divides by norm + 1e-6: allow a relative difference of that size
        tol64 = (1e-10, 1e-6)
        if all(
            compare_result(a, e, "g", tol64=tol64) is None
            for a, e in zip(arrays, expected, strict=True)
        ):
            continue
        if all(
            np.allclose(a, o) for a, o in zip(arrays, originals, strict=True)
        ):
            return failed(
                exercise,
                f"you returned the gradients unchanged although their global norm {_global_norm(grads):.3g} "
                f"exceeds max_norm = {max_norm}.",
                "",
            )
        for wrong, why, hint in _clip_mistakes(originals, max_norm):
            if all(
                compare_result(a, w, "g", tol64=tol64) is None
                for a, w in zip(arrays, wrong, strict=True)
            ):
                return failed(exercise, why, hint)
        for k, (a, e) in enumerate(zip(arrays, expected, strict=True)):
            problem = compare_result(a, e, f"gradient {k}", tol64=tol64)
            if problem is not None:
                return failed(exercise, *problem)
    return passed(
        exercise,
        "The update keeps its direction and its length is at most max_norm.",
    )


# ----------------------------------------------------------------------------- 2. copy baselines


def _close(got: float, expected: float, value_type) -> bool:
    rtol = TOL32[1] if value_type in (np.float32, np.float16) else 1e-8
    return math.isclose(got, expected, rel_tol=rtol, abs_tol=1e-12)


def _number(raw):
    """The learner's number as ``(value, its NumPy type, problem)``."""
    arr = as_numpy(raw)
    value_type = (
        arr.dtype.type
        if isinstance(arr, (np.ndarray, np.generic))
        else type(arr)
    )
    value, problem = learner_number(raw, "the baseline")
    return value, value_type, problem


@checker("Copy-task baseline")
def check_copy_baseline(fn: Callable) -> Verdict:
    """Check ``fn(T, copy_length, n_symbols) -> float``: the memoryless cross-entropy per step (nats).

    ``K ln S / (T + 2K)``: K symbols are read, a gap of T steps follows, then K are recalled;
    only the recalled ones cost ``ln S`` each for a model without memory.
    """
    exercise = "Copy-task baseline"
    for T, K, S in ((100, 10, 8), (30, 5, 4), (7, 3, 16), (12, 6, 3)):
        raw, verdict = run_learner(fn, exercise, T, K, S)
        if verdict is not None:
            return verdict
        got, value_type, problem = _number(raw)
        if problem is not None:
            return failed(exercise, *problem)
        expected = K * math.log(S) / (T + 2 * K)
        if _close(got, expected, value_type):
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
            (math.log(S), "that is the cost of one recalled symbol; average over all T + 2K steps.", ""),
        ]  # fmt: skip
        for value, why, hint in wrong:
            if math.isclose(got, value, rel_tol=1e-4):
                return failed(exercise, why, hint)
        return failed(
            exercise,
            f"for T={T}, K={K}, S={S} you returned {got:.6g}, expected {expected:.6g}.",
        )
    return passed(
        exercise, "For T = 100 this is 10 ln 8 / 120 ≈ 0.173 nats per step."
    )


def _entropy(p: np.ndarray, log=np.log) -> float:
    nz = p[p > 0]
    return float(-(nz * log(nz)).sum())


@checker("Copy-task baseline with symbol frequencies")
def check_copy_baseline_freqs(fn: Callable) -> Verdict:
    """Check ``fn(T, copy_length, symbol_probs) -> float``: the best memoryless cross-entropy per step (nats).

    Symbols are drawn with probabilities ``p`` (a read-only ``(S,)`` array, some may be 0).
    The best prediction without memory is ``p`` itself at each recall step, which costs the
    entropy ``H(p) = -Σ p_s ln p_s`` (with ``0 ln 0 = 0``); blanks cost nothing. So the mean
    per step is ``K H(p) / (T + 2K)``.
    """
    exercise = "Copy-task baseline with symbol frequencies"
    cases = (
        (100, 10, [0.5, 0.25, 0.125, 0.125]),
        (30, 5, [0.25, 0.25, 0.25, 0.25]),
        (7, 3, [0.7, 0.3, 0.0]),
        (20, 4, [0.1, 0.2, 0.3, 0.15, 0.25]),
    )
    for T, K, probs in cases:
        p = np.array(probs)
        (given,) = readonly(p)
        raw, verdict = run_learner(fn, exercise, T, K, given)
        if verdict is not None:
            return verdict
        value = as_numpy(raw)
        try:
            is_nan = bool(
                np.size(value) == 1
                and np.isnan(np.asarray(value, dtype=float)).all()
            )
        except (TypeError, ValueError):
            is_nan = False
        if is_nan and (p == 0).any():
            return failed(
                exercise,
                "you returned NaN for symbol frequencies that include a 0.",
                "A symbol that never occurs contributes 0 · ln 0 = 0 to the entropy: skip the zero probabilities.",
            )
        got, value_type, problem = _number(raw)
        if problem is not None:
            return failed(exercise, *problem)
        h = _entropy(p)
        expected = K * h / (T + 2 * K)
        if _close(got, expected, value_type):
            continue
        wrong = [
            (K * math.log(len(p)) / (T + 2 * K),
             "you used ln S, the cost of a uniform guess; with these frequencies a memoryless model can do better.",
             "Predict the symbol frequencies themselves: the expected cost of a recall step is the entropy of p."),
            (K * _entropy(p, np.log2) / (T + 2 * K), "that is in bits (log base 2); use nats (natural log).", ""),
            (-expected, "the sign is wrong: the entropy -Σ p ln p is positive.", ""),
            (K * h, "you returned the total over the sequence, not the mean per step.", "Divide by T + 2K."),
            (K * h / (T + K), "your denominator misses some steps: there are T + 2K steps in all.", ""),
            (h, "that is the cost of one recall step; average over all T + 2K steps.", ""),
            (K * float(-(p * np.log(np.maximum(p, 1e-300))).mean()) / (T + 2 * K),
             "you averaged -p ln p over the symbols; the entropy is their SUM.", ""),
        ]  # fmt: skip
        for value, why, hint in wrong:
            if math.isclose(got, value, rel_tol=1e-4):
                return failed(exercise, why, hint)
        return failed(
            exercise,
            f"for T={T}, K={K}, p={probs} you returned {got:.6g}, expected {expected:.6g}.",
        )
    return passed(
        exercise,
        "Without memory the best guess is the symbol frequencies: the entropy per recall step.",
    )


# ----------------------------------------------------------------------------- 3. how fast the bound vanishes


@checker("Steps until the gradient bound vanishes")
def check_vanishing_lag(fn: Callable) -> Verdict:
    """Check ``fn(sigma_max, eps) -> int``: the smallest lag ``L >= 1`` with ``sigma_max ** L < eps``.

    That is ``ceil(ln eps / ln sigma_max)`` (one more when it is a whole number), the number
    of steps after which the Pascanu bound ``(γ σ_max)^L`` with ``γ = 1`` is below ``eps``;
    ``math.inf`` when ``sigma_max >= 1`` (the bound never falls).
    """
    exercise = "Steps until the gradient bound vanishes"
    cases = (
        (0.9, 1e-3),
        (0.5, 1e-6),
        (0.99, 1e-2),
        (0.25, 0.5),
        (0.7, 1e-8),
        (1.0, 1e-3),
        (1.3, 0.1),
    )
    for sigma, eps in cases:
        try:
            raw = call_learner(fn, sigma, eps)
        except LearnerError as exc:
            hint = ""
            if sigma >= 1:
                hint = "For sigma_max >= 1 the bound never falls: return math.inf before dividing by ln(sigma_max)."
            if "not implemented yet" in str(exc):
                return failed(exercise, str(exc))
            return failed(exercise, f"for sigma_max = {sigma}: {exc}", hint)
        value = as_numpy(raw)
        if sigma >= 1:
            try:
                is_inf = bool(
                    np.size(value) == 1
                    and np.isposinf(np.asarray(value, dtype=float)).all()
                )
            except (TypeError, ValueError):
                is_inf = False
            if is_inf:
                continue
            return failed(
                exercise,
                f"for sigma_max = {sigma} you returned {raw!r}; the bound sigma_max ** L never falls below eps.",
                "Return math.inf when sigma_max >= 1.",
            )
        exact = math.log(eps) / math.log(sigma)
        expected = math.floor(exact) + 1
        if (
            isinstance(value, (float, np.floating))
            and math.isfinite(float(value))
            and float(value) != int(value)
        ):
            if math.isclose(float(value), exact, rel_tol=1e-6):
                return failed(
                    exercise,
                    f"for sigma_max = {sigma}, eps = {eps} you returned {float(value):.4g}, not a whole number "
                    "of steps.",
                    "Round UP: the bound is below eps from the first whole lag past ln(eps) / ln(sigma_max).",
                )
        got, problem = learner_number(raw, "the lag", integer=True)
        if problem is not None:
            return failed(exercise, *problem)
        if got == expected:
            continue
        if got == expected - 1:
            return failed(
                exercise,
                f"off by one for sigma_max = {sigma}, eps = {eps}: you returned {got}, but sigma_max ** {got} = "
                f"{sigma**got:.3g} is not below {eps}.",
                "Round up (math.floor(x) + 1), not down.",
            )
        if got < 0:
            return failed(
                exercise,
                f"you returned a negative lag ({got}).",
                "Both ln(eps) and ln(sigma_max) are negative.",
            )
        return failed(
            exercise,
            f"for sigma_max = {sigma}, eps = {eps} you returned {got}, expected {expected}.",
        )
    return passed(
        exercise,
        "With sigma_max = 0.9 the bound falls below 1e-3 after 66 steps.",
    )


# ----------------------------------------------------------------------------- 4. linear recurrence


def _loop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    h, out = np.zeros_like(b[0]), []
    for t in range(len(a)):
        h = a[t] * h + b[t]
        out.append(h)
    return np.array(out)


@checker("Linear recurrence as a scan")
def check_linear_recurrence(fn: Callable) -> Verdict:
    """Check ``fn(a, b) -> h``: ``h_t = a_t h_{t-1} + b_t`` (``h_0 = 0``) for positive ``a, b (T, H)``.

    Without a Python loop (``for``, ``while`` or a comprehension in the function's source)
    and without the package's scan; the inputs are read-only. Several shapes and seeds.
    """
    exercise = "Linear recurrence as a scan"
    loop = uses_python_loop(fn)
    if loop:
        return failed(
            exercise,
            "your function uses a Python loop (for, while or a comprehension); the exercise asks for none.",
            "Divide the recurrence by A_t = a_1 ... a_t: h_t / A_t is then a cumulative sum.",
        )
    names = set(getattr(getattr(fn, "__code__", None), "co_names", ()))
    if "scan_linear_log" in names:
        return failed(
            exercise,
            "you called the package's scan_linear_log; write the scan yourself.",
            "",
        )
    for seed, (T, H) in enumerate(((12, 3), (7, 5), (20, 1), (1, 4))):
        rng = np.random.default_rng(seed + 1)
        a = rng.uniform(0.5, 1.0, size=(T, H))
        b = rng.uniform(0.1, 1.0, size=(T, H))
        a_in, b_in = readonly(a, b)
        got, verdict = run_learner(fn, exercise, a_in, b_in)
        if verdict is not None:
            return verdict
        expected = _loop(a, b)
        A = np.cumprod(a, axis=0)
        prev = np.concatenate([np.ones((1, H)), A[:-1]])
        mistakes = [
            (
                A * np.cumsum(b / prev, axis=0),
                "off by one: b_k must be multiplied by a_{k+1} ... a_t, not by a_k ... a_t.",
                "With A_t = a_1 ... a_t, the factor is A_t / A_k (divide by A_k, not by A_{k-1}).",
            ),
            (
                np.cumsum(b, axis=0),
                "the decays a_t are missing: you returned cumsum(b).",
                "Multiply by A_t / A_k.",
            ),
            (
                A * np.cumsum(b, axis=0),
                "you multiplied cumsum(b) by A_t: every b_k is then decayed by all of a_1 ... a_t.",
                "b_k is decayed only by a_{k+1} ... a_t = A_t / A_k: divide b by A before the cumsum.",
            ),
            (
                np.cumsum(b / A, axis=0),
                "you forgot to multiply back by A_t: that is h_t / A_t.",
                "",
            ),
        ]
        if T > 1:
            mistakes.append(
                (
                    _loop(a, b)[::-1],
                    "your states come out in reverse time order.",
                    "Row t of the result is h_t, with h_1 first.",
                )
            )
        problem = compare_result(got, expected, "h", mistakes)
        if problem is not None:
            why, hint = problem
            if "shape" in why and "(T, H)" not in why:
                hint = (
                    hint
                    or f"h has one row per step and one column per unit: shape (T, H) = {(T, H)}."
                )
            return failed(exercise, why, hint)
    return passed(
        exercise, "h_t = A_t · cumsum(b_k / A_k) with A_t = cumprod(a)_t."
    )


# ----------------------------------------------------------------------------- 5. a training loop that clips


class _WatchedBatches:
    """The list of batches given to the learner; records the model's parameters whenever a
    batch is taken, so the checker can verify every update the learner's loop made."""

    def __init__(self, model, batches):
        self.model, self.batches, self.snapshots = model, batches, {}

    def _snap(self, k: int) -> None:
        if k not in self.snapshots:
            self.snapshots[k] = [
                p.detach().clone() for p in self.model.parameters()
            ]

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, k):
        if isinstance(k, slice):
            raise TypeError(
                "take the batches one at a time, in order (for x, y in batches)"
            )
        k = range(len(self.batches))[k]
        self._snap(k)
        return self.batches[k]

    def __iter__(self):
        for k in range(len(self.batches)):
            self._snap(k)
            yield self.batches[k]


def _diverging_setup(hidden: int, seed: int, steps: int = 40, T: int = 20):
    """A tanh RNN with spectral radius 1.6 on the adding problem: plain SGD at lr 0.2 diverges."""
    from rnntutor.challenges import gradients, tasks

    torch.manual_seed(seed)
    model = tasks.SequenceRegressor("rnn", 2, hidden, impl="cudnn")
    gradients.set_spectral_radius_(model.rnn, 1.6)
    x, y = tasks.adding_problem(steps * 32, T, seed=seed + 1)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    batches = [
        (x[k * 32 : (k + 1) * 32], y[k * 32 : (k + 1) * 32])
        for k in range(steps)
    ]
    return model, batches


def _loss_list(got, n: int):
    """A learner's list of losses as a float array ``(n,)``, or ``(None, (why, hint))``."""
    if isinstance(got, (list, tuple)) and all(
        hasattr(v, "item") and not isinstance(v, np.ndarray) for v in got
    ):
        try:
            got = [float(v.item()) for v in got]
        except Exception:
            pass
    arr = as_numpy(got)
    if isinstance(arr, (list, tuple)) and all(
        isinstance(v, (float, int, np.floating)) for v in arr
    ):
        arr = np.asarray(arr, dtype=np.float64)
    if (
        isinstance(arr, np.ndarray)
        and arr.dtype.kind == "f"
        and arr.shape == (n,)
        and not np.all(np.isfinite(arr))
    ):
        return (
            arr,
            None,
        )  # non-finite losses are a finding here, not a malformed answer
    return learner_array(got, "your list of losses", (n,))


def _step_diagnosis(reference, snapshots, final, batches, lr, max_norm):
    """Compare every update of the learner's loop with lr * clip(gradient); ``None`` or ``(why, hint)``."""
    params = list(reference.parameters())
    for k, (x, y) in enumerate(batches):
        before = snapshots.get(k)
        after = snapshots.get(k + 1, final)
        if before is None:
            return (
                f"your loop did not use batch {k} (it must train on every batch, in order).",
                "",
            )
        with torch.no_grad():
            for p, v in zip(params, before, strict=True):
                p.copy_(v)
        reference.zero_grad()
        F.mse_loss(reference(x), y).backward()
        g = [p.grad.detach().clone() for p in params]
        norm = math.sqrt(sum(float((t.double() ** 2).sum()) for t in g))
        step = [(a - b).double() for a, b in zip(after, before, strict=True)]
        step_norm = math.sqrt(sum(float((s**2).sum()) for s in step))

        def matches(update, step=step):
            diff = math.sqrt(
                sum(
                    float(((s + lr * u.double()) ** 2).sum())
                    for s, u in zip(step, update, strict=True)
                )
            )
            size = math.sqrt(
                sum(float(((lr * u.double()) ** 2).sum()) for u in update)
            )
            return diff <= 2e-3 * size + 1e-6

        scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
        if matches([t * scale for t in g]):
            continue
        where = f"at step {k} (gradient norm {norm:.3g}, max_norm {max_norm})"
        if step_norm == 0:
            if any(
                not torch.equal(a, b)
                for a, b in zip(final, before, strict=True)
            ):
                return (
                    f"{where} your loop took batch {k + 1} before updating the parameters with batch {k}.",
                    "Train on the batches one at a time, in order: for x, y in batches: ... optimizer.step().",
                )
            return (
                f"{where} your loop did not change the parameters.",
                "Call optimizer.step() after clipping.",
            )
        if matches(g):
            return (
                f"{where} your update was lr * g, not clipped: its length {step_norm:.3g} exceeds "
                f"lr * max_norm = {lr * max_norm:.3g}.",
                "Clip between loss.backward() and optimizer.step(): torch.nn.utils.clip_grad_norm_(model.parameters(), "
                "max_norm) or your own global-norm scaling of every p.grad.",
            )
        per_tensor = [
            t * min(1.0, max_norm / max(float(t.norm()), 1e-300)) for t in g
        ]
        if matches(per_tensor):
            return (
                f"{where} you clipped each parameter's gradient by its own norm.",
                "Use one global norm.",
            )
        if matches([t.clamp(-max_norm, max_norm) for t in g]):
            return (
                f"{where} you clipped each entry by value (clip_grad_value_), which changes the direction.",
                "Use global-norm clipping: torch.nn.utils.clip_grad_norm_.",
            )
        if matches([t * max_norm / norm for t in g]):
            return (
                f"{where} you rescaled to max_norm although the norm was below it.",
                "scale = min(1, max_norm / norm).",
            )
        hint = "Use plain SGD (torch.optim.SGD(model.parameters(), lr=lr), no momentum) and the MSE loss."
        if k > 0:
            hint = (
                "Did you forget optimizer.zero_grad()? Without it the gradients of earlier batches add up. "
                + hint
            )
        return f"{where} your update is not -lr * clip(g).", hint
    return None


@checker("Training with gradient clipping")
def check_clipped_training(fn: Callable) -> Verdict:
    """Check ``fn(model, batches, lr, max_norm) -> list of losses``: SGD with global-norm clipping.

    For every ``(x, y)`` in ``batches``: ``loss = mse(model(x), y)``, backward, clip the
    global gradient norm to ``max_norm``, one plain SGD step ``θ ← θ - lr g``; return the
    losses (one float per batch). The checker runs it on tanh RNNs (spectral radius 1.6, two
    sizes and seeds) (30 batches) on the adding problem at ``lr = 0.2``, verifies each update against
    ``-lr · clip(g)`` from the parameters the loop had at that step, requires the losses to
    stay finite and small, and runs the same loop with ``max_norm = inf`` to show that
    without clipping it diverges.
    """
    exercise = "Training with gradient clipping"
    lr, max_norm, steps = 0.2, 1.0, 30
    threads = torch.get_num_threads()
    torch.set_num_threads(
        1
    )  # small models: one thread is fastest, and steady on a busy machine
    try:
        report = []
        for hidden, seed in ((24, 0), (40, 1)):
            model, batches = _diverging_setup(hidden, seed, steps)
            reference = copy.deepcopy(model)
            watched = _WatchedBatches(model, batches)
            got, verdict = run_learner(
                fn, exercise, model, watched, lr, max_norm
            )
            if verdict is not None:
                return verdict
            final = [p.detach().clone() for p in model.parameters()]
            problem = _step_diagnosis(
                reference, watched.snapshots, final, batches, lr, max_norm
            )
            if problem is not None:
                return failed(exercise, *problem)
            losses, problem = _loss_list(got, steps)
            if problem is not None:
                why, hint = problem
                return failed(
                    exercise,
                    why,
                    hint
                    or "Return one float per batch: losses.append(loss.item()).",
                )
            if not np.all(np.isfinite(losses)) or losses.max() > 10:
                return failed(
                    exercise,
                    f"with clipping the loss still reached {losses.max():.3g}.",
                    "",
                )
            # the same loop without clipping
            model, batches = _diverging_setup(hidden, seed, steps)
            try:
                free = call_learner(fn, model, batches, lr, math.inf)
                free_losses, _ = _loss_list(free, steps)
            except LearnerError:
                free_losses = np.array(
                    [np.inf]
                )  # the loop stopped on a non-finite loss: it diverged
            if free_losses is None:
                return failed(
                    exercise,
                    "with max_norm = inf your function did not return one loss per batch.",
                    "",
                )
            bad = np.flatnonzero(
                ~np.isfinite(free_losses) | (free_losses > 1e3)
            )
            if len(bad) == 0:
                return failed(
                    exercise,
                    "with max_norm = inf (no clipping) your loop did not diverge on a setup where plain SGD does.",
                    "max_norm = inf must mean 'never clip'.",
                )
            report.append((int(bad[0]) + 1, float(losses[-10:].mean())))
        (step0, last0), _ = report
        return passed(
            exercise,
            f"Without clipping the loss blew up within {step0} steps; with max_norm = 1 it ended near {last0:.2f}.",
        )
    finally:
        torch.set_num_threads(threads)
