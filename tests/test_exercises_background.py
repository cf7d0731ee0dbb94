"""Checkers of Chapter 1: they accept correct answers and explain plausible wrong ones.

For every checker: at least two differently written correct answers (float32, float64,
torch tensors), at least four plausible wrong answers rejected with their message, and
malformed returns answered with a message instead of a traceback.
"""

import numpy as np
import pytest
import torch
from _helpers import (
    accepted,
    malformed_rejected,
    rejected,
    stub_crash_and_non_function_rejected,
)

from rnntutor.exercises import background as bg

MALFORMED = [
    (None, "returned None"),
    ("rows", "string"),
    ({"h": 1}, "dict"),
    ((1, 2), "shape"),
    ([[1.0, 2.0], [3.0]], "ragged"),
    (np.ones((2, 3, 5), dtype=bool), "boolean"),
    (np.ones((4, 4)), "shape"),
    (np.inf, "shape"),
    (10**100, "not an array of numbers"),
    (np.array(["A"]), "dtype"),
    (torch.ones(2, 2, dtype=torch.float32), "shape"),
]

ALL_CHECKERS = [
    bg.check_row_view,
    bg.check_pixel_view,
    bg.check_snake_order,
    bg.check_restore_image,
    bg.check_rnn_forward,
    bg.check_decay_recurrence,
]


@pytest.mark.parametrize("check", ALL_CHECKERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    ("bad", "message"), MALFORMED, ids=lambda b: type(b).__name__
)
def test_malformed_returns_get_a_message(check, bad, message, capsys):
    assert message in malformed_rejected(check, bad, capsys)


@pytest.mark.parametrize("check", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_stub_crash_and_non_function_become_messages(check, capsys):
    stub_crash_and_non_function_rejected(check, capsys, "row_view")


@pytest.mark.parametrize(
    "check", ALL_CHECKERS[:2] + ALL_CHECKERS[3:], ids=lambda c: c.__name__
)
def test_nan_results_are_named(check, capsys):
    def nan_like(first, *rest):
        return np.full((99,), np.nan)

    rejected(check, nan_like, "shape", capsys)


# ----------------------------------------------------------------------------- row view


def test_row_view_accepts_correct_answers(capsys):
    # Independent oracle: slicing row by row by hand.
    accepted(
        bg.check_row_view,
        lambda x: np.stack([x[:, t, :] for t in range(x.shape[1])], axis=1),
        capsys,
    )
    accepted(bg.check_row_view, lambda x: x.copy(), capsys)
    accepted(bg.check_row_view, lambda x: x.astype(np.float32), capsys)
    accepted(bg.check_row_view, lambda x: torch.from_numpy(x.copy()), capsys)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda x: x.transpose(0, 2, 1), "columns as time steps"),
        (lambda x: x.transpose(1, 0, 2), "time comes first"),
        (lambda x: x.reshape(len(x), -1), "flattened"),
        (lambda x: x[:, ::-1, :], "bottom row"),
        (lambda x: x[:, :, ::-1], "right to left"),
        (lambda x: x + 0.01, "differs from the expected result"),
        (lambda x: x[:, :3, :5], "shape"),  # hard-coded to the first test size
        (lambda x: x.astype(np.float16), "differs"),
    ],
)
def test_row_view_rejects_wrong_answers(answer, message, capsys):
    rejected(bg.check_row_view, answer, message, capsys, "Row view")


def test_row_view_refuses_mutating_the_images(capsys):
    def mutate_then_answer(images):
        images[:] = 0.0
        return images

    rejected(
        bg.check_row_view,
        mutate_then_answer,
        "modified one of its input arrays",
        capsys,
    )


# ----------------------------------------------------------------------------- pixel view


