"""The rnntutor command line: train -> evaluate round trip, bench smoke run, errors."""

import json
import os
import subprocess
import sys

import pytest
import torch
from _helpers import read_only_folder

from rnntutor import cli

ENV = {**os.environ, "RNNTUTOR_PROGRESS": "0", "OMP_NUM_THREADS": "1"}


def run_cli(*args):
    """Run ``python -m rnntutor.cli ARGS`` in a subprocess (as the console script would)."""
    return subprocess.run(
        [sys.executable, "-m", "rnntutor.cli", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )


def test_train_then_evaluate(tmp_path, capsys):
    out = tmp_path / "digits.pt"
    rc = cli.main(
        [
            "train",
            "--dataset",
            "digits",
            "--order",
            "rows",
            "--cell",
            "gru",
            "--hidden-size",
            "16",
            "--epochs",
            "1",
            "--lr",
            "0.02",
            "--device",
            "cpu",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    summary = capsys.readouterr().out.strip().splitlines()
    assert (
        len(summary) == 1
        and "test accuracy" in summary[0]
        and str(out) in summary[0]
    )
    train_acc = float(summary[0].split("test accuracy ")[1].split()[0])
    assert out.is_file()
    rc = cli.main(["evaluate", str(out), "--json", "--device", "cpu"])
    assert rc == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n"] == 359 and metrics["dataset"] == "digits"
    assert metrics["accuracy"] == pytest.approx(
        train_acc, abs=1e-4
    )  # same model, same test split
    assert (
        metrics["accuracy"] > 0.2
    )  # better than chance (0.1) after one epoch


def test_tampered_checkpoint_via_cli(tmp_path, capsys):
    from rnntutor.nn import SequenceClassifier
    from rnntutor.train import save_checkpoint

    path = save_checkpoint(
        tmp_path / "m.pt",
        SequenceClassifier("rnn", 8, 4),
        metrics={"dataset": "digits"},
    )
    payload = torch.load(path, weights_only=True)
    payload["metrics"]["dataset"] = "mnist5k"
    torch.save(payload, path)
    assert cli.main(["evaluate", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "sha256" in err


def test_bench_smoke(tmp_path, capsys):
    out = tmp_path / "bench.json"
    rc = cli.main(
        [
            "bench",
            "--sizes",
            "tiny",
            "--repeats",
            "2",
            "--warmup",
            "1",
            "--json",
            str(out),
            "--plot",
            str(tmp_path / "bench.png"),
        ]
    )
    assert rc == 0
    result = json.loads(out.read_text())
    entry = result["sizes"][0]
    assert (entry["T"], entry["B"], entry["I"], entry["H"]) == (5, 4, 3, 8)
    assert set(entry["results"]) == {"numpy", "scratch", "fused", "torch"}
    assert entry["results"]["torch"]["ratio"] == 1.0
    assert all(
        len(r["times_ms"]) == 2 and r["median_ms"] > 0
        for r in entry["results"].values()
    )
    assert result["machine"]["cpu_cores"] >= 1
    # the record says how to make it again (rnntutor.results shows this with the table)
    assert result["command"].startswith(
        "rnntutor bench --sizes tiny --repeats 2 --warmup 1 --json "
    )
    assert (tmp_path / "bench.png").stat().st_size > 1000
    assert "torch.nn.LSTM" in capsys.readouterr().out


def test_data_commands(capsys):
    assert cli.main(["data", "list"]) == 0
    listing = capsys.readouterr().out
    assert "digits" in listing and "mnist5k" in listing and "mnist" in listing
    assert cli.main(["data", "path"]) == 0
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("command", ["train", "evaluate", "bench", "data"])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert len(capsys.readouterr().out.splitlines()) > 5


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["train", "--cell", "transformer"], "invalid choice"),
        (["train", "--epochs", "zero"], "positive integer"),
        (["train", "--lr", "-1"], "positive finite number"),
        (["train", "--dataset", "cifar"], "unknown dataset"),
        (["bench", "--sizes", "huge"], "comma-separated"),
        (
            ["train", "--seed", "-1"],
            "non-negative integer",
        ),  # issue 14: exited 1 after loading the data
        (["evaluate", "x.pt", "--sha256", "abc"], "expected 64 hex digits"),
    ],
)
def test_bad_flag_value_is_one_line(args, fragment, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert (
        len(err.splitlines()) == 1
        and fragment in err
        and "Traceback" not in err
    )


def test_subprocess_errors_are_one_line(tmp_path):
    result = run_cli("train", "--hidden-size", "-3")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "--hidden-size" in result.stderr
    if not torch.cuda.is_available():
        result = run_cli(
            "train", "--device", "cuda", "--out", str(tmp_path / "x.pt")
        )
        assert result.returncode == 1
        assert (
            result.stderr.count("\n") == 1
            and "no CUDA GPU" in result.stderr
            and "Traceback" not in result.stderr
        )
    result = run_cli("evaluate", str(tmp_path / "missing.pt"))
    assert (
        result.returncode == 1
        and "does not exist" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_out_is_checked_before_training(tmp_path, monkeypatch, capsys):
    """Issue 14: --out was checked only after training, and a failed save left <out>.tmp."""
    from rnntutor import data

    def no_data(*args, **kwargs):
        raise AssertionError(
            "the data must not be loaded when --out is unusable"
        )

    monkeypatch.setattr(data, "load_split", no_data)
    assert cli.main(["train", "--out", str(tmp_path), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "it is a folder" in err
        and str(tmp_path) in err
    )
    with read_only_folder(tmp_path / "ro", monkeypatch) as folder:
        assert (
            cli.main(
                ["train", "--out", str(folder / "m.pt"), "--device", "cpu"]
            )
            == 2
        )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"'{folder}' is not writable" in err
    assert list(folder.iterdir()) == []


def test_seed_minus_one_exits_2_at_once():
    result = run_cli(
        "train", "--seed", "-1", "--dataset", "mnist", "--download"
    )
    assert (
        result.returncode == 2
        and result.stderr.count("\n") == 1
        and "--seed" in result.stderr
    )


def test_data_list_verifies_the_cached_files(tmp_path, capsys, monkeypatch):
    """Issue 14: 'data list' said "cached" without verifying the files."""
    import hashlib

    from rnntutor import data

    folder = tmp_path / "mnist"
    folder.mkdir()
    files = {}
    for key, (name, _) in data.MNIST_FILES.items():
        (folder / name).write_bytes(key.encode())
        files[key] = (name, hashlib.md5(key.encode()).hexdigest())
    monkeypatch.setattr(data, "MNIST_FILES", files)
    assert cli.main(["data", "list", "--cache-dir", str(tmp_path)]) == 0
    assert "checksums verified" in capsys.readouterr().out
    (folder / files["test_labels"][0]).write_bytes(b"damaged")
    assert cli.main(["data", "list", "--cache-dir", str(tmp_path)]) == 0
    listing = capsys.readouterr().out
    assert (
        "CORRUPT" in listing
        and "checksum mismatch for t10k-labels-idx1-ubyte.gz" in listing
    )
    (folder / files["test_labels"][0]).unlink()
    assert cli.main(["data", "list", "--cache-dir", str(tmp_path)]) == 0
    assert "not downloaded" in capsys.readouterr().out


def test_read_only_cache_is_not_reported_as_a_mirror_failure(
    tmp_path, monkeypatch, capsys
):
    from rnntutor import data

    monkeypatch.setattr(
        data, "MNIST_MIRRORS", [(tmp_path / "nowhere").as_uri() + "/"]
    )
    monkeypatch.setattr(
        data.tempfile,
        "mkstemp",
        lambda **kw: (_ for _ in ()).throw(OSError(30, "Read-only")),
    )
    assert (
        cli.main(["data", "download", "mnist", "--cache-dir", str(tmp_path)])
        == 1
    )
    err = capsys.readouterr().err
    assert (
        "is read-only" in err
        and "any mirror" not in err
        and err.count("\n") == 1
    )
