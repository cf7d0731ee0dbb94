"""Automatic checkers for the book's exercises, one module per chapter.

A checker calls the learner's function on test inputs, compares it with the
package's own answer and prints a verdict. It returns a :class:`Verdict`, true when the
exercise is solved, so tests and notebooks can ``assert`` on it; in a notebook the
verdict shows only the printed message, not a bare ``True`` or ``False``. A checker
never raises because of the learner's code: an exception becomes a message that says
what went wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class Verdict:
    """What a checker returns: true when the exercise is solved (``bool(verdict)``).

    It behaves like the ``bool`` it wraps (``assert``, ``if``, ``==``), and a notebook
    displays nothing for it: the checker has already printed its message.
    """

    def __init__(self, solved: bool):
        self.solved = bool(solved)

    def __bool__(self) -> bool:
        return self.solved

    def __eq__(self, other) -> bool:
        return bool(other) == self.solved if isinstance(other, (bool, Verdict)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.solved)

    def __repr__(self) -> str:
        return f"Verdict(solved={self.solved})"

    def _ipython_display_(self) -> None:
        """Show nothing: the message printed by the checker is the verdict a reader sees."""


def passed(exercise: str, detail: str = "") -> Verdict:
    """Print the success line of ``exercise`` and return a true :class:`Verdict`."""
    print(f"✅ {exercise}: correct." + (f" {detail}" if detail else ""))
    return Verdict(True)


def failed(exercise: str, why: str, hint: str = "") -> Verdict:
    """Print why ``exercise`` is not solved yet (and a hint) and return a false :class:`Verdict`."""
    print(f"❌ {exercise}: {why}" + (f"\n   Hint: {hint}" if hint else ""))
    return Verdict(False)


class LearnerError(Exception):
    """The learner's function raised; the message explains what happened."""


def call_learner(fn: Callable[..., Any], *args, **kwargs) -> Any:
    """Call the learner's ``fn``; turn any exception into a readable ``LearnerError``."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as exc:
        raise LearnerError("not implemented yet (the function still raises NotImplementedError).") from exc
    except Exception as exc:
        raise LearnerError(f"your function raised {type(exc).__name__}: {exc}") from exc


def compare_arrays(got: Any, expected: np.ndarray, what: str, atol: float = 1e-8) -> str | None:
    """Return ``None`` if ``got`` equals ``expected`` (shape and values), else the reason."""
    try:
        got = np.asarray(got)
    except Exception:
        return f"{what} should be an array, got {type(got).__name__}"
    if got.shape != expected.shape:
        return f"{what} has shape {got.shape}, expected {expected.shape}"
    if got.dtype.kind not in "biuf" and expected.dtype.kind in "biuf":
        return f"{what} has dtype {got.dtype}, expected a numeric array"
    if not np.allclose(got, expected, atol=atol, rtol=0):
        bad = np.argwhere(~np.isclose(got, expected, atol=atol, rtol=0))
        first = tuple(int(i) for i in bad[0])
        return (
            f"{what} differs at {len(bad)} position(s); first at index {first}: "
            f"got {got[first]!r}, expected {expected[first]!r}"
        )
    return None


def run_learner(fn: Callable[..., Any], exercise: str, *args) -> tuple[Any, Verdict | None]:
    """Call the learner's ``fn``: ``(result, None)``, or ``(None, failed verdict)`` if it raised."""
    try:
        return call_learner(fn, *args), None
    except LearnerError as exc:
        return None, failed(exercise, str(exc))


def as_numpy(x: Any) -> Any:
    """A torch tensor as a NumPy array (detached, on the CPU); anything else unchanged."""
    return x.detach().cpu().numpy() if hasattr(x, "detach") and hasattr(x, "cpu") else x


def diagnose(got, expected: np.ndarray, what: str, mistakes, *, atol: float = 1e-8, rtol: float = 1e-5):
    """``None`` if ``got`` equals ``expected`` (within ``atol``); else ``(why, hint)``.

    ``mistakes`` lists ``(wrong_answer, why, hint)``: a learner's result equal to one of
    the wrong answers (``np.allclose`` with ``atol``, ``rtol``) gets that specific
    explanation instead of a generic difference. Tensors are compared as arrays.
    """
    got = as_numpy(got)
    if got is None:
        return "your function returned None.", "Did you forget the `return` statement?"
    reason = compare_arrays(got, expected, what, atol=atol)
    if reason is None:
        return None
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return reason, ""
    for wrong, why, hint in mistakes:
        wrong = np.asarray(wrong, dtype=np.float64)
        if got_arr.shape == wrong.shape and np.allclose(got_arr, wrong, atol=atol, rtol=rtol):
            return why, hint
    return reason, ""
