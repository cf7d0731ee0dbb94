"""Chapter 4 checkers accept correct answers, explain plausible wrong ones and never raise."""

import time

import numpy as np
import pytest
import torch
from _helpers import raises

from rnntutor import data, train
from rnntutor.exercises import classification as ex
from rnntutor.nn import SequenceClassifier

# Whatever a learner may return by mistake: every checker answers with a message, never a traceback.
MALFORMED = [
    None,
    "A",
    {"a": 1},
    (1, 2),
    [[1.0, 2.0], [3.0]],
    np.ones((3, 2), dtype=bool),
    np.ones((2, 3, 4, 5)),
    np.array(["A"]),
    np.full((4,), np.inf),
    np.full((2, 2), np.nan),
    float("inf"),
    10**100,
    torch.zeros(3, 5),
    torch.zeros(3, 5, dtype=torch.float32, requires_grad=True),
    1j,
]
MALFORMED_IDS = [f"{i}-{type(b).__name__}" for i, b in enumerate(MALFORMED)]


def _rejected(out: str, exercise: str, message: str = "") -> None:
    assert out.startswith(f"❌ {exercise}"), out
    assert "could not be checked" not in out, (
        out
    )  # handled by the checker, not by the safety net
    assert message in out, out


# ----------------------------------------------------------------------------- permuted view


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


def _unpermute_torch32(
    seqs, perm, shape
):  # gather with the inverse, in torch float32
    s = torch.tensor(seqs, dtype=torch.float32)
    return s[:, torch.argsort(torch.as_tensor(perm)), 0].reshape(
        len(s), *shape
    )


def test_permuted_view_accepts(capsys):
    assert ex.check_permuted_view(_permute, _unpermute)
    alt_unpermute = lambda s, p, shape: s[:, np.argsort(p), 0].reshape(
        len(s), *shape
    )  # noqa: E731
    assert ex.check_permuted_view(
        lambda x, p: x.reshape(len(x), -1)[:, p, None], alt_unpermute
    )
    assert ex.check_permuted_view(
        lambda x, p: torch.tensor(x.reshape(len(x), -1)[:, p, None]),
        _unpermute_torch32,
    )
    assert ex.check_permuted_view(
        lambda x, p: x.reshape(len(x), -1)[:, p, None].astype(np.float32),
        _unpermute,
    )
    assert capsys.readouterr().out.count("✅ Permuted view: correct") == 4


def _unpermute_sqrt(
    seqs, perm, shape
):  # ignores image_shape: right for 3x4 only
    n, t = seqs.shape[:2]
    side = int(np.sqrt(t))
    return _unpermute(seqs, perm, shape).reshape(n, side, -1)


def _permute_in_place(images, perm):
    images *= 1.0
    return _permute(images, perm)


@pytest.mark.parametrize(
    ("permute", "unpermute", "message"),
    [
        (
            lambda x, p: x.reshape(len(x), -1)[:, np.argsort(p), None],
            _unpermute,
            "inverse permutation",
        ),
        (
            lambda x, p: x.reshape(len(x), -1)[..., None],
            _unpermute,
            "raster order",
        ),
        (
            lambda x, p: x.reshape(len(x), -1)[:, p],
            _unpermute,
            "feature axis is missing",
        ),
        (
            lambda x, p: x.transpose(0, 2, 1).reshape(len(x), -1)[:, p, None],
            _unpermute,
            "column by column",
        ),
        (
            lambda x, p: x.reshape(len(x), -1)[None, :, p],
            _unpermute,
            "new axis is in front",
        ),
        (
            _permute,
            lambda s, p, shape: s[:, p, 0].reshape(len(s), *shape),
            "gathered with perm again",
        ),
        (
            _permute,
            lambda s, p, shape: s.reshape(len(s), *shape),
            "only reshaped",
        ),
        (
            _permute,
            lambda s, p, shape: _unpermute(s, p, shape).reshape(len(s), -1),
            "reshape the restored",
        ),
        (_permute, _unpermute_sqrt, "int(sqrt(T))"),
        (
            _permute,
            lambda s, p, shape: _unpermute(s, p, shape[::-1]),
            "shape is not the one asked for",
        ),
        (
            _permute,
            lambda s, p, shape: s[:, np.argsort(p), 0].reshape(len(s), 3, 5),
            "Reshape to image_shape",
        ),
        (_permute_in_place, _unpermute, "modified one of its input arrays"),
        (
            _permute,
            lambda s, p, shape: _unpermute(s, p, shape) + 0.5,
            "differs from the expected",
        ),
        (_permute, lambda s, p, shape: None, "returned None"),
        (lambda x, p: 1 / 0, _unpermute, "ZeroDivisionError"),
        (_permute, "unpermute", "expected your function"),
    ],
)
def test_permuted_view_rejects(permute, unpermute, message, capsys):
    assert not ex.check_permuted_view(permute, unpermute)
    _rejected(capsys.readouterr().out, "Permuted view", message)


