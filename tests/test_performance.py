"""The Performance appendix's benchmark table: fits the page, and its columns are right."""

import pytest

from rnntutor import results
from rnntutor.performance import bench


def _result(device="cpu"):
    machine = {
        "device": device,
        "cpu": "Test CPU",
        "cpu_cores": 2,
        "torch_threads": 1,
        "torch": "2.0",
    }
    if device == "cuda":
        machine["gpu"] = "Test GPU with a rather long marketing name 80GB HBM3"
    return {
        "command": "rnntutor bench",
        "date": "2026-11-30",
        "benchmark": "LSTM layer, forward + backward, float32",
        "machine": machine,
        "timer": "wall",
        "repeats": 3,
        "sizes": [
            {
                "label": "row-MNIST",
                "T": 28,
                "B": 64,
                "I": 28,
                "H": 128,
                "results": {
                    "fused": {"median_ms": 14.0, "ratio": 1.4},
                    "torch": {"median_ms": 10.0, "ratio": 1.0},
                },
            }
        ],
    }


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_format_table_fits_79_columns_and_has_the_time_per_step(device):
    text = bench.format_table(_result(device))
    lines = text.splitlines()
    assert all(len(line) <= 79 for line in lines), [
        len(line) for line in lines
    ]
    assert (
        "Test GPU" in text
        if device == "cuda"
        else "Test CPU, 2 cores, 1 torch thread" in text
    )
    fused = next(line for line in lines if "rnntutor fused" in line).split()
    # median 14 ms over T = 28 steps: 500 µs per step; ratio 1.40
    assert fused[-3:] == ["14.00", "1.40", "500"]
    torch_row = next(line for line in lines if "torch.nn.LSTM" in line).split()
    assert torch_row[-3:] == ["10.00", "1.00", "357"]


@pytest.mark.parametrize("name", ["bench_lstm_cpu", "bench_lstm_gpu"])
def test_stored_benchmarks_print_within_79_columns(name):
    record = results.load(name)
    text = bench.format_table(record)
    assert all(len(line) <= 79 for line in text.splitlines())
    for entry in record["sizes"]:
        for impl in entry["results"]:
            assert bench.LABELS[impl] in text


def test_bad_sizes_and_implementations_name_what_is_expected():
    with pytest.raises(
        ValueError,
        match="unknown size 'huge': expected one of row, long, tiny",
    ):
        bench.run(["huge"], repeats=1)
    with pytest.raises(ValueError, match="unknown implementation 'jax'"):
        bench.run(["tiny"], ["jax"], repeats=1)
    with pytest.raises(
        ValueError, match="repeats must be a positive int, got 0"
    ):
        bench.run(["tiny"], repeats=0)
    assert bench._size({"T": 3, "B": 2, "I": 1, "H": 4}) == {
        "label": "custom",
        "T": 3,
        "B": 2,
        "I": 1,
        "H": 4,
    }
