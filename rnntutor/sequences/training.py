"""Training and evaluation of next-frame predictors on freshly generated Moving MNIST.

Training data is unlimited: every ``chunk`` steps a new block of sequences is generated
with its own seed (training digits only), as Srivastava et al. generated sequences on
the fly. The loss is Shi et al.'s: binary cross-entropy of the predicted frames'
logits against the true frames (pixel values in ``[0, 1]`` as soft targets).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from rnntutor.data import MOVING_MNIST, moving_mnist
from rnntutor.device import get_device
from rnntutor.sequences.metrics import (
    bce_per_step,
    mse_per_step,
    ssim_per_step,
)


@torch.no_grad()
def predict_frames(
    model, frames, n_in: int, *, batch_size: int = 64, device="cpu"
) -> np.ndarray:
    """Predictions ``(N, T - n_in, S, S)`` of ``model`` for ``frames (N, T, S, S)`` after ``n_in``."""
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim != 4 or not 0 < n_in < frames.shape[1]:
        raise ValueError(
            f"frames must be (N, T, S, S) with 0 < n_in < T, got {frames.shape} and n_in={n_in}"
        )
    dev = get_device(device)
    was_training = getattr(model, "training", False)
    model.eval()
    n_out, outs = frames.shape[1] - n_in, []
    for lo in range(0, len(frames), batch_size):
        x = torch.as_tensor(frames[lo : lo + batch_size, :n_in], device=dev)
        outs.append(model.predict(x, n_out).float().cpu().numpy())
    model.train(was_training)
    return np.concatenate(outs)


CURVE_KEYS = (
    "step",
    "seconds",
    "train_loss",
    "bce_per_sequence",
    "mse_per_frame",
)
"""The entries of a :func:`train_predictor` evaluation record that a learning curve keeps."""


def evaluate_predictor(
    model,
    frames,
    n_in: int,
    *,
    ssim: bool = False,
    batch_size: int = 64,
    device="cpu",
) -> dict:
    """Metrics of ``model`` on ``frames (N, T, S, S)`` observing ``n_in`` frames.

    Returns ``bce_per_sequence``, ``mse_per_frame`` (and ``ssim_per_frame``) with their
    per-horizon curves ``bce_per_step``, ``mse_per_step`` (``ssim_per_step``) and ``n``.
    """
    pred = predict_frames(
        model, frames, n_in, batch_size=batch_size, device=device
    )
    target = np.asarray(frames[:, n_in:], dtype=np.float32)
    bce, mse = bce_per_step(pred, target), mse_per_step(pred, target)
    out = {
        "n": len(frames),
        "bce_per_sequence": float(bce.sum()),
        "mse_per_frame": float(mse.mean()),
        "bce_per_step": bce.tolist(),
        "mse_per_step": mse.tolist(),
    }
    if ssim:
        s = ssim_per_step(pred, target)
        out.update(ssim_per_frame=float(s.mean()), ssim_per_step=s.tolist())
    return out


def evaluate_checkpoint(
    model, checkpoint: dict, *, dataset: str, split: str = "test", batch_size: int = 64, device="cpu", cache_dir=None,
    n: int = 256,
) -> dict:  # fmt: skip
    """The ``rnntutor evaluate`` evaluator of next-frame predictors (kind ``"video"``).

    ``dataset`` ``"moving_mnist"``: the first ``n`` sequences of the generated test set
    (:func:`rnntutor.data.moving_mnist_test`, the variant recorded in the checkpoint's
    ``data``); ``"moving_mnist_file"``: the first ``n`` sequences of the cached standard
    file (never downloaded). The first half of the frames is observed.
    """
    from rnntutor.checkpoint import DataMismatchError
    from rnntutor.data import load_moving_mnist_file, moving_mnist_test

    if split != "test":
        raise DataMismatchError(
            f"Moving MNIST has only a test split here, got split {split!r}"
        )
    variant = dict(checkpoint.get("data", {}).get("variant") or MOVING_MNIST)
    if dataset == "moving_mnist":
        frames = moving_mnist_test(n, **variant)
    elif dataset == "moving_mnist_file":
        frames = load_moving_mnist_file(cache_dir, n=n)
    else:
        raise DataMismatchError(
            f"a next-frame predictor is evaluated on 'moving_mnist' or 'moving_mnist_file', got {dataset!r}"
        )
    size = model.config["frame_size"]
    if frames.shape[-1] != size:
        raise DataMismatchError(
            f"the checkpoint predicts {size}x{size} frames but {dataset} has {frames.shape[-1]}x{frames.shape[-1]}"
        )
    n_in = frames.shape[1] // 2
    out = evaluate_predictor(
        model, frames, n_in, batch_size=batch_size, device=device
    )
    out["summary"] = (
        f"{checkpoint['model']} on {dataset} (n={out['n']}, {n_in} -> {frames.shape[1] - n_in} frames): "
        f"BCE {out['bce_per_sequence']:.0f} per sequence, MSE {out['mse_per_frame']:.1f} per frame"
    )
    return out


def train_predictor(
    model,
    *,
    steps: int,
    variant: dict | None = None,
    n_in: int | None = None,
    batch_size: int = 16,
    lr: float = 1e-3,
    seed: int = 0,
    chunk: int = 32,
    clip: float = 1.0,
    eval_frames=None,
    eval_every: int = 0,
    time_limit: float | None = None,
    log_path=None,
    on_eval: Callable | None = None,
    device="cpu",
) -> list[dict]:
    """Train ``model`` with Adam for ``steps`` steps on sequences of ``variant``.

    ``variant`` is a :func:`rnntutor.data.moving_mnist` setting (default the standard
    :data:`MOVING_MNIST`); the first ``n_in`` frames (default half) are observed, the
    rest predicted. The learning rate decays by cosine to ``lr / 10``. Every
    ``eval_every`` steps (if ``eval_frames`` is given) the model is evaluated; the record
    is appended to ``log_path`` (JSON lines) and passed to ``on_eval(record, model)``.
    Stops early after ``time_limit`` seconds. Returns the list of records (one per
    evaluation, plus one with the last training loss).
    """
    variant = dict(MOVING_MNIST if variant is None else variant)
    frames_total = int(variant.get("frames", MOVING_MNIST["frames"]))
    n_in = frames_total // 2 if n_in is None else int(n_in)
    dev = get_device(device)
    model.to(dev).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=max(1, steps), eta_min=lr / 10
    )
    records, start, running, block = [], time.perf_counter(), [], None
    for step in range(1, steps + 1):
        if (step - 1) % chunk == 0:
            block = moving_mnist(
                chunk * batch_size, seed=seed * 1_000_003 + step, **variant
            )
        j = (step - 1) % chunk
        batch = torch.as_tensor(
            block[j * batch_size : (j + 1) * batch_size], device=dev
        )  # (B, T, S, S)
        logits = model(batch[:, :n_in], frames_total - n_in)
        loss = F.binary_cross_entropy_with_logits(logits, batch[:, n_in:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        sched.step()
        running.append(loss.item())
        out_of_time = (
            time_limit is not None and time.perf_counter() - start > time_limit
        )
        if (
            eval_frames is not None
            and eval_every
            and (step % eval_every == 0 or step == steps or out_of_time)
        ):
            rec = evaluate_predictor(model, eval_frames, n_in, device=dev)
            rec.update(
                step=step,
                seconds=round(time.perf_counter() - start, 1),
                train_loss=float(np.mean(running)),
            )
            running = []
            records.append(rec)
            if log_path is not None:
                with open(log_path, "a") as fh:
                    fh.write(json.dumps(rec) + "\n")
            if on_eval is not None:
                on_eval(rec, model)
        if out_of_time:
            break
    if running:
        records.append({"step": step, "train_loss": float(np.mean(running))})
    return records