def test_pixel_view_accepts_correct_answers(capsys):
    def by_loops(images):  # independent oracle: explicit raster loop
        n, h, w = images.shape
        out = np.empty((n, h * w, 1), dtype=images.dtype)
        for r in range(h):
            for c in range(w):
                out[:, r * w + c, 0] = images[:, r, c]
        return out

    accepted(bg.check_pixel_view, by_loops, capsys)
    accepted(
        bg.check_pixel_view,
        lambda x: x.reshape(x.shape[0], -1)[..., None],
        capsys,
    )
    accepted(
        bg.check_pixel_view,
        lambda x: (
            torch.tensor(x, dtype=torch.float32).flatten(1).unsqueeze(-1)
        ),
        capsys,
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda x: x.reshape(len(x), -1, 1, order="F"), "column by column"),
        (lambda x: x.reshape(len(x), -1), "feature axis is missing"),
        (lambda x: x.reshape(len(x), 1, -1), "one time step"),
        (
            lambda x: x.reshape(len(x), -1, 1).transpose(1, 0, 2),
            "time comes first",
        ),
        (
            lambda x: x.transpose(0, 2, 1).reshape(len(x), -1),
            "columns instead of rows",
        ),
        (lambda x: x, "has shape (2, 3, 5), expected (2, 15, 1)"),
        (
            lambda x: x.reshape(len(x), 15, 1),
            "cannot reshape",
        ),  # hard-coded 3x5
    ],
)
def test_pixel_view_rejects_wrong_answers(answer, message, capsys):
    rejected(bg.check_pixel_view, answer, message, capsys, "Pixel view")


# ----------------------------------------------------------------------------- snake order


def _snake_by_hand(height, width):
    order = []
    for r in range(height):
        cols = range(width) if r % 2 == 0 else range(width - 1, -1, -1)
        order.extend(r * width + c for c in cols)
    return order  # a plain list is accepted too


def test_snake_order_accepts_correct_answers(capsys):
    accepted(bg.check_snake_order, _snake_by_hand, capsys)
    accepted(
        bg.check_snake_order,
        lambda h, w: np.array(_snake_by_hand(h, w), dtype=np.int32),
        capsys,
    )
    accepted(
        bg.check_snake_order,
        lambda h, w: torch.tensor(_snake_by_hand(h, w)),
        capsys,
    )
    accepted(
        bg.check_snake_order,
        lambda h, w: np.array(_snake_by_hand(h, w), dtype=float),
        capsys,
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda h, w: np.arange(h * w), "raster (pixels) order"),
        (
            lambda h, w: [h * w - 1 - i for i in _snake_by_hand(h, w)][::-1],
            "first row goes right to left",
        ),
        (
            lambda h, w: np.array(_snake_by_hand(w, h)),
            "height and width are swapped",
        ),
        (
            lambda h, w: np.arange(h * w).reshape(h, w)[:, ::-1].ravel(),
            "every row is read right to left",
        ),
        (
            lambda h, w: np.array(_snake_by_hand(h, w)).reshape(h, w),
            "one flat array",
        ),
        (lambda h, w: np.arange(h * w - 1), "has shape"),
        (lambda h, w: np.array(_snake_by_hand(h, w)) + 0.5, "fractions"),
        (
            lambda h, w: np.array(_snake_by_hand(3, 4)),
            "for a 4x3 image",
        ),  # hard-coded size
    ],
)
def test_snake_order_rejects_wrong_answers(answer, message, capsys):
    rejected(bg.check_snake_order, answer, message, capsys, "Snake order")


def test_snake_column_mistake_is_named(capsys):
    def column_snake(h, w):
        idx = (
            np.arange(h * w).reshape(h, w).T.copy()
        )  # (W, H): columns of the image
        idx[1::2] = idx[1::2, ::-1]
        return idx.ravel()

    rejected(
        bg.check_snake_order,
        column_snake,
        "columns instead of along the rows",
        capsys,
    )


# ----------------------------------------------------------------------------- restore an image


def restore_scatter(seqs, order, image_shape):
    n = seqs.shape[0]
    out = np.empty((n, image_shape[0] * image_shape[1]))
    out[:, order] = seqs[:, :, 0]
    return out.reshape(n, *image_shape)


def restore_argsort(seqs, order, image_shape):
    return (
        torch.from_numpy(seqs[:, np.argsort(order), 0])
        .float()
        .reshape(-1, *image_shape)
    )


