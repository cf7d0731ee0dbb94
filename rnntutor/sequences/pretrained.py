"""The ConvLSTM next-frame predictor shipped with the package (Chapter 6).

``rnntutor/checkpoints/convlstm_moving_mnist.pt`` is an :mod:`rnntutor.checkpoint` file
made by ``scripts/train_moving_mnist.py``; ``convlstm_moving_mnist.json`` next to it
records how (command, training curve) and what it scores (written by
``scripts/eval_moving_mnist.py``), with the file's sha256, which
:func:`load_pretrained` checks.
"""

from __future__ import annotations

from rnntutor.checkpoint import SHIPPED_DIR, load_shipped, shipped_record

CHECKPOINT_DIR = SHIPPED_DIR
PRETRAINED = {
    "convlstm_moving_mnist": "ConvLSTM predictor, 64x64 Moving MNIST 10 -> 10, see its .json record"
}


def _check_name(name: str) -> str:
    if name not in PRETRAINED:
        raise ValueError(
            f"unknown pretrained model {name!r}: expected one of {list(PRETRAINED)}"
        )
    return name


def pretrained_record(name: str = "convlstm_moving_mnist") -> dict:
    """The JSON record of a shipped predictor: command, curve, metrics, sha256 (checked)."""
    return shipped_record(_check_name(name))


def load_pretrained(name: str = "convlstm_moving_mnist", *, device="cpu"):
    """Load a shipped predictor (verified against the recorded sha256); returns the model in eval mode."""
    return load_shipped(_check_name(name), device=device)[0]
