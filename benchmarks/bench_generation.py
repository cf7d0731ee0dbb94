"""Parallel training against sequential sampling: PixelCNN, Gated PixelCNN, Row LSTM, Diagonal BiLSTM.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_generation.py   # writes the package's result file
    python benchmarks/bench_generation.py --repeats 1 --json /tmp/x.json   # a quick trial

The four models of rnntutor.generation.comparison.MATCHED (about 45 thousand parameters
each, 17 levels, 8x8 images) are timed side by side in one run, interleaved repeat after
repeat so that a busy machine disturbs all of them alike:

- one training epoch over the 1,438 training digits (batches of 64, Adam, forward +
  backward + step), one pass of the network per batch for every model;
- sampling 16 images of 64 pixels: 64 sequential steps, each a pass of the network
  (the Row LSTM's sampler recomputes only the current row, see RowLSTM._fill).

Times are the median over ``--repeats`` of the process CPU time (``--timer cpu``, one
torch thread; a shared machine disturbs it much less than the wall clock) or of the wall
time. The result (with the machine and the ratios to the PixelCNN) is written to
rnntutor/results/bench_generation.json and shown in book/03b_intensities.ipynb.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

import torch

from rnntutor import seed_everything
from rnntutor.data import load_split, quantize
from rnntutor.generation import image_loader, nll_loss
from rnntutor.generation.comparison import (
    RESULTS_DIR,
    count_parameters,
    matched_models,
)
from rnntutor.performance.bench import TIMERS, machine_info


def train_epoch(model, loader, opt) -> None:
    model.train()
    for x, y in loader:
        loss = nll_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--json", default=str(RESULTS_DIR / "bench_generation.json")
    )
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--n-samples", type=int, default=16)
    p.add_argument("--timer", choices=list(TIMERS), default="cpu")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
    torch.set_num_threads(args.threads)
    clock = TIMERS[args.timer]
    x = quantize(load_split("digits", "train", seed=0)[0], 17)
    loader = image_loader(x, batch_size=64, shuffle=True, seed=0, levels=17)
    seed_everything(0)
    models = matched_models((8, 8), 17)
    opts = {
        name: torch.optim.Adam(m.parameters(), lr=1e-3)
        for name, m in models.items()
    }
    times = {name: {"epoch": [], "sample": []} for name in models}
    for repeat in range(args.repeats):
        for name, model in models.items():
            start = clock()
            train_epoch(model, loader, opts[name])
            times[name]["epoch"].append(clock() - start)
            model.eval()
            start = clock()
            model.sample(args.n_samples, seed=repeat)
            times[name]["sample"].append(clock() - start)
        print(f"repeat {repeat + 1}/{args.repeats} done", flush=True)
    base = {
        k: statistics.median(times["PixelCNN"][k]) for k in ("epoch", "sample")
    }
    result = {
        "command": "python benchmarks/bench_generation.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "what": "median time per training epoch (1,438 8x8 digits, 17 levels, batches of 64) and to sample "
        f"{args.n_samples} images, matched models",
        "timer": args.timer,
        "repeats": args.repeats,
        "machine": machine_info("cpu"),
        "models": {},
    }
    for name, model in models.items():
        epoch, sample = (
            statistics.median(times[name][k]) for k in ("epoch", "sample")
        )
        result["models"][name] = {
            "parameters": count_parameters(model),
            "epoch_seconds": round(epoch, 3),
            "sample_seconds": round(sample, 3),
            "epoch_vs_pixelcnn": round(epoch / base["epoch"], 2),
            "sample_vs_pixelcnn": round(sample / base["sample"], 2),
            "sample_seconds_per_pixel_step": round(sample / 64, 5),
            "all_epoch_seconds": [round(t, 3) for t in times[name]["epoch"]],
            "all_sample_seconds": [round(t, 3) for t in times[name]["sample"]],
        }
        r = result["models"][name]
        print(
            f"{name:<16} {r['parameters']:>6} params  epoch {epoch:6.2f} s  sample {sample:6.2f} s"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
