"""Checkers for Chapter 1 (Background): images as sequences, and a first recurrence.

Each checker calls the learner's function on several test problems (non-square sizes
unlike the chapter's 28x28 and 8x8, at least two seeds, read-only inputs), compares the
result with an answer computed here from :mod:`rnntutor.data` and
:mod:`rnntutor.reference`, and recognises the usual mistakes: reading columns instead of
rows, forgetting the feature axis, putting time first, gathering with a permutation
where it must be inverted, a recurrence without a state. Results are accepted in
float32 and float64 (tolerances follow the learner's dtype); nothing the learner returns
makes a checker raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from rnntutor import data
from rnntutor import reference as ref
from rnntutor.exercises import (
    LearnerError,
    Verdict,
    call_learner,
    checker,
    compare_result,
    failed,
    learner_array,
    names_used,
    passed,
    readonly,
    readonly_dict,
    uses_python_loop,
)

__all__ = [
    "check_row_view",
    "check_pixel_view",
    "check_snake_order",
    "check_restore_image",
    "check_rnn_forward",
    "check_decay_recurrence",
]

SEEDS = (0, 1)
"""Every checker draws its test problems with these two seeds."""

#: Image sizes (N, H, W) of the view checkers: non-square, and neither 8x8 nor 28x28.
IMAGE_SIZES = ((2, 3, 5), (3, 6, 4), (1, 7, 2))


# ------------------------------------------------------------------------ shared helpers


def compare_any_shape(
    got, expected: np.ndarray, what: str, mistakes=()
) -> tuple | None:
    """:func:`~rnntutor.exercises.compare_result`, but a named mistake may have another shape.

    ``compare_result`` refuses a wrong shape before looking at the mistakes; here a result
    whose shape and values match a listed mistake (a transpose, a missing axis) gets that
    mistake's message instead of a bare shape complaint.
    """
    expected = np.asarray(expected, dtype=np.float64)
    arr, problem = learner_array(got, what, expected.shape)
    if problem is None:
        return compare_result(arr, expected, what, mistakes)
    arr, other = learner_array(got, what)  # readable, but in another shape?
    if other is None and arr.shape != expected.shape:
        values = arr.astype(np.float64)
        for wrong, why, hint in mistakes:
            wrong = np.asarray(wrong, dtype=np.float64)
            if wrong.shape == values.shape and np.allclose(
                values, wrong, atol=1e-5, rtol=1e-4
            ):
                return why, hint
    return problem


def forbidden_call(fn: Callable, forbidden: Iterable[str]) -> str | None:
    """The first name of ``forbidden`` that ``fn``'s source uses, or ``None``."""
    used = names_used(fn) or set()
    return next((name for name in forbidden if name in used), None)


def _images(seed: int, n: int, height: int, width: int) -> np.ndarray:
    """Random images ``(N, H, W)`` in [0, 1), float64, all pixels different in practice."""
    return np.random.default_rng(seed).random((n, height, width))


def _time_first(expected: np.ndarray) -> tuple[np.ndarray, str, str]:
    """The mistake of returning ``(T, N, F)`` instead of the batch-first ``(N, T, F)``."""
    return (
        expected.transpose(1, 0, 2),
        "time comes first in your answer (shape (T, N, F)); the package is batch first.",
        f"Keep the image axis first: the answer has shape (N, T, F) = {expected.shape}.",
    )


def run_at(fn: Callable, exercise: str, where: str, *args):
    """:func:`~rnntutor.exercises.run_learner` that says for which test problem the learner's code raised.

    ``where`` (e.g. ``"for B=2, I=6, H=3"``) prefixes the message, except for the
    "not implemented yet" of an untouched stub, which stays short (it is the output a
    chapter notebook shows under each exercise, at most 79 columns).
    """
    try:
        return call_learner(fn, *args), None
    except LearnerError as exc:
        message = str(exc)
        if message.startswith(
            "not implemented"
        ):  # short lines: notebooks show this output
            return None, failed(
                exercise,
                "not implemented yet.",
                "Replace `raise NotImplementedError` with your code.",
            )
        return None, failed(
            exercise, f"{where}: {message}" if where else message
        )


