"""Bits/dim of PixelCNN, Gated PixelCNN, Row LSTM and Diagonal BiLSTM on 8x8 digits with 17 levels.

    nice -n 10 python scripts/eval_intensities.py        # 4 models x 3 seeds, one CPU thread
    python scripts/eval_intensities.py --seeds 0 --epochs 2 --out /tmp/x.json   # a quick trial

On a busy machine, run one process per model and merge their files (same recipe)::

    python scripts/eval_intensities.py --models "Row LSTM" --out /tmp/row.json   # ... one per model
    python scripts/eval_intensities.py --merge /tmp/cnn.json /tmp/row.json ...   # writes --out

Data: scikit-learn's 8x8 digits, whose pixels are the integers 0..16
(rnntutor.data.quantize(images, 17) recovers them exactly), split by
rnntutor.data.load_split("digits", seed=0): 1,438 train / 359 test. Models:
rnntutor.generation.comparison.MATCHED (about 45 thousand parameters each), each with a
17-way softmax per pixel. Training: AdamW, the same recipe for every model (no tuning per
model, no early stopping: a fixed number of epochs), seeds 0, 1, 2 (weights and batch
order). Reported: exact test NLL in bits per dimension (per pixel), mean and sample
standard deviation over the seeds, the per-epoch test curve, and the independent-pixel
baseline (closed-form histogram fit). Writes rnntutor/results/intensities_digits17.json
(package data, shown in book/03b_intensities.ipynb) after every run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from rnntutor import seed_everything
from rnntutor.data import load_split, quantize
from rnntutor.generation import IndependentCategorical
from rnntutor.generation.comparison import (
    MATCHED,
    RESULTS_DIR,
    count_parameters,
    matched_models,
)
from rnntutor.generation.training import train_generator

LEVELS = 17


def merge(paths, out) -> int:
    """Join result files written by runs with different ``--models`` (the recipes must agree)."""
    records = [json.loads(Path(p).read_text()) for p in paths]
    first = records[0]
    for path, r in zip(paths, records, strict=True):
        if r["recipe"] != first["recipe"] or r["data"] != first["data"]:
            raise SystemExit(
                f"{path} was made with another recipe or data: {r['recipe']} vs {first['recipe']}"
            )
    merged = {**first, "models": {}}
    merged["command"] = [r["command"] for r in records]
    for r in records:
        merged["models"].update(r["models"])
    Path(out).write_text(json.dumps(merged, indent=1) + "\n")
    for name, r in merged["models"].items():
        print(
            f"{name:<16} {r['parameters']:>6} params  {r['mean']:.3f} +- {r['sd']} bits/dim ({len(r['runs'])} seeds)"
        )
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--out", default=str(RESULTS_DIR / "intensities_digits17.json")
    )
    p.add_argument("--models", nargs="+", default=list(MATCHED))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--lr-decay", type=float, default=0.85)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--merge",
        nargs="+",
        help="merge these result files (one model each) into --out, then stop",
    )
    args = p.parse_args(argv)
    if args.merge:
        return merge(args.merge, args.out)
    os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
    torch.set_num_threads(args.threads)
    x_train = quantize(
        load_split("digits", "train", seed=0)[0], LEVELS
    )  # (1438, 8, 8) levels 0..16
    x_test = quantize(
        load_split("digits", "test", seed=0)[0], LEVELS
    )  # (359, 8, 8)
    baseline = IndependentCategorical((8, 8), LEVELS).fit_mle(x_train)
    record = {
        "command": "python scripts/eval_intensities.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "data": "scikit-learn 8x8 digits, 17 levels (0..16), load_split('digits', seed=0): 1,438 train / 359 test",
        "recipe": {
            k: v
            for k, v in vars(args).items()
            if k not in ("out", "models", "seeds")
        },
        "metric": "exact test NLL in bits per dimension (per pixel), 17-way softmax per pixel",
        "uniform_bits_per_dim": round(math.log2(LEVELS), 4),
        "independent_bits_per_dim": round(
            float(baseline.nll_bits_per_dim(x_test).mean()), 4
        ),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} CPU, {args.threads} thread(s)",
        "models": {},
    }
    for name in args.models:
        runs = []
        for seed in args.seeds:
            seed_everything(seed)
            model = matched_models((8, 8), LEVELS, [name])[name]
            curve = []

            def on_epoch(epoch, m, curve=curve):
                curve.append(
                    round(float(m.nll_bits_per_dim(x_test).mean()), 4)
                )

            start = time.perf_counter()
            train_generator(
                model,
                x_train,
                epochs=args.epochs,
                lr=args.lr,
                lr_decay=args.lr_decay,
                batch_size=args.batch_size,
                seed=seed,
                clip=1.0,
                on_epoch=on_epoch,
            )
            seconds = time.perf_counter() - start
            train_bits = float(model.nll_bits_per_dim(x_train).mean())
            runs.append(
                {
                    "seed": seed,
                    "test_bits_per_dim": curve[-1],
                    "train_bits_per_dim": round(train_bits, 4),
                    "best_epoch": int(np.argmin(curve)) + 1,
                    "test_curve": curve,
                    "seconds": round(seconds, 1),
                }
            )
            print(
                f"{name:<16} seed {seed}: test {curve[-1]:.4f} bits/dim, train {train_bits:.4f} ({seconds:.0f} s)"
            )
            tests = [r["test_bits_per_dim"] for r in runs]
            record["models"][name] = {
                "class": MATCHED[name][0].__name__,
                "config": model.config,
                "parameters": count_parameters(model),
                "runs": runs,
                "mean": round(float(np.mean(tests)), 4),
                "sd": round(float(np.std(tests, ddof=1)), 4)
                if len(tests) > 1
                else None,
            }
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    for name, r in record["models"].items():
        print(
            f"{name:<16} {r['parameters']:>6} params  {r['mean']:.3f} +- {r['sd']} bits/dim"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
