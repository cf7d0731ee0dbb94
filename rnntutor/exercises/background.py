"""Checkers for Chapter 1 (Background): reading an image as a sequence.

Each checker calls the learner's function on small test images whose pixel values are
all different, compares the result with :mod:`rnntutor.data` (the package's one place
for image-to-sequence views) and recognises the usual mistakes: reading columns instead
of rows, forgetting the feature axis, putting time first, reversing the wrong rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnntutor import data
from rnntutor.exercises import Verdict, diagnose, failed, passed, run_learner

__all__ = ["check_row_view", "check_pixel_view", "check_snake_order"]


def _test_images(n: int = 2, height: int = 3, width: int = 5) -> np.ndarray:
    """Non-square images (N, H, W) in [0, 1] whose pixels all differ, so any mix-up shows."""
    size = n * height * width
    return (np.arange(size, dtype=np.float32) / size).reshape(n, height, width)


def _time_first(expected: np.ndarray) -> tuple[np.ndarray, str, str]:
    """The mistake of returning ``(T, N, F)`` instead of the batch-first ``(N, T, F)``."""
    return (
        expected.transpose(1, 0, 2),
        "time comes first in your answer (shape (T, N, F)); the package is batch first.",
        f"Keep the image axis first: the answer has shape (N, T, F) = {expected.shape}.",
    )


def check_row_view(fn: Callable[[np.ndarray], np.ndarray]) -> Verdict:
    """Check ``fn(images) -> sequences``: the rows view, one image row per time step.

    ``images`` has shape ``(N, H, W)``; the answer must have shape ``(N, T=H, F=W)``
    with ``answer[n, t] == images[n, t, :]`` (batch first, time second).
    """
    exercise = "Row view"
    images = _test_images()  # (2, 3, 5): not square, so a transpose changes the shape
    n, height, width = images.shape
    got, verdict = run_learner(fn, exercise, images.copy())
    if verdict is not None:
        return verdict
    expected = data.to_sequence(images, order="rows")  # (N, H, W)
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
    ]
    problem = diagnose(got, expected, "your sequence", mistakes)
    if problem is not None:
        return failed(exercise, *problem)
    return passed(exercise, f"An (N, H, W) image batch becomes {height} steps of {width} features each.")


def check_pixel_view(fn: Callable[[np.ndarray], np.ndarray]) -> Verdict:
    """Check ``fn(images) -> sequences``: the pixel (raster) view, one pixel per step.

    ``images`` has shape ``(N, H, W)``; the answer must have shape ``(N, T=H*W, F=1)``,
    pixels in raster order (row by row, left to right within a row).
    """
    exercise = "Pixel view"
    images = _test_images()
    n, height, width = images.shape
    got, verdict = run_learner(fn, exercise, images.copy())
    if verdict is not None:
        return verdict
    expected = data.to_sequence(images, order="pixels")  # (N, H*W, 1)
    column_major = images.transpose(0, 2, 1).reshape(n, height * width, 1)
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
    problem = diagnose(got, expected, "your sequence", mistakes)
    if problem is not None:
        return failed(exercise, *problem)
    return passed(exercise, f"A {height}x{width} image becomes {height * width} steps of 1 feature.")


def check_snake_order(fn: Callable[[int, int], np.ndarray]) -> Verdict:
    """Check ``fn(height, width) -> order``: the snake (boustrophedon) scan order.

    ``order[t]`` is the flat (row-major) index ``r * width + c`` of the pixel read at
    step ``t``: row 0 left to right, row 1 right to left, row 2 left to right, ...
    The answer is compared with :func:`rnntutor.data.scan_order` on several shapes.
    """
    exercise = "Snake order"
    for height, width in [(3, 4), (4, 3), (5, 5)]:
        got, verdict = run_learner(fn, exercise, height, width)
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
        ]
        if height != width:
            mistakes.append(
                (
                    data.scan_order((width, height), "snake"),
                    "your order is the snake of a width x height image: height and width are swapped.",
                    "The first argument is the number of rows (height), the second the row length (width).",
                )
            )
        problem = diagnose(got, expected, "your order", mistakes)
        if problem is not None:
            why, hint = problem
            return failed(exercise, f"for a {height}x{width} image, {why}", hint)
    return passed(exercise, "Neighbouring steps are now always neighbouring pixels, also at the end of a row.")
