"""Results the chapters show are stored in the package and say what made them (rnntutor.results)."""

import importlib.util
import json
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from rnntutor import results

ROOT = Path(__file__).resolve().parents[1]
SHOWN = {  # record -> the chapter that shows it
    "bench_lstm_cpu": "appendix_performance",
    "bench_lstm_gpu": "appendix_performance",
    "bench_numpy_lstm": "02_gate_equations",
    "classification": "04_classification",
    "generation_digits": "03_generation",
    "challenges_adding": "05_challenges",
    "challenges_overfitting": "05_challenges",
    "draw_mnist5k": "03c_draw",
}
# Chapter 3b's records, read with rnntutor.generation.comparison.load_result (to move onto
# rnntutor.results.load, with command/date/machine, when that chapter is next re-executed)
SHOWN_3B = {
    "bench_generation": "03b_intensities",
    "intensities_digits17": "03b_intensities",
}


def _load_script(relative: str):
    spec = importlib.util.spec_from_file_location(
        Path(relative).stem, ROOT / relative
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_shown_record_is_stored_in_the_package_and_nowhere_else():
    assert set(results.names()) == set(SHOWN) | set(SHOWN_3B)
    for name, chapter in SHOWN_3B.items():
        assert (
            f'comparison.load_result(\\"{name}\\")'
            in (ROOT / "book" / f"{chapter}.ipynb").read_text()
        ), name
    assert results.FOLDER == ROOT / "rnntutor" / "results"
    assert not list((ROOT / "benchmarks").rglob("*.json")), (
        "results belong in rnntutor/results/"
    )
    for name, chapter in SHOWN.items():
        notebook = (ROOT / "book" / f"{chapter}.ipynb").read_text()
        assert f'results.load(\\"{name}\\")' in notebook, (name, chapter)


def test_records_are_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "setuptools"
    ]["package-data"]["rnntutor"]
    for file in results.FOLDER.glob("*.json"):
        relative = file.relative_to(ROOT / "rnntutor").as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), (
            relative
        )


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_each_record_names_its_command_machine_and_date(name):
    record = results.load(name)
    assert record["command"].split()[0] in {
        "python",
        "rnntutor",
        "OMP_NUM_THREADS=1",
    }
    assert record["machine"]["device"] in {"cpu", "cuda"}
    assert record["date"][:4].isdigit()
    text = results.provenance(record)
    assert text.startswith("made by: ")
    assert all(len(line) <= 79 for line in text.splitlines())
    # every word of the command is in the text, in order (wrapping only adds line breaks)
    assert " ".join(text.split()).startswith(
        "made by: " + " ".join(record["command"].split())
    )
    machine = record["machine"]
    assert (machine["gpu"] or machine["cpu"]) in " ".join(text.split())


def test_provenance_by_hand():
    record = {
        "command": "python x.py --threads 1",
        "date": "2026-11-30T03:29:29+00:00",
        "machine": {
            "device": "cpu",
            "cpu": "AMD EPYC",
            "cpu_cores": 2,
            "torch_threads": 1,
            "torch": "2.13.0",
        },
    }
    assert results.provenance(record) == (
        "made by: python x.py --threads 1\n"
        "on 2026-11-30 03:29:29 UTC, cpu (AMD EPYC, 2 cores, 1 torch thread), torch\n"
        "    2.13.0"
    )
    utc = dict(
        record, date="2026-11-22 15:52:09 UTC"
    )  # the other date form is kept as it is
    assert (
        results.provenance(utc)
        .splitlines()[1]
        .startswith("on 2026-11-22 15:52:09 UTC, cpu (AMD EPYC")
    )
    gpu = {
        "device": "cuda",
        "gpu": "NVIDIA H100",
        "cpu": "x",
        "cpu_cores": 16,
        "torch_threads": 16,
    }
    assert results.machine_summary(gpu) == "cuda (NVIDIA H100)"
    long = dict(
        record, command="python " + " ".join(["--flag"] * 30), note="by hand"
    )
    lines = results.provenance(long, width=40).splitlines()
    assert all(len(line) <= 40 for line in lines) and lines[1].startswith(
        "    --flag"
    )
    assert lines[-1] == "note: by hand"


def test_bad_names_and_incomplete_records_are_refused(tmp_path, monkeypatch):
    with pytest.raises(
        KeyError,
        match="no stored result 'nope': expected one of bench_generation, bench_lstm_cpu",
    ):
        results.load("nope")
    for bad in ("../benchmarks/x", "", ".hidden", 3):
        with pytest.raises(ValueError, match="plain name"):
            results.path(bad)
    monkeypatch.setattr(results, "FOLDER", tmp_path)
    (tmp_path / "partial.json").write_text(
        json.dumps({"command": "python x.py", "machine": {}})
    )
    with pytest.raises(ValueError, match="'partial' lacks date"):
        results.load("partial")
    with pytest.raises(ValueError, match="lacks date"):
        results.provenance({"command": "c", "machine": {}})


def test_bench_numpy_lstm_script_writes_a_record_that_loads(
    tmp_path, monkeypatch
):
    script = _load_script("benchmarks/bench_numpy_lstm.py")
    out = tmp_path / "bench_numpy_lstm.json"
    args = [
        "--T",
        "3",
        "--B",
        "2",
        "--I",
        "4",
        "--H",
        "5",
        "--repeats",
        "2",
        "--warmup",
        "1",
        "--threads",
        "1",
    ]
    script.main([*args, "--json", str(out)])
    monkeypatch.setattr(results, "FOLDER", tmp_path)
    record = results.load("bench_numpy_lstm")
    assert (
        record["command"]
        == "python benchmarks/bench_numpy_lstm.py "
        + " ".join(args)
        + f" --json {out}"
    )
    assert (
        record["size"] == {"T": 3, "B": 2, "I": 4, "H": 5}
        and record["machine"]["torch_threads"] == 1
    )
    assert set(record["median_ms"]) == {"numpy", "torch.nn"}


def test_eval_classification_writes_into_the_package(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["eval_classification.py"])
    script = _load_script("scripts/eval_classification.py")
    assert (
        script.OUT
        == results.path("classification")
        == results.FOLDER / "classification.json"
    )


def test_read_gives_any_folders_record_unchecked_and_names_the_known_ones(
    tmp_path,
):
    record = {"bits": 1.25, "runs": [1, 2]}  # no command, date or machine
    (tmp_path / "mine.json").write_text(json.dumps(record))
    (tmp_path / "other.json").write_text("{}")
    assert results.read("mine", tmp_path) == record
    assert results.names(tmp_path) == ["mine", "other"]
    with pytest.raises(
        results.UnknownResultError,
        match="^no stored result 'nope': expected one of mine, other$",
    ) as info:
        results.read("nope", tmp_path)
    assert isinstance(info.value, KeyError) and isinstance(
        info.value, ValueError
    )
    with pytest.raises(ValueError, match="plain name"):
        results.read("../mine", tmp_path)
