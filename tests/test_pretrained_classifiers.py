"""The shipped pixel-by-pixel LSTM checkpoints reproduce their recorded test accuracy.

They were trained on a GPU by ``scripts/train_pixel_mnist.py`` (T = 784 steps per
image) and converted to the one checkpoint format by ``scripts/convert_checkpoints.py``
(same weights); here ``rnntutor evaluate`` runs them on the CPU with the ``fused``
implementation, which shares the weights. cuDNN computes in TF32, so the accuracy may
move by a few images.
"""

import json

import pytest

from rnntutor import checkpoint, cli

NAMES = ["lstm_pixels_mean_mnist5k", "lstm_permuted_last_mnist5k"]


@pytest.mark.parametrize("name", NAMES)
def test_shipped_pixel_checkpoint_reproduces_its_record(name, capsys):
    record = checkpoint.shipped_record(name)
    path = checkpoint.SHIPPED_DIR / record["checkpoint"]
    assert checkpoint.file_sha256(path) == record["sha256"]
    model, config, metrics = checkpoint.load_checkpoint(
        path, sha256=record["sha256"]
    )
    assert (
        config["order"] == record["order"]
        and config["readout"] == record["readout"]
    )
    assert metrics["test_accuracy"] == pytest.approx(
        record["test_accuracy"], abs=1e-4
    )
    # the original is evaluated by the command line (which also checks the record's sha256)
    assert (
        cli.main(
            [
                "evaluate",
                str(path),
                "--json",
                "--device",
                "cpu",
                "--batch-size",
                "500",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert (
        result["dataset"] == record["dataset"]
        and result["kind"] == "classifier"
    )
    assert result["n"] == record["split"]["test"] == 1000
    assert result["accuracy"] == pytest.approx(
        record["test_accuracy"], abs=0.01
    )
