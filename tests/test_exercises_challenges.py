"""Chapter 5 checkers accept correct answers and reject plausible wrong ones with a helpful message."""

import math

import numpy as np

from rnntutor.exercises import challenges as ch


def clip_ok(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    scale = min(1.0, max_norm / (norm + 1e-12))
    return [g * scale for g in grads]


def clip_per_tensor(grads, max_norm):
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]


def clip_always(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    return [g * max_norm / norm for g in grads]


def clip_in_place(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
    for g in grads:
        g *= min(1.0, max_norm / norm)
    return grads


def test_clip_checker(capsys):
    assert ch.check_clip_global_norm(clip_ok)
    assert "✅" in capsys.readouterr().out
    assert not ch.check_clip_global_norm(clip_per_tensor)
    assert "each gradient by its own norm" in capsys.readouterr().out
    assert not ch.check_clip_global_norm(clip_always)
    assert "scaled them *up*" in capsys.readouterr().out
    assert not ch.check_clip_global_norm(clip_in_place)
    assert "in place" in capsys.readouterr().out


def stub(*args):
    raise NotImplementedError


def test_copy_baseline_checker(capsys):
    assert ch.check_copy_baseline(lambda T, K, S: K * math.log(S) / (T + 2 * K))
    assert "✅" in capsys.readouterr().out
    assert not ch.check_copy_baseline(lambda T, K, S: K * math.log2(S) / (T + 2 * K))
    assert "base 2" in capsys.readouterr().out
    assert not ch.check_copy_baseline(lambda T, K, S: K * math.log(S) / (T + K))
    assert "denominator" in capsys.readouterr().out
    assert not ch.check_copy_baseline(lambda T, K, S: K * math.log(S))
    assert "total" in capsys.readouterr().out
    assert not ch.check_copy_baseline(stub)
    assert "not implemented yet" in capsys.readouterr().out
    assert not ch.check_copy_baseline(lambda T, K, S: "0.1x")
    assert "expected a number" in capsys.readouterr().out


def test_linear_recurrence_checker(capsys):
    def scan(a, b):
        A = np.cumprod(a, axis=0)
        return A * np.cumsum(b / A, axis=0)

    def off_by_one(a, b):
        A = np.cumprod(a, axis=0)
        prev = np.concatenate([np.ones((1, a.shape[1])), A[:-1]])
        return A * np.cumsum(b / prev, axis=0)

    assert ch.check_linear_recurrence(scan)
    assert "✅" in capsys.readouterr().out
    assert not ch.check_linear_recurrence(off_by_one)
    assert "off by one" in capsys.readouterr().out
    assert not ch.check_linear_recurrence(lambda a, b: np.cumsum(b, axis=0))
    assert "decays" in capsys.readouterr().out
    assert not ch.check_linear_recurrence(lambda a, b: None)
    assert "None" in capsys.readouterr().out
    assert not ch.check_linear_recurrence(lambda a, b: np.zeros((3, 3)))
    assert "shape" in capsys.readouterr().out
