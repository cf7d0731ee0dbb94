"""The one training loop used by every chapter and by the command line.

``fit(model, train_loader, epochs=..., lr=...)`` trains with a cross-entropy loss (or
``loss_fn``), gradient-norm clipping and a progress bar, on any device, and returns a
:class:`History`. ``evaluate`` reports loss and accuracy. Checkpoints (weights + config
+ metrics, sha256-verified) are in :mod:`rnntutor.checkpoint` and re-exported here.

The progress bar (tqdm) shows the running loss and accuracy. It is off when
``RNNTUTOR_PROGRESS=0`` (the tests and notebooks set it) or when the output is not
interactive (not a terminal and not a Jupyter kernel); ``progress=True/False`` overrides.

Same seed, same machine, same data order -> the same numbers: ``fit`` seeds Python,
NumPy and torch with ``seed`` before the first step (the loader's shuffling has its
own seed, see :func:`rnntutor.data.make_loader`).

Several processes (``torchrun --nproc_per_node=N -m rnntutor train ...``): after
:func:`init_distributed`, ``fit`` wraps the model in ``DistributedDataParallel`` and
gives each of the N processes (ranks) its own 1/N of every epoch through a
``DistributedSampler``. Each rank computes the gradient of its own batch;
``backward`` all-reduces the gradients (their mean over ranks), so every rank takes
the same optimizer step and the weights stay identical. The epoch's loss, accuracy
and gradient norm are sums over the ranks' batches, all-reduced at the end of each
epoch, so every rank returns the same :class:`History`. Only rank 0 shows the
progress bar. Without a process group (one process) nothing of this happens.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnntutor.checkpoint import (
    CheckpointError,
    check_data,
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
)
from rnntutor.device import get_device, seed_everything

__all__ = [
    "CheckpointError",
    "DivergenceError",
    "DistributedInfo",
    "History",
    "close_distributed",
    "evaluate",
    "evaluate_checkpoint",
    "fit",
    "init_distributed",
    "load_checkpoint",
    "make_optimizer",
    "progress_enabled",
    "read_checkpoint",
    "save_checkpoint",
]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


class DivergenceError(FloatingPointError):
    """The loss or the gradient became NaN or infinite: training diverged."""


@dataclass
class History:
    """Per-epoch record of a :func:`fit` run; ``val_*`` entries are ``None`` without a validation set.

    ``grad_norm`` is the mean gradient norm *before* clipping, ``seconds`` the wall time
    of each epoch.
    """

    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    seconds: list = field(default_factory=list)

    def as_dict(self) -> dict:
        """The history as a dict of lists (JSON-friendly)."""
        return asdict(self)

    def last(self) -> dict:
        """The last epoch's numbers as a dict."""
        return {k: v[-1] for k, v in self.as_dict().items() if v}

    def plot(self, *, title: str | None = None):
        """Plot loss and accuracy curves (training and validation); return the figure."""
        from rnntutor.plot import plot_history

        return plot_history(self, title=title)


