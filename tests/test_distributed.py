"""`torchrun --nproc_per_node=2 -m rnntutor train` on the CPU (gloo): one model, one checkpoint.

The launched script is the package's own ``python -m rnntutor`` entry point, run after
a test-only wrapper records, per rank, a sha256 of the weights that ``fit`` returns,
the History, and every ``save_checkpoint`` call. Nothing in the package knows about it.
"""

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rnntutor import cli, train

ROOT = Path(__file__).resolve().parents[1]

# Runs under torchrun in every rank: wrap train.fit / train.save_checkpoint, then run `-m rnntutor`.
RANK_SCRIPT = """
import hashlib, json, os, runpy, sys
from rnntutor import train

out = sys.argv.pop(1)
rank = os.environ["RANK"]
fit, save = train.fit, train.save_checkpoint

def digest(model):
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()

def recording_fit(model, *args, **kwargs):
    history = fit(model, *args, **kwargs)
    record = {"weights": digest(model), "history": history.as_dict(), "world": os.environ["WORLD_SIZE"]}
    with open(os.path.join(out, f"fit-rank{rank}.json"), "w") as f:
        json.dump(record, f)
    return history

def recording_save(path, model, *args, **kwargs):
    with open(os.path.join(out, f"save-rank{rank}.json"), "w") as f:
        json.dump({"path": str(path), "weights": digest(model)}, f)
    return save(path, model, *args, **kwargs)

train.fit, train.save_checkpoint = recording_fit, recording_save
sys.argv[0] = "rnntutor"
runpy.run_module("rnntutor", run_name="__main__", alter_sys=True)
"""

TRAIN_ARGS = [
    "train",
    "--dataset",
    "digits",
    "--cell",
    "gru",
    "--hidden-size",
    "16",
    "--epochs",
    "2",
    "--lr",
    "0.02",
    "--batch-size",
    "32",
    "--device",
    "cpu",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _weights_digest(model) -> str:
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def two_rank_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("torchrun")
    records = tmp / "records"
    records.mkdir()
    (tmp / "rank_script.py").write_text(RANK_SCRIPT)
    checkpoint = tmp / "ddp.pt"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
        "RNNTUTOR_PROGRESS": "0",
        "OMP_NUM_THREADS": "1",
        "GLOO_SOCKET_IFNAME": "lo",  # loopback only
    }
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",  # the torchrun console script
        "--nnodes=1",
        "--nproc_per_node=2",
        "--rdzv-backend=c10d",
        f"--rdzv-endpoint=127.0.0.1:{_free_port()}",
        str(tmp / "rank_script.py"),
        str(records),
        *TRAIN_ARGS,
        "--out",
        str(checkpoint),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300, cwd=tmp
    )
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    return {
        "records": records,
        "checkpoint": checkpoint,
        "stdout": result.stdout,
    }


def test_both_ranks_end_with_identical_weights_and_history(two_rank_run):
    ranks = [
        json.loads((two_rank_run["records"] / f"fit-rank{r}.json").read_text())
        for r in (0, 1)
    ]
    assert [r["world"] for r in ranks] == ["2", "2"]
    assert ranks[0]["weights"] == ranks[1]["weights"]
    # metrics are all-reduced: both ranks report the same epoch numbers, and they are real
    timeless = [
        {k: v for k, v in r["history"].items() if k != "seconds"}
        for r in ranks
    ]
    assert timeless[0] == timeless[1]
    history = timeless[0]
    assert (
        history["epoch"] == [1, 2]
        and history["train_loss"][1] < history["train_loss"][0]
    )


def test_checkpoint_written_once_by_rank_0_and_printed_once(two_rank_run):
    records = two_rank_run["records"]
    assert (records / "save-rank0.json").is_file()
    assert not (records / "save-rank1.json").exists()
    saved = json.loads((records / "save-rank0.json").read_text())
    fitted = json.loads((records / "fit-rank0.json").read_text())
    assert saved["weights"] == fitted["weights"]
    summary = [
        line
        for line in two_rank_run["stdout"].splitlines()
        if "test accuracy" in line
    ]
    assert len(summary) == 1 and "x 2 processes" in summary[0]
    model, _config, metrics = train.load_checkpoint(two_rank_run["checkpoint"])
    assert _weights_digest(model) == fitted["weights"]
    assert (
        metrics["training"]["processes"] == 2
        and metrics["training"]["batch_size"] == 32
    )


def test_checkpoint_evaluates_with_the_cli(two_rank_run, capsys):
    assert (
        cli.main(
            [
                "evaluate",
                str(two_rank_run["checkpoint"]),
                "--json",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    _model, _config, metrics = train.load_checkpoint(
        two_rank_run["checkpoint"]
    )
    assert result["n"] == 359 and result["accuracy"] == pytest.approx(
        metrics["test_accuracy"], abs=1e-6
    )
    assert (
        result["accuracy"] > 0.3
    )  # learned something in 2 epochs (chance is 0.1)


def test_each_rank_reads_its_own_half_of_every_epoch():
    """The sharded loader gives rank r every other sample, reshuffled per epoch, the same order on both ranks."""
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.arange(10)),
        batch_size=4,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    shards = [train._sharded(loader, rank, 2, seed=5) for rank in (0, 1)]
    seen = {}
    for epoch in (1, 2):
        for shard in shards:
            shard.sampler.set_epoch(epoch)
        seen[epoch] = [
            torch.cat([b[0] for b in shard]).tolist() for shard in shards
        ]
        assert [len(s) for s in seen[epoch]] == [5, 5]
        assert sorted(seen[epoch][0] + seen[epoch][1]) == list(
            range(10)
        )  # a partition of the data
    assert seen[1] != seen[2]  # reshuffled each epoch
    plain = train._sharded(
        torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.arange(5)), batch_size=2
        ),
        1,
        2,
        seed=0,
    )
    assert torch.cat([b[0] for b in plain]).tolist() == [
        1,
        3,
        0,
    ]  # no shuffle; padded from the start


def test_one_process_starts_no_process_group(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    info = train.init_distributed("cpu")
    assert (info.rank, info.world_size, info.device.type, info.is_main) == (
        0,
        1,
        "cpu",
        True,
    )
    assert not torch.distributed.is_initialized()
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(
        ValueError, match="WORLD_SIZE must be an integer, got 'two'"
    ):
        train.init_distributed("cpu")
