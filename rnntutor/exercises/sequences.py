"""Checkers for the exercises of Chapter 6 (image sequences, ConvLSTM)."""

from __future__ import annotations

import functools
import inspect

import numpy as np

from rnntutor.exercises import (
    Verdict,
    as_numpy,
    diagnose,
    failed,
    passed,
    run_learner,
)

__all__ = [
    "check_bce_per_sequence",
    "check_convlstm_backward",
    "check_convlstm_param_count",
    "check_mse_per_frame",
    "check_space_to_depth",
]


def _never_raise(checker):
    """Whatever the learner returns, a checker prints a verdict instead of raising."""

    @functools.wraps(checker)
    def wrapper(fn) -> Verdict:
        try:
            return checker(fn)
        except (
            Exception
        ) as exc:  # a malformed answer that slipped past the specific checks
            return failed(
                checker.__name__.removeprefix("check_").replace("_", " "),
                f"unusable answer ({exc})",
            )

    return wrapper


def _readonly(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays


def _float(got):
    """The learner's scalar as a float, or None if it is not one."""
    got = as_numpy(got)
    if isinstance(got, bool | np.bool_) or got is None:
        return None
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    return float(arr.reshape(-1)[0]) if arr.size == 1 else None


# ----------------------------------------------------------------------------- 1. space-to-depth


def _s2d(frames: np.ndarray, p: int) -> np.ndarray:
    n, t, h, w = frames.shape
    x = frames.reshape(n, t, h // p, p, w // p, p)  # (N, T, H/p, u, W/p, v)
    return x.transpose(0, 1, 3, 5, 2, 4).reshape(n, t, p * p, h // p, w // p)


@_never_raise
def check_space_to_depth(fn) -> Verdict:
    """``fn(frames (N, T, H, W), p)`` -> ``(N, T, p², H/p, W/p)``, channel ``u p + v`` = pixel ``(u, v)`` of a patch."""
    name = "space-to-depth"
    for seed, (shape, p) in enumerate(
        (((2, 3, 8, 12), 2), ((1, 2, 6, 9), 3), ((3, 1, 8, 8), 4))
    ):
        rng = np.random.default_rng(seed)
        frames = rng.random(shape).astype(
            np.float32 if seed % 2 else np.float64
        )
        (frames,) = _readonly(frames)
        expected = _s2d(frames, p)
        got, fail = run_learner(fn, name, frames, p)
        if fail is not None:
            return fail
        n, t, h, w = shape
        wrong_t = _s2d(frames.transpose(0, 1, 3, 2), p).transpose(
            0, 1, 2, 4, 3
        )  # v p + u
        mistakes = [
            (
                wrong_t,
                "your channels list each patch column by column.",
                "Channel u*p + v holds row u, column v.",
            ),
            (
                frames.reshape(n, t, p * p, h // p, w // p),
                "a plain reshape does not cut patches: it splits the rows of the frame.",
                "Reshape to (N, T, H/p, p, W/p, p), then move the two in-patch axes before the grid axes.",
            ),
            (
                _s2d(frames, p).transpose(0, 1, 2, 4, 3)
                if h == w
                else np.zeros(0),
                "your grid is transposed.",
                "The grid axes must stay (H/p, W/p) in that order.",
            ),
        ]
        result = diagnose(
            got, expected, f"space_to_depth(frames{shape}, {p})", mistakes
        )
        if result is not None:
            return failed(name, *result)
    return passed(name, "Each p x p patch is one position with p² channels.")


# ----------------------------------------------------------------------------- 2. MSE per frame


def _frames_pair(seed: int, shape):
    rng = np.random.default_rng(seed)
    target = (rng.random(shape) > 0.7) * rng.random(shape)
    pred = np.clip(target + 0.3 * rng.standard_normal(shape), 0, 1)
    return _readonly(pred.astype(np.float64), target.astype(np.float64))


def _scalar_check(
    fn, name, compute, mistakes_of, shapes, hint_default
) -> Verdict | None:
    for seed, shape in enumerate(shapes):
        pred, target = _frames_pair(seed, shape)
        expected = compute(pred, target)
        got, fail = run_learner(fn, name, pred, target)
        if fail is not None:
            return fail
        value = _float(got)
        if value is None:
            return failed(
                name,
                f"return one number (a float), got {type(as_numpy(got)).__name__}",
                hint_default,
            )
        if not np.isfinite(value):
            return failed(
                name,
                f"your result is {value}",
                "Clip the predictions away from 0 and 1 before the log.",
            )
        if np.isclose(value, expected, rtol=1e-6, atol=1e-9):
            continue
        for wrong, why, hint in mistakes_of(pred, target):
            if np.isclose(value, wrong, rtol=1e-6, atol=1e-9):
                return failed(
                    name, f"for frames of shape {shape}: {why}", hint
                )
        return failed(
            name,
            f"for frames of shape {shape} you returned {value:.6g}, expected {expected:.6g}",
            hint_default,
        )
    return None


@_never_raise
def check_mse_per_frame(fn) -> Verdict:
    """``fn(pred, target)`` (both ``(N, T, H, W)``) -> squared error summed over pixels, mean over frames."""
    name = "MSE per frame"

    def compute(p, y):
        return float(((p - y) ** 2).sum(axis=(2, 3)).mean())

    def mistakes(p, y):
        se = (p - y) ** 2
        h, w = p.shape[2:]
        return [
            (
                float(se.mean()),
                "that is the mean over pixels too.",
                f"Sum over the {h}x{w} pixels of a frame.",
            ),
            (
                float(se.sum(axis=(1, 2, 3)).mean()),
                "that is the error per sequence.",
                "Average over frames as well.",
            ),
            (
                float(np.sqrt(se.sum(axis=(2, 3))).mean()),
                "that is a root (an L2 distance).",
                "No square root.",
            ),
            (
                float(se.sum()),
                "that is the total over everything.",
                "Average over sequences and frames.",
            ),
        ]

    fail = _scalar_check(
        fn,
        name,
        compute,
        mistakes,
        [(2, 3, 6, 5), (3, 2, 4, 7), (1, 4, 8, 8)],
        "Sum (p - y)² over H, W; then mean.",
    )
    return (
        fail
        if fail is not None
        else passed(name, "The convention of PredRNN and later papers.")
    )


# ----------------------------------------------------------------------------- 3. BCE per sequence


@_never_raise
def check_bce_per_sequence(fn) -> Verdict:
    """``fn(pred, target)`` -> cross-entropy summed over frames and pixels, mean over sequences (clip ``1e-7``)."""
    name = "BCE per sequence"
    eps = 1e-7

    def bce(p, y):
        p = np.clip(p, eps, 1 - eps)
        return -(y * np.log(p) + (1 - y) * np.log1p(-p))

    def compute(p, y):
        return float(bce(p, y).sum(axis=(1, 2, 3)).mean())

    def mistakes(p, y):
        e = bce(p, y)
        t = p.shape[1]
        return [
            (
                float(e.mean()),
                "that is the mean per pixel.",
                "Sum over all frames and pixels of a sequence.",
            ),
            (
                float(e.sum(axis=(2, 3)).mean()),
                "that is per frame.",
                f"Sum over the {t} frames of a sequence too.",
            ),
            (
                float(e.sum()),
                "that is the total over all sequences.",
                "Average over the sequences.",
            ),
            (
                compute(p, y) / np.log(2),
                "that is in bits.",
                "Use the natural logarithm (nats), as Shi et al.",
            ),
            (
                float(
                    -(y * np.log(np.clip(p, eps, 1)))
                    .sum(axis=(1, 2, 3))
                    .mean()
                ),
                "the (1 - y) log(1 - p) term is missing.",
                "Each pixel is a Bernoulli variable: both terms.",
            ),
        ]

    fail = _scalar_check(
        fn,
        name,
        compute,
        mistakes,
        [(2, 3, 6, 5), (3, 2, 4, 7), (1, 4, 8, 8)],
        "-Σ[y log p + (1-y) log(1-p)].",
    )
    return (
        fail
        if fail is not None
        else passed(name, "On this scale Shi et al.'s ConvLSTM scored 3670.")
    )


# ----------------------------------------------------------------------------- 4. the step's backward pass


def _backward_case(seed, batch, c_in, c_h, size, k, dtype):
    from rnntutor.reference import convlstm as ref

    rng = np.random.default_rng(100 + seed)
    params = ref.init_convlstm_params(c_in, c_h, k, seed=seed, dtype=dtype)
    x = rng.standard_normal((batch, c_in, *size)).astype(dtype)
    h0 = (0.5 * rng.standard_normal((batch, c_h, *size))).astype(dtype)
    c0 = (0.5 * rng.standard_normal((batch, c_h, *size))).astype(dtype)
    dh = rng.standard_normal((batch, c_h, *size)).astype(dtype)
    dc = rng.standard_normal((batch, c_h, *size)).astype(dtype)
    _, _, cache = ref.convlstm_step(x, h0, c0, params)
    expected = ref.convlstm_step_backward(dh, dc, cache)
    _readonly(x, h0, c0, dh, dc, *params.values())
    return (dh, dc, x, h0, c0, params), expected


_BACKWARD_HINTS = {
    "c_prev": "∂L/∂c_{t-1} = (dc + dh ∘ o ∘ (1 - tanh²c_t)) ∘ f: both paths into c_t, then the forget gate.",
    "bias": "The bias is added at every position of every image: sum δ over batch, height and width.",
    "weight_ih": "∂L/∂W[o, c, u, v] = Σ_{b,y,x} δ[b, o, y, x] · xpad[b, c, y+u, x+v] (use the padded input).",
    "weight_hh": "Like weight_ih, with h_{t-1} in place of x_t.",
    "x": "Send δ back through the convolution: each output position adds W[:, :, u, v]ᵀ δ to input (y+u-p, x+v-p).",
    "h_prev": "Like x, through weight_hh (the recurrent half of the concatenated weight).",
}


@_never_raise
def check_convlstm_backward(fn) -> Verdict:
    """``fn(dh, dc, x, h_prev, c_prev, params)`` -> dict of gradients of one ConvLSTM step (no peepholes).

    Keys ``x, h_prev, c_prev, weight_ih, weight_hh, bias``; compared with
    :func:`rnntutor.reference.convlstm.convlstm_step_backward` for several sizes,
    kernels and seeds, in float64 and float32 (tolerances follow the dtype).
    """
    name = "ConvLSTM step backward"
    cases = [
        (0, 2, 2, 3, (4, 5), 3),
        (1, 1, 3, 2, (5, 3), 1),
        (2, 2, 1, 2, (6, 4), 5),
    ]
    for dtype, rtol in ((np.float64, 1e-9), (np.float32, 1e-3)):
        for seed, batch, c_in, c_h, size, k in cases:
            args, expected = _backward_case(
                seed, batch, c_in, c_h, size, k, dtype
            )
            got, fail = run_learner(fn, name, *args)
            if fail is not None:
                return fail
            if not isinstance(got, dict):
                return failed(
                    name,
                    f"return a dict of gradients, got {type(got).__name__}",
                    f"Keys: {sorted(expected)}.",
                )
            missing = sorted(set(expected) - set(got))
            if missing:
                return failed(
                    name,
                    f"your dict lacks the keys {missing}",
                    f"Keys: {sorted(expected)}.",
                )
            where = f"(batch {batch}, C_in {c_in}, C_h {c_h}, {size[0]}x{size[1]}, k={k}, {np.dtype(dtype).name})"
            for key in (
                "c_prev",
                "bias",
                "weight_ih",
                "weight_hh",
                "x",
                "h_prev",
            ):
                want = expected[key]
                value = as_numpy(got[key])
                try:
                    arr = np.asarray(value, dtype=np.float64)
                except (TypeError, ValueError, OverflowError):
                    return failed(
                        name,
                        f"{key!r} must be an array, got {type(value).__name__}",
                    )
                if arr.shape != want.shape:
                    return failed(
                        name,
                        f"{key!r} has shape {arr.shape}, expected {want.shape} {where}",
                        _BACKWARD_HINTS[key],
                    )
                if not np.all(np.isfinite(arr)):
                    return failed(name, f"{key!r} contains NaN or inf {where}")
                scale = np.abs(want).max() + 1e-12
                err = np.abs(arr - want).max() / scale
                if err <= rtol:
                    continue
                if (
                    err <= 1e-3
                    and np.asarray(value).dtype == np.float32
                    and dtype == np.float64
                ):
                    return failed(
                        name,
                        f"{key!r} is right to float32 precision only (relative error {err:.1e}) {where}",
                        "The inputs are float64: compute in float64 (do not cast to float32).",
                    )
                return failed(
                    name,
                    f"{key!r} is wrong (relative error {err:.2g}) {where}",
                    _BACKWARD_HINTS[key],
                )
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        src = ""
    if "torch" in src and "backward" in src:
        return failed(
            name,
            "use NumPy, not autograd: the exercise is to derive the gradients yourself.",
        )
    return passed(name, "All sizes, kernels and dtypes agree.")


# ----------------------------------------------------------------------------- 5. parameter count


@_never_raise
def check_convlstm_param_count(fn) -> Verdict:
    """``fn(c_in, c_h, k, peephole)`` -> number of parameters of one ConvLSTM cell (one bias, per-channel peepholes)."""
    name = "ConvLSTM parameter count"
    for c_in, c_h, k, peep in (
        (1, 64, 5, False),
        (16, 64, 3, True),
        (3, 7, 1, False),
        (2, 5, 3, True),
        (64, 128, 5, True),
    ):
        expected = (
            4 * c_h * (c_in + c_h) * k * k + 4 * c_h + (3 * c_h if peep else 0)
        )
        got, fail = run_learner(fn, name, c_in, c_h, k, peep)
        if fail is not None:
            return fail
        got = as_numpy(got)
        if isinstance(got, bool | np.bool_) or not isinstance(
            got, int | np.integer | float | np.floating
        ):
            return failed(name, f"return an integer, got {type(got).__name__}")
        if got == expected:
            continue
        peep_part = 3 * c_h if peep else 0
        wrong = [
            (
                expected - 4 * c_h,
                "the biases are missing.",
                "One bias per gate and channel: 4 C_h.",
            ),
            (
                c_h * (c_in + c_h) * k * k + c_h + peep_part,
                "that is one gate.",
                "Four gates: i, f, g, o.",
            ),
            (
                4 * c_h * (c_in + c_h) * k + 4 * c_h + peep_part,
                "the kernel has k x k taps.",
                "Multiply by k², not k.",
            ),
            (
                expected + 4 * c_h,
                "one bias per gate and channel is enough here.",
                "This cell has one bias (4 C_h).",
            ),
            (
                expected - peep_part,
                "the peepholes are missing.",
                "W_ci, W_cf, W_co: one weight per channel each.",
            ),
            (
                4 * c_h * c_in * k * k + 4 * c_h + peep_part,
                "the recurrent weights are missing.",
                "W_hh is (4 C_h, C_h, k, k).",
            ),
        ]
        for value, why, hint in wrong:
            if got == value:
                return failed(
                    name,
                    f"for C_in={c_in}, C_h={c_h}, k={k}, peephole={peep}: {why}",
                    hint,
                )
        return failed(
            name,
            f"for C_in={c_in}, C_h={c_h}, k={k}, peephole={peep} you said {got}, expected {expected}",
        )
    return passed(name, "No frame size in it: weights are shared.")
