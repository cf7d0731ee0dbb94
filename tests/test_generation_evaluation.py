"""Chapter 3's measurements: sample statistics, binarization noise, the 8x8 models over seeds."""

import json
import math
import statistics

import numpy as np
import pytest
from _helpers import load_script

from rnntutor import results
from rnntutor.generation import evaluation
from rnntutor.generation.evaluation import (
    MODEL_NAMES,
    binarization_noise,
    digits_data,
    sample_statistics,
    summarize,
    train_digits,
)

script = load_script("eval_generation_seeds")


def test_sample_statistics_counts_pieces_by_hand():
    images = np.zeros((4, 5, 6), dtype=np.float32)
    images[0, 1, 1] = images[0, 2, 2] = images[0, 3, 3] = (
        1  # one diagonal stroke: one piece
    )
    images[1, 0, 0] = images[1, 4, 5] = 1  # two far-apart dots: two pieces
    images[1, 0, 1] = 1
    images[2, :, 2] = 1  # a vertical bar: one piece
    # images[3] stays blank
    st = sample_statistics(images)
    assert st["blank"] == 1
    assert st["pieces"] == pytest.approx((1 + 2 + 1 + 0) / 4)
    assert st["one_piece"] == pytest.approx(2 / 4)
    assert st["ink"] == pytest.approx((3 + 3 + 5) / images.size)
    assert (
        sample_statistics(images.astype(bool)) == st
    )  # booleans are images too


def test_sample_statistics_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        sample_statistics(np.zeros((5, 6)))
    with pytest.raises(ValueError, match="NaN|finite"):
        sample_statistics(np.full((1, 2, 2), np.nan))


def test_binarization_noise_matches_hand_computed_entropy():
    grey = np.zeros((2, 2, 3))
    grey[0, 0, 0] = 0.5  # ln 2
    grey[0, 1, 2] = 0.25  # -(0.25 ln 0.25 + 0.75 ln 0.75)
    grey[1, 0, 1] = 1.0  # full ink: no randomness
    grey[1, 1, 1] = 0.9
    h = lambda v: -(v * math.log(v) + (1 - v) * math.log(1 - v))  # noqa: E731
    expected = ((h(0.5) + h(0.25)) + h(0.9)) / 2
    assert binarization_noise(grey) == pytest.approx(expected, rel=1e-12)
    assert binarization_noise(grey.astype(np.float32)) == pytest.approx(
        expected, rel=1e-6
    )
    assert (
        binarization_noise(np.round(grey)) == 0.0
    )  # thresholded images add nothing


def test_binarization_noise_bounds_the_empirical_entropy_of_one_pixel():
    # a pixel of intensity 0.3, binarized many times: the empirical entropy of the
    # draws converges to the coin flip's entropy
    rng = np.random.default_rng(0)
    draws = rng.random(200_000) < 0.3
    p = draws.mean()
    empirical = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    assert binarization_noise(np.full((1, 1, 1), 0.3)) == pytest.approx(
        empirical, abs=2e-3
    )


def test_binarization_noise_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binarization_noise(np.full((1, 2, 2), 1.5))


def test_summarize_mean_and_sample_sd():
    per_seed = {
        s: {
            name: {
                "train_nll": 10.0 + s,
                "test_nll": 20.0 + 0.5 * s**2,
                "seconds": 1.0,
            }
            for name in ("FVSBN", "Row LSTM")
        }
        for s in (0, 1, 2)
    }
    table = summarize(per_seed)
    assert list(table) == [
        "FVSBN",
        "Row LSTM",
    ]  # the chapter's order, only models present
    tests = [20.0, 20.5, 22.0]
    assert table["FVSBN"]["test_nll"] == tests
    assert table["FVSBN"]["test_mean"] == pytest.approx(
        statistics.mean(tests), abs=1e-4
    )
    assert table["FVSBN"]["test_sd"] == pytest.approx(
        statistics.stdev(tests), abs=1e-4
    )
    assert table["Row LSTM"]["train_sd"] == pytest.approx(1.0, abs=1e-4)
    assert summarize({0: per_seed[0]})["FVSBN"]["test_sd"] == 0.0
    with pytest.raises(ValueError, match="empty"):
        summarize({})


