"""Train the shipped ConvLSTM next-frame predictor on generated Moving MNIST (64x64, 2 digits, 10 -> 10).

Re-creates ``rnntutor/checkpoints/convlstm_moving_mnist.pt`` (then run
``scripts/eval_moving_mnist.py`` to write its metrics record):

    PYTHONPATH=$PWD nice -n 10 .venv/bin/python scripts/train_moving_mnist.py \
        --steps 2000 --minutes 85 --log convlstm_curve.jsonl

One CPU thread (``--threads``); data generated on the fly from the mnist5k training
digits; every ``--eval-every`` steps the model is evaluated on the first ``--eval-n``
sequences of the fixed generated test set and the best one so far (lowest MSE per
frame) is saved, so the run can be stopped at any time.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import rnntutor
from rnntutor.checkpoint import save_checkpoint
from rnntutor.data import MOVING_MNIST, moving_mnist_test
from rnntutor.sequences import ConvLSTMPredictor, train_predictor
from rnntutor.sequences.training import CURVE_KEYS

DATA = {
    "dataset": "moving_mnist",
    "split": "train",
    "digits": "mnist5k training split (rnntutor.data.load_split), sequences generated on the fly",
    "variant": MOVING_MNIST,
    "image_shape": [64, 64],
    "n_in": 10,
}
CONFIG = {
    "frame_size": 64,
    "patch": 8,
    "hidden_channels": [64, 64],
    "kernel_size": 3,
    "n_out": 10,
}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="stop after this much training time",
    )
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-n", type=int, default=256)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--device", default="cpu", help='"cpu", "cuda", "mps" or "auto"'
    )
    ap.add_argument("--log", default="convlstm_curve.jsonl")
    ap.add_argument(
        "--out",
        default=str(
            Path(rnntutor.__file__).parent
            / "checkpoints"
            / "convlstm_moving_mnist.pt"
        ),
    )
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    rnntutor.seed_everything(args.seed)
    model = ConvLSTMPredictor(**CONFIG)
    eval_frames = moving_mnist_test(args.eval_n)
    best = {"mse_per_frame": float("inf")}
    training = {
        "script": "scripts/train_moving_mnist.py",
        "data": "generated Moving MNIST, "
        + json.dumps(MOVING_MNIST)
        + ", training digits of mnist5k",
        "steps": args.steps,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "loss": "binary cross-entropy",
    }

    def on_eval(rec, model):
        print(json.dumps({k: rec[k] for k in CURVE_KEYS}))
        if rec["mse_per_frame"] < best["mse_per_frame"]:
            best.update(rec)
            metrics = {
                "selection": f"lowest MSE on the first {args.eval_n} generated test sequences",
                "step": rec["step"],
                "seconds": rec["seconds"],
                "eval_n": args.eval_n,
                "bce_per_sequence": rec["bce_per_sequence"],
                "mse_per_frame": rec["mse_per_frame"],
                "training": {**training, "steps_done": rec["step"]},
            }
            save_checkpoint(args.out, model, metrics=metrics, data=DATA)

    train_predictor(
        model,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        eval_frames=eval_frames,
        eval_every=args.eval_every,
        time_limit=None if args.minutes is None else 60 * args.minutes,
        log_path=args.log,
        on_eval=on_eval,
        device=args.device,
    )
    print(
        "best",
        json.dumps(
            {
                k: best.get(k)
                for k in ("step", "bce_per_sequence", "mse_per_frame")
            }
        ),
    )


if __name__ == "__main__":
    main()
