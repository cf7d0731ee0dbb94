"""Helpers shared by several test files (pytest puts this folder on ``sys.path``)."""

import contextlib
import errno
import importlib.util
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
"""The repository root."""


def randomize_weights(model, seed=0, scale=0.5):
    """Add seeded noise to every parameter (biases too) and return ``model.eval()``.

    Used before causality and dependency checks: a zero weight or bias could hide a dependency.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g))
    return model.eval()


def load_script(name):
    """Import ``scripts/<name>.py`` as a module (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "scripts" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------ exercise checkers

MALFORMED = [
    None,
    "A",
    {"h": 1},
    (1, 2),
    [[1, 2], [3]],
    np.ones((3, 2), dtype=bool),
    np.array([True, False]),
    np.ones((2, 9)),
    np.full(3, np.inf),
    np.full((2, 2), np.inf),
    np.full((2, 2), np.nan),
    float("nan"),
    10**100,
    torch.ones(2, 2),
    torch.ones(3, dtype=torch.float32),
    np.array(["A"]),
    object(),
]
"""What a learner's function may return by mistake: a checker answers each with a message."""


def stub(*args):
    """A learner's function not written yet."""
    raise NotImplementedError


def raises(*args):
    """A learner's function that crashes."""
    raise RuntimeError("boom")


def rejected(check, answer, message, capsys, exercise=None) -> str:
    """Assert that ``check(answer)`` fails with a ❌ line containing ``message``; return it."""
    assert not check(answer)
    out = capsys.readouterr().out
    assert out.startswith("❌ "), out
    if exercise:
        assert out.startswith(f"❌ {exercise}:"), out
    assert message in out, out
    return out


def accepted(check, answer, capsys) -> None:
    """Assert that ``check(answer)`` passes with a ✅ line and no ❌."""
    verdict = check(answer)
    out = capsys.readouterr().out
    assert verdict, out
    assert out.startswith("✅ ") and "❌" not in out, out


def malformed_rejected(check, bad, capsys) -> str:
    """Assert that a function returning ``bad`` gets the checker's own message, not its safety net."""
    out = rejected(check, lambda *args: bad, "", capsys)
    assert "could not be checked" not in out and "Traceback" not in out, out
    return out


def stub_crash_and_non_function_rejected(
    check,
    capsys,
    not_a_function="my_function",
    message="pass your function itself",
) -> None:
    """Assert the messages for a stub, a crashing function and ``not_a_function`` (``message``)."""
    rejected(check, stub, "not implemented yet", capsys)
    rejected(check, raises, "RuntimeError: boom", capsys)
    rejected(check, not_a_function, message, capsys)


# ------------------------------------------------------------ files and permissions


@contextlib.contextmanager
def umask(mask):
    """Run the block under the process umask ``mask``, then restore the old one."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@contextlib.contextmanager
def read_only_folder(folder, monkeypatch):
    """Create ``folder`` read-only (mode 0555) for the block; yield it.

    Root writes anywhere, so as root ``tempfile.mkstemp`` is made to refuse as a
    read-only file system would (EROFS) until the test ends.
    """
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:

        def refuse(*args, **kwargs):
            raise OSError(errno.EROFS, "Read-only file system")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
