"""Next-frame predictors for Moving MNIST, and a small sequence classifier.

Every predictor maps the observed frames ``x (B, T_in, S, S)`` in ``[0, 1]`` to
predictions of the next ``n_out`` frames with :meth:`predict` (probabilities
``(B, n_out, S, S)`` in ``[0, 1]``); trainable ones return *logits* from ``forward``.

- :class:`ConvLSTMPredictor`: a stack of ConvLSTM layers reads the observed frames
  (the encoder), then keeps running on its own predictions (the forecaster, which here
  shares the encoder's weights: a conditional seq2seq stack). Frames are first cut
  into ``p x p`` patches stacked as channels (space-to-depth, as PredRNN does): a 64x64
  frame becomes a 16x16 image of 16 channels for ``p = 4``, 16 times fewer positions
  for the convolutions. A 1x1 convolution of all layers' ``h_t`` gives the ``p²``
  logits per position, put back in place by depth-to-space.
- :class:`FCLSTMPredictor`: the same scheme with an LSTM on flattened frames (Shi et
  al.'s FC-LSTM baseline): no locality, no weight sharing across positions.
- :class:`CopyLastFrame`, :class:`MeanFrame` (the mean of the observed frames) and
  :class:`BlankFrame` (all zeros): baselines without parameters.
- :class:`DirectionClassifier`: a ConvLSTM reads a short clip and says in which of eight
  directions its digit moves (sequence *processing* rather than prediction).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnntutor.sequences.convlstm import ConvLSTM


def space_to_depth(x: Tensor, patch: int) -> Tensor:
    """``(B, T, S, S)`` frames -> ``(B, T, p², S/p, S/p)``: each ``p x p`` patch as channels."""
    b, t, s1, s2 = x.shape
    if s1 % patch or s2 % patch:
        raise ValueError(
            f"frame size {(s1, s2)} must be divisible by the patch size {patch}"
        )
    return F.pixel_unshuffle(x.reshape(b * t, 1, s1, s2), patch).reshape(
        b, t, patch * patch, s1 // patch, -1
    )


def depth_to_space(x: Tensor, patch: int) -> Tensor:
    """The inverse of :func:`space_to_depth`: ``(B, T, p², H, W)`` -> ``(B, T, pH, pW)``."""
    b, t, c, h, w = x.shape
    return F.pixel_shuffle(x.reshape(b * t, c, h, w), patch).reshape(
        b, t, h * patch, w * patch
    )


def _check_frames(x: Tensor, size: int, n_in: int | None = None) -> None:
    if (
        not isinstance(x, Tensor)
        or x.dim() != 4
        or x.shape[-2:] != (size, size)
    ):
        got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(
            f"x must be a tensor of frames (B, T, {size}, {size}), got {got}"
        )
    if n_in is not None and x.shape[1] < 1:
        raise ValueError("x must hold at least one observed frame")


class _Autoregressive(nn.Module):
    """Shared loop: read the observed frames, then feed back ``σ(logits)`` for ``n_out`` frames."""

    def _step(self, frame: Tensor, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: Tensor, n_out: int | None = None) -> Tensor:
        """Logits of the next ``n_out`` frames (default ``self.n_out``): ``(B, n_out, S, S)``."""
        n_out = self.n_out if n_out is None else int(n_out)
        _check_frames(x, self.frame_size, 1)
        state, logits = None, None
        for t in range(x.shape[1]):
            logits, state = self._step(x[:, t], state)
        outs = [logits]
        for _ in range(n_out - 1):
            logits, state = self._step(torch.sigmoid(logits), state)
            outs.append(logits)
        return torch.stack(outs, dim=1)

    @torch.no_grad()
    def predict(self, x: Tensor, n_out: int | None = None) -> Tensor:
        """Probabilities ``σ(logits)`` of the next frames, ``(B, n_out, S, S)``."""
        return torch.sigmoid(self.forward(x, n_out))


class ConvLSTMPredictor(_Autoregressive):
    """ConvLSTM encoder-forecaster on ``patch x patch`` patches (see the module docstring).

    Shapes: ``x (B, T_in, S, S)`` -> logits ``(B, n_out, S, S)``; inside, states are
    ``(B, C_h, S/p, S/p)``.
    """

    checkpoint_kind = "video"  # rnntutor.checkpoint: evaluated by sequences.training.evaluate_checkpoint

    def __init__(
        self,
        frame_size: int = 64,
        patch: int = 4,
        hidden_channels=(64, 64),
        kernel_size: int = 5,
        n_out: int = 10,
        peephole: bool = False,
        impl: str = "fused",
    ):
        super().__init__()
        if frame_size % patch:
            raise ValueError(
                f"frame_size {frame_size} must be divisible by patch {patch}"
            )
        hidden_channels = [
            int(c)
            for c in (
                [hidden_channels]
                if isinstance(hidden_channels, int)
                else hidden_channels
            )
        ]
        self.config = {
            "frame_size": int(frame_size),
            "patch": int(patch),
            "hidden_channels": hidden_channels,
            "kernel_size": int(kernel_size),
            "n_out": int(n_out),
            "peephole": bool(peephole),
            "impl": impl,
        }
        self.frame_size, self.patch, self.n_out = (
            int(frame_size),
            int(patch),
            int(n_out),
        )
        self.rnn = ConvLSTM(
            patch * patch,
            hidden_channels,
            kernel_size,
            peephole=peephole,
            impl=impl,
        )
        self.head = nn.Conv2d(
            sum(hidden_channels), patch * patch, kernel_size=1
        )  # all layers' h_t -> p² logits

    def _step(self, frame: Tensor, state):
        z = space_to_depth(frame[:, None], self.patch)[
            :, 0
        ]  # (B, p², S/p, S/p)
        _, state = self.rnn.step(z, state)
        hs = torch.cat([h for h, _ in state], dim=1)  # (B, ΣC_h, S/p, S/p)
        logits = depth_to_space(self.head(hs)[:, None], self.patch)[
            :, 0
        ]  # (B, S, S)
        return logits, state


class FCLSTMPredictor(_Autoregressive):
    """FC-LSTM baseline: an LSTM on flattened ``S*S`` frames, a linear layer back to pixels."""

    def __init__(
        self, frame_size: int = 64, hidden_size: int = 256, n_out: int = 10
    ):
        super().__init__()
        self.config = {
            "frame_size": int(frame_size),
            "hidden_size": int(hidden_size),
            "n_out": int(n_out),
        }
        self.frame_size, self.n_out = int(frame_size), int(n_out)
        self.cell = nn.LSTMCell(frame_size * frame_size, hidden_size)
        self.head = nn.Linear(hidden_size, frame_size * frame_size)
        with torch.no_grad():
            self.cell.bias_ih[hidden_size : 2 * hidden_size].fill_(
                1.0
            )  # forget-gate bias 1

    def _step(self, frame: Tensor, state):
        h, c = self.cell(frame.flatten(1), state)  # (B, H)
        return self.head(h).view(-1, self.frame_size, self.frame_size), (h, c)


class CopyLastFrame(nn.Module):
    """Predict that nothing moves: every future frame is the last observed one."""

    def predict(self, x: Tensor, n_out: int = 10) -> Tensor:
        return x[:, -1:].expand(-1, int(n_out), -1, -1).clone()


class MeanFrame(nn.Module):
    """Predict the per-pixel mean of the observed frames for every future frame (a blur)."""

    def predict(self, x: Tensor, n_out: int = 10) -> Tensor:
        return (
            x.mean(dim=1, keepdim=True).expand(-1, int(n_out), -1, -1).clone()
        )


class BlankFrame(nn.Module):
    """Predict empty (all-zero) frames: the floor that a blur of fading digits approaches."""

    def predict(self, x: Tensor, n_out: int = 10) -> Tensor:
        return x.new_zeros(x.shape[0], int(n_out), *x.shape[2:])


class DirectionClassifier(nn.Module):
    """A ConvLSTM reads a clip ``(B, T, S, S)``; its last ``h_T``, averaged over positions,
    goes through a linear layer to ``n_classes`` logits (the direction of motion)."""

    def __init__(
        self,
        hidden_channels: int = 16,
        kernel_size: int = 3,
        n_classes: int = 8,
    ):
        super().__init__()
        self.config = {
            "hidden_channels": hidden_channels,
            "kernel_size": kernel_size,
            "n_classes": n_classes,
        }
        self.rnn = ConvLSTM(1, [hidden_channels], kernel_size)
        self.readout = nn.Linear(hidden_channels, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.dim() != 4:
            raise ValueError(
                f"x must be a tensor of clips (B, T, S, S), got {getattr(x, 'shape', type(x))}"
            )
        _, states = self.rnn(x[:, :, None])
        h_last = states[-1][0]  # (B, C_h, S, S)
        return self.readout(h_last.mean(dim=(2, 3)))
