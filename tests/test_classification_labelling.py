"""Sequence labelling: canvases, column labels, segments, and a labeller that learns."""

import numpy as np
import pytest
import torch

from rnntutor import data, train
from rnntutor.classification import labelling


def test_canvas_places_digits_where_the_labels_say():
    images = (
        np.random.default_rng(0).random((6, 4, 3)).astype(np.float32) + 0.0
    )
    images[images == 0] = 0.5
    labels = np.arange(6)
    canvases, cols = labelling.make_canvas(
        images, labels, width=11, digits_per_canvas=2, seed=1
    )
    assert canvases.shape == (3, 4, 11) and cols.shape == (3, 11)
    for canvas, row in zip(canvases, cols, strict=True):
        segs = labelling.segments(row)
        assert len(segs) == 2
        for start, stop, label in segs:
            assert stop - start == 3
            np.testing.assert_array_equal(
                canvas[:, start:stop], images[label]
            )  # labels are indices here
        background = row == 10
        assert np.all(canvas[:, background] == 0)


def test_canvas_errors():
    images = np.zeros((4, 4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="too narrow"):
        labelling.make_canvas(
            images, np.zeros(4, dtype=int), width=5, digits_per_canvas=2
        )


def test_segments_by_hand():
    assert labelling.segments(np.array([10, 3, 3, 10, 10, 5, 5, 7, 10])) == [
        (1, 3, 3),
        (5, 7, 5),
        (7, 8, 7),
    ]
    assert labelling.segments(np.array([2, 2])) == [(0, 2, 2)]
    assert labelling.segments(np.array([10, 10])) == []


def test_canvas_to_sequence_reads_columns():
    c = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    seq = labelling.canvas_to_sequence(c)
    assert seq.shape == (1, 4, 3)
    np.testing.assert_array_equal(seq[0, 1], c[0, :, 1])


def test_labeller_learns_column_labels():
    x, y = data.load_split("digits", "train")
    canvases, cols = labelling.make_canvas(
        x, y, width=24, digits_per_canvas=2, seed=0
    )
    loader = labelling.make_labelling_loader(
        canvases, cols, batch_size=32, seed=0
    )
    torch.manual_seed(0)
    model = labelling.SequenceLabeller("gru", 8, 24, 11, bidirectional=True)
    train.fit(
        model,
        loader,
        epochs=6,
        lr=1e-2,
        loss_fn=labelling.step_loss,
        device="cpu",
        seed=0,
    )
    pred = labelling.predict_columns(model, canvases[:50])
    with torch.no_grad():  # oracle: argmax of the model's own per-step logits
        out = model(
            torch.from_numpy(labelling.canvas_to_sequence(canvases[:50]))
        )
    assert out.shape == (50, 24, 11)
    np.testing.assert_array_equal(pred, out.argmax(-1).numpy())
    acc = labelling.column_accuracy(model, canvases, cols)
    assert np.isclose(
        acc, (labelling.predict_columns(model, canvases) == cols).mean()
    )
    assert 0.8 < acc <= 1.0  # background alone is 1/3 of the columns