def _fail_at(exercise: str, where: str, problem: tuple) -> Verdict:
    why, hint = problem
    return failed(exercise, f"{where}: {why}", hint)


# ------------------------------------------------------------------------ Exercise 1


@checker("Row view")
def check_row_view(fn: Callable[[np.ndarray], np.ndarray]) -> Verdict:
    """Check ``fn(images) -> sequences``: the rows view, one image row per time step.

    ``images`` has shape ``(N, H, W)``; the answer must have shape ``(N, T=H, F=W)``
    with ``answer[n, t] == images[n, t, :]`` (batch first, time second). Tested on
    several non-square sizes and two seeds, with read-only images.
    """
    exercise = "Row view"
    for seed in SEEDS:
        for n, height, width in IMAGE_SIZES:
            images = _images(seed, n, height, width)
            got, verdict = run_at(
                fn,
                exercise,
                f"for {n} images of {height}x{width}",
                *readonly(images),
            )
            if verdict is not None:
                return verdict
            expected = images[
                :, np.arange(height), :
            ]  # (N, T=H, F=W): step t is row t
            mistakes = [
                (
                    images.transpose(0, 2, 1),
                    f"you returned the columns as time steps (shape (N, W, H) = {(n, width, height)}).",
                    "Step t must be row t of the image, images[:, t, :]; no transpose is needed.",
                ),
                _time_first(expected),
                (
                    images.reshape(n, height * width),
                    "you flattened each image into one vector: that is a single step, not a sequence of rows.",
                    "Keep the row axis: each time step is a whole row of W pixels.",
                ),
                (
                    images[:, ::-1, :],
                    "your sequence starts at the bottom row.",
                    "Read from the top: step 0 is row 0.",
                ),
                (
                    images[:, :, ::-1],
                    "your rows are read right to left.",
                    "Keep each row as it is: feature f of step t is pixel (t, f).",
                ),
            ]
            problem = compare_any_shape(
                got, expected, "your sequence", mistakes
            )
            if problem is not None:
                return _fail_at(
                    exercise, f"for {n} images of {height}x{width}", problem
                )
    return passed(
        exercise,
        "An (N, H, W) image batch becomes H steps of W features each.",
    )


# ------------------------------------------------------------------------ Exercise 2


@checker("Pixel view")
def check_pixel_view(fn: Callable[[np.ndarray], np.ndarray]) -> Verdict:
    """Check ``fn(images) -> sequences``: the pixel (raster) view, one pixel per step.

    ``images`` has shape ``(N, H, W)``; the answer must have shape ``(N, T=H*W, F=1)``,
    pixels in raster order (row by row, left to right within a row).
    """
    exercise = "Pixel view"
    for seed in SEEDS:
        for n, height, width in IMAGE_SIZES:
            images = _images(seed, n, height, width)
            got, verdict = run_at(
                fn,
                exercise,
                f"for {n} images of {height}x{width}",
                *readonly(images),
            )
            if verdict is not None:
                return verdict
            order = data.scan_order((height, width), "pixels")  # (H*W,)
            expected = images.reshape(n, height * width)[
                :, order, None
            ]  # (N, H*W, 1)
            column_major = images.transpose(0, 2, 1).reshape(
                n, height * width, 1
            )
            mistakes = [
                (
                    column_major,
                    "you read the pixels column by column (column-major / Fortran order).",
                    "Raster order goes along a row first: step t is pixel (t // W, t % W). "
                    "NumPy's default C-order reshape does exactly this.",
                ),
                (
                    expected[..., 0],
                    f"your answer has shape {(n, height * width)}: the feature axis is missing.",
                    "A sequence is (N, T, F); with one pixel per step F = 1. Add it with [..., None].",
                ),
                (
                    expected.transpose(0, 2, 1),
                    f"your answer has shape {(n, 1, height * width)}: one time step with H*W features.",
                    "Time is the second axis: the answer has shape (N, H*W, 1).",
                ),
                _time_first(expected),
                (
                    column_major[..., 0],
                    "you read columns instead of rows, and the feature axis is missing.",
                    "Use a C-order reshape to (N, H*W) and add the feature axis with [..., None].",
                ),
            ]
            problem = compare_any_shape(
                got, expected, "your sequence", mistakes
            )
            if problem is not None:
                return _fail_at(
                    exercise, f"for {n} images of {height}x{width}", problem
                )
    return passed(exercise, "An HxW image becomes H*W steps of 1 feature.")


