"""Chapter 3 exercise checkers accept right answers and reject plausible wrong ones; plot/widget helpers."""

from __future__ import annotations

import math

import matplotlib
import numpy as np

from rnntutor.exercises import generation as ex
from rnntutor.generation import FVSBN, check_causality, row_mask


def test_row_mask_checker(capsys):
    assert ex.check_row_mask(row_mask)
    assert "correct" in capsys.readouterr().out
    assert not ex.check_row_mask(lambda k, t: row_mask(k, "B"))
    assert "Mask A must zero the centre" in capsys.readouterr().out
    assert not ex.check_row_mask(lambda k, t: row_mask(k, t).numpy()[::-1].copy())
    assert "mirrored" in capsys.readouterr().out
    assert not ex.check_row_mask(lambda k, t: row_mask(k, "A"))
    assert "Mask B keeps the centre" in capsys.readouterr().out

    def stub(k, t):
        raise NotImplementedError

    assert not ex.check_row_mask(stub)
    assert "not implemented yet" in capsys.readouterr().out


def test_nats_to_bits_checker(capsys):
    assert ex.check_nats_to_bits(lambda n, d: n / (d * math.log(2)))
    assert "0.1482" in capsys.readouterr().out
    cases = {
        "forgot to divide by the number of pixels": lambda n, d: n / math.log(2),
        "nats per pixel": lambda n, d: n / d,
        "you multiplied": lambda n, d: n * math.log(2) / d,
        "natural logarithm": lambda n, d: n / (d * math.log10(2)),
    }
    for message, fn in cases.items():
        assert not ex.check_nats_to_bits(fn)
        assert message in capsys.readouterr().out
    assert not ex.check_nats_to_bits(lambda n, d: float(np.sum(n)) / (d * math.log(2)))  # breaks for arrays
    assert "❌" in capsys.readouterr().out


def test_find_broken_checker(capsys):
    assert ex.check_find_broken(lambda s: next(k for k, m in s.items() if not check_causality(m)))
    assert "correct" in capsys.readouterr().out
    for letter in "ABC":  # a fixed guess is right for some suspect sets, never for all
        assert not ex.check_find_broken(lambda s, letter=letter: letter)
        assert "check_causality" in capsys.readouterr().out
    answers = {ex.make_suspects(seed)[1] for seed in range(4)}
    assert answers == {"A", "B", "C"}
    suspects, answer = ex.make_suspects(1)
    assert [bool(check_causality(m)) for m in suspects.values()].count(False) == 1
    assert not check_causality(suspects[answer])


def test_plot_and_widget_helpers():
    matplotlib.use("Agg")
    from rnntutor import plot, widgets

    model = FVSBN((4, 4))
    known = widgets.occlusion_mask("bottom half", (4, 4))
    assert known[:2].all() and not known[2:].any()
    assert not widgets.occlusion_mask("none (sample)", (4, 4)).any()
    assert widgets.occlusion_mask("centre block", (4, 4)).sum() == 12
    x = (np.random.default_rng(0).random((3, 4, 4)) < 0.5).astype(np.float32)
    assert (plot.show_occluded(x, known)[:, 2:] == 0.5).all()
    fig = plot.plot_completions(x, known, model.complete(x, known))
    assert len(fig.axes) == 9
    fig = plot.plot_generation_steps(model.sample_steps(2, every=4), n_frames=4)
    assert len(fig.axes) == 4
    fig = plot.plot_context_maps({"a": np.tri(4, 4, -1, dtype=bool)}, (2, 1))
    assert len(fig.axes) == 1
    w = widgets.sampler_explorer(model, x, n=2)
    assert [c.description for c in w.children[:3]] == ["temperature", "seed", "occlusion"]
    try:
        widgets.occlusion_mask("left half", (4, 4))
    except ValueError as exc:
        assert "unknown occlusion" in str(exc)
    else:
        raise AssertionError("an unknown occlusion must raise")
