"""rnntutor.checkpoint: one verified format for every model, its records, and `rnntutor evaluate`.

Covers the defects of issue 14: generation checkpoints without integrity check, the
image-shape check of ``evaluate --dataset``, hand-made checkpoints, failed and
concurrent saves, the sidecar JSON records, and torch's boilerplate in messages.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import threading
import time

import numpy as np
import pytest
import torch
from _helpers import read_only_folder, umask
from torch import nn

from rnntutor import checkpoint, cli
from rnntutor.checkpoint import (
    CheckpointError,
    DataMismatchError,
    UnwritableError,
)
from rnntutor.data import binarize, load_split
from rnntutor.generation import (
    FVSBN,
    DiagonalBiLSTM,
    IndependentBernoulli,
    PixelLSTM,
    RowLSTM,
)
from rnntutor.nn import SequenceClassifier

DIGITS = {
    "dataset": "digits",
    "split": "train",
    "split_seed": 0,
    "image_shape": [8, 8],
    "binarization": None,
}
DIGITS_BIN = {
    **DIGITS,
    "binarization": {"method": "threshold", "threshold": 0.5},
}


def _randomized(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(
                0.3 * torch.randn(p.shape, generator=g)
            )  # non-zero weights and biases
    return model.eval()


MODELS = {
    "SequenceClassifier": lambda: SequenceClassifier(
        "gru", input_size=8, hidden_size=6, order="rows"
    ),
    "IndependentBernoulli": lambda: IndependentBernoulli((8, 8)),
    "FVSBN": lambda: FVSBN((8, 8)),
    "PixelLSTM": lambda: PixelLSTM((8, 8), hidden=5),
    "RowLSTM": lambda: RowLSTM((8, 8), hidden=4, pixel_bias=True),
    "DiagonalBiLSTM": lambda: DiagonalBiLSTM((8, 8), hidden=4),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_round_trips_through_the_one_format(name, tmp_path):
    model = _randomized(MODELS[name]())
    path = checkpoint.save_checkpoint(
        tmp_path / "m.pt",
        model,
        metrics={"score": np.float32(0.5)},
        data=DIGITS_BIN,
    )
    payload = checkpoint.read_checkpoint(path)
    assert payload["version"] == 2 and payload["model"] == name
    assert payload["kind"] == (
        "classifier" if name == "SequenceClassifier" else "generative"
    )
    assert (
        payload["data"]["image_shape"] == [8, 8]
        and payload["data"]["dataset"] == "digits"
    )
    assert payload["metrics"] == {"score": 0.5}
    loaded, config, _ = checkpoint.load_checkpoint(path)
    assert (
        type(loaded) is type(model)
        and config == json.loads(json.dumps(model.config))
        and not loaded.training
    )
    x = (
        torch.rand(3, 8, 8, generator=torch.Generator().manual_seed(1)) > 0.5
    ).float()
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_generation_checkpoint_flips_never_load_other_weights(tmp_path):
    """Defect 1: 2,872 of 5,994 flips used to load different weights; now each is refused or harmless."""
    model = _randomized(RowLSTM((6, 6), hidden=3))
    path = checkpoint.save_checkpoint(
        tmp_path / "g.pt", model, data={**DIGITS_BIN, "image_shape": [6, 6]}
    )
    raw = path.read_bytes()
    want = {k: v.clone() for k, v in model.state_dict().items()}
    refused = 0
    for offset in np.linspace(0, len(raw) - 1, 40).astype(int):
        bad = bytearray(raw)
        bad[offset] ^= 0x5A
        (tmp_path / "bad.pt").write_bytes(bytes(bad))
        try:
            got, _, _ = checkpoint.load_checkpoint(tmp_path / "bad.pt")
        except CheckpointError:
            refused += 1
            continue
        for (
            k,
            v,
        ) in (
            got.state_dict().items()
        ):  # a flip in bytes nobody reads may load: the same weights
            assert torch.equal(v, want[k]), (offset, k)
    assert refused >= 30


@pytest.mark.parametrize(
    "edit,fragment",
    [
        (
            lambda p: p.update(metrics=[1, 2]),
            "'metrics' must be a dict, got list",
        ),
        (
            lambda p: p["state_dict"].update({"head.weight": 3}),
            "weight 'head.weight' must be a tensor, got int",
        ),
        (lambda p: p.update(data="mnist"), "'data' must be a dict, got str"),
        (
            lambda p: p.update(config=None),
            "'config' must be a dict, got NoneType",
        ),
        (lambda p: p.pop("kind"), "lacks the entries ['kind']"),
        (lambda p: p.update(version=7), "format version 7"),
        (
            lambda p: p.update(model="Transformer"),
            "unknown model type 'Transformer'",
        ),
    ],
)
def test_hand_made_checkpoints_give_one_clear_line(
    edit, fragment, tmp_path, capsys
):
    """Defect 6: metrics as a list or an int weight printed an AttributeError traceback."""
    model = SequenceClassifier("rnn", 8, 4)
    path = checkpoint.save_checkpoint(tmp_path / "m.pt", model, data=DIGITS)
    payload = torch.load(path, weights_only=True)
    edit(payload)
    if fragment.startswith(
        "unknown model"
    ):  # a consistent digest: only the registry can refuse it
        payload["sha256"] = checkpoint._digest(payload)
    torch.save(payload, path)
    assert cli.main(["evaluate", str(path), "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err


def test_old_generation_files_are_refused_and_torch_boilerplate_is_dropped(
    tmp_path,
):
    torch.save(
        {"format": "rnntutor-generation", "version": 1, "model": "FVSBN"},
        tmp_path / "old.pt",
    )
    with pytest.raises(
        CheckpointError,
        match="old generation checkpoint without an integrity check",
    ):
        checkpoint.load_checkpoint(tmp_path / "old.pt")
    torch.save(
        {"weights": nn.Linear(2, 2)}, tmp_path / "pickled.pt"
    )  # a pickled module: refused
    with pytest.raises(
        CheckpointError, match="cannot read checkpoint"
    ) as info:
        checkpoint.load_checkpoint(tmp_path / "pickled.pt")
    message = str(info.value)
    assert (
        "Please file an issue" not in message
        and "weights_only" not in message
        and "\n" not in message
    )
    (tmp_path / "text.pt").write_text("not a zip")
    with pytest.raises(
        CheckpointError,
        match="truncated, damaged or not an rnntutor checkpoint",
    ):
        checkpoint.load_checkpoint(tmp_path / "text.pt")


def test_unregistered_models_are_refused_and_the_registries_extend_with_one_line(
    tmp_path, monkeypatch
):
    model = ToyModel(3)
    with pytest.raises(
        CheckpointError, match="not in rnntutor.checkpoint.MODELS"
    ):
        checkpoint.save_checkpoint(tmp_path / "t.pt", model)
    monkeypatch.setitem(checkpoint.MODELS, "ToyModel", f"{__name__}:ToyModel")
    with pytest.raises(CheckpointError, match="kind 'toy' has no evaluator"):
        checkpoint.save_checkpoint(tmp_path / "t.pt", model)
    monkeypatch.setitem(
        checkpoint.EVALUATORS, "toy", f"{__name__}:evaluate_toy"
    )
    path = checkpoint.save_checkpoint(
        tmp_path / "t.pt",
        model,
        data={"dataset": "digits", "image_shape": [8, 8]},
    )
    result = checkpoint.evaluate_file(path, split="test")
    assert (
        result["kind"] == "toy" and result["n"] == 359 and result["width"] == 3
    )


class ToyModel(nn.Module):
    """A model of a new chapter: registered by one line in MODELS, evaluated by one in EVALUATORS."""

    checkpoint_kind = "toy"

    def __init__(self, width: int):
        super().__init__()
        self.config = {"width": width}
        self.lin = nn.Linear(width, 1)


def evaluate_toy(
    model, info, *, dataset, split, batch_size, device, cache_dir
):
    images, _ = load_split(dataset, split)
    checkpoint.check_data(info, dataset, images.shape[1:])
    return {
        "n": len(images),
        "width": info["config"]["width"],
        "summary": "toy",
    }


# ------------------------------------------------------------------- writing files


def _no_temporaries(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def test_failed_save_names_the_path_and_leaves_no_temporary(
    tmp_path, monkeypatch
):
    """Defect 6: a read-only target gave '[enforce fail at inline_container.cc:747]' without the path."""
    model = SequenceClassifier("rnn", 8, 4)

    def enforce_fail(*args, **kwargs):
        raise RuntimeError(
            "[enforce fail at inline_container.cc:747] . unexpected pos 64 vs 0"
        )

    monkeypatch.setattr(checkpoint.torch, "save", enforce_fail)
    target = tmp_path / "out" / "m.pt"
    with pytest.raises(
        CheckpointError, match=f"cannot write checkpoint '{target}'"
    ):
        checkpoint.save_checkpoint(target, model)
    assert not target.exists() and _no_temporaries(target.parent)


def test_read_only_folder_is_refused_with_its_path(tmp_path, monkeypatch):
    with read_only_folder(tmp_path / "ro", monkeypatch) as folder:
        with pytest.raises(
            UnwritableError, match=f"'{folder}' is not writable"
        ):
            checkpoint.save_checkpoint(
                folder / "m.pt", SequenceClassifier("rnn", 8, 4)
            )
    with pytest.raises(UnwritableError, match="it is a folder"):
        checkpoint.check_writable(tmp_path)


def test_concurrent_saves_to_one_path_do_not_collide(tmp_path):
    """Defect 6: the fixed temporary name '<out>.tmp' made two savers collide."""
    target, errors = tmp_path / "same.pt", []
    models = [
        _randomized(SequenceClassifier("rnn", 8, 4), seed=s) for s in range(4)
    ]

    def save(m):
        try:
            for _ in range(3):
                checkpoint.save_checkpoint(target, m, data=DIGITS)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(m,)) for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    loaded, _, _ = checkpoint.load_checkpoint(
        target
    )  # one complete file, from one of the savers
    assert any(torch.equal(loaded.head.weight, m.head.weight) for m in models)
    assert _no_temporaries(tmp_path)


def test_saved_file_mode_follows_the_umask(tmp_path):
    with umask(0o022):
        path = checkpoint.save_checkpoint(
            tmp_path / "m.pt", SequenceClassifier("rnn", 8, 4)
        )
    assert path.stat().st_mode & 0o777 == 0o644


# ----------------------------------------------------------------- sidecar records


def _record(tmp_path, **entries):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"checkpoint": "m.pt", **entries}))
    return path


def test_sidecar_sha256_upper_case_null_missing_and_malformed(tmp_path):
    """Defect 7: upper case refused, null skipped the check, a missing key was a bare KeyError."""
    pt = checkpoint.save_checkpoint(
        tmp_path / "m.pt", SequenceClassifier("rnn", 8, 4), data=DIGITS
    )
    sha = checkpoint.file_sha256(pt)
    record = checkpoint.read_record(
        _record(tmp_path, sha256=sha.upper()), checkpoint="m.pt"
    )
    assert record["sha256"] == sha
    checkpoint.load_checkpoint(
        pt, sha256=sha.upper()
    )  # a correct digest in upper case is accepted
    with pytest.raises(
        CheckpointError,
        match="'sha256' entry of .* must be a sha256 digest .* got None",
    ):
        checkpoint.read_record(_record(tmp_path, sha256=None))
    with pytest.raises(CheckpointError, match="lacks the entry 'sha256'"):
        checkpoint.read_record(_record(tmp_path))
    with pytest.raises(CheckpointError, match="got 'abc'"):
        checkpoint.read_record(_record(tmp_path, sha256="abc"))
    with pytest.raises(CheckpointError, match="describes 'm.pt', not 'n.pt'"):
        checkpoint.read_record(
            _record(tmp_path, sha256=sha), checkpoint="n.pt"
        )
    with pytest.raises(CheckpointError, match="expected sha256 of .* got 12"):
        checkpoint.load_checkpoint(pt, sha256=12)


def test_cli_evaluate_uses_the_record_next_to_the_checkpoint(tmp_path, capsys):
    pt = checkpoint.save_checkpoint(
        tmp_path / "m.pt", SequenceClassifier("rnn", 8, 4), data=DIGITS
    )
    _record(tmp_path, sha256=None)
    assert cli.main(["evaluate", str(pt), "--device", "cpu"]) == 1
    assert "must be a sha256 digest" in capsys.readouterr().err
    _record(tmp_path, sha256="f" * 64)
    assert cli.main(["evaluate", str(pt), "--device", "cpu"]) == 1
    assert "does not have the expected sha256" in capsys.readouterr().err
    _record(tmp_path, sha256=checkpoint.file_sha256(pt).upper())
    assert cli.main(["evaluate", str(pt), "--device", "cpu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 359


# ------------------------------------------------------------- rnntutor evaluate


def test_evaluate_refuses_another_image_size_with_exit_2(tmp_path, capsys):
    """Defect 2: an 8x8 model on mnist5k printed accuracy 0.1000 and exited 0."""
    model = SequenceClassifier(
        "lstm", input_size=1, hidden_size=4, order="pixels"
    )
    pt = checkpoint.save_checkpoint(tmp_path / "m.pt", model, data=DIGITS)
    assert (
        cli.main(
            ["evaluate", str(pt), "--dataset", "mnist5k", "--device", "cpu"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "trained on 8x8 images (digits) but mnist5k has 28x28 images"
        in err
    )
    fvsbn = checkpoint.save_checkpoint(
        tmp_path / "g.pt", FVSBN((8, 8)), data=DIGITS_BIN
    )
    assert cli.main(["evaluate", str(fvsbn), "--dataset", "mnist5k"]) == 2
    assert "28x28" in capsys.readouterr().err
    with pytest.raises(
        DataMismatchError, match="does not record the image shape"
    ):
        checkpoint.check_data({"data": {}, "config": {}}, "digits", (8, 8))


def test_evaluate_a_generative_checkpoint_reports_nll_in_nats_and_bits(
    tmp_path, capsys
):
    model = _randomized(FVSBN((8, 8)))
    pt = checkpoint.save_checkpoint(tmp_path / "g.pt", model, data=DIGITS_BIN)
    assert (
        cli.main(["evaluate", str(pt), "--json", "--batch-size", "100"]) == 0
    )
    result = json.loads(capsys.readouterr().out)
    test = binarize(load_split("digits", "test", seed=0)[0], 0.5)
    nats = float(
        -model.log_prob(test).double().mean()
    )  # the oracle: the model's own log_prob, one batch
    assert result["kind"] == "generative" and result["n"] == 359
    assert result["nll_nats"] == pytest.approx(nats, rel=1e-6)
    assert result["bits_per_dim"] == pytest.approx(
        nats / (64 * np.log(2)), rel=1e-6
    )
    assert cli.main(["evaluate", str(pt)]) == 0
    assert "FVSBN on digits test (n=359): NLL" in capsys.readouterr().out


SHIPPED = checkpoint.shipped()


def test_every_shipped_checkpoint_has_its_provenance():
    assert SHIPPED == [
        "convlstm_moving_mnist",
        "draw_mnist5k",
        "lstm_permuted_last_mnist5k",
        "lstm_pixels_mean_mnist5k",
        "pixelcnn_mnist5k_256",
        "row_lstm_mnist5k",
    ]
    for name in SHIPPED:
        payload = checkpoint.read_checkpoint(
            checkpoint.SHIPPED_DIR / f"{name}.pt"
        )
        assert payload["version"] == 2
        if (
            name == "convlstm_moving_mnist"
        ):  # Chapter 6: generated Moving MNIST, 64x64 frames
            assert payload["kind"] == "video"
            assert {
                k: payload["data"][k]
                for k in ("dataset", "split", "image_shape")
            } == {
                "dataset": "moving_mnist",
                "split": "train",
                "image_shape": [64, 64],
            }
            continue
        assert {
            k: payload["data"][k] for k in ("dataset", "split", "image_shape")
        } == {
            "dataset": "mnist5k",
            "split": "train",
            "image_shape": [28, 28],
        }
        assert "binarization" in payload["data"]


@pytest.mark.parametrize("name", SHIPPED)
def test_evaluate_refuses_byte_flipped_copies_of_shipped_checkpoints(
    name, tmp_path, capsys
):
    src = checkpoint.SHIPPED_DIR / f"{name}.pt"
    raw = src.read_bytes()
    shutil.copy(
        checkpoint.SHIPPED_DIR / f"{name}.json", tmp_path / f"{name}.json"
    )  # the record travels along
    for i, offset in enumerate(
        np.linspace(100, len(raw) - 100, 6).astype(int)
    ):
        bad = bytearray(raw)
        bad[offset] ^= 0x01 << (i % 8)
        (tmp_path / f"{name}.pt").write_bytes(bytes(bad))
        assert (
            cli.main(
                ["evaluate", str(tmp_path / f"{name}.pt"), "--device", "cpu"]
            )
            == 1
        ), offset
        err = capsys.readouterr().err
        assert (
            err.count("\n") == 1
            and "expected sha256" in err
            and "Traceback" not in err
        )
    # without its record, the digest inside the file still refuses a flip in the weights
    (tmp_path / f"{name}.json").unlink()
    bad = bytearray(raw)
    bad[len(raw) // 2] ^= 0x10
    (tmp_path / f"{name}.pt").write_bytes(bytes(bad))
    assert (
        cli.main(["evaluate", str(tmp_path / f"{name}.pt"), "--device", "cpu"])
        == 1
    )
    err = capsys.readouterr().err
    assert "failed its sha256 check" in err or "cannot read checkpoint" in err


def test_record_training_writes_the_run_next_to_its_checkpoint(tmp_path):
    model = _randomized(MODELS["RowLSTM"]())
    path = checkpoint.save_checkpoint(tmp_path / "m.pt", model, data=DIGITS)
    script = tmp_path / "scripts" / "train_m.py"  # repository: tmp_path
    args = argparse.Namespace(out=str(path), seed=3, threads=2, lr=0.5)
    record = checkpoint.record_training(
        path, model, args, script=script, argv=["--seed", "3"],
        start=time.time() - 2.0, details={"metrics": {"nll": 1.5}, "epochs": [1]},
        machine="device cpu",
    )  # fmt: skip
    assert json.loads((tmp_path / "m.json").read_text()) == record
    assert list(record) == [
        "checkpoint", "sha256", "size_bytes", "command", "seed", "args", "model", "config",
        "parameters", "metrics", "epochs", "wall_seconds", "torch", "python", "machine",
    ]  # fmt: skip
    assert record["checkpoint"] == "m.pt"
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["size_bytes"] == len(path.read_bytes())
    assert record["command"] == "python scripts/train_m.py --seed 3"
    assert record["args"] == {
        "out": "m.pt",
        "seed": 3,
        "threads": 2,
        "lr": 0.5,
    }
    assert record["model"] == "RowLSTM" and record["config"] == model.config
    buffers = dict(model.named_buffers())  # the masks are not parameters
    n_weights = sum(
        t.numel() for k, t in model.state_dict().items() if k not in buffers
    )
    assert record["parameters"] == n_weights > 0
    assert 2.0 <= record["wall_seconds"] < 60
    assert record["torch"] == torch.__version__
    assert record["machine"].endswith(" CPU, 2 thread(s), device cpu")
    # an output outside the repository keeps its path as given; no note, no comma
    args.out = str(tmp_path.parent / "elsewhere.pt")
    record = checkpoint.record_training(
        path,
        model,
        args,
        script=script,
        argv=[],
        start=time.time(),
        details={},
    )
    assert record["args"]["out"] == args.out
    assert record["command"] == "python scripts/train_m.py "
    assert record["machine"].endswith(" CPU, 2 thread(s)")