def test_permuted_view_catches_a_hard_coded_size(capsys):
    def permute_3x5(images, perm):  # the first case's size written in
        return images.reshape(2, 15)[:, perm, None]

    assert not ex.check_permuted_view(permute_3x5, _unpermute)
    _rejected(capsys.readouterr().out, "Permuted view", "cannot reshape")


@pytest.mark.parametrize("bad", MALFORMED, ids=MALFORMED_IDS)
def test_permuted_view_handles_malformed_returns(bad, capsys):
    assert not ex.check_permuted_view(lambda x, p: bad, _unpermute)
    _rejected(capsys.readouterr().out, "Permuted view")
    assert not ex.check_permuted_view(_permute, lambda s, p, shape: bad)
    _rejected(capsys.readouterr().out, "Permuted view")


# ----------------------------------------------------------------------------- accuracy after k


def _acc_loop(scores, labels):  # independent oracle: loops
    n, t, _ = scores.shape
    return [
        sum(int(np.argmax(scores[i, k]) == labels[i]) for i in range(n)) / n
        for k in range(t)
    ]


def test_accuracy_after_k_accepts(capsys):
    assert ex.check_accuracy_after_k(_acc_loop)
    assert ex.check_accuracy_after_k(
        lambda s, y: torch.tensor((s.argmax(-1) == y[:, None]).mean(0))
    )
    assert ex.check_accuracy_after_k(
        lambda s, y: (s.argmax(2) == y[:, None]).mean(0).astype(np.float32)
    )
    torch_acc = lambda s, y: (
        (torch.tensor(s).argmax(-1) == torch.tensor(y)[:, None])
        .float()
        .mean(0)
    )  # noqa: E731
    assert ex.check_accuracy_after_k(torch_acc)
    assert (
        capsys.readouterr().out.count("✅ Accuracy after k steps: correct")
        == 4
    )


def _acc_first_case_only(
    scores, labels
):  # hard-codes the first case's T = 6 and N = 40
    return (scores[:40, :6].argmax(2) == labels[:40, None]).sum(0) / 40


def _acc_in_place(scores, labels):
    scores -= scores.max(axis=2, keepdims=True)
    return (scores.argmax(2) == labels[:, None]).mean(0)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (
            lambda s, y: (s.argmax(2) == y[:, None]).sum(0),
            "number of correct images",
        ),
        (lambda s, y: (s.argmax(2) != y[:, None]).mean(0), "error rate"),
        (
            lambda s, y: np.maximum.accumulate(
                s.argmax(2) == y[:, None], axis=1
            ).mean(0),
            "change back",
        ),
        (
            lambda s, y: (
                (
                    np.cumsum(s, 1)
                    / np.arange(1, s.shape[1] + 1)[None, :, None]
                ).argmax(2)
                == y[:, None]
            ).mean(0),
            "averaged the scores",
        ),
        (
            lambda s, y: np.full(s.shape[1], (s[:, -1].argmax(1) == y).mean()),
            "final accuracy",
        ),
        (
            lambda s, y: float((s[:, -1].argmax(1) == y).mean()),
            "single number",
        ),
        (
            lambda s, y: np.r_[0.0, (s.argmax(2) == y[:, None]).mean(0)[:-1]],
            "shifted by one step",
        ),
        (
            lambda s, y: np.r_[(s.argmax(2) == y[:, None]).mean(0)[1:], 1.0],
            "shifted by one step",
        ),
        (
            lambda s, y: (s.argmax(1) == y[:, None]).mean(0),
            "argmax over the steps",
        ),
        (
            lambda s, y: (s.argmax(2) == y[:, None]).mean(1),
            "one number per image",
        ),
        (
            lambda s, y: (s.argmax(2) == y[:, None]).mean(0) * 0.9,
            "differs from the expected",
        ),
        (_acc_first_case_only, "for (N, T, C) = (27, 9, 3)"),
        (_acc_in_place, "modified one of its input arrays"),
        (raises, "RuntimeError: boom"),
    ],
)
def test_accuracy_after_k_rejects(fn, message, capsys):
    assert not ex.check_accuracy_after_k(fn)
    _rejected(capsys.readouterr().out, "Accuracy after k steps", message)


