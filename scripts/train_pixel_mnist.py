"""Train the pixel-by-pixel LSTM classifiers (T = 784) and ship them as small checkpoints.

Reading a 28x28 digit one pixel at a time makes 784 sequential steps: too slow to train
on a laptop CPU inside a notebook, a few minutes on a GPU. This script trains one LSTM
per pixel order (raster "pixels", and a seeded fixed "permuted" order), evaluates it
on the test split and writes, for each order,

    rnntutor/checkpoints/lstm_<order>_<readout>_<dataset>.pt    weights, config, metrics (sha256-verified)
    rnntutor/checkpoints/lstm_<order>_<readout>_<dataset>.json  command, seed, device, time, epochs, metrics

Usage (the shipped checkpoints were made on one H100 with):
    python scripts/train_pixel_mnist.py --dataset mnist5k --orders pixels,permuted --epochs 200 --budget 240
On full MNIST (needs a download): --dataset mnist --download.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import torch

from rnntutor import data, get_device, seed_everything, train
from rnntutor.checkpoint import check_writable, file_sha256
from rnntutor.nn import SequenceClassifier, set_forget_bias

ROOT = Path(__file__).resolve().parents[1]


def train_order(args, order: str, device: torch.device) -> dict:
    """Train, evaluate and save the LSTM for one pixel order; return its record."""
    seed_everything(args.seed)
    x_train, y_train = data.load_split(
        args.dataset, "train", seed=args.seed, download=args.download
    )
    x_test, y_test = data.load_split(
        args.dataset, "test", seed=args.seed, download=args.download
    )
    train_loader = data.make_loader(
        x_train,
        y_train,
        order=order,
        batch_size=args.batch_size,
        shuffle=True,
        seed=args.seed,
    )
    test_loader = data.make_loader(
        x_test, y_test, order=order, batch_size=256, shuffle=False
    )
    model = SequenceClassifier(
        cell="lstm", input_size=1, hidden_size=args.hidden_size, num_classes=10, impl=args.impl,
        readout=args.readout, order=order, order_seed=args.seed,
    )  # fmt: skip
    set_forget_bias(model, 1.0)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    start, epochs_run, history = time.perf_counter(), 0, []
    for epoch in range(args.epochs):
        h = train.fit(model, train_loader, epochs=1, lr=args.lr, optimizer=optimizer, clip=args.clip,
                      device=device, seed=args.seed + epoch, progress=False)  # fmt: skip
        epochs_run += 1
        history.append(
            {
                "epoch": epoch + 1,
                "train_loss": h.train_loss[-1],
                "train_acc": h.train_acc[-1],
            }
        )
        print(
            f"[{order}] epoch {epoch + 1}: loss {h.train_loss[-1]:.4f} acc {h.train_acc[-1]:.4f}",
            flush=True,
        )
        if time.perf_counter() - start > args.budget:
            break
    seconds = time.perf_counter() - start
    metrics = train.evaluate(model, test_loader, device=device)
    name = f"lstm_{order}_{args.readout}_{args.dataset}"
    path = args.out / f"{name}.pt"
    model.impl = "fused"  # the shipped model runs anywhere; cudnn and fused share the weights
    provenance = {
        "dataset": args.dataset,
        "split": "train",
        "split_seed": args.seed,
        "split_sizes": {"train": len(y_train), "test": len(y_test)},
        "image_shape": list(x_train.shape[1:]),
        "binarization": None,
    }
    train.save_checkpoint(
        path, model.cpu(), metrics={"test_accuracy": metrics["accuracy"], "test_loss": metrics["loss"]},
        data=provenance,
    )  # fmt: skip
    record = {
        "command": "python " + " ".join(shlex.quote(a) for a in sys.argv),
        "dataset": args.dataset,
        "split": {"train": len(y_train), "test": len(y_test)},
        "order": order,
        "readout": args.readout,
        "lr": args.lr,
        "seed": args.seed,
        "device": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else str(device),
        "torch": torch.__version__,
        "epochs_run": epochs_run,
        "train_seconds": round(seconds, 1),
        "test_accuracy": round(metrics["accuracy"], 4),
        "test_loss": round(metrics["loss"], 4),
        "data_provenance": provenance,
        "checkpoint": path.name,
        "sha256": file_sha256(path),
        "history": history,
    }
    (args.out / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    print(
        f"[{order}] test accuracy {metrics['accuracy']:.4f} after {epochs_run} epochs in {seconds:.0f} s -> {path}"
    )
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", default="mnist5k", choices=["mnist5k", "mnist"]
    )
    parser.add_argument(
        "--orders",
        default="pixels,permuted",
        help="comma-separated: pixels, permuted",
    )
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument(
        "--readout",
        default="last",
        choices=["last", "mean"],
        help="last or mean hidden state",
    )
    parser.add_argument(
        "--impl", default="cudnn", choices=["scratch", "fused", "cudnn"]
    )
    parser.add_argument(
        "--epochs", type=int, default=200, help="at most this many epochs"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=240.0,
        help="stop after the epoch that passes this many seconds",
    )
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--download", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "rnntutor" / "checkpoints"
    )
    args = parser.parse_args(argv)
    device = get_device(args.device)
    for order in args.orders.split(
        ","
    ):  # every output path is checked before the first training
        check_writable(
            args.out / f"lstm_{order.strip()}_{args.readout}_{args.dataset}.pt"
        )
    for order in args.orders.split(","):
        train_order(args, order.strip(), device)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