def progress_enabled(progress: bool | None = None) -> bool:
    """Whether to show a progress bar: ``progress`` if given, else environment and terminal decide."""
    if progress is not None:
        return bool(progress)
    if os.environ.get("RNNTUTOR_PROGRESS", "").strip() == "0":
        return False
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@dataclass(frozen=True)
class DistributedInfo:
    """Where this process stands in a ``torchrun`` job: ``rank`` of ``world_size``, and its device."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """True on rank 0, the process that prints and writes files."""
        return self.rank == 0


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(
            f"environment variable {name} must be an integer, got {text!r}"
        ) from None


def init_distributed(device="auto") -> DistributedInfo:
    """Join the ``torchrun`` job this process belongs to; return its rank, world size and device.

    ``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous
    address (``MASTER_ADDR``, ``MASTER_PORT``). With ``WORLD_SIZE`` unset or 1 (a
    plain ``python`` or ``rnntutor`` run) this only resolves ``device`` and starts
    nothing. Otherwise it starts the default process group: ``nccl`` when ``device``
    is a CUDA GPU (rank ``r`` of a node uses ``cuda:LOCAL_RANK``), ``gloo`` on the CPU.
    End with :func:`close_distributed`.
    """
    world_size = _env_int("WORLD_SIZE", 1)
    rank, local_rank = _env_int("RANK", 0), _env_int("LOCAL_RANK", 0)
    dev = get_device(device)
    if world_size <= 1:
        return DistributedInfo(0, 1, 0, dev)
    import torch.distributed as dist

    if dev.type == "cuda":
        if dev.index is not None:
            raise ValueError(
                f"under torchrun every process picks its own GPU (cuda:LOCAL_RANK); "
                f"pass --device cuda or auto, not {str(dev)!r}"
            )
        if local_rank >= torch.cuda.device_count():
            raise RuntimeError(
                f"local rank {local_rank} needs cuda:{local_rank} but only "
                f"{torch.cuda.device_count()} GPU(s) are visible; lower --nproc_per_node"
            )
        dev = torch.device("cuda", local_rank)
        torch.cuda.set_device(dev)
        backend = "nccl"
    elif dev.type == "cpu":
        backend = "gloo"
    else:
        raise ValueError(
            f"distributed training runs on cuda (nccl) or cpu (gloo), not on {dev.type}"
        )
    if not dist.is_initialized():
        dist.init_process_group(
            backend=backend, rank=rank, world_size=world_size
        )
    return DistributedInfo(rank, world_size, local_rank, dev)


def close_distributed() -> None:
    """Leave the process group started by :func:`init_distributed` (no-op without one)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _world() -> tuple[int, int]:
    """(rank, world size) of the default process group; (0, 1) without one."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _sharded(loader, rank: int, world_size: int, seed: int):
    """``loader`` with a ``DistributedSampler``: rank ``rank`` reads its 1/``world_size`` of each epoch.

    The sampler shuffles (seeded with ``seed`` + epoch) if ``loader`` did, and pads
    the last shard by repeating a few samples so every rank has as many batches.
    """
    from torch.utils.data import DataLoader, RandomSampler
    from torch.utils.data.distributed import DistributedSampler

    if isinstance(loader.sampler, DistributedSampler):
        return loader
    if not isinstance(loader, DataLoader) or loader.batch_size is None:
        raise TypeError(
            "under torchrun, fit needs a torch DataLoader with a batch_size to shard it across processes"
        )
    sampler = DistributedSampler(
        loader.dataset,
        num_replicas=world_size,
        rank=rank,
        shuffle=isinstance(loader.sampler, RandomSampler),
        seed=seed,
        drop_last=False,
    )
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=sampler,
        drop_last=loader.drop_last,
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
    )


def _any_rank(flag: bool, dev: torch.device, world_size: int) -> bool:
    """True if ``flag`` is true on any rank (every rank must call this together)."""
    if world_size == 1:
        return flag
    import torch.distributed as dist

    value = torch.tensor([float(flag)], device=dev)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def _all_reduce_sums(
    values: list[float], dev: torch.device, world_size: int
) -> list[float]:
    """Each number summed over the ranks (float64); unchanged with one process."""
    if world_size == 1:
        return values
    import torch.distributed as dist

    tensor = torch.tensor(values, dtype=torch.float64, device=dev)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.tolist()


def make_optimizer(
    model: nn.Module, optimizer, lr: float
) -> torch.optim.Optimizer:
    """An optimizer by name (``"adam"``, ``"adamw"``, ``"sgd"``, ``"rmsprop"``), or the one given."""
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"unknown optimizer {optimizer!r}: expected one of {', '.join(OPTIMIZERS)}"
        )
    return OPTIMIZERS[optimizer](model.parameters(), lr=lr)


def _check_positive(name: str, value, *, allow_none: bool = False):
    """Return ``value`` as a float if it is a positive finite real (NumPy scalars included)."""
    if value is None and allow_none:
        return None
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool | np.bool_)
        and 0 < value < math.inf
    )
    if not ok:
        raise ValueError(
            f"{name} must be a positive finite number, got {value!r}"
        )
    return float(value)


def _check_epochs(epochs) -> int:
    if (
        isinstance(epochs, bool)
        or not isinstance(epochs, numbers.Integral)
        or epochs < 1
    ):
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    return int(epochs)


def _default_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(out, y)


def _correct(out: torch.Tensor, y: torch.Tensor) -> tuple[float, int]:
    """Number of correct predictions and of predictions, for class labels or binary targets."""
    if (
        out.dim() == y.dim() + 1 and not y.is_floating_point()
    ):  # logits (B, C), labels (B,)
        return (out.argmax(dim=-1) == y).sum().item(), y.numel()
    if out.shape == y.shape:  # binary targets in {0, 1} with logits
        return ((out > 0) == (y > 0.5)).sum().item(), y.numel()
    return float("nan"), 0


def _diverged(
    what: str, value: float, epoch: int, batch: int, lr: float, clip
) -> DivergenceError:
    hint = f"lower the learning rate (e.g. lr={lr / 10:.3g})"
    hint += (
        " or enable gradient clipping (clip=1.0)"
        if not clip
        else f" or clip harder (clip={clip / 10:.3g})"
    )
    return DivergenceError(
        f"training diverged: the {what} became {value} at epoch {epoch}, batch {batch}; {hint}"
    )


def fit(
    model: nn.Module,
    train_loader,
    *,
    epochs: int,
    lr: float,
    optimizer="adam",
    clip: float | None = 1.0,
    device="auto",
    val_loader=None,
    seed: int = 0,
    progress: bool | None = None,
    loss_fn: Callable | None = None,
) -> History:
    """Train ``model`` on ``(x, y)`` batches; return the :class:`History`.

    ``loss_fn(output, y)`` defaults to cross-entropy on logits ``(B, C)`` and labels
    ``(B,)``. Each step: forward, loss, backward, clip the global gradient norm to
    ``clip`` (``None`` or ``0``: no clipping), optimizer step. A NaN or infinite loss or
    gradient norm stops training with a :class:`DivergenceError`. The model is moved to
    ``device`` (``"auto"``: GPU if there is one) and stays there.

    Inside a process group of N > 1 ranks (see :func:`init_distributed`) the model is
    trained through ``DistributedDataParallel`` and ``train_loader`` is re-wrapped with
    a ``DistributedSampler``, so its ``batch_size`` is per rank (N times larger in
    total). The gradient of the loss L_r of rank r's batch is averaged over the ranks,
    ``g = (1/N) sum_r dL_r/dtheta``, inside ``backward``; the recorded loss and accuracy
    are ``sum_r sum_batches (loss * B) / sum_r sum_batches B``, all-reduced once per epoch.
    ``val_loader`` is evaluated in full by every rank (identical weights, same result).
    """
    epochs = _check_epochs(epochs)
    lr = _check_positive("lr", lr)
    clip = _check_positive("clip", clip or None, allow_none=True)
    dev = get_device(device)
    seed_everything(seed)
    model.to(dev)
    rank, world_size = _world()
    net = model  # what the batches go through: the model, or its DistributedDataParallel wrapper
    if world_size > 1:
        from torch.nn.parallel import DistributedDataParallel

        # DDP copies rank 0's weights to every rank, then averages gradients in backward
        net = DistributedDataParallel(
            model, device_ids=[dev.index] if dev.type == "cuda" else None
        )
        train_loader = _sharded(train_loader, rank, world_size, seed)
    opt = make_optimizer(model, optimizer, lr)
    loss_fn = loss_fn or _default_loss
    show = progress_enabled(progress) and rank == 0
    history = History()
    for epoch in range(1, epochs + 1):
        model.train()
        if world_size > 1:
            train_loader.sampler.set_epoch(
                epoch
            )  # a different shuffle each epoch, the same on every rank
        start = time.perf_counter()
        total_loss, correct, count, n_batches, norms = 0.0, 0.0, 0, 0, 0.0
        n_pred = 0  # predictions scored: B for class labels, B*T for per-step labels
        bar = _bar(train_loader, show, f"epoch {epoch}/{epochs}")
        for batch, (x, y) in enumerate(bar, start=1):
            x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
            out = net(x)
            loss = loss_fn(out, y)
            value = loss.item()
            # every rank stops together (a rank alone would wait forever in the gradient all-reduce)
            here = not math.isfinite(value)
            if _any_rank(here, dev, world_size):
                what = "loss" if here else "loss of another process"
                raise _diverged(
                    what,
                    value if here else float("nan"),
                    epoch,
                    batch,
                    lr,
                    clip,
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            params = [p for p in model.parameters() if p.grad is not None]
            if clip:
                norm = nn.utils.clip_grad_norm_(params, clip).item()
            else:
                norm = torch.linalg.vector_norm(
                    torch.stack([p.grad.norm() for p in params])
                ).item()
            if not math.isfinite(norm):
                raise _diverged("gradient norm", norm, epoch, batch, lr, clip)
            opt.step()
            ok, n = _correct(out.detach(), y)
            total_loss += value * len(y)
            correct += ok
            n_pred += n
            count += len(y)
            norms += norm
            n_batches += 1
            if show:
                bar.set_postfix(
                    loss=f"{total_loss / count:.4f}",
                    acc=f"{correct / max(n_pred, 1):.3f}",
                )
        if count == 0:
            raise ValueError("train_loader yielded no batches")
        if (
            world_size > 1
        ):  # sums over every rank's batches; the gradient norm is already the same on all
            total_loss, correct, n_pred, count, norms, n_batches = (
                _all_reduce_sums(
                    [total_loss, correct, n_pred, count, norms, n_batches],
                    dev,
                    world_size,
                )
            )
        history.epoch.append(epoch)
        history.train_loss.append(total_loss / count)
        history.train_acc.append(correct / n_pred if n_pred else float("nan"))
        history.grad_norm.append(norms / n_batches)
        if val_loader is not None:
            val = evaluate(model, val_loader, device=dev, loss_fn=loss_fn)
            history.val_loss.append(val["loss"])
            history.val_acc.append(val["accuracy"])
        else:
            history.val_loss.append(None)
            history.val_acc.append(None)
        history.seconds.append(time.perf_counter() - start)
        if show:
            tail = (
                ""
                if val_loader is None
                else f", val loss {history.val_loss[-1]:.4f} acc {history.val_acc[-1]:.3f}"
            )
            bar.write(
                f"epoch {epoch}: loss {history.train_loss[-1]:.4f} acc {history.train_acc[-1]:.3f}{tail}"
            )
            bar.close()
    return history


def _bar(loader, show: bool, desc: str):
    if not show:
        return loader
    from tqdm.auto import tqdm

    return tqdm(loader, desc=desc, leave=False, dynamic_ncols=True)


@torch.no_grad()
def evaluate(
    model: nn.Module, loader, device="auto", *, loss_fn: Callable | None = None
) -> dict:
    """Mean loss and accuracy of ``model`` over ``loader``: ``{"loss", "accuracy", "n"}``.

    The model is moved to ``device`` and put in eval mode for the pass (its previous
    mode is restored afterwards).
    """
    dev = get_device(device)
    loss_fn = loss_fn or _default_loss
    was_training = model.training
    model.to(dev).eval()
    total_loss, correct, count, n_pred = 0.0, 0.0, 0, 0
    try:
        for x, y in loader:
            x, y = x.to(dev), y.to(dev)
            out = model(x)
            total_loss += loss_fn(out, y).item() * len(y)
            ok, n = _correct(out, y)
            correct += ok
            n_pred += n
            count += len(y)
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("loader yielded no batches")
    accuracy = correct / n_pred if n_pred else float("nan")
    return {"loss": total_loss / count, "accuracy": accuracy, "n": count}


def evaluate_checkpoint(
    model: nn.Module, checkpoint: dict, *, dataset: str, split: str = "test", batch_size: int = 256,
    device="auto", cache_dir=None,
) -> dict:  # fmt: skip
    """The ``rnntutor evaluate`` evaluator of classifiers: loss and accuracy on a dataset split.

    ``checkpoint`` is a :func:`rnntutor.checkpoint.read_checkpoint` payload. Images are
    read with the recorded ``split_seed`` in the model's ``order`` (and ``order_seed``);
    images of another size than the checkpoint's are refused before the model runs.
    """
    from rnntutor import data

    config, provenance = checkpoint["config"], checkpoint.get("data", {})
    images, labels = data.load_split(
        dataset,
        split,
        seed=int(provenance.get("split_seed", 0)),
        cache_dir=cache_dir,
    )
    check_data(checkpoint, dataset, images.shape[1:])
    order = config.get("order", "rows")
    loader = data.make_loader(
        images,
        labels,
        order=order,
        batch_size=batch_size,
        shuffle=False,
        seed=int(config.get("order_seed", 0)),
    )
    features = loader.dataset[0][0].shape[-1]
    if features != config["input_size"]:
        raise CheckpointError(
            f"the checkpoint expects {config['input_size']} features per step but {dataset} read as {order} "
            f"gives {features}"
        )
    result = evaluate(model, loader, device=device)
    result["summary"] = (
        f"{config['cell']} H={config['hidden_size']} on {dataset} {split} ({order}, n={result['n']}): "
        f"loss {result['loss']:.4f}, accuracy {result['accuracy']:.4f}"
    )
    return result