@pytest.mark.parametrize("bad", MALFORMED, ids=MALFORMED_IDS)
def test_accuracy_after_k_handles_malformed_returns(bad, capsys):
    assert not ex.check_accuracy_after_k(lambda s, y: bad)
    _rejected(capsys.readouterr().out, "Accuracy after k steps")


def test_accuracy_after_k_ragged_list_is_named(capsys):
    assert not ex.check_accuracy_after_k(lambda s, y: [[0.5, 0.6], [0.7]])
    _rejected(capsys.readouterr().out, "Accuracy after k steps", "ragged")


# ----------------------------------------------------------------------------- bidirectional read-out


def test_bidirectional_readout_accepts(capsys):
    assert ex.check_bidirectional_readout(
        lambda o, h: torch.cat([o[:, -1, :h], o[:, 0, h:]], dim=1)
    )
    assert ex.check_bidirectional_readout(
        lambda o, h: np.concatenate(
            [o[:, -1, :h].numpy(), o[:, 0, h:].numpy()], 1
        )
    )
    assert ex.check_bidirectional_readout(
        lambda o, h: torch.hstack(
            [o[:, o.shape[1] - 1, :h], o[:, 0, -h:]]
        ).double()
    )
    assert (
        capsys.readouterr().out.count("✅ Bidirectional read-out: correct")
        == 3
    )


def _readout_h3(o, h):  # the hidden size of the first case written in
    return torch.cat([o[:, -1, :3], o[:, 0, 3:]], dim=1)


def _readout_in_place(o, h):
    o[:, -1, h:] = o[:, 0, h:]
    return o[:, -1]


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda o, h: o[:, -1], "out[:, -1]"),
        (lambda o, h: o[:, 0], "out[:, 0]"),
        (
            lambda o, h: torch.cat([o[:, 0, :h], o[:, -1, h:]], dim=1),
            "swapped the ends",
        ),
        (lambda o, h: o.mean(1), "mean read-out"),
        (
            lambda o, h: torch.cat([o[:, 0, h:], o[:, -1, :h]], dim=1),
            "wrong order",
        ),
        (lambda o, h: o[:, -1, :h], "only the forward direction"),
        (lambda o, h: o[:, -1, :h] + o[:, 0, h:], "added the two directions"),
        (
            lambda o, h: torch.cat([o[:, -1, :h], o[:, 0, h:]], dim=0),
            "batch axis",
        ),
        (_readout_h3, "a GRU with (B, T, H) = (3, 7, 5)"),
        (_readout_in_place, "modified `out` in place"),
        (lambda o, h: None, "returned None"),
        (raises, "RuntimeError: boom"),
    ],
)
def test_bidirectional_readout_rejects(fn, message, capsys):
    assert not ex.check_bidirectional_readout(fn)
    _rejected(capsys.readouterr().out, "Bidirectional read-out", message)


@pytest.mark.parametrize("bad", MALFORMED, ids=MALFORMED_IDS)
def test_bidirectional_readout_handles_malformed_returns(bad, capsys):
    assert not ex.check_bidirectional_readout(lambda o, h: bad)
    _rejected(capsys.readouterr().out, "Bidirectional read-out")


def test_checkers_leave_global_random_state_alone():
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    np.random.seed(5)
    expected = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(5)
    ex.check_bidirectional_readout(lambda o, h: o[:, -1])
    ex.check_classifier_param_count(lambda *a: 1)
    ex.check_trained_classifier(
        lambda x, y: lambda z: np.zeros(len(z), dtype=int), n_train=10
    )
    assert torch.equal(torch.rand(3), expected[0])
    assert np.array_equal(np.random.rand(3), expected[1])
    assert torch.get_num_threads() == threads


def test_trained_classifier_trains_on_one_thread():
    seen = []
    ex.check_trained_classifier(
        lambda x, y: seen.append(torch.get_num_threads()), n_train=10
    )
    assert seen == [1]


