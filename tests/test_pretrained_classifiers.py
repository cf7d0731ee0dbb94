"""The shipped pixel-by-pixel LSTM checkpoints reproduce their recorded test accuracy.

They were trained on a GPU by ``scripts/train_pixel_mnist.py`` (T = 784 steps per
image); here they are evaluated on the CPU with the ``fused`` implementation, which
shares the weights. cuDNN computes in TF32, so the accuracy may move by a few images.
"""

import json
from pathlib import Path

import pytest

from rnntutor import data, train
from rnntutor.checkpoint import file_sha256

CHECKPOINTS = Path(__file__).resolve().parents[1] / "rnntutor" / "checkpoints"
NAMES = ["lstm_pixels_mean_mnist5k", "lstm_permuted_last_mnist5k"]


@pytest.mark.parametrize("name", NAMES)
def test_shipped_pixel_checkpoint_reproduces_its_record(name):
    record = json.loads((CHECKPOINTS / f"{name}.json").read_text())
    path = CHECKPOINTS / record["checkpoint"]
    assert file_sha256(path) == record["sha256"]
    model, config, metrics = train.load_checkpoint(path, sha256=record["sha256"])
    assert config["order"] == record["order"] and config["readout"] == record["readout"]
    assert metrics["test_accuracy"] == pytest.approx(record["test_accuracy"], abs=1e-4)
    x_test, y_test = data.load_split(record["dataset"], "test", seed=record["seed"])
    loader = data.make_loader(x_test, y_test, order=config["order"], batch_size=500, shuffle=False)
    result = train.evaluate(model, loader, device="cpu")
    assert result["n"] == record["split"]["test"] == 1000
    assert result["accuracy"] == pytest.approx(record["test_accuracy"], abs=0.01)
