"""Repeat Chapter 5's training experiments over several seeds and store mean ± sd.

Two experiments, each written to its own record in ``rnntutor/results/``:

``adding`` -> ``challenges_adding.json``
    The tanh RNN, the LSTM and the GRU (hidden size 32, Adam at 0.01, 400 steps of 64
    sequences) on the adding problem at each ``--lengths`` T, one run per seed
    (:func:`rnntutor.challenges.experiments.adding_run`). The record is rewritten after
    every length, so an interrupted run leaves a complete record of the lengths done.
``overfitting`` -> ``challenges_overfitting.json``
    GRUs of hidden size 8, 64 and 256 on the first 300 training digits (rows, 40
    epochs), and the H = 256 GRU with dropout 0.5 and with weight decay 0.1
    (:func:`rnntutor.challenges.experiments.digits_run`); best and last validation loss
    on the digits' test split, per seed.

Usage: ``python scripts/eval_challenges.py --experiment all --seeds 0 1 2 --threads 1``.
Each seed's runs are independent of the other seeds, so the seeds can also run as
separate processes (``--seeds 0 --out-dir a``, ``--seeds 1 --out-dir b``, ...) whose
records ``--merge a/challenges_adding.json b/challenges_adding.json ...`` combines into
the record that one process with all the seeds would have written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnntutor import data, results  # noqa: E402
from rnntutor.challenges import experiments, tasks  # noqa: E402
from rnntutor.performance.bench import machine_info  # noqa: E402

CELLS = ("rnn", "lstm", "gru")
LENGTHS = (10, 20, 40, 100, 200, 400)
CONFIGS = {
    "GRU H=8": dict(hidden=8),
    "GRU H=64": dict(hidden=64),
    "GRU H=256": dict(hidden=256),
    "H=256 dropout 0.5": dict(hidden=256, dropout=0.5),
    "H=256 weight decay 0.1": dict(hidden=256, weight_decay=0.1),
}
"""The overfitting experiment's models: keyword arguments of ``digits_run``."""
N_SMALL = 300
EPOCHS = 40


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())


def _summary(values: list[float]) -> dict:
    mean, sd = experiments.mean_sd(values)
    return {
        "values": [round(v, 6) for v in values],
        "mean": round(mean, 6),
        "sd": round(sd, 6),
    }


def adding_table(
    lengths, seeds, *, cells=CELLS, steps: int = 400, log=print
) -> dict:
    """Yield ``(T, table)`` after each length; ``table[cell][str(T)]``: validation MSE per seed."""
    success = 0.5 * tasks.adding_baseline()
    table = {cell: {} for cell in cells}
    for T in lengths:
        for cell in cells:
            start = time.perf_counter()
            values = [
                experiments.adding_run(cell, T, steps=steps, seed=s)
                for s in seeds
            ]
            entry = _summary(values)
            entry["successes"] = int(sum(v < success for v in values))
            table[cell][str(T)] = entry
            log(f"T = {T:4d} {cell:5s} MSE {entry['mean']:.4f} ± {entry['sd']:.4f} "
                f"({entry['successes']}/{len(values)} below 1/12; {time.perf_counter() - start:.0f} s)")  # fmt: skip
        yield T, table


def overfitting_table(
    seeds,
    *,
    configs=None,
    n_small: int = N_SMALL,
    epochs: int = EPOCHS,
    log=print,
) -> dict:
    """``{name: {"params", "best", "last", "best_epoch", "train_acc", "val_acc"}}`` over ``seeds``."""
    configs = CONFIGS if configs is None else configs
    x, y = data.load_split("digits", "train")
    xt, yt = data.load_split("digits", "test")
    val_loader = data.make_loader(xt, yt, batch_size=512, shuffle=False)
    table = {}
    for name, kw in configs.items():
        start = time.perf_counter()
        runs = []
        for s in seeds:
            model, h = experiments.digits_run(
                x=x[:n_small],
                y=y[:n_small],
                val_loader=val_loader,
                epochs=epochs,
                seed=s,
                **kw,
            )
            runs.append(h)
        params = sum(p.numel() for p in model.parameters())
        table[name] = {
            "params": int(params),
            "best": _summary([min(h.val_loss) for h in runs]),
            "last": _summary([h.val_loss[-1] for h in runs]),
            "best_epoch": [int(np.argmin(h.val_loss)) + 1 for h in runs],
            "train_acc": _summary([h.train_acc[-1] for h in runs]),
            "val_acc": _summary([h.val_acc[-1] for h in runs]),
        }
        t = table[name]
        log(f"{name:24s} best {t['best']['mean']:.3f} ± {t['best']['sd']:.3f}  "
            f"last {t['last']['mean']:.3f} ± {t['last']['sd']:.3f}  ({time.perf_counter() - start:.0f} s)")  # fmt: skip
    return table


