"""Automatic checkers for the book's exercises, one module per chapter.

A checker calls the learner's function on test inputs, compares it with the
package's own answer and prints a verdict. It returns a :class:`Verdict`, true when the
exercise is solved, so tests and notebooks can ``assert`` on it; in a notebook the
verdict shows only the printed message, not a bare ``True`` or ``False``. A checker
never raises because of the learner's code: an exception becomes a message that says
what went wrong and how to fix it.
"""

from __future__ import annotations

import ast
import functools
import inspect
import math
import numbers
import textwrap
import warnings
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
        return (
            bool(other) == self.solved
            if isinstance(other, (bool, Verdict))
            else NotImplemented
        )

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
    if not callable(fn):
        raise LearnerError(
            f"expected your function, got {type(fn).__name__} {_short(fn)}."
        )
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as exc:
        raise LearnerError("not implemented yet.") from exc
    except ValueError as exc:
        if "read-only" in str(exc):
            raise LearnerError(
                "your function modified one of its input arrays in place (they are read-only here). "
                "Compute a new array instead, e.g. h = h_prev * z rather than h_prev *= z."
            ) from exc
        raise LearnerError(f"your function raised ValueError: {exc}") from exc
    except Exception as exc:
        raise LearnerError(
            f"your function raised {type(exc).__name__}: {exc}"
        ) from exc


def compare_arrays(
    got: Any, expected: np.ndarray, what: str, atol: float = 1e-8
) -> str | None:
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


def run_learner(
    fn: Callable[..., Any], exercise: str, *args
) -> tuple[Any, Verdict | None]:
    """Call the learner's ``fn``: ``(result, None)``, or ``(None, failed verdict)`` if it raised."""
    try:
        return call_learner(fn, *args), None
    except LearnerError as exc:
        return None, failed(exercise, str(exc))


