"""Checkers for the exercises of Chapter 3 (image generation).

Every checker calls the learner's function on inputs of several sizes (non-square
images, sizes unlike the chapter's) and seeds, with read-only inputs; compares the
result with an answer computed here; recognises the usual mistakes; and never raises.

Exercises: the Row LSTM's input mask, nats to bits per dimension, the independent-pixel
baseline, an FVSBN's exact log-likelihood, ancestral sampling from an FVSBN, and a
causality test written from a model's logits (find the model that cheats).
"""

from __future__ import annotations

import contextlib
import itertools
import math

import numpy as np
import torch

from rnntutor.exercises import (
    Verdict,
    as_numpy,
    checker,
    compare_result,
    failed,
    learner_array,
    names_used,
    passed,
    readonly,
    run_learner,
)

__all__ = [
    "check_find_broken",
    "check_fvsbn_log_prob",
    "check_fvsbn_sample",
    "check_independent_nll",
    "check_nats_to_bits",
    "check_row_mask",
    "make_suspects",
]


def _as_mask_values(got):
    """A boolean mask (array or tensor) read as 0/1 numbers; anything else unchanged."""
    arr = as_numpy(got)
    if isinstance(arr, np.ndarray) and arr.dtype.kind == "b":
        return arr.astype(np.float64)
    return got


# ----------------------------------------------------------------------------- the Row LSTM's input mask


