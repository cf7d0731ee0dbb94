"""Run NumPy's BLAS on one thread while the reference works on small matrices.

The reference's matrices are small (tens to hundreds of rows). Extra BLAS threads then
only add synchronisation, and on a busy machine (other processes on every core) a
multi-threaded OpenBLAS can be ten times slower than a single thread.
"""

from __future__ import annotations

import contextlib


def one_blas_thread():
    """Context manager limiting NumPy's BLAS to one thread (no-op without ``threadpoolctl``)."""
    try:
        from threadpoolctl import threadpool_limits
    except (
        ImportError
    ):  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