def as_numpy(x: Any) -> Any:
    """A torch tensor as a NumPy array (detached, on the CPU); anything else unchanged."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        try:
            x = x.detach().cpu()
            if str(x.dtype) in ("torch.bfloat16", "torch.float16"):
                x = x.float()  # NumPy has no bfloat16
            return x.numpy()
        except Exception:  # not a real tensor, or one NumPy cannot hold
            return x
    return x


def diagnose(
    got,
    expected: np.ndarray,
    what: str,
    mistakes,
    *,
    atol: float = 1e-8,
    rtol: float = 1e-5,
):
    """``None`` if ``got`` equals ``expected`` (within ``atol``); else ``(why, hint)``.

    ``mistakes`` lists ``(wrong_answer, why, hint)``: a learner's result equal to one of
    the wrong answers (``np.allclose`` with ``atol``, ``rtol``) gets that specific
    explanation instead of a generic difference. Tensors are compared as arrays.
    """
    got = as_numpy(got)
    if got is None:
        return (
            "your function returned None.",
            "Did you forget the `return` statement?",
        )
    reason = compare_arrays(got, expected, what, atol=atol)
    if reason is None:
        return None
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return reason, ""
    for wrong, why, hint in mistakes:
        wrong = np.asarray(wrong, dtype=np.float64)
        if got_arr.shape == wrong.shape and np.allclose(
            got_arr, wrong, atol=atol, rtol=rtol
        ):
            return why, hint
    return reason, ""


# --------------------------------------------------------------------------------------
# Robust reading of whatever the learner returns, tolerances that follow its dtype, and
# the constraints an exercise states. Every function here returns a message instead of
# raising, so a checker built on them never shows a traceback.

#: Absolute/relative tolerances for a learner's float64 and float32 (or float16) results.
TOL64 = (1e-10, 1e-8)
TOL32 = (1e-5, 1e-4)


def _short(x: Any, limit: int = 60) -> str:
    """A one-line, length-limited ``repr`` for messages (never raises)."""
    try:
        text = repr(x)
    except Exception:
        text = f"<{type(x).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def learner_array(
    got: Any, what: str, shape: tuple | None = None
) -> tuple[np.ndarray | None, tuple | None]:
    """Read a learner's array result: ``(array, None)`` or ``(None, (why, hint))``.

    Accepts NumPy arrays, torch tensors on any device, lists and numbers. Refuses, with
    a message, ``None``, strings, dicts, ragged lists, booleans, complex or object
    arrays, a wrong ``shape`` (naming a transpose when that is what happened) and
    NaN or infinite values.
    """
    got = as_numpy(got)
    if got is None:
        return None, (
            f"your function returned None instead of {what}.",
            "Did you forget the `return` statement?",
        )
    if isinstance(got, (str, bytes)):
        return None, (
            f"your function returned a string ({_short(got)}) instead of {what}.",
            "Return numbers.",
        )
    if isinstance(got, dict):
        return None, (
            f"your function returned a dict (keys {_short(list(got))}) instead of {what}.",
            "",
        )
    if isinstance(got, bool) or isinstance(got, np.bool_):
        return None, (
            f"your function returned the boolean {got} instead of {what}.",
            "",
        )
    try:
        with np.errstate(all="ignore"):
            arr = np.asarray(got)
    except Exception:
        arr = None
    if arr is None or arr.dtype == object:
        kind = (
            "ragged (rows of different lengths) or mixed "
            if isinstance(got, (list, tuple))
            else ""
        )
        return None, (
            f"your function returned a {kind}{type(got).__name__} that is not an array of numbers.",
            "",
        )
    if arr.dtype.kind == "b":
        return None, (
            f"{what} is a boolean array; expected numbers.",
            "Convert with .astype(float) if you meant 0/1.",
        )
    if arr.dtype.kind not in "iuf":
        return None, (
            f"{what} has dtype {arr.dtype}; expected real numbers.",
            "",
        )
    if shape is not None and arr.shape != tuple(shape):
        hint = ""
        if arr.ndim == 2 and arr.shape == tuple(shape)[::-1]:
            hint = "It looks transposed: check the layout (batch first, row vectors)."
        elif arr.size == math.prod(shape):
            hint = "It has the right number of values in the wrong shape: check your reshape/transpose."
        return None, (
            f"{what} has shape {arr.shape}, expected {tuple(shape)}.",
            hint,
        )
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        return None, (
            f"{what} contains NaN or infinite values ({n_bad} of {arr.size}).",
            "Look for overflow or 0/0.",
        )
    return arr, None


def tolerances(
    arr: np.ndarray, tol64: tuple = TOL64, tol32: tuple = TOL32
) -> tuple[float, float]:
    """``(atol, rtol)`` that follow the learner's dtype: float32/16 get the looser pair."""
    return tol32 if arr.dtype.kind == "f" and arr.dtype.itemsize < 8 else tol64


def compare_result(
    got: Any,
    expected: np.ndarray,
    what: str,
    mistakes=(),
    *,
    tol64: tuple = TOL64,
    tol32: tuple = TOL32,
) -> tuple | None:
    """``None`` when ``got`` equals ``expected`` within tolerances of the learner's dtype; else ``(why, hint)``.

    A float64 result that is right only to float32 precision is told exactly that.
    ``mistakes`` lists ``(wrong_answer, why, hint)`` recognised for specific feedback.
    """
    expected = np.asarray(expected, dtype=np.float64)
    arr, problem = learner_array(got, what, expected.shape)
    if problem is not None:
        return problem
    atol, rtol = tolerances(arr, tol64, tol32)
    values = arr.astype(np.float64)
    if np.allclose(values, expected, atol=atol, rtol=rtol):
        return None
    for wrong, why, hint in mistakes:
        wrong = np.asarray(wrong, dtype=np.float64)
        loose = {"atol": max(atol, tol32[0]), "rtol": max(rtol, tol32[1])}
        if wrong.shape == values.shape and np.allclose(values, wrong, **loose):
            return why, hint
    err = float(np.max(np.abs(values - expected)))
    if tolerances(arr, tol64, tol32) == tol64 and np.allclose(
        values, expected, atol=tol32[0], rtol=tol32[1]
    ):
        return (
            f"{what} is right only to float32 precision (largest error {err:.1e}); this exercise works in float64.",
            "Keep the inputs' dtype: do not cast to float32 (torch.tensor(x) keeps float64, torch.float32 does not).",
        )
    bad = np.argwhere(~np.isclose(values, expected, atol=atol, rtol=rtol))
    first = tuple(int(i) for i in bad[0]) if values.ndim else ()
    return (
        f"{what} differs from the expected result at {len(bad)} of {values.size} position(s) (largest error "
        f"{err:.3g}); first at index {first}: got {values[first]:.6g}, expected {expected[first]:.6g}.",
        "",
    )


