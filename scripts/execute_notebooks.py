"""Re-execute book notebooks in place, saving outputs and widget state.

Usage: python scripts/execute_notebooks.py [book/NOTEBOOK.ipynb ...]   (default: all)

Notebooks are committed executed: the book is built from these outputs and nbval
compares against them. Widget state is stored so widgets show on the static site.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path, timeout: int = 300) -> float:
    """Execute one notebook in its own folder and write it back; return seconds taken."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    client.execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
    os.environ.setdefault(
        "MPLBACKEND", "module://matplotlib_inline.backend_inline"
    )
    paths = [Path(a).resolve() for a in argv] or sorted(
        (ROOT / "book").rglob("*.ipynb")
    )
    paths = [
        p
        for p in paths
        if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts
    ]
    for path in paths:
        for attempt in (
            1,
            2,
        ):  # a kernel that stops answering is a timeout, not a hang
            try:
                seconds = execute(path)
                break
            except TimeoutError as exc:
                if attempt == 2:
                    raise
                print(
                    f"{path.relative_to(ROOT)}: {type(exc).__name__}: {exc}; executing it again"
                )
        print(
            f"executed {path.relative_to(ROOT)} in {seconds:.1f} s", flush=True
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