# ----------------------------------------------------------------------------- parameter count


def _count_formula(cell, f, h, c, layers, bidirectional):
    g = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    d = 2 if bidirectional else 1
    total = 0
    for layer in range(layers):
        inp = f if layer == 0 else d * h
        total += d * (g * h * inp + g * h * h + 2 * g * h)
    return total + d * h * c + c


def _count_torch(
    cell, f, h, c, layers, bidirectional
):  # a different route: build torch.nn's own layer
    layer = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[
        cell
    ](f, h, num_layers=layers, bidirectional=bidirectional)
    head = torch.nn.Linear((2 if bidirectional else 1) * h, c)
    return sum(p.numel() for p in [*layer.parameters(), *head.parameters()])


def test_param_count_accepts(capsys):
    assert ex.check_classifier_param_count(_count_formula)
    assert ex.check_classifier_param_count(_count_torch)
    assert ex.check_classifier_param_count(
        lambda *a: float(_count_formula(*a))
    )  # 12.0 is a whole number
    assert ex.check_classifier_param_count(
        lambda *a: np.int64(_count_formula(*a))
    )
    assert capsys.readouterr().out.count("✅ Parameter count: correct") == 4


def _one_bias(cell, f, h, c, layers, bidirectional):
    g = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    return (
        _count_formula(cell, f, h, c, layers, bidirectional)
        - layers * (2 if bidirectional else 1) * g * h
    )


def _deep_input_f(cell, f, h, c, layers, bidirectional):
    g = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    d = 2 if bidirectional else 1
    return _count_formula(cell, f, h, c, layers, bidirectional) + (
        layers - 1
    ) * d * g * h * (f - d * h)


def _head_without_d(cell, f, h, c, layers, bidirectional):
    return (
        _count_formula(cell, f, h, c, layers, bidirectional)
        - ((2 if bidirectional else 1) - 1) * h * c
    )


def _no_head(cell, f, h, c, layers, bidirectional):
    return (
        _count_formula(cell, f, h, c, layers, bidirectional)
        - (2 if bidirectional else 1) * h * c
        - c
    )


def _lstm_always(cell, f, h, c, layers, bidirectional):
    return _count_formula("lstm", f, h, c, layers, bidirectional)


def _one_direction(cell, f, h, c, layers, bidirectional):
    return _count_formula(cell, f, h, c, layers, False)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_one_bias, "one bias vector per gate block"),
        (_deep_input_f, "layers after the first do not read the image"),
        (_head_without_d, "the head reads [h^→ ; h^←]"),
        (_no_head, "left out the linear head"),
        (_lstm_always, "that is the count for an LSTM; a GRU has 3"),
        (_one_direction, "second, independent set of weights"),
        (lambda *a: _count_formula(*a) + 1, "expected"),
        (lambda *a: 10**100, "you returned 1000000"),
        (lambda *a: _count_formula(*a) + 0.5, "whole number"),
        (lambda *a: None, "returned None"),
        (raises, "RuntimeError: boom"),
    ],
)
def test_param_count_rejects(fn, message, capsys):
    assert not ex.check_classifier_param_count(fn)
    _rejected(capsys.readouterr().out, "Parameter count", message)


@pytest.mark.parametrize("bad", MALFORMED, ids=MALFORMED_IDS)
def test_param_count_handles_malformed_returns(bad, capsys):
    assert not ex.check_classifier_param_count(lambda *a: bad)
    _rejected(capsys.readouterr().out, "Parameter count")


def test_param_formulas_follow_the_real_model():
    for case in ex.PARAM_CASES:
        assert (
            ex._param_formulas(*case)["right"]
            == _count_torch(*case)
            == _count_formula(*case)
        )


# ----------------------------------------------------------------------------- padded read-outs


def last_valid_fancy(out, lengths):
    return out[np.arange(len(out)), lengths - 1]


def masked_mean_mask(out, lengths):
    mask = np.arange(out.shape[1])[None, :] < lengths[:, None]  # (B, T)
    return (out * mask[:, :, None]).sum(axis=1) / lengths[:, None]


def last_valid_torch(out, lengths):
    o = torch.tensor(out, dtype=torch.float32)
    idx = torch.as_tensor(lengths - 1).view(-1, 1, 1).expand(-1, 1, o.shape[2])
    return torch.gather(o, 1, idx)[:, 0]