def learner_number(
    got: Any, what: str, *, integer: bool = False
) -> tuple[float | int | None, tuple | None]:
    """Read a learner's scalar result: ``(value, None)`` or ``(None, (why, hint))``.

    Accepts Python and NumPy numbers, 0-d arrays and one-element tensors. Refuses
    ``None``, booleans, strings, containers, NaN/inf, and (``integer=True``) fractions.
    """
    got = as_numpy(got)
    if isinstance(got, np.ndarray):
        if got.size != 1:
            return None, (
                f"{what} should be a single number; your function returned an array of shape {got.shape}.",
                "",
            )
        got = got.reshape(()).item()
    if got is None:
        return None, (
            f"your function returned None instead of {what}.",
            "Did you forget the `return` statement?",
        )
    if isinstance(got, (bool, np.bool_)):
        return None, (
            f"your function returned the boolean {got} instead of {what}.",
            "",
        )
    if not isinstance(got, numbers.Real):
        return None, (
            f"{what} should be a number; your function returned {type(got).__name__} {_short(got)}.",
            "",
        )
    if isinstance(got, numbers.Integral):
        return int(got), None
    value = float(got)
    if not math.isfinite(value):
        return None, (f"{what} is {value}; expected a finite number.", "")
    if integer:
        if value != int(value):
            return None, (
                f"{what} should be a whole number; got {value!r}.",
                "",
            )
        return int(value), None
    return value, None


def readonly(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Copies of ``arrays`` that raise on in-place writes (so mutation of inputs is caught)."""
    out = []
    for a in arrays:
        a = np.array(a, copy=True)
        a.flags.writeable = False
        out.append(a)
    return tuple(out)


def readonly_dict(params: dict) -> dict:
    """A new dict whose NumPy arrays are read-only copies (``readonly`` for a params dict)."""
    return {
        k: readonly(v)[0] if isinstance(v, np.ndarray) else v
        for k, v in params.items()
    }


_LOOPS = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def uses_python_loop(fn: Callable) -> bool | None:
    """True if ``fn``'s source has a ``for``/``while`` loop or a comprehension; None if unknown."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
    except Exception:
        return None  # no source (built-in, or defined in a way inspect cannot see)
    return any(isinstance(node, _LOOPS) for node in ast.walk(tree))


def names_used(fn: Callable) -> set[str] | None:
    """Names and attribute names that ``fn``'s source mentions (``None`` without source)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except Exception:
        return None
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
    return found


def checker(exercise: str) -> Callable:
    """Decorate a checker so it never raises: an internal error becomes a ❌ message.

    Also refuses, with a message, something that is not a function in place of the
    learner's function.
    """

    def decorate(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
        @functools.wraps(check)
        def guarded(fn=None, *args, **kwargs) -> Verdict:
            if not callable(fn):
                return failed(
                    exercise,
                    f"pass your function itself (got {type(fn).__name__} {_short(fn)}).",
                )
            try:
                with warnings.catch_warnings():
                    # the checker hands over read-only arrays on purpose (to catch
                    # in-place writes); torch.as_tensor / from_numpy of one warns
                    # about it, which would puzzle a learner whose answer is right
                    warnings.filterwarnings(
                        "ignore",
                        message="The given NumPy array is not writable",
                        category=UserWarning,
                    )
                    verdict = check(fn, *args, **kwargs)
            except Exception as exc:  # the learner's result broke an assumption of the checker
                return failed(
                    exercise,
                    f"your answer could not be checked ({type(exc).__name__}: {_short(str(exc), 120)}).",
                    "Return exactly what the exercise asks for (type and shape).",
                )
            return (
                verdict
                if isinstance(verdict, Verdict)
                else Verdict(bool(verdict))
            )

        return guarded

    return decorate
