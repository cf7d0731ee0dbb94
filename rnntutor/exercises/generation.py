"""Checkers for the exercises of Chapter 3 (image generation)."""

from __future__ import annotations

import math

import numpy as np
import torch

from rnntutor.exercises import LearnerError, Verdict, call_learner, compare_arrays, failed, passed

__all__ = ["check_find_broken", "check_nats_to_bits", "check_row_mask", "make_suspects"]


# ----------------------------------------------------------------------------- 1. the Row LSTM's input mask


def check_row_mask(fn) -> Verdict:
    """``fn(kernel_size, mask_type)`` must return :func:`rnntutor.generation.row_mask` (a 0/1 vector)."""
    from rnntutor.generation import row_mask

    name = "Row LSTM input mask"
    for k in (1, 3, 5, 7):
        for t in ("A", "B"):
            expected = row_mask(k, t).numpy()
            try:
                got = call_learner(fn, k, t)
            except LearnerError as exc:
                return failed(name, str(exc))
            got = got.detach().cpu().numpy() if isinstance(got, torch.Tensor) else np.asarray(got, dtype=float)
            why = compare_arrays(got, expected, f"mask({k}, {t!r})")
            if why is None:
                continue
            hint = "Tap k reads column c + k - K//2: the taps left of the centre are the first K//2 entries."
            if got.shape == expected.shape and t == "A" and np.allclose(got, row_mask(k, "B").numpy()):
                hint = "Mask A must zero the centre tap too: pixel c may not see itself, or it copies its answer."
            elif got.shape == expected.shape and t == "B" and np.allclose(got, row_mask(k, "A").numpy()):
                hint = "Mask B keeps the centre: later layers read hidden states that are already causal."
            elif got.shape == expected.shape and np.allclose(got, expected[::-1]):
                hint = "Your mask is mirrored: keep the taps on the LEFT (earlier columns), not the right."
            return failed(name, why, hint)
    return passed(name, "Mask A hides the centre and the right; mask B hides only the right.")


# ----------------------------------------------------------------------------- 2. nats -> bits per dimension


def check_nats_to_bits(fn) -> Verdict:
    """``fn(nll_nats, n_pixels)`` must return ``nll_nats / (n_pixels * ln 2)``."""
    name = "nats to bits per dimension"
    for nats, d in ((80.54, 784), (17.0, 64), (np.array([10.0, 25.0]), 64)):
        expected = np.asarray(nats, dtype=float) / (d * math.log(2.0))
        try:
            got = np.asarray(call_learner(fn, nats, d), dtype=float)
        except LearnerError as exc:
            return failed(name, str(exc))
        except (TypeError, ValueError):
            return failed(name, "your function should return a number (or an array for an array input)")
        if got.shape == expected.shape and np.allclose(got, expected, rtol=1e-9, atol=0):
            continue
        base = np.asarray(nats, dtype=float)
        hint = "bits = nats / ln 2, and 'per dimension' means per pixel: divide by the number of pixels too."
        if got.shape == expected.shape:
            if np.allclose(got, base / math.log(2.0)):
                hint = "You converted to bits but forgot to divide by the number of pixels."
            elif np.allclose(got, base / d):
                hint = "That is nats per pixel: divide by ln 2 as well to get bits."
            elif np.allclose(got, base * math.log(2.0) / d):
                hint = "1 bit = ln 2 nats, so bits = nats / ln 2 (you multiplied)."
            elif np.allclose(got, base / (d * math.log10(2.0))) or np.allclose(got, base / (d * math.log(10.0))):
                hint = "Use the natural logarithm: the NLL is in nats, i.e. computed with ln."
        return failed(name, f"for {nats!r} nats over {d} pixels you returned {got!r}, expected {expected!r}", hint)
    return passed(name, f"PixelRNN's 80.54 nats on MNIST are {80.54 / (784 * math.log(2)):.4f} bits per dimension.")


# ----------------------------------------------------------------------------- 3. find the broken model


def _broken(kind: str, image_shape, seed: int):
    from rnntutor.generation import FVSBN, PixelLSTM, RowLSTM

    torch.manual_seed(seed)
    if kind == "fvsbn":
        model = FVSBN(image_shape)
        d = model.mask.shape[0]
        model.mask = torch.tril(torch.ones(d, d))  # includes the diagonal: pixel i sees x_i
    elif kind == "pixel_lstm":
        model = PixelLSTM(image_shape, hidden=8)
        model.inputs = lambda x: x.reshape(x.shape[0], -1, 1).float().expand(-1, -1, 2)  # not shifted
    else:
        model = RowLSTM(image_shape, hidden=8, prev_row=False, in_kernel=3)
        model.layers[0].input_to_state.mask.fill_(1.0)  # mask A replaced by no mask
    return model


def _fine(kind: str, image_shape, seed: int):
    from rnntutor.generation import FVSBN, PixelLSTM, RowLSTM

    torch.manual_seed(seed)
    return {
        "fvsbn": lambda: FVSBN(image_shape),
        "pixel_lstm": lambda: PixelLSTM(image_shape, hidden=8),
        "row_lstm": lambda: RowLSTM(image_shape, hidden=8, prev_row=False, in_kernel=3),
    }[kind]()


def make_suspects(seed: int = 0, image_shape=(4, 4)) -> tuple[dict, str]:
    """Three models named ``"A"``, ``"B"``, ``"C"`` (an FVSBN, a pixel LSTM and a Row LSTM in a
    seeded random order); exactly one of them peeks at the pixel it predicts. Returns
    ``(suspects, name_of_the_broken_one)``. Weights are random and biases non-zero.
    """
    rng = np.random.default_rng(seed)
    kinds = list(rng.permutation(["fvsbn", "pixel_lstm", "row_lstm"]))
    bad = (seed + int(rng.integers(3))) % 3  # the seed moves the culprit, so no fixed letter passes
    suspects = {}
    for k, (name, kind) in enumerate(zip("ABC", kinds, strict=True)):
        model = _broken(kind, image_shape, seed) if k == bad else _fine(kind, image_shape, seed)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.5 * torch.randn(p.shape, generator=torch.Generator().manual_seed(seed + k)))
        suspects[name] = model.eval()
    return suspects, "ABC"[bad]


def check_find_broken(fn) -> Verdict:
    """``fn(suspects)`` gets a dict of three models and must return the name of the non-causal one."""
    name = "find the broken model"
    for seed in range(4):
        suspects, answer = make_suspects(seed)
        try:
            got = call_learner(fn, suspects)
        except LearnerError as exc:
            return failed(name, str(exc))
        if got != answer:
            hint = (
                "Run rnntutor.generation.check_causality(model) on each suspect and return the key of the one "
                "whose report is not ok; the suspects change from call to call, so a fixed letter cannot pass."
            )
            return failed(name, f"for suspect set {seed} you returned {got!r}, but {answer!r} is the broken one", hint)
    return passed(name, "The causality checker caught the model that peeks at its own pixel.")
