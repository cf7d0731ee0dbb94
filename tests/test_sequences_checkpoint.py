"""The shipped ConvLSTM predictor loads (sha256 pinned) and reproduces its recorded metrics."""

import numpy as np
import pytest
import torch

from rnntutor.checkpoint import CheckpointError, file_sha256, load_checkpoint
from rnntutor.data import moving_mnist_test
from rnntutor.sequences import (
    ConvLSTMPredictor,
    CopyLastFrame,
    evaluate_predictor,
    load_pretrained,
    pretrained_record,
)
from rnntutor.sequences.pretrained import CHECKPOINT_DIR
from rnntutor.sequences.training import CURVE_KEYS


@pytest.fixture(scope="module")
def record():
    return pretrained_record()


def test_record_describes_the_file(record):
    path = CHECKPOINT_DIR / record["checkpoint"]
    assert path.stat().st_size == record["size_bytes"] < 5_000_000
    assert file_sha256(path) == record["sha256"]
    assert (
        record["model"] == "ConvLSTMPredictor"
        and record["config"]["frame_size"] == 64
    )
    assert record["curve"] and record["eval_n"] >= 256
    assert all(tuple(point) == CURVE_KEYS for point in record["curve"])


def test_checkpoint_reproduces_recorded_metrics_on_the_test_subset(record):
    torch.set_num_threads(1)
    model = load_pretrained()
    assert isinstance(model, ConvLSTMPredictor)
    sub = record["test_subset"]
    frames = moving_mnist_test(sub["n"])
    got = evaluate_predictor(model, frames, 10)
    assert got["bce_per_sequence"] == pytest.approx(
        sub["bce_per_sequence"], rel=1e-4
    )
    assert got["mse_per_frame"] == pytest.approx(
        sub["mse_per_frame"], rel=1e-4
    )
    # it beats copying the last frame by a wide margin on the same sequences
    copy = evaluate_predictor(CopyLastFrame(), frames, 10)
    assert got["mse_per_frame"] < 0.7 * copy["mse_per_frame"]


def test_recorded_baselines_are_the_baselines(record):
    n = 64
    frames = moving_mnist_test(n)
    copy = evaluate_predictor(CopyLastFrame(), frames, 10)
    # the record's baseline on more sequences is close to this smaller sample
    assert copy["mse_per_frame"] == pytest.approx(
        record["models"]["copy last frame"]["mse_per_frame"], rel=0.15
    )


def test_pinned_sha256_detects_a_changed_file(tmp_path, record):
    src = CHECKPOINT_DIR / record["checkpoint"]
    bad = tmp_path / "x.pt"
    raw = bytearray(src.read_bytes())
    raw[-100] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError):
        load_checkpoint(bad, sha256=record["sha256"])
    with pytest.raises(ValueError, match="unknown pretrained model"):
        pretrained_record("nope")
    assert np.isfinite(
        record["models"]["ConvLSTM (shipped)"]["ssim_per_frame"]
    )
