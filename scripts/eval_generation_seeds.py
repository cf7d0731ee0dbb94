"""Chapter 3's five models of 8x8 digits over several seeds: test NLL as mean ± sd.

    python scripts/eval_generation_seeds.py --seeds 0 1 2 --threads 1

About 2 minutes per seed on one CPU thread. Writes the package record
``rnntutor/results/generation_digits.json`` (read in the chapter with
``rnntutor.results.load("generation_digits")``). The data split is fixed (load_split
seed 0); a seed fixes the initial weights and the batch order, and seed 0 reproduces the
chapter's live run (see :mod:`rnntutor.generation.evaluation`).

On a busy machine run one process per seed and merge their files::

    python scripts/eval_generation_seeds.py --seeds 0 --out /tmp/s0.json
    python scripts/eval_generation_seeds.py --seeds 1 --out /tmp/s1.json
    python scripts/eval_generation_seeds.py --merge /tmp/s0.json /tmp/s1.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

from rnntutor import results
from rnntutor.generation.evaluation import (
    DIGITS_SETTINGS,
    MODEL_NAMES,
    summarize,
    train_digits,
)
from rnntutor.performance.bench import machine_info

DATA = (
    "scikit-learn 8x8 digits, threshold 0.5 (pixel > 0.5), load_split('digits', seed=0): "
    "1,438 train / 359 test, the same split for every seed"
)


def record(per_seed: dict, command: str, threads: int) -> dict:
    """The result record for ``{seed: train_digits(seed)}``."""
    machine = machine_info("cpu")
    machine["torch_threads"] = threads
    return {
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": machine,
        "data": DATA,
        "seed_meaning": "torch.manual_seed(seed) before building the models; train_generator(seed=seed)",
        "settings": DIGITS_SETTINGS,
        "seeds": [int(s) for s in per_seed],
        "per_seed": {str(s): r for s, r in per_seed.items()},
        "models": summarize(per_seed),
    }


def merge(paths, out: Path) -> int:
    """Join records of single seeds (same recipe) into one record at ``out``."""
    per_seed, threads = {}, 1
    for p in paths:
        r = json.loads(Path(p).read_text())
        threads = r["machine"].get("torch_threads", threads)
        per_seed.update({int(s): v for s, v in r["per_seed"].items()})
    per_seed = dict(sorted(per_seed.items()))
    seeds = " ".join(str(s) for s in per_seed)
    command = (
        f"python scripts/eval_generation_seeds.py --seeds {seeds} --threads {threads} "
        "(one process per seed, joined with --merge)"
    )
    merged = record(per_seed, command, threads)
    out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"merged seeds {list(per_seed)} into {out}")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument(
        "--models",
        nargs="+",
        default=list(MODEL_NAMES),
        help="some of the chapter's models",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (1: the chapter's setting)",
    )
    p.add_argument("--out", default=str(results.path("generation_digits")))
    p.add_argument(
        "--merge",
        nargs="+",
        help="merge these files (one seed each) into --out, then stop",
    )
    args = p.parse_args(argv)
    os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
    out = Path(args.out)
    if args.merge:
        return merge(args.merge, out)
    torch.set_num_threads(args.threads)
    log = lambda line: print(line, flush=True)  # noqa: E731
    per_seed = {s: train_digits(s, args.models, log=log) for s in args.seeds}
    command = "python scripts/eval_generation_seeds.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    rec = record(per_seed, command.strip(), args.threads)
    out.write_text(json.dumps(rec, indent=2) + "\n")
    for name, row in rec["models"].items():
        print(
            f"{name:<16} test NLL {row['test_mean']:6.2f} ± {row['test_sd']:.2f} nats over seeds {rec['seeds']}"
        )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