def masked_mean_cumsum(out, lengths):
    sums = np.cumsum(out, axis=1)[np.arange(len(out)), lengths - 1]
    return sums / lengths[:, None]


def last_valid_loop(out, lengths):
    return np.stack([out[b, lengths[b] - 1] for b in range(len(out))])


def masked_mean_loop(out, lengths):
    rows = []
    for b in range(len(out)):
        rows.append(out[b, : lengths[b]].mean(axis=0))
    return np.stack(rows)


def test_padded_readouts_accept(capsys):
    assert ex.check_padded_readouts(last_valid_fancy, masked_mean_mask)
    assert ex.check_padded_readouts(last_valid_torch, masked_mean_cumsum)
    assert capsys.readouterr().out.count("✅ Padded read-outs: correct") == 2


def masked_mean_in_place(out, lengths):
    out[np.arange(out.shape[1])[None, :] >= lengths[:, None]] = 0
    return out.sum(axis=1) / lengths[:, None]


@pytest.mark.parametrize(
    ("last_valid", "masked_mean", "message"),
    [
        (lambda o, n: o[:, -1], masked_mean_mask, "last PADDED step"),
        (
            lambda o, n: o[np.arange(len(o)), n],
            masked_mean_mask,
            "lengths[b] - 1",
        ),
        (
            lambda o, n: o[np.arange(len(o)), np.minimum(n, o.shape[1] - 1)],
            masked_mean_mask,
            "one after the last",
        ),
        (lambda o, n: o[:, n - 1], masked_mean_mask, "Pair each sequence"),
        (
            lambda o, n: o[np.arange(len(o)), n - 2],
            masked_mean_mask,
            "one before the last",
        ),
        (last_valid_fancy, lambda o, n: o.mean(axis=1), "padding included"),
        (
            last_valid_fancy,
            lambda o, n: masked_mean_mask(o, n) * n[:, None] / o.shape[1],
            "divided by T",
        ),
        (
            last_valid_fancy,
            lambda o, n: masked_mean_mask(o, n) * n[:, None],
            "masked sum",
        ),
        (last_valid_fancy, last_valid_fancy, "last real state"),
        (
            last_valid_fancy,
            lambda o, n: (
                (o * (np.arange(o.shape[1]) <= n[:, None])[..., None]).sum(1)
                / n[:, None]
            ),
            "one padding step too many",
        ),
        (
            last_valid_fancy,
            masked_mean_in_place,
            "modified one of its input arrays",
        ),
        (last_valid_loop, masked_mean_mask, "last_valid uses a Python loop"),
        (last_valid_fancy, masked_mean_loop, "masked_mean uses a Python loop"),
        (last_valid_fancy, raises, "RuntimeError: boom"),
        (last_valid_fancy, None, "expected your function"),
    ],
)
def test_padded_readouts_reject(last_valid, masked_mean, message, capsys):
    assert not ex.check_padded_readouts(last_valid, masked_mean)
    _rejected(capsys.readouterr().out, "Padded read-outs", message)


@pytest.mark.parametrize("bad", MALFORMED, ids=MALFORMED_IDS)
def test_padded_readouts_handle_malformed_returns(bad, capsys):
    assert not ex.check_padded_readouts(lambda o, n: bad, masked_mean_mask)
    _rejected(capsys.readouterr().out, "Padded read-outs")
    assert not ex.check_padded_readouts(last_valid_fancy, lambda o, n: bad)
    _rejected(capsys.readouterr().out, "Padded read-outs")


# ----------------------------------------------------------------------------- train a classifier


def _lstm_classifier(images, labels, *, rows=slice(None), epochs=10):
    """The solution's recipe: a row-by-row LSTM trained with the package's loop."""
    x = images[:, rows]
    model = SequenceClassifier(
        "lstm", input_size=x.shape[2], hidden_size=64, num_classes=10
    )
    loader = data.make_loader(x, labels, order="rows", batch_size=64, seed=0)
    train.fit(model, loader, epochs=epochs, lr=1e-2, device="cpu")
    model.eval()

    def predict(test_images):
        with torch.no_grad():
            return model(torch.tensor(test_images[:, rows])).argmax(dim=1)

    return predict


