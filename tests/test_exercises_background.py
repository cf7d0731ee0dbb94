"""Checkers of Chapter 1: they accept correct answers and explain plausible wrong ones."""

import numpy as np
import pytest

from rnntutor.exercises import background as bg


def _assert_rejected(check, answer, exercise, message, capsys):
    assert not check(answer)
    out = capsys.readouterr().out
    assert out.startswith(f"❌ {exercise}")
    assert message in out


def test_row_view_accepts_correct_answers(capsys):
    # Independent oracle: slicing row by row by hand.
    assert bg.check_row_view(lambda images: np.stack([images[:, t, :] for t in range(images.shape[1])], axis=1))
    assert bg.check_row_view(lambda images: images.copy())
    assert "✅ Row view: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda x: x.transpose(0, 2, 1), "columns as time steps"),
        (lambda x: x.transpose(1, 0, 2), "time comes first"),
        (lambda x: x.reshape(len(x), -1), "flattened"),
        (lambda x: x[:, ::-1, :], "bottom row"),
        (lambda x: x + 0.01, "differs at"),
        (lambda x: None, "returned None"),
        (lambda x: "rows", "has shape ()"),
    ],
)
def test_row_view_rejects_wrong_answers(answer, message, capsys):
    _assert_rejected(bg.check_row_view, answer, "Row view", message, capsys)


def test_pixel_view_accepts_correct_answers(capsys):
    def by_loops(images):  # independent oracle: explicit raster loop
        n, h, w = images.shape
        out = np.empty((n, h * w, 1), dtype=images.dtype)
        for r in range(h):
            for c in range(w):
                out[:, r * w + c, 0] = images[:, r, c]
        return out

    assert bg.check_pixel_view(by_loops)
    assert bg.check_pixel_view(lambda x: x.reshape(x.shape[0], -1)[..., None])
    assert "✅ Pixel view: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda x: x.reshape(len(x), -1, 1, order="F"), "column by column"),
        (lambda x: x.reshape(len(x), -1), "feature axis is missing"),
        (lambda x: x.reshape(len(x), 1, -1), "one time step"),
        (lambda x: x.reshape(len(x), -1, 1).transpose(1, 0, 2), "time comes first"),
        (lambda x: x.transpose(0, 2, 1).reshape(len(x), -1), "columns instead of rows"),
        (lambda x: x, "has shape (2, 3, 5), expected (2, 15, 1)"),
    ],
)
def test_pixel_view_rejects_wrong_answers(answer, message, capsys):
    _assert_rejected(bg.check_pixel_view, answer, "Pixel view", message, capsys)


def _snake_by_hand(height, width):
    order = []
    for r in range(height):
        cols = range(width) if r % 2 == 0 else range(width - 1, -1, -1)
        order.extend(r * width + c for c in cols)
    return order  # a plain list is accepted too


def test_snake_order_accepts_correct_answer(capsys):
    assert bg.check_snake_order(_snake_by_hand)
    assert bg.check_snake_order(lambda h, w: np.array(_snake_by_hand(h, w), dtype=np.int32))
    assert "✅ Snake order: correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda h, w: np.arange(h * w), "raster (pixels) order"),
        (lambda h, w: [h * w - 1 - i for i in _snake_by_hand(h, w)][::-1], "first row goes right to left"),
        (lambda h, w: np.array(_snake_by_hand(w, h)), "height and width are swapped"),
        (lambda h, w: np.arange(h * w).reshape(h, w).T.ravel(), "differs at"),
        (lambda h, w: np.arange(h * w - 1), "has shape"),
    ],
)
def test_snake_order_rejects_wrong_answers(answer, message, capsys):
    _assert_rejected(bg.check_snake_order, answer, "Snake order", message, capsys)


def test_snake_column_mistake_is_named(capsys):
    def column_snake(h, w):
        idx = np.arange(h * w).reshape(h, w).T.copy()  # (W, H): columns of the image
        idx[1::2] = idx[1::2, ::-1]
        return idx.ravel()

    assert not bg.check_snake_order(column_snake)
    assert "columns instead of along the rows" in capsys.readouterr().out


@pytest.mark.parametrize("check", [bg.check_row_view, bg.check_pixel_view])
def test_stub_and_crash_become_messages(check, capsys):
    def stub(images):
        raise NotImplementedError

    def crash(images):
        return images[99]

    assert not check(stub)
    assert "not implemented yet" in capsys.readouterr().out
    assert not check(crash)
    assert "IndexError" in capsys.readouterr().out


def test_learner_cannot_change_the_test_images(capsys):
    def mutate_then_answer(images):
        answer = images.copy()
        images[:] = 0.0  # the checker passes a copy, so its reference is unaffected
        return answer

    assert bg.check_row_view(mutate_then_answer)


def test_verdict_is_bool_like_and_silent_in_notebooks():
    """A verdict works with assert/if/==, and IPython displays nothing for it (no stray ``False``)."""
    from rnntutor.exercises import Verdict

    yes, no = Verdict(True), Verdict(False)
    assert yes and not no
    assert yes == True and no == False  # noqa: E712 - comparing with bools is the point
    assert repr(no) == "Verdict(solved=False)"
    assert yes._ipython_display_() is None