# ------------------------------------------------------------------------ Exercise 3


@checker("Snake order")
def check_snake_order(fn: Callable[[int, int], np.ndarray]) -> Verdict:
    """Check ``fn(height, width) -> order``: the snake (boustrophedon) scan order.

    ``order[t]`` is the flat (row-major) index ``r * width + c`` of the pixel read at
    step ``t``: row 0 left to right, row 1 right to left, row 2 left to right, ...
    The answer is compared with :func:`rnntutor.data.scan_order` on several shapes.
    """
    exercise = "Snake order"
    for height, width in [(3, 4), (4, 3), (5, 5), (2, 7), (6, 1), (1, 5)]:
        got, verdict = run_at(
            fn, exercise, f"for a {height}x{width} image", height, width
        )
        if verdict is not None:
            return verdict
        expected = data.scan_order((height, width), "snake")  # (H*W,)
        raster = np.arange(height * width).reshape(height, width)
        wrong_parity = raster.copy()
        wrong_parity[0::2] = wrong_parity[0::2, ::-1]
        column_snake = raster.T.copy()
        column_snake[1::2] = column_snake[1::2, ::-1]
        mistakes = [
            (
                raster.ravel(),
                "every row is read left to right: that is the raster (pixels) order.",
                "Reverse every second row: rows 1, 3, 5, ... go right to left.",
            ),
            (
                wrong_parity.ravel(),
                "the first row goes right to left.",
                "Start like raster order: row 0 left to right, then row 1 right to left.",
            ),
            (
                column_snake.ravel(),
                "you snake down and up the columns instead of along the rows.",
                "Go along row 0, step down to row 1 and come back along it, and so on.",
            ),
            (
                raster[:, ::-1].ravel(),
                "every row is read right to left.",
                "Only every second row (1, 3, 5, ...) is reversed.",
            ),
            (
                expected.reshape(height, width),
                f"your order has shape {(height, width)}: it should be one flat array of length H*W.",
                "Flatten it with .ravel() (row by row).",
            ),
        ]
        if height != width:
            mistakes.append(
                (
                    data.scan_order((width, height), "snake"),
                    "your order is the snake of a width x height image: height and width are swapped.",
                    "The first argument is the number of rows (height), the second the row length (width).",
                )
            )
        arr, problem = learner_array(got, "your order", expected.shape)
        if (
            problem is None
            and arr.dtype.kind == "f"
            and not np.array_equal(arr, np.round(arr))
        ):
            problem = (
                "your order contains fractions; it should hold whole pixel indices.",
                "",
            )
        else:
            problem = compare_any_shape(got, expected, "your order", mistakes)
        if problem is not None:
            return _fail_at(exercise, f"for a {height}x{width} image", problem)
    return passed(
        exercise,
        "Neighbouring steps are now always neighbouring pixels, also at the end of a row.",
    )


# ------------------------------------------------------------------------ Exercise 4


def _column_order(height: int, width: int) -> np.ndarray:
    """Flat indices read column by column (top to bottom, then the next column)."""
    return np.arange(height * width).reshape(height, width).T.ravel()


