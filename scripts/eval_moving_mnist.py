"""Evaluate the shipped ConvLSTM predictor and the baselines; write its JSON record.

    PYTHONPATH=$PWD nice .venv/bin/python scripts/eval_moving_mnist.py --n 1000 \
        --curve convlstm_curve.jsonl

Metrics (BCE per sequence, MSE and SSIM per frame, and per horizon) on the first
``--n`` sequences of the fixed generated test set (64x64, two digits, 10 -> 10), for the
checkpoint, copy-last-frame, mean-frame and blank-frame; also the metrics on the first
``--test-n`` sequences, which ``tests/test_sequences_checkpoint.py`` reproduces. With
``--standard`` the cached ``mnist_test_seq.npy`` is evaluated too (never downloaded).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from rnntutor.checkpoint import file_sha256, read_checkpoint
from rnntutor.data import moving_mnist_test
from rnntutor.sequences import (
    BlankFrame,
    CopyLastFrame,
    MeanFrame,
    evaluate_predictor,
)
from rnntutor.sequences.pretrained import CHECKPOINT_DIR
from rnntutor.sequences.training import CURVE_KEYS


def _round(rec: dict) -> dict:
    out = {}
    for k, v in rec.items():
        out[k] = (
            [round(x, 4) for x in v]
            if isinstance(v, list)
            else (round(v, 4) if isinstance(v, float) else v)
        )
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="convlstm_moving_mnist")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--test-n", type=int, default=32)
    ap.add_argument(
        "--curve",
        default=None,
        help="the training log (JSON lines) to store in the record",
    )
    ap.add_argument(
        "--standard",
        action="store_true",
        help="also evaluate the cached mnist_test_seq.npy",
    )
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    from rnntutor.checkpoint import load_checkpoint

    path = CHECKPOINT_DIR / f"{args.name}.pt"
    model, config, metrics = load_checkpoint(path)
    model.eval()
    start = time.perf_counter()
    frames = moving_mnist_test(args.n)
    models = {
        "ConvLSTM (shipped)": model,
        "copy last frame": CopyLastFrame(),
        "mean frame": MeanFrame(),
        "blank frame": BlankFrame(),
    }
    results = {
        name: _round(evaluate_predictor(m, frames, 10, ssim=True))
        for name, m in models.items()
    }
    small = _round(evaluate_predictor(model, frames[: args.test_n], 10))
    record = {
        "checkpoint": path.name,
        "sha256": file_sha256(path),
        "size_bytes": path.stat().st_size,
        "model": read_checkpoint(path)["model"],
        "config": config,
        "training": metrics.get("training"),
        "selected_at_step": metrics.get("step"),
        "command": "python scripts/train_moving_mnist.py "
        + " ".join(
            f"--{k} {v}"
            for k, v in (
                ("steps", metrics["training"]["steps"]),
                ("lr", metrics["training"]["lr"]),
            )
        ),
        "eval_command": "python scripts/eval_moving_mnist.py "
        + " ".join(argv or []),
        "eval_data": f"first {args.n} sequences of rnntutor.data.moving_mnist_test() (generated, mnist5k test digits)",
        "eval_n": args.n,
        "models": results,
        "test_subset": {
            "n": args.test_n,
            "bce_per_sequence": small["bce_per_sequence"],
            "mse_per_frame": small["mse_per_frame"],
        },
        "eval_seconds": round(time.perf_counter() - start, 1),
        "torch": torch.__version__,
    }
    if args.curve:
        curve = [
            json.loads(line)
            for line in Path(args.curve).read_text().splitlines()
            if line.strip()
        ]
        record["curve"] = [
            {
                k: (round(r[k], 4) if isinstance(r[k], float) else r[k])
                for k in CURVE_KEYS
            }
            for r in curve
        ]
        record["curve_eval_n"] = curve[0]["n"] if curve else None
    if args.standard:
        from rnntutor.data import load_moving_mnist_file

        std = load_moving_mnist_file(n=args.n)
        record["standard_file"] = _round(
            evaluate_predictor(model, std, 10, ssim=True)
        )
    out = CHECKPOINT_DIR / f"{args.name}.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(
        json.dumps(
            {
                k: (
                    v["bce_per_sequence"],
                    v["mse_per_frame"],
                    v["ssim_per_frame"],
                )
                for k, v in results.items()
            }
        )
    )
    print("wrote", out, "in", record["eval_seconds"], "s")


if __name__ == "__main__":
    main()