def test_train_digits_independent_baseline_is_the_smoothed_mean_image():
    x_train, x_test = digits_data()
    assert x_train.shape == (1438, 8, 8) and x_test.shape == (359, 8, 8)
    p = (x_train.sum(axis=0) + 1) / (len(x_train) + 2)  # add-one smoothing
    nll = (
        -(x_test * np.log(p) + (1 - x_test) * np.log1p(-p))
        .sum(axis=(1, 2))
        .mean()
    )
    out = train_digits(0, ["independent"])
    assert out["independent"]["test_nll"] == pytest.approx(nll, rel=1e-5)


def test_train_digits_seeds_change_the_model_and_repeat_exactly():
    x_train, x_test = digits_data()
    small = (x_train[:128], x_test[:64])
    fast = {"FVSBN": dict(epochs=1, lr=0.01)}
    a = train_digits(0, ["FVSBN"], data=small, settings=fast)["FVSBN"]
    b = train_digits(0, ["FVSBN"], data=small, settings=fast)["FVSBN"]
    c = train_digits(1, ["FVSBN"], data=small, settings=fast)["FVSBN"]
    assert a["test_nll"] == b["test_nll"]
    assert a["test_nll"] != c["test_nll"]
    with pytest.raises(ValueError, match="unknown model"):
        train_digits(0, ["GAN"])


def test_script_writes_a_well_formed_record(tmp_path):
    out = tmp_path / "r.json"
    assert (
        script.main(
            ["--seeds", "0", "1", "--models", "independent", "--out", str(out)]
        )
        == 0
    )
    rec = json.loads(out.read_text())
    assert {"command", "date", "machine"} <= set(rec)
    assert rec["seeds"] == [0, 1] and list(rec["models"]) == ["independent"]
    assert (
        rec["models"]["independent"]["test_sd"] == 0.0
    )  # a closed-form fit does not depend on the seed
    # merging single-seed files gives the same table
    paths = []
    for s in (0, 1):
        paths.append(tmp_path / f"s{s}.json")
        script.main(
            [
                "--seeds",
                str(s),
                "--models",
                "independent",
                "--out",
                str(paths[-1]),
            ]
        )
    merged = tmp_path / "m.json"
    script.main(["--merge", *map(str, paths), "--out", str(merged)])
    table = json.loads(merged.read_text())["models"]["independent"]
    for key in (
        "test_nll",
        "train_nll",
        "test_mean",
        "test_sd",
    ):  # not the timings
        assert table[key] == rec["models"]["independent"][key]


def test_shipped_record_is_well_formed_and_reproduces_the_baseline():
    rec = results.load("generation_digits")
    assert rec["command"].startswith("python scripts/eval_generation_seeds.py")
    assert len(rec["seeds"]) >= 3
    assert list(rec["models"]) == list(MODEL_NAMES)
    for name, row in rec["models"].items():
        tests = [
            rec["per_seed"][str(s)][name]["test_nll"] for s in rec["seeds"]
        ]
        assert row["test_mean"] == pytest.approx(np.mean(tests), abs=1e-3)
        assert row["test_sd"] == pytest.approx(np.std(tests, ddof=1), abs=1e-3)
        assert 10 < row["test_mean"] < 30, (name, row)
    assert (
        rec["settings"] == evaluation.DIGITS_SETTINGS
    )  # the chapter's recipe
    again = train_digits(0, ["independent"])["independent"]["test_nll"]
    assert rec["models"]["independent"]["test_mean"] == pytest.approx(
        again, abs=1e-3
    )