@checker("Restore an image")
def check_restore_image(fn: Callable) -> Verdict:
    """Check ``fn(seqs, order, image_shape) -> images``: undo reading pixels in any order.

    ``seqs (N, T=H*W, 1)`` holds pixels read in ``order`` (``seqs[n, t, 0]`` is flat pixel
    ``order[t]`` of image ``n``, flat index ``r * W + c``); ``image_shape = (H, W)``.
    The answer is the images ``(N, H, W)``, without a Python loop, inputs unchanged.
    Orders tested: snake, column by column and random permutations, on non-square sizes.
    """
    exercise = "Restore an image"
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for (n, height, width), kind in zip(
            IMAGE_SIZES, ("permuted", "snake", "columns"), strict=True
        ):
            images = _images(seed, n, height, width)  # (N, H, W)
            if kind == "permuted":
                order = rng.permutation(height * width)
            elif kind == "snake":
                order = data.scan_order((height, width), "snake")
            else:
                order = _column_order(height, width)
            flat = images.reshape(n, height * width)  # (N, H*W) raster order
            seqs = flat[:, order, None]  # (N, T=H*W, 1) the pixels as read
            where = f"for {kind} order on {n} images of {height}x{width}"
            got, verdict = run_at(
                fn, exercise, where, *readonly(seqs, order), (height, width)
            )
            if verdict is not None:
                return verdict
            stream = seqs[..., 0]  # (N, H*W) in reading order
            mistakes = [
                (
                    stream[:, order].reshape(n, height, width),
                    "you gathered with the order again (seqs[:, order]): that reads the pixels in the "
                    "order a second time instead of undoing it.",
                    "Step t holds pixel order[t], so it must go back to position order[t]: scatter "
                    "(out[:, order] = ...) or gather with the inverse permutation np.argsort(order).",
                ),
                (
                    stream.reshape(n, height, width),
                    "you only reshaped the sequence: the pixels are still in reading order.",
                    "Put step t back at flat position order[t] before reshaping to (N, H, W).",
                ),
                (
                    images.transpose(0, 2, 1),
                    f"your images are transposed (shape (N, W, H) = {(n, width, height)}).",
                    "Flat index k is pixel (k // W, k % W): reshape to (N, H, W) in C order.",
                ),
                (
                    flat.reshape(n, width, height),
                    f"your images have shape (N, W, H) = {(n, width, height)}: image_shape is (H, W).",
                    "Reshape to (N, H, W) with H, W = image_shape.",
                ),
                (
                    flat,
                    f"you returned flat images of shape {(n, height * width)}.",
                    "Reshape the restored pixels to (N, H, W) with the given image_shape.",
                ),
                (
                    flat[:, :, None],
                    f"you returned shape {(n, height * width, 1)}: the raster sequence, not the images.",
                    "Reshape the restored pixels to (N, H, W) with the given image_shape.",
                ),
            ]
            problem = compare_any_shape(got, images, "your images", mistakes)
            if problem is not None:
                return _fail_at(exercise, where, problem)
    if uses_python_loop(fn):
        return failed(
            exercise,
            "your images are right, but your function uses a Python loop (for, while or a comprehension).",
            "Index with the whole order array at once: one scatter or one gather does all pixels.",
        )
    return passed(
        exercise,
        "Any scan order is a permutation of the pixels, and np.argsort(order) undoes it.",
    )


# ------------------------------------------------------------------------ Exercise 5

#: (B, T, I, H) of the RNN forward checker: all different, unlike the chapter's sizes.
RNN_SIZES = ((3, 5, 2, 4), (4, 3, 1, 6), (2, 7, 5, 3))


def _rnn_problem(seed: int, batch: int, steps: int, n_in: int, hidden: int):
    rng = np.random.default_rng(seed)
    params = {
        k: rng.normal(0.0, 0.6, size=v.shape)
        for k, v in ref.init_params("rnn", n_in, hidden).items()
    }
    x = rng.normal(size=(batch, steps, n_in))  # (B, T, I)
    h0 = rng.normal(0.0, 0.5, size=(batch, hidden))  # (B, H)
    lengths = rng.integers(1, steps + 1, size=batch)  # (B,)
    lengths[0], lengths[-1] = (
        steps,
        rng.integers(1, steps),
    )  # one full-length, one shorter sequence
    return x, h0, lengths, params


def _rnn_loop(
    x,
    h0,
    lengths,
    params,
    *,
    after="keep",
    last=None,
    recurrent=True,
    w_hh=None,
    bias=None,
):
    """The forward pass written as a loop, with switches that reproduce common mistakes.

    ``after``: what a finished sequence's state does ("keep" it, become "zero", or
    "run" on as if ``lengths`` were ignored); ``last`` is the mask's last step offset.
    """
    w_hh = params["weight_hh"] if w_hh is None else w_hh
    bias = params["bias_ih"] + params["bias_hh"] if bias is None else bias
    limit = lengths if last is None else lengths + last
    h = h0
    hs = []
    for t in range(x.shape[1]):
        a = x[:, t] @ params["weight_ih"].T + bias
        h_new = np.tanh(a + h @ w_hh.T) if recurrent else np.tanh(a)
        active = (t < limit)[:, None]  # (B, 1)
        if after == "run":
            h = h_new
        elif after == "zero":
            h = np.where(active, h_new, 0.0)
        else:
            h = np.where(active, h_new, h)
        hs.append(h)
    return np.stack(hs, axis=1)  # (B, T, H)


