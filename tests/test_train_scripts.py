"""The training scripts that made the shipped checkpoints still run, and write the same record.

Each script's ``main`` runs on 24 random images (``load_split`` replaced) with a tiny
model; its JSON record must have the keys and ``args`` of the shipped record that names
the script as the way to re-create the checkpoint.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from _helpers import load_script

from rnntutor.checkpoint import SHIPPED_DIR, file_sha256, load_checkpoint

TINY = {
    "train_draw": ("draw_mnist5k", ["--T", "2", "--hidden", "8", "--z-dim", "2", "--read-n", "2",
                                    "--write-n", "2", "--epochs", "1", "--val", "4", "--k", "2"]),
    "train_row_lstm": ("row_lstm_mnist5k", ["--epochs", "1", "--hidden", "4", "--layers", "1"]),
    "train_intensities_mnist": ("pixelcnn_mnist5k_256", ["--channels", "4", "--layers", "1", "--head", "4"]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TINY))
def test_script_writes_the_record_of_its_shipped_checkpoint(
    name, tmp_path, monkeypatch
):
    script = load_script(name)
    rng = np.random.default_rng(0)

    def fake_split(dataset, split, seed=0, **kwargs):
        assert (dataset, seed) == ("mnist5k", 0)
        return rng.random((24, 28, 28), dtype=np.float32), np.zeros(24, int)

    monkeypatch.setattr(script, "load_split", fake_split)
    monkeypatch.setattr(script.torch, "set_num_threads", lambda n: None)
    shipped_name, argv = TINY[name]
    out = tmp_path / f"{shipped_name}.pt"
    assert script.main(["--out", str(out), *argv]) == 0
    record = json.loads(out.with_suffix(".json").read_text())
    shipped = json.loads((SHIPPED_DIR / f"{shipped_name}.json").read_text())
    shipped.pop(
        "converted_from_sha256", None
    )  # added by convert_checkpoints.py
    assert sorted(record) == sorted(shipped)
    assert sorted(record["args"]) == sorted(shipped["args"])
    assert record["command"] == f"python scripts/{name}.py " + " ".join(
        ["--out", str(out), *argv]
    )
    assert shipped["command"].startswith(f"python scripts/{name}.py ")
    assert record["sha256"] == file_sha256(out)
    assert record["model"] == shipped["model"]
    model, config, metrics = load_checkpoint(out, sha256=record["sha256"])
    assert config == record["config"] and metrics == record["metrics"]
    assert record["parameters"] == sum(p.numel() for p in model.parameters())
