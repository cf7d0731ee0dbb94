"""The ``rnntutor`` command line: train, evaluate, bench, data.

Examples::

    rnntutor train --dataset digits --order rows --cell lstm --hidden-size 64 --epochs 5 --out runs/lstm.pt
    rnntutor evaluate runs/lstm.pt                # any checkpoint: classifier or generative model
    rnntutor bench --sizes row,long --repeats 7 --json my_bench.json
    rnntutor data list
    torchrun --nproc_per_node=2 -m rnntutor train --dataset digits --out runs/lstm.pt

Under ``torchrun`` (several processes, GPUs or nodes) ``train`` trains one model with
DistributedDataParallel (see :mod:`rnntutor.train`); only rank 0 prints and writes
the checkpoint.

Every subcommand has ``--help``. A bad flag value or a failure (missing file, damaged
checkpoint, no GPU for ``--device cuda``) prints one line ``rnntutor: error: ...`` on
stderr and exits with status 2 (bad usage: a bad flag, an unusable ``--out``, a dataset
whose images do not fit the checkpoint) or 1 (failure), without a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from pathlib import Path

CELLS = ("rnn", "lstm", "gru")
ORDERS = ("rows", "pixels", "permuted", "snake")
IMPLS = ("scratch", "fused", "cudnn")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage dump)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(
            2, f"{self.prog}: error: {message} (see {self.prog} --help)\n"
        )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        )
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive number, got {text!r}"
        ) from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"expected a positive finite number, got {text!r}"
        )
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative integer, got {text!r}"
        ) from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative integer below 2**32, got {text!r}"
        )
    return value


def _sha256(text: str) -> str:
    if len(text) != 64 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise argparse.ArgumentTypeError(
            f"expected 64 hex digits, got {text!r}"
        )
    return text.lower()


def _clip(text: str) -> float:
    if text.lower() in ("0", "none", "off"):
        return 0.0
    return _positive_float(text)


def _device(text: str) -> str:
    kind = text.split(":")[0]
    if kind not in ("auto", "cpu", "cuda", "mps"):
        raise argparse.ArgumentTypeError(
            f"expected auto, cpu, cuda, cuda:N or mps, got {text!r}"
        )
    return text


def _dataset(text: str) -> str:
    from rnntutor import data

    if text not in data.DATASETS:
        raise argparse.ArgumentTypeError(
            f"unknown dataset {text!r}: expected one of {', '.join(data.DATASETS)}"
        )
    return text


def _csv(choices):
    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {', '.join(choices)}, got {text!r}"
            )
        return items

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``rnntutor`` and its subcommands."""
    from rnntutor import __version__

    parser = _Parser(
        prog="rnntutor",
        description="Companion tools of the rnntutor book: train and evaluate RNN/LSTM/GRU image "
        "classifiers, benchmark the implementations, manage datasets.",
    )
    parser.add_argument(
        "--version", action="version", version=f"rnntutor {__version__}"
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    sub.required = True

    p = sub.add_parser(
        "train",
        help="train a sequence classifier and save a checkpoint",
        description="Train an RNN/LSTM/GRU that reads images as sequences; save weights, config and "
        "metrics to --out; print a one-line summary with the test accuracy.",
    )
    p.add_argument(
        "--dataset",
        type=_dataset,
        default="digits",
        help="digits (8x8, offline), mnist5k (offline), mnist (download) [digits]",
    )
    p.add_argument(
        "--order",
        choices=ORDERS,
        default="rows",
        help="how an image becomes a sequence [rows]",
    )
    p.add_argument(
        "--cell", choices=CELLS, default="lstm", help="recurrent cell [lstm]"
    )
    p.add_argument(
        "--hidden-size",
        "--size",
        dest="hidden_size",
        type=_positive_int,
        default=64,
        help="hidden units H [64]",
    )
    p.add_argument(
        "--layers", type=_positive_int, default=1, help="stacked layers [1]"
    )
    p.add_argument(
        "--bidirectional",
        action="store_true",
        help="read the sequence in both directions",
    )
    p.add_argument(
        "--readout",
        choices=("last", "mean"),
        default="last",
        help="classify from the last or mean state [last]",
    )
    p.add_argument(
        "--impl", choices=IMPLS, default="fused", help="implementation [fused]"
    )
    p.add_argument(
        "--epochs",
        type=_positive_int,
        default=5,
        help="passes over the training set [5]",
    )
    p.add_argument(
        "--lr", type=_positive_float, default=1e-2, help="learning rate [0.01]"
    )
    p.add_argument(
        "--optimizer",
        choices=("adam", "adamw", "sgd", "rmsprop"),
        default="adam",
        help="[adam]",
    )
    p.add_argument("--batch-size", type=_positive_int, default=64, help="[64]")
    p.add_argument(
        "--clip",
        type=_clip,
        default=1.0,
        help="max gradient norm, 0 to disable [1.0]",
    )
    p.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seed for weights, data split and order [0]",
    )
    p.add_argument(
        "--device",
        type=_device,
        default="auto",
        help="auto, cpu, cuda, cuda:N or mps [auto]",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("rnntutor-model.pt"),
        help="checkpoint path [rnntutor-model.pt]",
    )
    p.add_argument(
        "--download",
        action="store_true",
        help="download the dataset if it is not cached (mnist)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="dataset cache folder [$RNNTUTOR_DATA or ~/.cache/rnntutor]",
    )
    p.add_argument(
        "--progress",
        choices=("auto", "on", "off"),
        default="auto",
        help="progress bar [auto]",
    )
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "evaluate",
        help="report a checkpoint's test metrics",
        description="Load any rnntutor checkpoint (verifying its sha256, and the sha256 in the JSON record "
        "next to it if there is one), read the test split of its dataset, and print its metrics: loss and "
        "accuracy for a classifier, NLL in nats and bits/dim for a generative model. A dataset whose "
        "images have another size than the checkpoint's is refused (exit 2).",
    )
    p.add_argument(
        "checkpoint",
        type=Path,
        help="a checkpoint file (rnntutor train, the scripts, save_checkpoint)",
    )
    p.add_argument(
        "--sha256",
        type=_sha256,
        default=None,
        help="the expected sha256 of the whole file",
    )
    p.add_argument(
        "--dataset",
        type=_dataset,
        default=None,
        help="override the checkpoint's dataset",
    )
    p.add_argument(
        "--split", choices=("train", "test"), default="test", help="[test]"
    )
    p.add_argument(
        "--batch-size", type=_positive_int, default=256, help="[256]"
    )
    p.add_argument("--device", type=_device, default="auto", help="[auto]")
    p.add_argument(
        "--cache-dir", type=Path, default=None, help="dataset cache folder"
    )
    p.add_argument(
        "--json", action="store_true", help="print the metrics as JSON"
    )
    p.set_defaults(func=cmd_evaluate)

    from rnntutor.performance.bench import IMPLS as BENCH_IMPLS
    from rnntutor.performance.bench import SIZES, TIMERS

    p = sub.add_parser(
        "bench",
        help="time LSTM forward+backward: NumPy, scratch, fused, torch.nn",
        description="Time one LSTM layer's forward + backward pass for each implementation, interleaved "
        "in every repeat; print medians and ratios against torch.nn, and the machine.",
    )
    p.add_argument(
        "--sizes",
        type=_csv(tuple(SIZES)),
        default=["row", "long"],
        help="comma-separated: "
        + ", ".join(
            f"{k} (T={v['T']} B={v['B']} I={v['I']} H={v['H']})"
            for k, v in SIZES.items()
        )
        + " [row,long]",
    )
    p.add_argument(
        "--impls",
        type=_csv(BENCH_IMPLS),
        default=list(BENCH_IMPLS),
        help="[numpy,scratch,fused,torch]",
    )
    p.add_argument(
        "--repeats",
        type=_positive_int,
        default=7,
        help="timed repeats per implementation [7]",
    )
    p.add_argument(
        "--warmup", type=int, default=2, help="untimed calls first [2]"
    )
    p.add_argument("--device", type=_device, default="cpu", help="[cpu]")
    p.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        help="torch CPU threads during the run [unchanged]",
    )
    p.add_argument(
        "--timer",
        choices=tuple(TIMERS),
        default="wall",
        help="wall: elapsed time; cpu: process CPU time, steadier on a busy machine (use with --threads 1) [wall]",
    )
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        help="write the full result to this JSON file",
    )
    p.add_argument(
        "--plot",
        type=Path,
        default=None,
        help="save a bar chart (PNG) to this file",
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser(
        "data",
        help="list, download or locate datasets",
        description="'list' shows the datasets and whether each is available; 'download NAME' fetches "
        "one (only mnist needs it); 'path' prints the cache folder.",
    )
    p.add_argument(
        "action", choices=("list", "download", "path"), help="what to do"
    )
    p.add_argument(
        "name",
        nargs="?",
        type=_dataset,
        default=None,
        help="dataset for 'download' (mnist)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="[$RNNTUTOR_DATA or ~/.cache/rnntutor]",
    )
    p.set_defaults(func=cmd_data)
    return parser


# ----------------------------------------------------------------------------- commands


def _loader(
    name,
    split,
    order,
    batch_size,
    shuffle,
    seed,
    cache_dir,
    download,
    order_seed=0,
):
    from rnntutor import data

    images, labels = data.load_split(
        name, split, seed=seed, cache_dir=cache_dir, download=download
    )
    loader = data.make_loader(
        images,
        labels,
        order=order,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=order_seed,
    )
    return loader, images.shape[1:]


def cmd_train(args) -> int:
    from rnntutor import train

    info = train.init_distributed(
        args.device
    )  # one process unless started by torchrun
    try:
        return _train(args, info)
    finally:
        train.close_distributed()


def _train(args, info) -> int:
    import torch

    from rnntutor import seed_everything, train
    from rnntutor.checkpoint import check_writable
    from rnntutor.nn import SequenceClassifier

    check_writable(
        args.out
    )  # before any work: a bad --out must not cost a training run
    device = info.device
    seed_everything(args.seed)
    train_loader, shape = _loader(
        args.dataset,
        "train",
        args.order,
        args.batch_size,
        True,
        args.seed,
        args.cache_dir,
        args.download,
        order_seed=args.seed,
    )
    test_loader, _ = _loader(
        args.dataset,
        "test",
        args.order,
        256,
        False,
        args.seed,
        args.cache_dir,
        False,
        order_seed=args.seed,
    )
    n_features = train_loader.dataset[0][0].shape[-1]
    model = SequenceClassifier(
        cell=args.cell,
        input_size=int(n_features),
        hidden_size=args.hidden_size,
        num_classes=10,
        num_layers=args.layers,
        bidirectional=args.bidirectional,
        readout=args.readout,
        impl=args.impl,
        order=args.order,
        order_seed=args.seed,
    )
    progress = {"auto": None, "on": True, "off": False}[args.progress]
    start = time.perf_counter()
    history = train.fit(
        model,
        train_loader,
        epochs=args.epochs,
        lr=args.lr,
        optimizer=args.optimizer,
        clip=args.clip or None,
        device=device,
        seed=args.seed,
        progress=progress,
    )
    seconds = time.perf_counter() - start
    test = train.evaluate(model, test_loader, device=device)
    metrics = {
        "dataset": args.dataset,
        "split_seed": args.seed,
        "image_shape": list(shape),
        "test_loss": test["loss"],
        "test_accuracy": test["accuracy"],
        "test_n": test["n"],
        "train_seconds": seconds,
        "device": str(device),
        "torch": torch.__version__,
        "training": {
            "epochs": args.epochs,
            "lr": args.lr,
            "optimizer": args.optimizer,
            "batch_size": args.batch_size,
            "clip": args.clip,
            "seed": args.seed,
            "processes": info.world_size,  # --batch-size is per process
        },
        "history": history.as_dict(),
    }
    if (
        not info.is_main
    ):  # identical weights on every rank: rank 0 alone writes and reports
        return 0
    provenance = {
        "dataset": args.dataset,
        "split": "train",
        "split_seed": args.seed,
        "split_sizes": {"train": len(train_loader.dataset), "test": test["n"]},
        "image_shape": list(shape),
        "binarization": None,
    }
    train.save_checkpoint(args.out, model, model.config, metrics, provenance)
    n_params = sum(p.numel() for p in model.parameters())
    where = f" x {info.world_size} processes" if info.world_size > 1 else ""
    print(
        f"{args.cell} H={args.hidden_size} on {args.dataset} ({args.order}), {args.epochs} epoch(s) in "
        f"{seconds:.1f} s on {device}{where}: train loss {history.train_loss[-1]:.4f}, test loss {test['loss']:.4f}, "
        f"test accuracy {test['accuracy']:.4f} ({n_params} parameters) -> {args.out}"
    )
    return 0


def cmd_evaluate(args) -> int:
    from rnntutor import checkpoint

    sha256 = args.sha256
    record = checkpoint.record_path(args.checkpoint)
    if sha256 is None and args.checkpoint.is_file() and record.is_file():
        entry = _record_entry(record)
        if (
            entry == args.checkpoint.name
        ):  # a record of this very file: pin it to the recorded sha256
            sha256 = checkpoint.read_record(record, checkpoint=entry)["sha256"]
    result = checkpoint.evaluate_file(
        args.checkpoint,
        dataset=args.dataset,
        split=args.split,
        batch_size=args.batch_size,
        device=args.device,
        cache_dir=args.cache_dir,
        sha256=sha256,
    )
    summary = result.pop("summary", "")
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.checkpoint}: {summary}")
    return 0


