"""Input checks shared by the package: clear errors instead of silent broadcasting.

Every public function that takes arrays calls these, so a wrong shape, dtype or a NaN
produces a message that names what was expected and what was given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_array(
    x,
    name: str,
    *,
    shape: Sequence[int | str | None] | None = None,
    dtypes: Sequence[type | str] | None = None,
    finite: bool = True,
) -> np.ndarray:
    """Return ``x`` as a NumPy array after checking it.

    ``shape`` lists the expected size of each axis: an int must match exactly,
    a string names a free size (it appears in the message, e.g. ``"B"``), ``None``
    accepts anything. ``dtypes`` lists accepted dtype kinds or types
    (e.g. ``("f",)`` for any float). ``finite`` rejects NaN and infinity.
    """
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except Exception as exc:  # pragma: no cover - numpy rarely refuses
            raise TypeError(
                f"{name} must be array-like, got {type(x).__name__}"
            ) from exc
    if x.dtype == object:
        raise TypeError(f"{name} must be a numeric array, got dtype object")
    if shape is not None:
        expected = (
            "(" + ", ".join("?" if s is None else str(s) for s in shape) + ")"
        )
        if x.ndim != len(shape):
            raise ValueError(
                f"{name} must have shape {expected} ({len(shape)} dims), got shape {x.shape}"
            )
        for axis, (want, got) in enumerate(zip(shape, x.shape, strict=True)):
            if isinstance(want, int) and want != got:
                raise ValueError(
                    f"{name} must have shape {expected}, got shape {x.shape} (axis {axis} is {got}, expected {want})"
                )
    if dtypes is not None:
        ok = any(
            (x.dtype.kind == d)
            if isinstance(d, str)
            else np.issubdtype(x.dtype, d)
            for d in dtypes
        )
        if not ok:
            raise TypeError(
                f"{name} must have dtype in {list(map(str, dtypes))}, got {x.dtype}"
            )
    if finite and x.dtype.kind in "fc" and not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        raise ValueError(
            f"{name} contains {bad} non-finite value(s) (NaN or inf)"
        )
    return x


def check_same_size(sizes: dict[str, int], what: str) -> int:
    """Check that all named sizes agree (e.g. the batch size of ``x`` and ``h0``)."""
    values = set(sizes.values())
    if len(values) > 1:
        listed = ", ".join(f"{k}={v}" for k, v in sizes.items())
        raise ValueError(f"mismatched {what}: {listed}")
    return values.pop()