def test_restore_image_accepts_correct_answers(capsys):
    accepted(bg.check_restore_image, restore_scatter, capsys)
    accepted(bg.check_restore_image, restore_argsort, capsys)


def restore_sqrt(seqs, order, image_shape):
    side = int(np.sqrt(seqs.shape[1]))  # assumes square images
    return seqs[:, np.argsort(order), 0].reshape(-1, side, side)


def restore_loop(seqs, order, image_shape):
    out = np.empty((seqs.shape[0], image_shape[0] * image_shape[1]))
    for t, k in enumerate(order):
        out[:, k] = seqs[:, t, 0]
    return out.reshape(-1, *image_shape)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            lambda s, o, shape: s[:, o, 0].reshape(-1, *shape),
            "gathered with the order again",
        ),
        (
            lambda s, o, shape: s.reshape(-1, *shape),
            "only reshaped the sequence",
        ),
        (
            lambda s, o, shape: s[:, np.argsort(o), 0].reshape(
                -1, shape[1], shape[0]
            ),
            "image_shape is (H, W)",
        ),
        (lambda s, o, shape: s[:, np.argsort(o), 0], "flat images"),
        (lambda s, o, shape: s[:, np.argsort(o)], "the raster sequence"),
        (restore_sqrt, "cannot reshape"),
        (restore_loop, "uses a Python loop"),
    ],
)
def test_restore_image_rejects_wrong_answers(answer, message, capsys):
    rejected(
        bg.check_restore_image, answer, message, capsys, "Restore an image"
    )


def test_restore_image_refuses_mutating_the_order(capsys):
    def sorts_in_place(seqs, order, image_shape):
        order.sort()
        return seqs.reshape(-1, *image_shape)

    rejected(
        bg.check_restore_image,
        sorts_in_place,
        "modified one of its input arrays",
        capsys,
    )


# ----------------------------------------------------------------------------- RNN forward


def rnn_forward_steps(x, h0, lengths, params):
    from rnntutor import reference as ref

    h, hs = h0, []
    for t in range(x.shape[1]):
        h_new, _ = ref.rnn_step(x[:, t], h, params)
        h = np.where((t < lengths)[:, None], h_new, h)
        hs.append(h)
    return np.stack(hs, axis=1)


def rnn_forward_torch(x, h0, lengths, params):
    # Written differently: torch float32, one sequence at a time, cut to its length, then held.
    w = {k: torch.tensor(v, dtype=torch.float32) for k, v in params.items()}
    out = torch.zeros(x.shape[0], x.shape[1], h0.shape[1])
    for b in range(x.shape[0]):
        h = torch.tensor(h0[b], dtype=torch.float32)
        for t in range(x.shape[1]):
            if t < lengths[b]:
                xt = torch.tensor(x[b, t], dtype=torch.float32)
                h = torch.tanh(
                    w["weight_ih"] @ xt
                    + w["bias_ih"]
                    + w["weight_hh"] @ h
                    + w["bias_hh"]
                )
            out[b, t] = h
    return out


def test_rnn_forward_accepts_correct_answers(capsys):
    accepted(bg.check_rnn_forward, rnn_forward_steps, capsys)
    accepted(bg.check_rnn_forward, rnn_forward_torch, capsys)


def _rnn_with(
    x,
    h0,
    lengths,
    params,
    *,
    w=None,
    bias="both",
    recur=True,
    after="keep",
    end=0,
    stack_axis=1,
):
    w = params["weight_hh"].T if w is None else w(params["weight_hh"])
    b = {
        "both": params["bias_ih"] + params["bias_hh"],
        "ih": params["bias_ih"],
    }[bias]
    h, hs = h0, []
    for t in range(x.shape[1]):
        a = x[:, t] @ params["weight_ih"].T + b
        h_new = np.tanh(a + h @ w) if recur else np.tanh(a)
        active = (t < lengths + end)[:, None]
        h = (
            h_new
            if after == "run"
            else np.where(active, h_new, 0.0 if after == "zero" else h)
        )
        hs.append(h)
    return np.stack(hs, axis=stack_axis)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p, after="run"),
            "lengths is ignored",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p, after="zero"),
            "become zero",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p, end=1),
            "one step too long",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p, end=-1),
            "one step too early",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p)[:, -1],
            "only the final states",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p, stack_axis=0),
            "time comes first",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, np.zeros_like(h0), n, p),
            "started from zeros",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p, recur=False),
            "do not depend on the previous state",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p, w=lambda w: w),
            "instead of W_hh transposed",
        ),
        (
            lambda x, h0, n, p: _rnn_with(x, h0, n, p, bias="ih"),
            "b_hh is missing",
        ),
        (
            lambda x, h0, n, p: (
                _rnn_with(x, h0, n, p)[:, :5] if x.shape[1] >= 5 else None
            ),
            "for B=4, T=3",
        ),
    ],
)
def test_rnn_forward_rejects_wrong_answers(answer, message, capsys):
    rejected(
        bg.check_rnn_forward,
        answer,
        message,
        capsys,
        "RNN over sequences of different lengths",
    )