@checker("RNN over sequences of different lengths")
def check_rnn_forward(fn: Callable) -> Verdict:
    """Check ``fn(x, h0, lengths, params) -> hs``: a vanilla RNN over sequences of different lengths.

    ``x (B, T, I)``, ``h0 (B, H)``, integer ``lengths (B,)`` with ``1 <= lengths[b] <= T``;
    ``params`` as in ``torch.nn.RNN`` (``weight_ih (H, I)``, ``weight_hh (H, H)``,
    ``bias_ih, bias_hh (H,)``). Sequence ``b`` has only ``lengths[b]`` real steps; after its
    end its state stays at its last value. The answer is every hidden state
    ``hs (B, T, H)``, so ``hs[:, -1]`` is each sequence's own final state. Compared with
    :func:`rnntutor.reference.forward` run on each sequence cut to its length;
    ``ref.forward`` and ``torch.nn`` may not be used.
    """
    exercise = "RNN over sequences of different lengths"
    banned = forbidden_call(
        fn, ("forward", "RNN", "RNNCell", "pack_padded_sequence")
    )
    if banned is not None:
        return failed(
            exercise,
            f"your function uses `{banned}`: write the loop over time steps yourself.",
            "You may call ref.rnn_step for one step, or write the step out.",
        )
    for seed in SEEDS:
        for B, T, n_in, H in RNN_SIZES:
            x, h0, lengths, params = _rnn_problem(seed, B, T, n_in, H)
            where = f"for B={B}, T={T}, I={n_in}, H={H}, lengths={lengths.tolist()}"
            got, verdict = run_at(
                fn,
                exercise,
                where,
                *readonly(x, h0, lengths),
                readonly_dict(params),
            )
            if verdict is not None:
                return verdict
            # Oracle: the package's forward on each sequence cut to its own length, then held.
            expected = np.empty((B, T, H))
            for b, n in enumerate(lengths):
                hs_b, _ = ref.forward(
                    "rnn", params, x[b : b + 1, :n], h0[b : b + 1]
                )  # (1, n, H)
                expected[b, :n] = hs_b[0]
                expected[b, n:] = hs_b[0, -1]
            mistakes = [
                (
                    _rnn_loop(x, h0, lengths, params, after="run"),
                    "your states keep changing after a sequence has ended: lengths is ignored.",
                    "Update only the rows whose sequence is still running (t < lengths[b]); keep the others.",
                ),
                (
                    _rnn_loop(x, h0, lengths, params, after="zero"),
                    "your states become zero after a sequence has ended; they should keep their last value.",
                    "Where t >= lengths[b], carry h_{t-1} over (np.where with a (B, 1) mask).",
                ),
                (
                    _rnn_loop(x, h0, lengths, params, last=1),
                    "each of your sequences runs one step too long (t <= lengths[b]).",
                    "Sequence b has steps t = 0 ... lengths[b] - 1.",
                ),
                (
                    _rnn_loop(x, h0, lengths, params, last=-1),
                    "each of your sequences stops one step too early (t < lengths[b] - 1).",
                    "Sequence b has steps t = 0 ... lengths[b] - 1.",
                ),
                (
                    expected[:, -1],
                    f"you returned only the final states (shape {(B, H)}); the exercise asks for all of them.",
                    "Collect h after every step and stack them along axis 1: (B, T, H).",
                ),
                (
                    expected.transpose(1, 0, 2),
                    "time comes first in your answer (shape (T, B, H)); the package is batch first.",
                    "Stack the states along axis 1 (np.stack(hs, axis=1)).",
                ),
                (
                    _rnn_loop(x, np.zeros_like(h0), lengths, params),
                    "you started from zeros instead of h0.",
                    "The first step uses h_{t-1} = h0.",
                ),
                (
                    _rnn_loop(x, h0, lengths, params, recurrent=False),
                    "your states do not depend on the previous state: W_hh h_{t-1} is missing.",
                    "Each step adds h_{t-1} @ W_hh.T (+ b_hh) and feeds the new h into the next step.",
                ),
                (
                    _rnn_loop(
                        x, h0, lengths, params, w_hh=params["weight_hh"].T
                    ),
                    "you multiplied h_{t-1} by W_hh instead of W_hh transposed.",
                    "With row vectors, W_hh h_{t-1} is written h_prev @ weight_hh.T.",
                ),
                (
                    _rnn_loop(x, h0, lengths, params, bias=params["bias_ih"]),
                    "the bias b_hh is missing.",
                    "torch.nn.RNN has two bias vectors; both are added: ... + bias_ih + bias_hh.",
                ),
            ]
            problem = compare_any_shape(
                got, expected, "your hidden states", mistakes
            )
            if problem is not None:
                return _fail_at(exercise, where, problem)
    return passed(
        exercise,
        "Finished sequences keep their state, so hs[:, -1] is every sequence's own h at its end.",
    )


