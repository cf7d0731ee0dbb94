"""The shipped Row LSTM checkpoint: it loads, is verified, and reproduces its recorded test NLL."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from rnntutor import cli
from rnntutor.checkpoint import CheckpointError
from rnntutor.generation import (
    FVSBN,
    RowLSTM,
    load_model,
    load_pretrained,
    pretrained_record,
    save_model,
)
from rnntutor.generation.pretrained import CHECKPOINT_DIR, file_sha256


def test_shipped_checkpoint_is_small_and_matches_its_record():
    record = pretrained_record("row_lstm_mnist5k")
    path = CHECKPOINT_DIR / record["checkpoint"]
    assert path.stat().st_size == record["size_bytes"] < 5_000_000
    assert file_sha256(path) == record["sha256"]
    for key in ("command", "seed", "wall_seconds", "metrics"):
        assert key in record
    assert record["command"].startswith("python scripts/train_row_lstm.py")


def test_shipped_checkpoint_reproduces_its_recorded_test_nll(capsys):
    record = pretrained_record("row_lstm_mnist5k")
    model = load_pretrained("row_lstm_mnist5k")
    assert isinstance(model, RowLSTM) and not model.training
    # the original is evaluated by the command line, binarized as its provenance records
    assert (
        cli.main(
            [
                "evaluate",
                str(CHECKPOINT_DIR / record["checkpoint"]),
                "--json",
                "--batch-size",
                "500",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 1000 and result["dataset"] == "mnist5k"
    nll = result["nll_nats"]
    assert nll == pytest.approx(
        record["metrics"]["test_nll_nats_threshold"], abs=0.01
    )
    assert nll <= 75.0
    assert result["bits_per_dim"] == pytest.approx(
        nll / (784 * np.log(2)), rel=1e-9
    )


def test_save_and_load_round_trip_and_tamper_detection(tmp_path):
    torch.manual_seed(0)
    model = RowLSTM((4, 5), hidden=4, pixel_bias=True)
    path = tmp_path / "m.pt"
    sha = save_model(path, model)
    loaded = load_model(path, sha256=sha)
    x = (np.random.default_rng(0).random((3, 4, 5)) < 0.5).astype(np.float32)
    torch.testing.assert_close(loaded.log_prob(x), model.log_prob(x))
    assert loaded.config == model.config
    with pytest.raises(ValueError, match="sha256"):
        load_model(path, sha256="0" * 64)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_model(tmp_path / "missing.pt")
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not an rnntutor checkpoint"):
        load_model(tmp_path / "other.pt")
    f = FVSBN((2, 2))
    assert (
        load_model(
            tmp_path / "f.pt" if save_model(tmp_path / "f.pt", f) else None
        ).config
        == f.config
    )
    with pytest.raises(ValueError, match="unknown pretrained"):
        pretrained_record("nope")


def test_json_record_is_valid_json_with_both_binarizations():
    record = json.loads((CHECKPOINT_DIR / "row_lstm_mnist5k.json").read_text())
    assert {"test_nll_nats_threshold", "test_nll_nats_stochastic"} <= set(
        record["metrics"]
    )
    assert (
        record["metrics"]["test_nll_nats_stochastic"]
        > record["metrics"]["test_nll_nats_threshold"]
    )
