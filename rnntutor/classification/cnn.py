"""A small convolutional baseline for the classification chapter, and a parameter matcher.

:class:`SmallCNN` reads the *same* batches as a row-by-row
:class:`rnntutor.nn.SequenceClassifier`: with ``order="rows"`` a sequence ``(B, T, F)``
is the image ``(B, H, W)`` itself, so both models train with the one loop
:func:`rnntutor.train.fit` on one :func:`rnntutor.data.make_loader`. Architecture::

    x (B, H, W) -> (B, 1, H, W)
    a1 = maxpool2(relu(conv3x3(x;  1 -> C)))          (B, C, H/2, W/2)
    a2 = maxpool2(relu(conv3x3(a1; C -> 2C)))         (B, 2C, H/4, W/4)
    a3 = relu(conv3x3(a2; 2C -> 2C))                   (B, 2C, H/4, W/4)
    s  = mean over positions of a3                     (B, 2C)   global average pooling
    logits = W_y s + b_y                               (B, num_classes)

Each output of ``a3`` sees an 18x18 patch of the image (its receptive field); the global
average makes the prediction nearly independent of where the digit is (floor division
by the pooling aside). Parameters:
``(9C + C) + (18C^2 + 2C) + (36C^2 + 2C) + (2CK + K) = 54 C^2 + (14 + 2K) C + K``
for ``K`` classes. :func:`match_channels` picks the ``C`` whose count is closest to a
target, e.g. the parameter count of an LSTM, so the comparison is like for like.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["SmallCNN", "cnn_param_count", "count_parameters", "match_channels"]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable numbers in ``model`` (``sum(p.numel())`` over parameters)."""
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module, got {type(model).__name__}"
        )
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def cnn_param_count(channels: int, num_classes: int = 10) -> int:
    """Parameters of ``SmallCNN(channels, num_classes)``: ``54 C^2 + (14 + 2K) C + K``."""
    c, k = (
        _check_pos("channels", channels),
        _check_pos("num_classes", num_classes),
    )
    return 54 * c * c + (14 + 2 * k) * c + k


def match_channels(
    target: int, num_classes: int = 10, *, max_channels: int = 1024
) -> int:
    """The ``C`` for which ``SmallCNN(C)`` has the parameter count closest to ``target``.

    Ties go to the smaller network. Raises ``ValueError`` for a target below the
    smallest network (``C = 1``).
    """
    target = _check_pos("target", target)
    if target < cnn_param_count(1, num_classes):
        raise ValueError(
            f"target {target} is below the smallest SmallCNN ({cnn_param_count(1, num_classes)} parameters)"
        )
    best = min(
        range(1, max_channels + 1),
        key=lambda c: (abs(cnn_param_count(c, num_classes) - target), c),
    )
    return best


def _check_pos(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


class SmallCNN(nn.Module):
    """Three 3x3 convolutions, two max-poolings and global average pooling; ``x (B, H, W) -> (B, K)``.

    ``config`` records the constructor arguments like :class:`rnntutor.nn.SequenceClassifier`.
    Images (or row sequences) of any size ``H, W >= 4`` are accepted.
    """

    def __init__(self, channels: int = 16, num_classes: int = 10):
        super().__init__()
        c = _check_pos("channels", channels)
        _check_pos("num_classes", num_classes)
        self.config = dict(channels=c, num_classes=num_classes)
        self.conv1 = nn.Conv2d(1, c, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(c, 2 * c, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(2 * c, 2 * c, kernel_size=3, padding=1)
        self.head = nn.Linear(2 * c, num_classes)

    def features(self, x: Tensor) -> Tensor:
        """The pooled feature vector ``s``: ``x (B, H, W) -> (B, 2C)``."""
        if not isinstance(x, Tensor):
            raise TypeError(
                f"x must be a torch.Tensor, got {type(x).__name__}"
            )
        if x.dim() != 3 or min(x.shape[1:]) < 4:
            raise ValueError(
                "x must have shape (B, H, W) with H, W >= 4 (a batch of "
                f"images), got {tuple(x.shape)}"
            )
        a = x.unsqueeze(1)  # (B, 1, H, W)
        a = torch.max_pool2d(torch.relu(self.conv1(a)), 2)  # (B, C, H/2, W/2)
        a = torch.max_pool2d(torch.relu(self.conv2(a)), 2)  # (B, 2C, H/4, W/4)
        a = torch.relu(self.conv3(a))  # (B, 2C, H/4, W/4)
        return a.mean(dim=(2, 3))  # (B, 2C)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(B, num_classes)`` for images ``x (B, H, W)``."""
        return self.head(self.features(x))
