"""Chapter 3 exercise checkers accept right answers and reject plausible wrong ones; plot/widget helpers."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _helpers import (
    MALFORMED,
    malformed_rejected,
    stub_crash_and_non_function_rejected,
)

from rnntutor.exercises import generation as ex
from rnntutor.generation import (
    FVSBN,
    IndependentBernoulli,
    check_causality,
    row_mask,
)
from rnntutor.generation import plots as gen_plots
from rnntutor.generation import widgets as gen_widgets

CHECKERS = [
    ex.check_row_mask,
    ex.check_nats_to_bits,
    ex.check_independent_nll,
    ex.check_fvsbn_log_prob,
    ex.check_fvsbn_sample,
    ex.check_find_broken,
]


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", MALFORMED, ids=lambda b: type(b).__name__)
def test_malformed_returns_get_a_message(check, bad, capsys):
    malformed_rejected(check, bad, capsys)


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
def test_stub_raising_and_non_function(check, capsys):
    stub_crash_and_non_function_rejected(check, capsys, "my_function")


# ----------------------------------------------------------------------------- row mask


def mask_slices(k, t):
    m = np.zeros(k)
    m[: k // 2 + (t == "B")] = 1.0
    return m


def mask_compare(k, t):
    taps = np.arange(k) - k // 2  # column offset of each tap
    return (taps < 0) | ((taps == 0) & (t == "B"))  # a boolean mask is fine


def test_row_mask_checker(capsys):
    for fn in (
        row_mask,
        mask_slices,
        mask_compare,
        lambda k, t: tuple(mask_slices(k, t).tolist()),
    ):
        assert ex.check_row_mask(fn)
        assert "✅" in capsys.readouterr().out
    wrong = {
        "is mask 'B'": lambda k, t: row_mask(k, "B"),
        "Mask A must zero the centre": lambda k, t: row_mask(k, "B"),
        "Mask B keeps the centre": lambda k, t: row_mask(k, "A"),
        "mirrored": lambda k, t: row_mask(k, t).numpy()[::-1].copy(),
        "keeps every tap": lambda k, t: np.ones(k),
        "swapped": lambda k, t: 1 - mask_slices(k, t),
        "do not hard-code": lambda k, t: mask_slices(5, t),
    }
    for message, fn in wrong.items():
        assert not ex.check_row_mask(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- nats to bits


def test_nats_to_bits_checker(capsys):
    correct = [
        lambda n, d: n / (d * math.log(2)),
        lambda n, d: np.asarray(n) * np.log2(np.e) / d,
        lambda n, d: (
            np.float32(n) / np.float32(d * math.log(2))
        ),  # float32 is accepted
        lambda n, d: (
            torch.as_tensor(n, dtype=torch.float32) / (d * math.log(2))
        ),
    ]
    for fn in correct:
        assert ex.check_nats_to_bits(fn)
        assert "0.1482" in capsys.readouterr().out
    cases = {
        "did not divide by the number of pixels": lambda n, d: n / math.log(2),
        "nats per pixel": lambda n, d: n / d,
        "you multiplied": lambda n, d: n * math.log(2) / d,
        "natural logarithm": lambda n, d: n / (d * math.log10(2)),
        "not ln 10": lambda n, d: n / (d * math.log(10)),
        "same shape": lambda n, d: float(np.sum(n)) / (d * math.log(2)),
    }
    for message, fn in cases.items():
        assert not ex.check_nats_to_bits(fn)
        assert message in capsys.readouterr().out
    rounded = lambda n, d: np.asarray(
        n / (d * math.log(2)), dtype=np.float32
    ).astype(np.float64)  # noqa: E731
    assert not ex.check_nats_to_bits(rounded)
    assert "only to float32 precision" in capsys.readouterr().out


# ----------------------------------------------------------------------------- independent-pixel baseline


def independent_numpy(train, test):
    p = (train.sum(0) + 1) / (len(train) + 2)
    return -(test * np.log(p) + (1 - test) * np.log1p(-p)).sum(axis=(1, 2))


def independent_torch(train, test):
    train, test = (
        torch.tensor(train, dtype=torch.float32),
        torch.tensor(test, dtype=torch.float32),
    )
    logit = torch.logit((train.sum(0) + 1) / (train.shape[0] + 2))
    return F.binary_cross_entropy_with_logits(
        logit.expand_as(test), test, reduction="none"
    ).sum((1, 2))


def independent_package(train, test):
    model = IndependentBernoulli(train.shape[1:]).fit_mle(train)
    return -model.log_prob(test)


def test_independent_nll_checker(capsys):
    for fn in (independent_numpy, independent_torch, independent_package):
        assert ex.check_independent_nll(fn)
        assert "✅" in capsys.readouterr().out

    def unsmoothed(train, test):
        p = train.mean(0)
        with np.errstate(all="ignore"):
            return -(test * np.log(p) + (1 - test) * np.log1p(-p)).sum(
                axis=(1, 2)
            )

    def per_pixel(train, test):
        p = (train.sum(0) + 1) / (len(train) + 2)
        return -(test * np.log(p) + (1 - test) * np.log1p(-p))

    def ink_only(train, test):
        p = (train.sum(0) + 1) / (len(train) + 2)
        return -(test * np.log(p)).sum(axis=(1, 2))

    def in_place(train, test):
        train += 1  # smoothing by mutating the input
        return independent_numpy(train - 1, test)

    cases = {
        "Smooth the estimate": unsmoothed,
        "one value per pixel": per_pixel,
        "the SUM over pixels": per_pixel,
        "averaged over the pixels": lambda tr, te: (
            independent_numpy(tr, te) / te[0].size
        ),
        "its negative": lambda tr, te: -independent_numpy(tr, te),
        "in bits": lambda tr, te: independent_numpy(tr, te) / math.log(2),
        "one per training image": lambda tr, te: independent_numpy(tr, tr),
        "(1 - x_i) ln(1 - p_i)": ink_only,
        "probability of ink": lambda tr, te: independent_numpy(tr, 1 - te),
        "alpha = 0.5": lambda tr, te: (
            -IndependentBernoulli(tr.shape[1:])
            .fit_mle(tr, alpha=0.5)
            .log_prob(te)
        ),
        "modified one of its input arrays": in_place,
    }
    for message, fn in cases.items():
        assert not ex.check_independent_nll(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- FVSBN log-likelihood


def fvsbn_numpy(x, W, b):
    logits = x @ np.tril(W, -1).T + b
    return (x * logits - np.logaddexp(0, logits)).sum(axis=1)


def fvsbn_torch(x, W, b):
    x, W, b = (torch.tensor(a) for a in (x, W, b))
    logits = x @ torch.tril(W, -1).T + b
    return -F.binary_cross_entropy_with_logits(
        logits, x, reduction="none"
    ).sum(1)


def fvsbn_package(x, W, b):
    d = len(b)
    model = FVSBN((1, d))
    with torch.no_grad():
        model.weight.copy_(torch.tensor(W))
        model.bias.copy_(torch.tensor(b))
    return model.log_prob(x.reshape(-1, 1, d))  # float32


def fvsbn_loop(x, W, b):
    out = np.zeros(len(x))
    for i in range(len(b)):  # a loop over pixels is allowed here
        logit = b[i] + x[:, :i] @ W[i, :i]
        out += np.where(
            x[:, i] == 1, -np.logaddexp(0, -logit), -np.logaddexp(0, logit)
        )
    return out


def test_fvsbn_log_prob_checker(capsys):
    for fn in (fvsbn_numpy, fvsbn_torch, fvsbn_package, fvsbn_loop):
        assert ex.check_fvsbn_log_prob(fn)
        assert "sum to 1" in capsys.readouterr().out

    def with_mask(mask_fn):
        def fn(x, W, b):
            logits = x @ (W * mask_fn(np.ones_like(W))).T + b
            return (x * logits - np.logaddexp(0, logits)).sum(axis=1)

        return fn

    def naive(x, W, b):
        s = 1 / (1 + np.exp(-(x @ np.tril(W, -1).T + b)))
        with np.errstate(divide="ignore"):
            return (x * np.log(s) + (1 - x) * np.log(1 - s)).sum(1)

    def masks_in_place(x, W, b):
        W[np.triu_indices(len(b))] = 0.0
        return fvsbn_numpy(x, W, b)

    def one_term(x, W, b):
        logits = x @ np.tril(W, -1).T + b
        return (x * -np.logaddexp(0, -logits)).sum(axis=1)

    cases = {
        "you used W[i, i]": with_mask(np.tril),
        "LATER pixels": with_mask(lambda m: np.triu(m, 1)),
        "you used all of W": with_mask(lambda m: m),
        "W transposed": lambda x, W, b: fvsbn_numpy(x, W.T, b),
        "negative log-likelihood": lambda x, W, b: -fvsbn_numpy(x, W, b),
        "in bits": lambda x, W, b: fvsbn_numpy(x, W, b) / math.log(2),
        "not numerically stable": naive,
        "sum to": one_term,
        "modified one of its input arrays": masks_in_place,
    }
    for message, fn in cases.items():
        assert not ex.check_fvsbn_log_prob(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- sampling from an FVSBN


def sample_numpy(W, b, n, seed):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, len(b)))
    for i in range(len(b)):
        logit = b[i] + x[:, :i] @ W[i, :i]
        x[:, i] = rng.random(n) < 1 / (1 + np.exp(-logit))
    return x


def sample_torch(W, b, n, seed):
    g = torch.Generator().manual_seed(seed)
    W, b = (
        torch.tensor(W, dtype=torch.float32),
        torch.tensor(b, dtype=torch.float32),
    )
    x = torch.zeros(n, len(b))
    for i in range(len(b)):
        x[:, i] = torch.bernoulli(
            torch.sigmoid(b[i] + x @ torch.tril(W, -1)[i]), generator=g
        )
    return x


def test_fvsbn_sample_checker(capsys):
    for fn in (sample_numpy, sample_torch):
        assert ex.check_fvsbn_sample(fn)
        assert "✅" in capsys.readouterr().out

    def independent(W, b, n, seed):
        rng = np.random.default_rng(seed)
        return (rng.random((n, len(b))) < 1 / (1 + np.exp(-b))).astype(float)

    def most_likely(W, b, n, seed):
        x = np.zeros((n, len(b)))
        for i in range(len(b)):
            x[:, i] = b[i] + x[:, :i] @ W[i, :i] > 0
        return x

    def swapped(W, b, n, seed):
        rng = np.random.default_rng(seed)
        x = np.zeros((n, len(b)))
        for i in range(len(b)):
            x[:, i] = rng.random(n) > 1 / (
                1 + np.exp(-(b[i] + x[:, :i] @ W[i, :i]))
            )
        return x

    def probabilities(W, b, n, seed):
        return np.tile(1 / (1 + np.exp(-b)), (n, 1))

    cases = {
        "ignore the pixels already drawn": independent,
        "most likely value": most_likely,
        "wrong way round": swapped,
        "not all 0 or 1": probabilities,
        "same seed gave different": lambda W, b, n, seed: sample_numpy(
            W, b, n, seed + np.random.randint(10**6)
        ),
        "different seeds gave the same": lambda W, b, n, seed: sample_numpy(
            W, b, n, 0
        ),
        "W transposed": lambda W, b, n, seed: sample_numpy(W.T, b, n, seed),
    }
    for message, fn in cases.items():
        assert not ex.check_fvsbn_sample(fn)
        assert message in capsys.readouterr().out


# ----------------------------------------------------------------------------- find the broken model


def find_by_flipping(suspects):
    for name, model in suspects.items():
        h, w = model.image_shape
        d = h * w
        x = (
            torch.rand(3, d, generator=torch.Generator().manual_seed(0)) < 0.5
        ).float()
        with torch.no_grad():
            base = model.logits(x.reshape(3, h, w)).reshape(3, d)
            for j in range(d):
                y = x.clone()
                y[:, j] = 1 - y[:, j]
                out = model.logits(y.reshape(3, h, w)).reshape(3, d)
                if (out[:, : j + 1] - base[:, : j + 1]).abs().max() > 1e-6:
                    return name
    return None


def find_by_jacobian(suspects):
    def peeks(model):
        h, w = model.image_shape
        x = torch.rand(1, h * w)
        jac = torch.autograd.functional.jacobian(
            lambda v: model.logits(v.reshape(1, h, w)).reshape(-1), x
        )
        return bool((torch.triu(jac.reshape(h * w, h * w)).abs() > 1e-7).any())

    return next(name for name, model in suspects.items() if peeks(model))


def test_find_broken_checker(capsys):
    for fn in (find_by_flipping, find_by_jacobian):
        assert ex.check_find_broken(fn)
        assert "✅" in capsys.readouterr().out

    def own_pixel_only(
        suspects,
    ):  # only the diagonal: misses a logit that sees a later pixel
        for name, model in suspects.items():
            h, w = model.image_shape
            x = torch.zeros(1, h * w)
            with torch.no_grad():
                base = model.logits(x.reshape(1, h, w)).reshape(-1)
                for j in range(h * w):
                    y = x.clone()
                    y[0, j] = 1
                    if (
                        abs(
                            model.logits(y.reshape(1, h, w)).reshape(-1)[j]
                            - base[j]
                        )
                        > 1e-6
                    ):
                        return name
        return "A"

    def last_pixel_only(suspects):
        for name, model in suspects.items():
            x = torch.zeros(1, *model.image_shape)
            y = x.clone()
            y[0, -1, -1] = 1
            with torch.no_grad():
                if (model.logits(x) - model.logits(y)).abs().max() > 1e-6:
                    return name
        return "A"

    cases = {
        "one LATER pixel": own_pixel_only,
        "not only the diagonal or the last pixel": last_pixel_only,
        "write the test yourself": lambda s: next(
            k for k, m in s.items() if not check_causality(m)
        ),
        "switched off here": lambda s: next(
            k
            for k, m in s.items()
            if not __import__("rnntutor").generation.check_causality(m)
        ),
        "not one of the names": lambda s: "D",
        "model itself": lambda s: s["A"],
        "a ndarray": lambda s: np.array(["A"]),
    }
    for message, fn in cases.items():
        assert not ex.check_find_broken(fn)
        assert message in capsys.readouterr().out
    for (
        letter
    ) in "ABC":  # a fixed guess is right for some suspect sets, never for all
        assert not ex.check_find_broken(lambda s, letter=letter: letter)
        assert "is the broken one" in capsys.readouterr().out


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(
        1
    )  # tiny models: one thread is fastest on a busy machine
    yield
    torch.set_num_threads(threads)


def test_make_suspects_has_exactly_one_broken_model(one_thread):
    answers = set()
    for seed in range(6):
        suspects, answer = ex.make_suspects(seed)
        answers.add(answer)
        assert [bool(check_causality(m)) for m in suspects.values()].count(
            False
        ) == 1
        assert not check_causality(suspects[answer])
    assert answers == {"A", "B", "C"}
    suspects, answer = ex._suspect_set(3, (3, 5), "fvsbn_later")
    report = check_causality(suspects[answer])
    assert (
        not report
        and len(report.violations) == 1
        and report.violations[0][0] < report.violations[0][1]
    )


def test_plot_and_widget_helpers():
    matplotlib.use("Agg")

    model = FVSBN((4, 4))
    known = gen_widgets.occlusion_mask("bottom half", (4, 4))
    assert known[:2].all() and not known[2:].any()
    assert not gen_widgets.occlusion_mask("none (sample)", (4, 4)).any()
    assert gen_widgets.occlusion_mask("centre block", (4, 4)).sum() == 12
    x = (np.random.default_rng(0).random((3, 4, 4)) < 0.5).astype(np.float32)
    assert (gen_plots.show_occluded(x, known)[:, 2:] == 0.5).all()
    fig = gen_plots.plot_completions(x, known, model.complete(x, known))
    assert len(fig.axes) == 9
    fig = gen_plots.plot_generation_steps(
        model.sample_steps(2, every=4), n_frames=4
    )
    assert len(fig.axes) == 4
    fig = gen_plots.plot_context_maps(
        {"a": np.tri(4, 4, -1, dtype=bool)}, (2, 1)
    )
    assert len(fig.axes) == 1
    w = gen_widgets.sampler_explorer(model, x, n=2)
    assert [c.description for c in w.children[:3]] == [
        "temperature",
        "seed",
        "occlusion",
    ]
    try:
        gen_widgets.occlusion_mask("left half", (4, 4))
    except ValueError as exc:
        assert "unknown occlusion" in str(exc)
    else:
        raise AssertionError("an unknown occlusion must raise")
