"""Chapter 6 checkers accept right answers and reject plausible wrong ones with a helpful message."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _helpers import malformed_rejected, rejected, stub

from rnntutor.exercises import sequences as ex
from rnntutor.reference import convlstm as ref

MALFORMED = [
    None,
    "abc",
    {"a": 1},
    (1, 2),
    [[1, 2], [3]],
    True,
    np.array([np.nan]),
    10**400,
    torch.zeros(2),
]


def _run(checker, fn, capsys):
    verdict = checker(fn)
    return bool(verdict), capsys.readouterr().out


# ----------------------------------------------------------------------------- space-to-depth


def s2d_numpy(frames, p):
    n, t, h, w = frames.shape
    return (
        frames.reshape(n, t, h // p, p, w // p, p)
        .transpose(0, 1, 3, 5, 2, 4)
        .reshape(n, t, p * p, h // p, w // p)
    )


def s2d_torch(frames, p):
    x = torch.as_tensor(np.array(frames))
    n, t, h, w = x.shape
    return F.pixel_unshuffle(x.reshape(n * t, 1, h, w), p).reshape(
        n, t, p * p, h // p, w // p
    )


def s2d_loops(frames, p):
    n, t, h, w = frames.shape
    out = np.zeros((n, t, p * p, h // p, w // p), frames.dtype)
    for u in range(p):
        for v in range(p):
            out[:, :, u * p + v] = frames[:, :, u::p, v::p]
    return out


def s2d_reshape_only(frames, p):
    n, t, h, w = frames.shape
    return frames.reshape(n, t, p * p, h // p, w // p)


def s2d_column_major(frames, p):
    n, t, h, w = frames.shape
    return (
        frames.reshape(n, t, h // p, p, w // p, p)
        .transpose(0, 1, 5, 3, 2, 4)
        .reshape(n, t, p * p, h // p, w // p)
    )


def s2d_inplace(frames, p):
    frames[...] = 0
    return s2d_numpy(frames, p)


def s2d_fixed_p2(frames, p):
    return s2d_numpy(frames, 2)


@pytest.mark.parametrize("fn", [s2d_numpy, s2d_torch, s2d_loops])
def test_space_to_depth_accepts(fn, capsys):
    ok, out = _run(ex.check_space_to_depth, fn, capsys)
    assert ok, out


@pytest.mark.parametrize(
    "fn,message",
    [
        (s2d_reshape_only, "plain reshape does not cut patches"),
        (s2d_column_major, "column by column"),
        (s2d_inplace, "read-only"),
        (s2d_fixed_p2, "raised ValueError"),
    ],
)
def test_space_to_depth_rejects(fn, message, capsys):
    ok, out = _run(ex.check_space_to_depth, fn, capsys)
    assert not ok and message in out, out


# ----------------------------------------------------------------------------- MSE and BCE


def mse_right(pred, target):
    return float(((pred - target) ** 2).sum(axis=(2, 3)).mean())


def mse_right_torch(pred, target):
    d = torch.as_tensor(pred) - torch.as_tensor(target)
    return (d**2).flatten(2).sum(-1).mean()


@pytest.mark.parametrize("fn", [mse_right, mse_right_torch])
def test_mse_accepts(fn, capsys):
    ok, out = _run(ex.check_mse_per_frame, fn, capsys)
    assert ok, out


@pytest.mark.parametrize(
    "fn,message",
    [
        (lambda p, y: float(((p - y) ** 2).mean()), "mean over pixels too"),
        (
            lambda p, y: float(((p - y) ** 2).sum(axis=(1, 2, 3)).mean()),
            "error per sequence",
        ),
        (
            lambda p, y: float(
                np.sqrt(((p - y) ** 2).sum(axis=(2, 3))).mean()
            ),
            "a root",
        ),
        (lambda p, y: float(((p - y) ** 2).sum()), "total over everything"),
        (lambda p, y: ((p - y) ** 2).sum(axis=(2, 3)), "return one number"),
    ],
)
def test_mse_rejects(fn, message, capsys):
    ok, out = _run(ex.check_mse_per_frame, fn, capsys)
    assert not ok and message in out, out


def bce_right(pred, target):
    p = np.clip(pred, 1e-7, 1 - 1e-7)
    return float(
        -(target * np.log(p) + (1 - target) * np.log(1 - p))
        .sum(axis=(1, 2, 3))
        .mean()
    )


def bce_right_torch(pred, target):
    p = torch.as_tensor(pred).clamp(1e-7, 1 - 1e-7)
    y = torch.as_tensor(target)
    return F.binary_cross_entropy(p, y, reduction="sum") / p.shape[0]


@pytest.mark.parametrize("fn", [bce_right, bce_right_torch])
def test_bce_accepts(fn, capsys):
    ok, out = _run(ex.check_bce_per_sequence, fn, capsys)
    assert ok, out


def _bce_pixels(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


@pytest.mark.parametrize(
    "fn,message",
    [
        (lambda p, y: float(_bce_pixels(p, y).mean()), "mean per pixel"),
        (
            lambda p, y: float(_bce_pixels(p, y).sum(axis=(2, 3)).mean()),
            "per frame",
        ),
        (
            lambda p, y: float(_bce_pixels(p, y).sum()),
            "total over all sequences",
        ),
        (lambda p, y: bce_right(p, y) / np.log(2), "in bits"),
        (
            lambda p, y: float(
                -(y * np.log(np.clip(p, 1e-7, 1))).sum(axis=(1, 2, 3)).mean()
            ),
            "term is missing",
        ),
        (
            lambda p, y: float(
                -(y * np.log(p) + (1 - y) * np.log(1 - p))
                .sum(axis=(1, 2, 3))
                .mean()
            ),
            "Clip",
        ),
    ],
)
def test_bce_rejects(fn, message, capsys):
    with np.errstate(divide="ignore", invalid="ignore"):
        ok, out = _run(ex.check_bce_per_sequence, fn, capsys)
    assert not ok and message in out, out


# ----------------------------------------------------------------------------- backward


def backward_via_reference(dh, dc, x, h_prev, c_prev, params):
    _, _, cache = ref.convlstm_step(x, h_prev, c_prev, params)
    return ref.convlstm_step_backward(dh, dc, cache)


def backward_written_out(dh, dc, x, h_prev, c_prev, params, *, drop=None):
    ch = h_prev.shape[1]
    z = np.concatenate([x, h_prev], axis=1)
    w = np.concatenate([params["weight_ih"], params["weight_hh"]], axis=1)
    a = ref.conv2d_same(z, w, params["bias"])
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, g, o = (
        sig(a[:, :ch]),
        sig(a[:, ch : 2 * ch]),
        np.tanh(a[:, 2 * ch : 3 * ch]),
        sig(a[:, 3 * ch :]),
    )
    c = f * c_prev + i * g
    tc = np.tanh(c)
    dct = (0 if drop == "dc" else dc) + (
        0 if drop == "tanh" else dh * o * (1 - tc**2)
    )
    da = np.concatenate(
        [
            dct * g * i * (1 - i),
            dct * c_prev * f * (1 - f),
            dct * i * (1 - g**2),
            dh * tc * o * (1 - o),
        ],
        axis=1,
    )
    k = w.shape[-1]
    p = k // 2
    zp = np.pad(z, ((0, 0), (0, 0), (p, p), (p, p)))
    hh, ww = x.shape[2:]
    dw = np.zeros_like(w)
    dzp = np.zeros_like(zp)
    for u in range(k):
        for v in range(k):
            dw[:, :, u, v] = np.einsum(
                "bohw,bchw->oc", da, zp[:, :, u : u + hh, v : v + ww]
            )
            dzp[:, :, u : u + hh, v : v + ww] += np.einsum(
                "bohw,oc->bchw", da, w[:, :, u, v]
            )
    dz = dzp[:, :, p : p + hh, p : p + ww]
    c_in = x.shape[1]
    bias = (
        da.sum(axis=(0, 2, 3))
        if drop != "bias"
        else da.sum(axis=(0,)).mean(axis=(1, 2))
    )
    return {
        "x": dz[:, :c_in],
        "h_prev": dz[:, c_in:],
        "c_prev": dct * f,
        "weight_ih": dw[:, :c_in],
        "weight_hh": dw[:, c_in:],
        "bias": bias,
    }


@pytest.mark.parametrize("fn", [backward_via_reference, backward_written_out])
def test_backward_accepts(fn, capsys):
    ok, out = _run(ex.check_convlstm_backward, fn, capsys)
    assert ok, out


def backward_float32(*args):
    return {
        k: v.astype(np.float32)
        for k, v in backward_via_reference(*args).items()
    }


@pytest.mark.parametrize(
    "fn,message",
    [
        (
            lambda *a: backward_written_out(*a, drop="tanh"),
            "'c_prev' is wrong",
        ),
        (lambda *a: backward_written_out(*a, drop="dc"), "'c_prev' is wrong"),
        (lambda *a: backward_written_out(*a, drop="bias"), "'bias' is wrong"),
        (backward_float32, "float32 precision only"),
        (lambda *a: {"x": 1}, "lacks the keys"),
        (lambda *a: [1, 2], "return a dict"),
    ],
)
def test_backward_rejects(fn, message, capsys):
    ok, out = _run(ex.check_convlstm_backward, fn, capsys)
    assert not ok and message in out, out


# ----------------------------------------------------------------------------- parameter count


def count_right(c_in, c_h, k, peephole):
    return (
        4 * c_h * (c_in + c_h) * k * k + 4 * c_h + (3 * c_h if peephole else 0)
    )


def count_by_module(c_in, c_h, k, peephole):
    from rnntutor.sequences import ConvLSTMCell

    return sum(
        p.numel()
        for p in ConvLSTMCell(c_in, c_h, k, peephole=peephole).parameters()
    )


@pytest.mark.parametrize("fn", [count_right, count_by_module])
def test_count_accepts(fn, capsys):
    ok, out = _run(ex.check_convlstm_param_count, fn, capsys)
    assert ok, out


@pytest.mark.parametrize(
    "fn,message",
    [
        (
            lambda a, b, k, p: count_right(a, b, k, p) - 4 * b,
            "biases are missing",
        ),
        (
            lambda a, b, k, p: b * (a + b) * k * k + b + (3 * b if p else 0),
            "one gate",
        ),
        (
            lambda a, b, k, p: (
                4 * b * (a + b) * k + 4 * b + (3 * b if p else 0)
            ),
            "k x k taps",
        ),
        (
            lambda a, b, k, p: count_right(a, b, k, False),
            "peepholes are missing",
        ),
        (lambda a, b, k, p: str(count_right(a, b, k, p)), "return an integer"),
    ],
)
def test_count_rejects(fn, message, capsys):
    ok, out = _run(ex.check_convlstm_param_count, fn, capsys)
    assert not ok and message in out, out


# ----------------------------------------------------------------------------- never raise


@pytest.mark.parametrize(
    "checker",
    [
        ex.check_space_to_depth,
        ex.check_mse_per_frame,
        ex.check_bce_per_sequence,
        ex.check_convlstm_backward,
        ex.check_convlstm_param_count,
    ],
)
@pytest.mark.parametrize("value", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_returns_never_raise(checker, value, capsys):
    malformed_rejected(checker, value, capsys)


@pytest.mark.parametrize(
    "checker",
    [
        ex.check_space_to_depth,
        ex.check_mse_per_frame,
        ex.check_bce_per_sequence,
        ex.check_convlstm_backward,
    ],
)
def test_not_implemented(checker, capsys):
    rejected(checker, stub, "not implemented yet", capsys)
