"""Chapter 4 checkers accept correct answers and explain plausible wrong ones."""

import numpy as np
import pytest
import torch

from rnntutor.exercises import classification as ex


def _permute(images, perm):  # independent oracle: an explicit loop over steps
    n, h, w = images.shape
    out = np.empty((n, h * w, 1), dtype=images.dtype)
    for t, p in enumerate(perm):
        out[:, t, 0] = images[:, p // w, p % w]
    return out


def _unpermute(seqs, perm, shape):
    out = np.empty((len(seqs), shape[0] * shape[1]), dtype=seqs.dtype)
    out[:, perm] = seqs[:, :, 0]
    return out.reshape(len(seqs), *shape)


def test_permuted_view_accepts(capsys):
    assert ex.check_permuted_view(_permute, _unpermute)
    alt_unpermute = lambda s, p, shape: s[:, np.argsort(p), 0].reshape(len(s), *shape)
    assert ex.check_permuted_view(lambda x, p: x.reshape(len(x), -1)[:, p, None], alt_unpermute)
    assert "✅ Permuted view: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("permute", "unpermute", "message"),
    [
        (lambda x, p: x.reshape(len(x), -1)[:, np.argsort(p), None], _unpermute, "inverse permutation"),
        (lambda x, p: x.reshape(len(x), -1)[..., None], _unpermute, "raster order"),
        (lambda x, p: x.reshape(len(x), -1)[:, p], _unpermute, "feature axis is missing"),
        (lambda x, p: x.transpose(0, 2, 1).reshape(len(x), -1)[:, p, None], _unpermute, "column by column"),
        (_permute, lambda s, p, shape: s[:, p, 0].reshape(len(s), *shape), "gathered with perm again"),
        (_permute, lambda s, p, shape: s.reshape(len(s), *shape), "only reshaped"),
        (_permute, lambda s, p, shape: _unpermute(s, p, shape).reshape(len(s), -1), "reshape the restored"),
        (_permute, lambda s, p, shape: None, "returned None"),
        (lambda x, p: 1 / 0, _unpermute, "ZeroDivisionError"),
    ],
)
def test_permuted_view_rejects(permute, unpermute, message, capsys):
    assert not ex.check_permuted_view(permute, unpermute)
    out = capsys.readouterr().out
    assert out.startswith("❌ Permuted view")
    assert message in out


def _acc_loop(scores, labels):  # independent oracle: loops
    n, t, _ = scores.shape
    return [sum(int(np.argmax(scores[i, k]) == labels[i]) for i in range(n)) / n for k in range(t)]


def test_accuracy_after_k_accepts(capsys):
    assert ex.check_accuracy_after_k(_acc_loop)
    assert ex.check_accuracy_after_k(lambda s, y: torch.tensor((s.argmax(-1) == y[:, None]).mean(0)))
    assert "✅ Accuracy after k steps: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda s, y: (s.argmax(2) == y[:, None]).sum(0), "number of correct images"),
        (lambda s, y: np.maximum.accumulate(s.argmax(2) == y[:, None], axis=1).mean(0), "change back"),
        (
            lambda s, y: ((np.cumsum(s, 1) / np.arange(1, s.shape[1] + 1)[None, :, None]).argmax(2) == y[:, None]).mean(
                0
            ),
            "averaged the scores",
        ),
        (lambda s, y: np.full(s.shape[1], (s[:, -1].argmax(1) == y).mean()), "final accuracy"),
        (lambda s, y: float((s[:, -1].argmax(1) == y).mean()), "single number"),
        (lambda s, y: np.r_[0.0, (s.argmax(2) == y[:, None]).mean(0)[:-1]], "shifted by one step"),
        (lambda s, y: (s.argmax(1) == y[:, None]).mean(0), "has shape (4,), expected (6,)"),
    ],
)
def test_accuracy_after_k_rejects(fn, message, capsys):
    assert not ex.check_accuracy_after_k(fn)
    out = capsys.readouterr().out
    assert out.startswith("❌ Accuracy after k steps")
    assert message in out


def test_bidirectional_readout_accepts(capsys):
    assert ex.check_bidirectional_readout(lambda o, h: torch.cat([o[:, -1, :h], o[:, 0, h:]], dim=1))
    assert ex.check_bidirectional_readout(lambda o, h: np.concatenate([o[:, -1, :h].numpy(), o[:, 0, h:].numpy()], 1))
    assert "✅ Bidirectional read-out: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda o, h: o[:, -1], "out[:, -1]"),
        (lambda o, h: o[:, 0], "out[:, 0]"),
        (lambda o, h: o.mean(1), "mean read-out"),
        (lambda o, h: torch.cat([o[:, 0, h:], o[:, -1, :h]], dim=1), "wrong order"),
        (lambda o, h: o[:, -1, :h], "has shape"),
        (lambda o, h: None, "returned None"),
    ],
)
def test_bidirectional_readout_rejects(fn, message, capsys):
    assert not ex.check_bidirectional_readout(fn)
    out = capsys.readouterr().out
    assert out.startswith("❌ Bidirectional read-out")
    assert message in out


def test_checker_leaves_global_torch_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_bidirectional_readout(lambda o, h: o[:, -1])
    assert torch.equal(torch.rand(3), expected)