def _mask(k: int, mask_type: str) -> np.ndarray:
    m = np.zeros(k)
    m[: k // 2 + (mask_type == "B")] = 1.0
    return m


@checker("Row LSTM input mask")
def check_row_mask(fn) -> Verdict:
    """``fn(kernel_size, mask_type)`` must return the 0/1 vector of :func:`rnntutor.generation.row_mask`.

    Tap ``k`` reads column ``c + k - kernel_size // 2``; mask ``"A"`` keeps the taps strictly left
    of the centre, ``"B"`` also the centre. Tested for kernel sizes 1 to 11.
    """
    name = "Row LSTM input mask"
    for k in (5, 1, 3, 9, 7, 11):
        for t in ("A", "B"):
            got, verdict = run_learner(fn, name, k, t)
            if verdict is not None:
                return verdict
            expected = _mask(k, t)
            other = "B" if t == "A" else "A"
            mistakes = [
                (
                    _mask(k, other),
                    f"mask({k}, {t!r}) is mask {other!r}.",
                    "Mask A must zero the centre tap too: pixel c may not see itself, or it copies its answer."
                    if t == "A"
                    else "Mask B keeps the centre: later layers read hidden states that are already causal.",
                ),
                (
                    expected[::-1],
                    f"mask({k}, {t!r}) is mirrored.",
                    "Keep the taps on the LEFT (earlier columns): tap k reads column c + k - K//2.",
                ),
                (
                    np.ones(k),
                    f"mask({k}, {t!r}) keeps every tap, so column c also reads columns to its right.",
                    "Only the taps left of the centre (and the centre for mask B) may be 1.",
                ),
                (
                    1.0 - expected,
                    f"mask({k}, {t!r}) has zeros and ones swapped.",
                    "1 means 'this tap may be read'.",
                ),
            ]
            problem = compare_result(
                _as_mask_values(got), expected, f"mask({k}, {t!r})", mistakes
            )
            if problem is not None:
                why, hint = problem
                if "shape" in why and k != 5:
                    hint = (
                        (hint + " " if hint else "")
                        + "Use kernel_size: do not hard-code the length of the mask."
                    )
                return failed(name, why, hint)
    return passed(
        name,
        "Mask A hides the centre and the right; mask B hides only the right.",
    )


# ----------------------------------------------------------------------------- nats -> bits per dimension


@checker("nats to bits per dimension")
def check_nats_to_bits(fn) -> Verdict:
    """``fn(nll_nats, n_pixels)`` must return ``nll_nats / (n_pixels * ln 2)``, also for a NumPy array."""
    name = "nats to bits per dimension"
    cases = (
        (80.54, 784),
        (17.0, 64),
        (np.array([10.0, 25.0, 3.5]), 48),
        (np.array([[12.0], [30.0]]), 15),
    )
    for nats, d in cases:
        (arg,) = readonly(np.asarray(nats, dtype=np.float64))
        arg = float(arg) if np.ndim(nats) == 0 else arg
        got, verdict = run_learner(fn, name, arg, d)
        if verdict is not None:
            return verdict
        base = np.asarray(nats, dtype=np.float64)
        expected = base / (d * math.log(2.0))
        mistakes = [
            (
                base / math.log(2.0),
                "you converted to bits but did not divide by the number of pixels.",
                "",
            ),
            (
                base / d,
                "that is nats per pixel: convert to bits as well (1 bit = ln 2 nats).",
                "",
            ),
            (
                base * math.log(2.0) / d,
                "1 bit = ln 2 nats, so bits = nats / ln 2 (you multiplied by ln 2).",
                "",
            ),
            (
                base / (d * math.log10(2.0)),
                "use the natural logarithm: the NLL is in nats, i.e. computed with ln.",
                "",
            ),
            (
                base / (d * math.log(10.0)),
                "use ln 2, not ln 10: a bit is a binary digit.",
                "",
            ),
            (
                base * math.log2(math.e) * d,
                "divide by the number of pixels; do not multiply.",
                "",
            ),
        ]
        problem = compare_result(
            got, expected, f"the result for {d} pixels", mistakes
        )
        if problem is not None:
            why, hint = problem
            if "shape" in why and np.ndim(nats) > 0:
                hint = "For an array of NLLs return an array of the same shape (use NumPy operations, not float())."
            return failed(name, why, hint)
    return passed(
        name,
        f"PixelRNN's 80.54 nats on MNIST are {80.54 / (784 * math.log(2)):.4f} bits per dimension.",
    )


# ----------------------------------------------------------------------------- the independent-pixel baseline


def _independent_nll(
    train: np.ndarray, test: np.ndarray, alpha: float = 1.0, log=np.log
) -> np.ndarray:
    p = (train.sum(0) + alpha) / (train.shape[0] + 2 * alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(test * log(p) + (1 - test) * log(1 - p)).sum(axis=(1, 2))


def _binary_images(rng, n: int, shape: tuple, density) -> np.ndarray:
    return (rng.random((n, *shape)) < density).astype(np.float64)


@checker("Independent-pixel baseline")
def check_independent_nll(fn) -> Verdict:
    """``fn(train, test)`` -> ``(M,)``: the test NLL in nats per image of independent Bernoulli pixels.

    Fitted by maximum likelihood with add-one smoothing:
    ``p_i = (sum_n train[n, i] + 1) / (N + 2)``, and
    ``NLL(x) = -sum_i [x_i ln p_i + (1 - x_i) ln(1 - p_i)]`` for each test image ``x``.
    """
    name = "Independent-pixel baseline"
    for seed, (n_train, n_test, shape) in enumerate(
        ((9, 4, (3, 5)), (14, 6, (4, 2)), (5, 3, (2, 7)))
    ):
        rng = np.random.default_rng(seed + 10)
        density = rng.uniform(0.1, 0.9, size=shape)
        train = _binary_images(rng, n_train, shape, density)
        test = _binary_images(rng, n_test, shape, density)
        train[:, 0, 0] = 0.0  # a pixel never inked in training ...
        test[0, 0, 0] = (
            1.0  # ... but inked in a test image: without smoothing its NLL is infinite
        )
        train[:, -1, -1] = 1.0
        test[1, -1, -1] = 0.0
        tr, te = readonly(train, test)
        got, verdict = run_learner(fn, name, tr, te)
        if verdict is not None:
            return verdict
        expected = _independent_nll(train, test)
        arr = as_numpy(got)
        if (
            isinstance(arr, np.ndarray)
            and arr.shape == expected.shape
            and arr.dtype.kind == "f"
        ):
            if not np.all(np.isfinite(arr)):
                return failed(
                    name,
                    f"your NLL is infinite or NaN for {int(np.sum(~np.isfinite(arr)))} of {arr.size} test images: "
                    "a pixel never inked in training gets p = 0 (one always inked gets p = 1).",
                    "Smooth the estimate: p = (count + 1) / (N + 2), never exactly 0 or 1.",
                )
        if isinstance(arr, np.ndarray) and arr.shape == (n_train,):
            return failed(
                name,
                f"you returned {n_train} values, one per training image; expected the NLL of each of the "
                f"{n_test} test images.",
                "Fit p on the training images, then evaluate the test images.",
            )
        if isinstance(arr, np.ndarray) and arr.shape == test.shape:
            return failed(
                name,
                f"you returned one value per pixel, shape {arr.shape}; expected one NLL per test image, "
                f"shape {expected.shape}.",
                "The pixels are independent, so log p(x) is the SUM over pixels of the per-pixel terms.",
            )
        d = math.prod(shape)
        mistakes = [
            (
                -expected,
                "you returned the log-likelihood log p(x); the NLL is its negative.",
                "",
            ),
            (
                expected / d,
                "you averaged over the pixels; the NLL of an image is the sum over its pixels.",
                "",
            ),
            (
                _independent_nll(train, test, log=np.log2),
                "that is in bits (log base 2); the exercise asks for nats (natural log).",
                "",
            ),
            (
                -(test * np.log((train.sum(0) + 1) / (n_train + 2))).sum(
                    axis=(1, 2)
                ),
                "you left out the term (1 - x_i) ln(1 - p_i): a blank pixel also has a probability.",
                "",
            ),
            (
                _independent_nll(train, 1 - test),
                "you used p_i as the probability of a blank pixel; p_i is the probability of ink (x_i = 1).",
                "",
            ),
        ]
        mistakes += [
            (
                _independent_nll(train, test, alpha=a),
                f"your smoothing uses alpha = {a}; the exercise asks for add-one smoothing, (count + 1) / (N + 2).",
                "",
            )
            for a in (0.5, 2.0)
        ]
        with np.errstate(all="ignore"):
            mistakes = [m for m in mistakes if np.all(np.isfinite(m[0]))]
        problem = compare_result(
            got, expected, "the NLL per test image", mistakes
        )
        if problem is not None:
            return failed(name, *problem)
    return passed(
        name,
        "Each pixel's maximum-likelihood estimate is its (smoothed) ink frequency.",
    )


# ----------------------------------------------------------------------------- the FVSBN's log-likelihood


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


def _fvsbn_log_prob(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """log p(x) = sum_i [x_i log s_i + (1 - x_i) log(1 - s_i)], s_i = sigmoid(b_i + sum_{j<i} W_ij x_j)."""
    logits = x @ np.tril(weight, -1).T + bias  # (N, D)
    return (x * _log_sigmoid(logits) + (1 - x) * _log_sigmoid(-logits)).sum(
        axis=1
    )


def _all_images(d: int) -> np.ndarray:
    """All ``2**d`` binary vectors of length ``d``, ``(2**d, d)``."""
    return np.array(list(itertools.product((0.0, 1.0), repeat=d)))


def _fvsbn_params(
    d: int, seed: int, scale: float = 1.5
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return scale * rng.normal(size=(d, d)), rng.normal(
        size=d
    ) + 0.3  # a full W: the learner must mask it


@checker("FVSBN log-likelihood")
def check_fvsbn_log_prob(fn) -> Verdict:
    """``fn(x, W, b)`` -> ``(N,)``: the exact ``log p(x)`` in nats of a fully visible sigmoid belief net.

    Equations::

        l_i = b_i + sum_{j < i} W[i, j] x_j            (only earlier pixels: W's strict lower triangle)
        log p(x) = sum_i [x_i log sigmoid(l_i) + (1 - x_i) log(1 - sigmoid(l_i))]

    ``x`` is ``(N, D)`` with 0/1 entries, ``W`` a full ``(D, D)`` matrix (the entries on and
    above the diagonal must be ignored), ``b`` is ``(D,)``. Checked for exactness (the
    probabilities of all ``2**D`` images sum to 1), against the reference, and for
    numerical stability with logits of size about 50.
    """
    name = "FVSBN log-likelihood"
    for seed, d in enumerate((5, 3, 7)):
        weight, bias = _fvsbn_params(d, seed + 20)
        x = _all_images(d)
        xs, ws, bs = readonly(x, weight, bias)
        got, verdict = run_learner(fn, name, xs, ws, bs)
        if verdict is not None:
            return verdict
        expected = _fvsbn_log_prob(x, weight, bias)
        with np.errstate(all="ignore"):
            total = (
                float(
                    np.exp(np.asarray(as_numpy(got), dtype=np.float64)).sum()
                )
                if _is_numeric(got)
                else None
            )
        diag = _fvsbn_log_prob_mask(x, weight, bias, np.tril(np.ones((d, d))))
        mistakes = [
            (
                diag,
                "you used W[i, i]: the logit of pixel i sees pixel i itself, so it is not a valid model "
                "(the probabilities of all images do not sum to 1).",
                "Use only the strict lower triangle, np.tril(W, -1) (j < i).",
            ),
            (
                _fvsbn_log_prob_mask(
                    x, weight, bias, np.triu(np.ones((d, d)), 1)
                ),
                "you used W[i, j] for j > i: pixel i is predicted from LATER pixels.",
                "Use the strict lower triangle, np.tril(W, -1): x @ np.tril(W, -1).T, row i of W for pixel i.",
            ),
            (
                _fvsbn_log_prob_mask(x, weight, bias, np.ones((d, d))),
                "you used all of W: pixel i then sees itself and later pixels.",
                "Mask W to its strict lower triangle, np.tril(W, -1).",
            ),
            (
                _fvsbn_log_prob(x, weight.T, bias),
                "you used W transposed: the weight from pixel j to pixel i is W[i, j] (row i).",
                "logits = x @ np.tril(W, -1).T + b.",
            ),
            (
                -expected,
                "you returned the negative log-likelihood; the exercise asks for log p(x).",
                "",
            ),
            (
                expected / math.log(2.0),
                "that is in bits; the exercise asks for nats (natural log).",
                "",
            ),
        ]
        problem = compare_result(got, expected, "log p(x)", mistakes)
        if problem is not None:
            why, hint = problem
            if (
                total is not None
                and math.isfinite(total)
                and abs(total - 1.0) > 1e-3
                and "you used" not in why
            ):
                why = f"{why} Also, the probabilities of all {2**d} images of {d} pixels sum to {total:.4g}, not 1."
                hint = (
                    hint
                    or "A valid model's probabilities sum to 1: check the mask and both Bernoulli terms."
                )
            return failed(name, why, hint)
    # numerical stability: logits of size ~50 underflow sigmoid to exactly 0 or 1
    weight, bias = _fvsbn_params(6, 29, scale=25.0)
    x = (np.random.default_rng(3).random((10, 6)) < 0.5).astype(np.float64)
    xs, ws, bs = readonly(x, weight, bias)
    got, verdict = run_learner(fn, name, xs, ws, bs)
    if verdict is not None:
        return verdict
    problem = compare_result(
        got, _fvsbn_log_prob(x, weight, bias), "log p(x) with large weights"
    )
    if problem is not None:
        why, hint = problem
        if "NaN or infinite" in why or "differs" in why:
            hint = (
                "Your formula is not numerically stable: for a logit l = 40, sigmoid(l) rounds to 1 and "
                "log(1 - sigmoid(l)) = log(0). Use log sigmoid(l) = -np.logaddexp(0, -l) and "
                "log(1 - sigmoid(l)) = -np.logaddexp(0, l)."
            )
        return failed(name, why, hint)
    return passed(
        name,
        "The probabilities of all images sum to 1, and large logits stay finite.",
    )


def _fvsbn_log_prob_mask(x, weight, bias, mask) -> np.ndarray:
    logits = x @ (weight * mask).T + bias
    return (x * _log_sigmoid(logits) + (1 - x) * _log_sigmoid(-logits)).sum(
        axis=1
    )


def _is_numeric(got) -> bool:
    arr = as_numpy(got)
    return isinstance(arr, np.ndarray) and arr.dtype.kind in "iuf"


# ----------------------------------------------------------------------------- sampling from an FVSBN


def _fvsbn_probs(weight, bias, mask=None) -> np.ndarray:
    """Exact probabilities of all ``2**D`` images (rows of ``_all_images(D)``)."""
    d = len(bias)
    mask = np.tril(np.ones((d, d)), -1) if mask is None else mask
    return np.exp(_fvsbn_log_prob_mask(_all_images(d), weight, bias, mask))


def _image_index(samples: np.ndarray) -> np.ndarray:
    """Row index in ``_all_images`` of each binary sample (pixel 0 is the most significant bit)."""
    d = samples.shape[1]
    return (samples.astype(np.int64) * (2 ** np.arange(d - 1, -1, -1))).sum(
        axis=1
    )


def _chi2_pvalue(counts: np.ndarray, probs: np.ndarray) -> float:
    """Pearson's chi-square goodness of fit, cells with expected count < 5 pooled."""
    from scipy.stats import chi2

    n = counts.sum()
    expected = probs * n
    small = expected < 5
    obs = np.append(counts[~small], counts[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    keep = exp > 0
    obs, exp = obs[keep], exp[keep]
    if np.any((exp == 0) & (obs > 0)):
        return 0.0
    stat = float(((obs - exp) ** 2 / exp).sum())
    return float(chi2.sf(stat, max(len(obs) - 1, 1)))


def _sample_reading(got, n: int, d: int):
    """``(samples, None)`` or ``(None, (why, hint))`` for a learner's ``(n, D)`` 0/1 samples."""
    arr, problem = learner_array(_as_mask_values(got), "your samples", (n, d))
    if problem is not None:
        return None, problem
    if not np.isin(arr, (0, 1)).all():
        return None, (
            f"your samples are not all 0 or 1 (found e.g. {float(arr[~np.isin(arr, (0, 1))].flat[0]):.4g}).",
            "Draw each pixel: 1 with probability sigmoid(l_i), else 0 (compare a uniform number with it). "
            "Do not return the probabilities themselves.",
        )
    return arr, None


@checker("Sampling from an FVSBN")
def check_fvsbn_sample(fn) -> Verdict:
    """``fn(W, b, n, seed)`` -> ``(n, D)`` 0/1 samples drawn pixel by pixel from the FVSBN.

    Pixel ``i`` is drawn from ``Bernoulli(sigmoid(b_i + sum_{j<i} W[i, j] x_j))`` given the pixels
    already drawn. Checked statistically: the frequencies of the ``2**D`` possible images in
    20,000 samples must fit the exact distribution (chi-square test, p > 1e-6, fixed seeds);
    the same seed must give the same samples, another seed different ones.
    """
    name = "Sampling from an FVSBN"
    n = 20_000
    for seed, d in ((0, 4), (1, 3), (2, 5)):
        weight, bias = _fvsbn_params(d, seed + 40, scale=2.5)
        ws, bs = readonly(weight, bias)
        got, verdict = run_learner(fn, name, ws, bs, n, 100 + seed)
        if verdict is not None:
            return verdict
        samples, problem = _sample_reading(got, n, d)
        if problem is not None:
            return failed(name, *problem)
        counts = np.bincount(_image_index(samples), minlength=2**d)
        probs = _fvsbn_probs(weight, bias)
        if _chi2_pvalue(counts, probs) > 1e-6:
            continue
        if len(np.unique(samples, axis=0)) == 1:
            return failed(
                name,
                "all your samples are the same image: you took the most likely value instead of drawing.",
                "Draw pixel i as 1 when a uniform random number is below sigmoid(l_i).",
            )
        d_ones = np.ones((d, d))
        wrong = [
            (
                np.exp(
                    _fvsbn_log_prob_mask(
                        _all_images(d), weight, bias, 0 * d_ones
                    )
                ),
                "your samples ignore the pixels already drawn: each pixel is drawn from sigmoid(b_i) alone.",
                "The logit of pixel i is b_i + sum_{j<i} W[i, j] x_j with the x_j you have just drawn: draw the "
                "pixels one after the other, in order.",
            ),
            (
                _fvsbn_probs(weight, bias, np.triu(d_ones, 1)),
                "your samples follow a model that predicts each pixel from LATER pixels.",
                "Use W[i, j] for j < i only.",
            ),
            (
                _fvsbn_probs(weight.T, bias),
                "you used W transposed: the weight from pixel j to pixel i is W[i, j].",
                "",
            ),
            (
                _fvsbn_probs(-weight, -bias),
                "your pixels are 1 with probability 1 - sigmoid(l_i) (the comparison is the wrong way round).",
                "x_i = 1 when u < sigmoid(l_i), with u uniform on [0, 1).",
            ),
            (
                _fvsbn_probs(weight, bias, np.tril(d_ones)),
                "your logit of pixel i also uses W[i, i] x_i (with x_i already set).",
                "Use only the pixels before i.",
            ),
        ]
        fits = [(_chi2_pvalue(counts, p), why, hint) for p, why, hint in wrong]
        best = max(fits, key=lambda f: f[0])
        if best[0] > 1e-6:
            return failed(name, best[1], best[2])
        freq = counts / n
        tv = 0.5 * float(np.abs(freq - probs).sum())
        return failed(
            name,
            f"with D = {d} pixels the frequencies of your {n} samples do not fit the model's exact distribution "
            f"(total variation distance {tv:.3f}; a correct sampler gives about 0.01).",
            "Draw x_0, then x_1 given x_0, ...: l_i = b_i + W[i, :i] @ x[:, :i], x_i = (u < sigmoid(l_i)).",
        )
    # seeds: the same seed must reproduce the samples, another one must change them
    weight, bias = _fvsbn_params(6, 50)
    ws, bs = readonly(weight, bias)
    runs = []
    for s in (7, 7, 8):
        got, verdict = run_learner(fn, name, ws, bs, 50, s)
        if verdict is not None:
            return verdict
        samples, problem = _sample_reading(got, 50, 6)
        if problem is not None:
            return failed(name, *problem)
        runs.append(samples)
    if not np.array_equal(runs[0], runs[1]):
        return failed(
            name,
            "two calls with the same seed gave different samples.",
            "Make your random numbers from the seed: rng = np.random.default_rng(seed).",
        )
    if np.array_equal(runs[0], runs[2]):
        return failed(
            name,
            "two different seeds gave the same samples: use the seed you are given.",
            "",
        )
    return passed(
        name,
        "The image frequencies fit the exact distribution, and the seed reproduces them.",
    )


# ----------------------------------------------------------------------------- find the broken model


def _break(kind: str, model, rng: np.random.Generator) -> None:
    """Make ``model`` non-causal in one of several ways (in place)."""
    if kind == "fvsbn":  # the mask includes the diagonal: pixel i sees x_i
        d = model.mask.shape[0]
        model.mask = torch.tril(torch.ones(d, d))
    elif (
        kind == "fvsbn_later"
    ):  # one logit in the middle sees one later pixel (not the last one)
        d = model.mask.shape[0]
        i = int(rng.integers(1, d - 3))
        j = int(rng.integers(i + 1, d - 1))
        mask = model.mask.clone()
        mask[i, j] = 1.0
        model.mask = mask
    elif (
        kind == "pixel_lstm"
    ):  # the input is not shifted: step t reads x_t itself
        model.inputs = lambda x: (
            x.reshape(x.shape[0], -1, 1).float().expand(-1, -1, 2)
        )
    else:  # Row LSTM: mask A replaced by no mask
        model.layers[0].input_to_state.mask.fill_(1.0)


def _model(kind: str, image_shape, seed: int):
    from rnntutor.generation import FVSBN, PixelLSTM, RowLSTM

    torch.manual_seed(seed)
    if kind.startswith("fvsbn"):
        return FVSBN(image_shape)
    if kind == "pixel_lstm":
        return PixelLSTM(image_shape, hidden=8)
    return RowLSTM(image_shape, hidden=8, prev_row=False, in_kernel=3)


def _suspect_set(
    seed: int, image_shape, culprit: int | str
) -> tuple[dict, str]:
    """Three seeded suspects; ``culprit`` is the index of the broken one, or ``"fvsbn_later"``
    to break the FVSBN subtly (one logit in the middle sees one later pixel)."""
    rng = np.random.default_rng(seed)
    kinds = [
        str(k) for k in rng.permutation(["fvsbn", "pixel_lstm", "row_lstm"])
    ]
    bad = kinds.index("fvsbn") if culprit == "fvsbn_later" else int(culprit)
    suspects = {}
    for k, (name, kind) in enumerate(zip("ABC", kinds, strict=True)):
        model = _model(kind, image_shape, seed)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(
                    0.5
                    * torch.randn(
                        p.shape,
                        generator=torch.Generator().manual_seed(seed + k),
                    )
                )
        if k == bad:
            _break(
                "fvsbn_later" if culprit == "fvsbn_later" else kind, model, rng
            )
        suspects[name] = model.eval()
    return suspects, "ABC"[bad]


def make_suspects(seed: int = 0, image_shape=(4, 4)) -> tuple[dict, str]:
    """Three models named ``"A"``, ``"B"``, ``"C"`` (an FVSBN, a pixel LSTM and a Row LSTM in a
    seeded random order); exactly one of them peeks at its own pixel or at a later one.
    Returns ``(suspects, name_of_the_broken_one)``. Weights are random and biases non-zero.
    """
    bad = (
        seed % 3
    )  # the seed moves the culprit (and shuffles the kinds), so no fixed letter passes
    return _suspect_set(
        seed, image_shape, "fvsbn_later" if seed % 4 == 3 else bad
    )


_FORBIDDEN = ("check_causality", "dependency_matrix")


@contextlib.contextmanager
def _without_package_checker():
    """Make the package's causality functions raise while the learner's test runs."""
    import rnntutor.generation as gen
    import rnntutor.generation.causality as causality

    def refuse(*args, **kwargs):
        raise RuntimeError(
            "this exercise asks you to write the test yourself from model.logits; "
            "gen.check_causality and gen.dependency_matrix are switched off here"
        )

    saved = [
        (mod, attr, getattr(mod, attr))
        for mod in (gen, causality)
        for attr in _FORBIDDEN
    ]
    threads = torch.get_num_threads()
    for mod, attr, _ in saved:
        setattr(mod, attr, refuse)
    torch.set_num_threads(
        1
    )  # these tiny models run fastest (and steadiest on a busy machine) on one thread
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        for mod, attr, value in saved:
            setattr(mod, attr, value)


@checker("find the broken model")
def check_find_broken(fn) -> Verdict:
    """``fn(suspects)`` gets a dict of three models and must return the name (a string) of the non-causal one.

    The learner writes the test from ``model.logits`` (``gen.check_causality`` and
    ``gen.dependency_matrix`` are switched off while it runs). The suspect sets use several
    image sizes (4x4, 3x5, 5x3); the broken model may see its own pixel everywhere, or
    only one logit in the middle of the image may see one later pixel.
    """
    name = "find the broken model"
    used = (names_used(fn) or set()) & set(_FORBIDDEN)
    if used:
        return failed(
            name,
            f"your function uses {sorted(used)[0]}; this exercise asks you to write the test yourself.",
            "Flip one pixel j at a time and see which logits model.logits(x) changes: a change at i <= j "
            "means the model peeks.",
        )
    cases = [  # (seed, image shape, index of the culprit or "fvsbn_later" for a single leak)
        (0, (4, 4), 0),
        (1, (3, 5), 1),
        (2, (5, 3), 2),
        (3, (4, 4), "fvsbn_later"),
        (4, (3, 5), "fvsbn_later"),
        (5, (5, 3), "fvsbn_later"),
        (6, (4, 3), 1),
    ]
    for seed, shape, culprit in cases:
        suspects, answer = _suspect_set(seed, shape, culprit)
        with _without_package_checker():
            got, verdict = run_learner(fn, name, suspects)
        if verdict is not None:
            return verdict
        if not isinstance(got, str):
            shown = type(got).__name__
            hint = "Return the key of the broken model, e.g. 'B' (a string)."
            if isinstance(got, torch.nn.Module):
                hint = "You returned the model itself: return its name, the key in the dict."
            return failed(
                name,
                f"your function returned a {shown}, not the name of a suspect.",
                hint,
            )
        if got not in suspects:
            return failed(
                name,
                f"your function returned {got!r}, which is not one of the names {sorted(suspects)}.",
            )
        if got != answer:
            detail = ""
            if culprit == "fvsbn_later":
                detail = (
                    " Here only one logit in the middle of the image sees one LATER pixel (not its own, "
                    "not the last one): test every pair (i, j >= i), not only the diagonal or the last pixel."
                )
            return failed(
                name,
                f"for suspect set {seed} ({shape[0]}x{shape[1]} images) you returned {got!r}, "
                f"but {answer!r} is the broken one.{detail}",
                "Flip each pixel j of a few random images and compare the logits before and after: "
                "any change at a pixel i <= j (with a tolerance of about 1e-6) means the model peeks.",
            )
    return passed(
        name,
        "Your test found every model that peeks, including a single leak in the middle.",
    )