def _record(command: str, seeds, results_: dict, **extra) -> dict:
    return dict(script="scripts/eval_challenges.py", command=command, date=_now(), machine=machine_info("cpu"),
                seeds=list(seeds), **extra, results=results_)  # fmt: skip


def _write(out: Path, record: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(record, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(
        f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}",
        flush=True,
    )


def merge(records: list[dict]) -> dict:
    """Combine records of the same experiment made with different seeds into one, in seed order."""
    if not records:
        raise ValueError("merge needs at least one record")
    keys = (
        "script",
        "lengths",
        "steps",
        "batch",
        "hidden",
        "lr",
        "success_threshold",
        "n_train",
        "epochs",
        "data",
    )
    for r in records[1:]:
        for key in keys:
            if r.get(key) != records[0].get(key):
                raise ValueError(
                    f"records differ in {key!r}: {records[0].get(key)!r} vs {r.get(key)!r}"
                )
    pairs = sorted(
        (seed, k) for k, r in enumerate(records) for seed in r["seeds"]
    )
    seeds = [seed for seed, _ in pairs]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"a seed appears in more than one record: {seeds}")
    out = {
        **records[0],
        "seeds": seeds,
        "date": max(r["date"] for r in records),
    }

    def combine(path: tuple) -> dict | list:
        values = []
        for seed, k in pairs:
            node = records[k]["results"]
            for key in path:
                node = node[key]
            values.append(node["values"][records[k]["seeds"].index(seed)] if isinstance(node, dict)
                          else node[records[k]["seeds"].index(seed)])  # fmt: skip
        return values

    merged = {}
    for name, entry in records[0]["results"].items():
        merged[name] = {}
        for key, value in entry.items():
            if isinstance(value, dict):  # a summary over seeds
                merged[name][key] = _summary(combine((name, key)))
                if (
                    "successes" in value
                ):  # adding problem: runs below the threshold
                    threshold = records[0]["success_threshold"]
                    merged[name][key]["successes"] = int(
                        sum(v < threshold for v in merged[name][key]["values"])
                    )
            elif isinstance(value, list):  # per-seed list, e.g. best_epoch
                merged[name][key] = combine((name, key))
            else:
                merged[name][key] = value
    out["results"] = merged
    seeds_s = " ".join(map(str, seeds))
    out["command"] = re.sub(
        r"--seeds [\d ]+?(?= --|$)",
        f"--seeds {seeds_s}",
        records[0]["command"],
    )
    out["note"] = (
        "seeds run as separate processes and combined with --merge (the same numbers as one process)"
    )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--experiment", choices=("adding", "overfitting", "all"), default="all"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--lengths",
        type=int,
        nargs="+",
        default=list(LENGTHS),
        help="adding problem: T values",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch.set_num_threads (default: torch's)",
    )
    parser.add_argument("--out-dir", type=Path, default=results.FOLDER)
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        help="combine these records (one per seed) and exit",
    )
    args = parser.parse_args(argv)
    if args.merge:
        records = [
            json.loads(p.read_text(encoding="utf-8")) for p in args.merge
        ]
        _write(args.out_dir / args.merge[0].name, merge(records))
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    seeds = " ".join(map(str, args.seeds))
    threads = f" --threads {args.threads}" if args.threads else ""
    if args.experiment in ("overfitting", "all"):
        table = overfitting_table(args.seeds)
        command = f"python scripts/eval_challenges.py --experiment overfitting --seeds {seeds}{threads}"
        extra = dict(
            n_train=N_SMALL,
            epochs=EPOCHS,
            data="digits (sklearn 8x8), rows, T = 8; val = test split",
        )
        _write(
            args.out_dir / "challenges_overfitting.json",
            _record(command, args.seeds, table, **extra),
        )
    if args.experiment in ("adding", "all"):
        lengths = sorted(set(args.lengths))
        for T, table in adding_table(lengths, args.seeds):
            done = [t for t in lengths if t <= T]
            command = (f"python scripts/eval_challenges.py --experiment adding --seeds {seeds} "
                       f"--lengths {' '.join(map(str, done))}{threads}")  # fmt: skip
            extra = dict(lengths=done, steps=400, batch=64, hidden=32, lr=0.01,
                         success_threshold=round(0.5 * tasks.adding_baseline(), 6))  # fmt: skip
            _write(
                args.out_dir / "challenges_adding.json",
                _record(command, args.seeds, table, **extra),
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
