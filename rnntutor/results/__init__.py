"""Measured results that the book shows, stored inside the package.

A chapter reads nothing outside itself: a notebook downloaded on its own, or opened in
Colab with the package installed from the repository, shows the same tables as the
site. So every result a chapter shows is a JSON record in this folder, written by the
script or command that measured it, next to the code that produced it:

``bench_lstm_cpu``, ``bench_lstm_gpu``
    ``rnntutor bench ... --json rnntutor/results/bench_lstm_cpu.json`` (or
    ``python benchmarks/bench_lstm.py``, the same code); :mod:`rnntutor.performance.bench`.
    Shown in the Performance appendix.
``bench_numpy_lstm``
    ``python benchmarks/bench_numpy_lstm.py --threads 1 --json
    rnntutor/results/bench_numpy_lstm.json``. Shown in Chapter 2.
``classification``
    ``python scripts/eval_classification.py --threads 1`` (writes here by default).
    Shown in Chapter 4.
``challenges_adding``, ``challenges_overfitting``
    ``python scripts/eval_challenges.py --experiment adding|overfitting --seeds 0 1 2
    --threads 1``: Chapter 5's experiments over several seeds (mean ± sd). Shown in
    Chapter 5.
``draw_mnist5k``
    ``python scripts/eval_draw.py <checkpoints of scripts/train_draw.py>``: DRAW's
    -ELBO and IW-NLL on the MNIST-5k test set, with and without attention. Shown in
    Chapter 3c.

Every record names the ``command`` that made it, the ``machine`` it ran on and the
``date``; :func:`load` checks that they are there and :func:`provenance` says them in
one short paragraph. Re-running a command overwrites its record; re-execute the
chapter to show the new numbers.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
"""The folder of the stored records (inside the installed package)."""

REQUIRED = ("command", "date", "machine")
"""Keys that every record has: what made it, when, and where."""


class UnknownResultError(KeyError, ValueError):
    """No stored record of that name (a ``KeyError``, and a ``ValueError`` for older callers)."""

    def __str__(self) -> str:  # the message, not KeyError's quoted repr of it
        return str(self.args[0]) if self.args else ""


def names(folder: Path | None = None) -> list[str]:
    """Names of the records stored in ``folder`` (default :data:`FOLDER`), sorted, without ``.json``."""
    return sorted(p.stem for p in Path(folder or FOLDER).glob("*.json"))


def path(name: str, folder: Path | None = None) -> Path:
    """Where the record ``name`` is stored in ``folder`` (default :data:`FOLDER`); scripts write there.

    >>> path("classification").name
    'classification.json'
    """
    if (
        not isinstance(name, str)
        or not name
        or "/" in name
        or "\\" in name
        or name.startswith(".")
    ):
        raise ValueError(
            f"a result name is a plain name such as 'classification', got {name!r}"
        )
    return Path(folder or FOLDER) / f"{name.removesuffix('.json')}.json"


def read(name: str, folder: Path | None = None) -> dict:
    """Return the record ``name`` stored in ``folder`` (default :data:`FOLDER`) as written, unchecked.

    Raises :class:`UnknownResultError` naming the stored records if there is none of
    that name. :func:`load` also checks the record's provenance.
    """
    file = path(name, folder)
    if not file.is_file():
        raise UnknownResultError(
            f"no stored result {name!r}: expected one of {', '.join(names(folder))}"
        )
    return json.loads(file.read_text(encoding="utf-8"))


def load(name: str) -> dict:
    """Return the stored record ``name`` (a dict, as its script wrote it).

    Raises :class:`UnknownResultError` (a ``KeyError``) naming the stored records if
    there is none of that name, and ``ValueError`` if the record lacks ``command``,
    ``date`` or ``machine``.
    """
    record = read(name)
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise ValueError(
            f"stored result {name!r} lacks {', '.join(missing)} (expected {', '.join(REQUIRED)})"
        )
    return record


def machine_summary(machine: dict) -> str:
    """One line for a ``machine`` dict: device, GPU or CPU model, cores, threads, torch."""
    device = machine.get("device", "cpu")
    if machine.get("gpu"):
        where = machine["gpu"]
    else:
        where = f"{machine.get('cpu', 'unknown CPU')}, {machine.get('cpu_cores', '?')} cores"
        if machine.get("torch_threads") is not None:
            threads = machine["torch_threads"]
            where += f", {threads} torch thread{'s' if threads != 1 else ''}"
    torch_version = (
        f", torch {machine['torch']}" if machine.get("torch") else ""
    )
    return f"{device} ({where}){torch_version}"


def provenance(record: dict, width: int = 79) -> str:
    """Say which command made ``record``, when, and on which machine, wrapped to ``width``.

    >>> print(provenance({"command": "rnntutor bench", "date": "2026-11-22",
    ...                   "machine": {"device": "cpu", "cpu": "x86_64", "cpu_cores": 2}}))
    made by: rnntutor bench
    on 2026-11-22, cpu (x86_64, 2 cores)
    """
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise ValueError(
            f"a result record needs {', '.join(REQUIRED)}; this one lacks {', '.join(missing)}"
        )
    wrap = dict(
        width=width,
        subsequent_indent="    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    lines = textwrap.wrap(f"made by: {record['command']}", **wrap)
    date = re.sub(
        r"^(\d{4}-\d\d-\d\d)T(\S+)\+00:00$", r"\1 \2 UTC", str(record["date"])
    )  # ISO as the others
    lines += textwrap.wrap(
        f"on {date}, {machine_summary(record['machine'])}", **wrap
    )
    if record.get("note"):
        lines += textwrap.wrap(f"note: {record['note']}", **wrap)
    return "\n".join(lines)


__all__ = [
    "FOLDER",
    "REQUIRED",
    "UnknownResultError",
    "load",
    "machine_summary",
    "names",
    "path",
    "provenance",
    "read",
]