def test_trained_classifier_accepts_a_row_lstm(capsys):
    """The slowest test of the file: a real training run (about 10 s of one CPU core)."""
    start = time.process_time()
    assert ex.check_trained_classifier(_lstm_classifier)
    out = capsys.readouterr().out
    assert out.startswith(
        "✅ Train a classifier: correct. Held-out accuracy"
    ), out
    assert time.process_time() - start < 60


def test_trained_classifier_rejects_a_model_that_reads_only_the_last_row(
    capsys,
):
    assert not ex.check_trained_classifier(
        lambda x, y: _lstm_classifier(x, y, rows=slice(-1, None), epochs=3)
    )
    _rejected(
        capsys.readouterr().out,
        "Train a classifier",
        "the target is 90%.\n   Hint: Far below the target",
    )


def _nearest_mean(
    images, labels
):  # a different, quick, correct-in-kind classifier (no RNN)
    means = np.stack(
        [images[labels == c].mean(0) for c in range(10)]
    )  # (10, 14, 14)

    def predict(test_images):
        d = ((test_images[:, None] - means[None]) ** 2).sum(
            axis=(2, 3)
        )  # (M, 10)
        return d.argmin(axis=1)

    return predict


def test_trained_classifier_reports_accuracy_below_target(capsys):
    assert not ex.check_trained_classifier(
        _nearest_mean
    )  # about 80%: below 90%
    _rejected(
        capsys.readouterr().out,
        "Train a classifier",
        "the held-out accuracy is 8",
    )
    assert ex.check_trained_classifier(
        _nearest_mean, target=0.7
    )  # the target is what decides
    assert "✅ Train a classifier" in capsys.readouterr().out


def _slow(images, labels):
    start = time.process_time()
    while (
        time.process_time() - start < 0.3
    ):  # CPU time, which the budget counts (sleeping does not)
        pass
    return _nearest_mean(images, labels)


def _train_in_place(images, labels):
    images[:] = 0
    return _nearest_mean(images, labels)


def _predict_in_place(images, labels):
    def predict(test_images):
        test_images /= 2
        return np.zeros(len(test_images), dtype=int)

    return predict


@pytest.mark.parametrize(
    ("train_classifier", "message"),
    [
        (lambda x, y: lambda z: np.zeros(len(z), dtype=int), "chance is 10%"),
        (
            lambda x, y: lambda z: np.zeros((len(z), 10)),
            "scores of shape (1000, 10)",
        ),
        (lambda x, y: lambda z: np.full(len(z), 0.5), "fractional"),
        (lambda x, y: lambda z: np.full(len(z), 10), "classes are 0..9"),
        (
            lambda x, y: lambda z: np.zeros(len(z) - 1, dtype=int),
            "shape (999,) for 1000 images",
        ),
        (lambda x, y: 3, "should return a function predict(images)"),
        (lambda x, y: None, "returned NoneType"),
        (lambda x, y: lambda z: None, "returned None"),
        (lambda x, y: lambda z: 1 / 0, "ZeroDivisionError"),
        (_train_in_place, "modified one of its input arrays"),
        (_predict_in_place, "modified one of its input arrays"),
        (raises, "RuntimeError: boom"),
    ],
)
def test_trained_classifier_rejects(train_classifier, message, capsys):
    assert not ex.check_trained_classifier(train_classifier, n_train=200)
    _rejected(capsys.readouterr().out, "Train a classifier", message)


def test_trained_classifier_enforces_the_time_budget(capsys):
    assert not ex.check_trained_classifier(_slow, time_budget=0.2, target=0.5)
    _rejected(
        capsys.readouterr().out,
        "Train a classifier",
        "more than the budget of 0.2 s",
    )


@pytest.mark.parametrize("bad", MALFORMED, ids=MALFORMED_IDS)
def test_trained_classifier_handles_malformed_returns(bad, capsys):
    assert not ex.check_trained_classifier(
        lambda x, y: lambda z: bad, n_train=10
    )
    _rejected(capsys.readouterr().out, "Train a classifier")


def test_trained_classifier_learner_sees_only_training_images():
    seen = []

    def spy(images, labels):
        seen.append((images.shape, labels.shape, images.flags.writeable))
        return lambda z: (seen.append(z.shape), np.zeros(len(z), dtype=int))[1]

    ex.check_trained_classifier(spy)
    assert seen[0] == ((4000, 14, 14), (4000,), False)
    assert seen[1] == (1000, 14, 14)