def test_rnn_forward_refuses_the_package_forward_and_mutation(capsys):
    from rnntutor import reference as ref

    def calls_forward(x, h0, lengths, params):
        return ref.forward("rnn", params, x, h0)[0]

    rejected(bg.check_rnn_forward, calls_forward, "uses `forward`", capsys)

    def counts_down(x, h0, lengths, params):
        hs = rnn_forward_steps(x, h0, lengths, params)
        lengths -= 1  # in place
        return hs

    rejected(
        bg.check_rnn_forward,
        counts_down,
        "modified one of its input arrays",
        capsys,
    )


# ----------------------------------------------------------------------------- linear recurrence


def decay_matrix(x, a):
    t = np.arange(x.shape[1])
    weights = np.tril(
        a ** np.clip(t[:, None] - t[None, :], 0, None)
    )  # (T, T): a**(t-k) for k <= t
    return np.einsum("tk,bkf->btf", weights, x)


def decay_cumsum(x, a):
    # h_t = a^t * Σ_k a^{-k} x_k (fine for the short sequences of the exercise)
    powers = torch.tensor(a, dtype=torch.float32) ** torch.arange(
        x.shape[1], dtype=torch.float32
    )
    xt = torch.tensor(x, dtype=torch.float32)
    return powers[None, :, None] * torch.cumsum(
        xt / powers[None, :, None], dim=1
    )


def test_decay_recurrence_accepts_correct_answers(capsys):
    accepted(bg.check_decay_recurrence, decay_matrix, capsys)
    accepted(bg.check_decay_recurrence, decay_cumsum, capsys)


def decay_loop(x, a):
    h = np.zeros_like(x[:, 0])
    hs = []
    for t in range(x.shape[1]):
        h = a * h + x[:, t]
        hs.append(h)
    return np.stack(hs, axis=1)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (decay_loop, "uses a Python loop"),
        (lambda x, a: np.cumsum(x, axis=1), "decay is missing"),
        (lambda x, a: a * decay_matrix(x, a), "one factor a too many"),
        (
            lambda x, a: np.cumsum(
                x * a ** np.arange(x.shape[1])[None, :, None], axis=1
            ),
            "grow with k",
        ),
        (lambda x, a: decay_matrix(x, a)[:, -1], "only the last state"),
        (lambda x, a: decay_matrix(x, 0.8), "a = 0.55"),  # hard-coded decay
        (
            lambda x, a: (
                decay_matrix(x, a).astype(np.float32).astype(np.float64)
            ),
            "float32 precision",
        ),
    ],
)
def test_decay_recurrence_rejects_wrong_answers(answer, message, capsys):
    rejected(
        bg.check_decay_recurrence,
        answer,
        message,
        capsys,
        "Linear recurrence without a loop",
    )


def test_verdict_is_bool_like_and_silent_in_notebooks():
    """A verdict works with assert/if/==, and IPython displays nothing for it (no stray ``False``)."""
    from rnntutor.exercises import Verdict

    yes, no = Verdict(True), Verdict(False)
    assert yes and not no
    assert yes == True and no == False  # noqa: E712 - comparing with bools is the point
    assert repr(no) == "Verdict(solved=False)"
    assert yes._ipython_display_() is None