# ------------------------------------------------------------------------ Exercise 6


def _decay_loop(x: np.ndarray, a: float) -> np.ndarray:
    """``h_t = a h_{t-1} + x_t`` from ``h_0 = 0``, written as a loop (the oracle)."""
    h = np.zeros_like(x[:, 0])
    hs = []
    for t in range(x.shape[1]):
        h = a * h + x[:, t]
        hs.append(h)
    return np.stack(hs, axis=1)


@checker("Linear recurrence without a loop")
def check_decay_recurrence(fn: Callable) -> Verdict:
    """Check ``fn(x, a) -> hs``: ``h_t = a h_{t-1} + x_t`` from ``h_0 = 0``, without a Python loop.

    ``x (B, T, F)``, a number ``0 < a < 1``; ``hs (B, T, F)`` holds ``h_1 ... h_T``, that is
    ``h_t = Σ_{k<=t} a^{t-k} x_k``. The function's source must contain no ``for``/``while``
    loop or comprehension.
    """
    exercise = "Linear recurrence without a loop"
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for (B, T, F), a in zip(
            ((2, 6, 3), (3, 9, 1), (1, 4, 5)), (0.8, 0.55, 0.9), strict=True
        ):
            x = rng.normal(size=(B, T, F))  # (B, T, F)
            where = f"for x of shape {(B, T, F)} and a = {a}"
            got, verdict = run_at(fn, exercise, where, *readonly(x), a)
            if verdict is not None:
                return verdict
            expected = _decay_loop(x, a)
            k = np.arange(T)
            mistakes = [
                (
                    np.cumsum(x, axis=1),
                    "the decay is missing: you returned the running sum of the inputs.",
                    "Input x_k reaches h_t multiplied by a once per step in between: a**(t - k).",
                ),
                (
                    _decay_loop(x, a) * a,
                    "every term has one factor a too many (a**(t - k + 1)).",
                    "x_t enters h_t unscaled: its weight is a**0 = 1.",
                ),
                (
                    np.cumsum(x * a ** k[None, :, None], axis=1),
                    "your weights grow with k instead of shrinking with the distance t - k.",
                    "The weight of x_k in h_t is a**(t - k): recent inputs weigh most.",
                ),
                (
                    expected[:, -1],
                    f"you returned only the last state (shape {(B, F)}); the exercise asks for all of them.",
                    "Return h_1 ... h_T, shape (B, T, F).",
                ),
                (
                    np.concatenate(
                        [np.zeros((B, 1, F)), expected[:, :-1]], axis=1
                    ),
                    "your states are one step late: they start with h_0 = 0.",
                    "hs[:, t] is the state after reading x[:, t] (h_1 first).",
                ),
            ]
            problem = compare_any_shape(got, expected, "your states", mistakes)
            if problem is not None:
                return _fail_at(exercise, where, problem)
    loops = uses_python_loop(fn)
    if loops:
        return failed(
            exercise,
            "your states are right, but your function uses a Python loop (for, while or a comprehension).",
            "Build the T x T matrix of weights a**(t - k) (zero above the diagonal) and apply it with "
            "one matrix product or np.einsum.",
        )
    return passed(
        exercise,
        "An input k steps back weighs a**k: the memory of a linear recurrence fades geometrically.",
    )