def _record_entry(path: Path):
    """The ``checkpoint`` entry of a JSON file next to a checkpoint, or None if it is not a record."""
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return entry.get("checkpoint") if isinstance(entry, dict) else None


def cmd_bench(args) -> int:
    from rnntutor.performance import bench

    result = bench.run(
        args.sizes,
        args.impls,
        repeats=args.repeats,
        warmup=max(args.warmup, 0),
        device=args.device,
        threads=args.threads,
        timer=args.timer,
        progress=lambda line: print(line, file=sys.stderr),
    )
    result = {
        "command": "rnntutor " + shlex.join(args.argv),
        **result,
    }  # rnntutor.results needs it
    print(bench.format_table(result))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.json}")
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        from rnntutor.performance.plots import plot_benchmark

        args.plot.parent.mkdir(parents=True, exist_ok=True)
        plot_benchmark(result).savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}")
    return 0


def cmd_data(args) -> int:
    from rnntutor import data

    root = Path(args.cache_dir) if args.cache_dir else data.cache_dir()
    if args.action == "path":
        print(root)
        return 0
    if args.action == "list":
        for name, description in data.DATASETS.items():
            if name == "mnist":
                status = data.mnist_status(
                    root
                )  # checksums verified, not just present
                if status == "verified":
                    state = f"cached in {root / 'mnist'}, checksums verified"
                elif status == "missing":
                    state = "not downloaded (rnntutor data download mnist)"
                else:
                    detail = status.removeprefix("corrupt: ")
                    state = f"CORRUPT in {root / 'mnist'}: {detail}; run rnntutor data download mnist"
            else:
                state = "available offline"
            print(f"{name:<9} {description} [{state}]")
        return 0
    if args.name is None:
        raise ValueError(
            "'rnntutor data download' needs a dataset name, e.g. 'rnntutor data download mnist'"
        )
    if args.name != "mnist":
        print(
            f"{args.name} ships with an installed package; nothing to download"
        )
        return 0
    folder = data.download_mnist(args.cache_dir)
    print(f"mnist is in {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rnntutor`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(
        sys.argv[1:] if argv is None else argv
    )  # recorded by commands that store results
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("rnntutor: interrupted", file=sys.stderr)
        return 130
    except (
        ValueError,
        TypeError,
        RuntimeError,
        OSError,
        KeyError,
        FloatingPointError,
    ) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"rnntutor {args.command}: error: {message}", file=sys.stderr)
        return getattr(exc, "exit_status", 1)


if __name__ == "__main__":
    raise SystemExit(main())
