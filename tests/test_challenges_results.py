"""Chapter 5's multi-seed records (scripts/eval_challenges.py) and the experiments they repeat."""

import numpy as np
import pytest
from _helpers import load_script

from rnntutor import results
from rnntutor.challenges import experiments, tasks


def _check_summary(entry, n):
    values = np.array(entry["values"])
    assert len(values) == n
    assert entry["mean"] == pytest.approx(values.mean(), abs=2e-6)
    assert entry["sd"] == pytest.approx(
        values.std(ddof=1) if n > 1 else 0.0, abs=2e-6
    )


def test_mean_sd_is_the_sample_standard_deviation():
    mean, sd = experiments.mean_sd([1.0, 2.0, 4.0])
    assert mean == pytest.approx(7 / 3)
    assert sd == pytest.approx(
        np.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2)
    )
    assert experiments.mean_sd([0.5]) == (0.5, 0.0)
    with pytest.raises(ValueError, match="non-empty 1-D"):
        experiments.mean_sd([])


def test_adding_record_is_well_formed():
    record = results.load("challenges_adding")
    seeds = record["seeds"]
    assert len(seeds) >= 3 and record["command"].startswith(
        "python scripts/eval_challenges.py"
    )
    assert {10, 20, 40} <= set(record["lengths"])
    threshold = record["success_threshold"]
    assert threshold == pytest.approx(tasks.adding_baseline() / 2, abs=1e-6)
    for cell in ("rnn", "lstm", "gru"):
        for T in record["lengths"]:
            entry = record["results"][cell][str(T)]
            _check_summary(entry, len(seeds))
            assert entry["successes"] == sum(
                v < threshold for v in entry["values"]
            )
            assert all(0 <= v < 1 for v in entry["values"])


def test_overfitting_record_is_well_formed():
    record = results.load("challenges_overfitting")
    n = len(record["seeds"])
    assert n >= 3
    assert list(record["results"]) == list(
        load_script("eval_challenges").CONFIGS
    )
    for name, entry in record["results"].items():
        H = 8 if "H=8" in name else 64 if "H=64" in name else 256
        assert entry["params"] == 3 * H * (8 + H + 2) + 10 * H + 10, (
            name
        )  # GRU + readout
        for key in ("best", "last", "train_acc", "val_acc"):
            _check_summary(entry[key], n)
        assert all(
            b <= last + 1e-9
            for b, last in zip(
                entry["best"]["values"], entry["last"]["values"], strict=True
            )
        )
        assert all(1 <= e <= record["epochs"] for e in entry["best_epoch"])


def test_script_tables_have_the_recorded_shape():
    script = load_script("eval_challenges")
    (T, table), *_ = list(
        script.adding_table(
            [5], [0, 1], cells=("gru",), steps=3, log=lambda *a: None
        )
    )
    assert T == 5 and set(table) == {"gru"}
    _check_summary(table["gru"]["5"], 2)
    assert table["gru"]["5"]["values"][0] == pytest.approx(
        experiments.adding_run("gru", 5, steps=3, seed=0), abs=1e-6
    )
    config = {"GRU H=8": dict(hidden=8)}
    small = script.overfitting_table(
        [0], configs=config, n_small=40, epochs=1, log=lambda *a: None
    )
    assert small["GRU H=8"]["params"] == 3 * 8 * 18 + 90
    _check_summary(small["GRU H=8"]["best"], 1)


def test_the_recorded_seed_0_tanh_rnn_run_is_reproduced():
    record = results.load("challenges_adding")
    recorded = record["results"]["rnn"]["10"]["values"][
        record["seeds"].index(0)
    ]
    mse = experiments.adding_run(
        "rnn", 10, seed=0
    )  # the chapter's live run at T = 10 (a few seconds)
    assert mse == pytest.approx(
        recorded, rel=0.5
    )  # same recipe; other CPUs may round differently
    assert (mse < record["success_threshold"]) == (
        recorded < record["success_threshold"]
    )


def test_merge_combines_records_of_separate_seeds_in_seed_order():
    script = load_script("eval_challenges")

    def record(seeds, values):
        command = (
            "python scripts/eval_challenges.py --experiment adding --seeds "
            + " ".join(map(str, seeds))
            + " --lengths 10"
        )
        entry = {**script._summary(values), "successes": 0}
        return dict(script="s", command=command, date="2026-01-01", machine={}, seeds=seeds, lengths=[10], steps=400,
                    batch=64, hidden=32, lr=0.01, success_threshold=1 / 12, results={"rnn": {"10": entry}})  # fmt: skip

    merged = script.merge([record([2], [0.3]), record([0, 1], [0.01, 0.2])])
    assert merged["seeds"] == [0, 1, 2]
    assert merged["command"].endswith("--seeds 0 1 2 --lengths 10")
    entry = merged["results"]["rnn"]["10"]
    assert entry["values"] == [0.01, 0.2, 0.3] and entry["successes"] == 1
    _check_summary(entry, 3)
    with pytest.raises(ValueError, match="more than one record"):
        script.merge([record([0], [0.1]), record([0], [0.2])])
    with pytest.raises(ValueError, match="differ in 'steps'"):
        script.merge(
            [record([0], [0.1]), {**record([1], [0.2]), "steps": 100}]
        )


def test_plot_adding_record_draws_a_mean_line_and_every_seed():
    import matplotlib

    matplotlib.use("Agg")
    from rnntutor.challenges import plots

    record = results.load("challenges_adding")
    ax = plots.plot_adding_record(record).axes[0]
    means = [line for line in ax.lines if line.get_label().endswith("(mean)")]
    assert [line.get_label() for line in means] == [
        "RNN (mean)",
        "LSTM (mean)",
        "GRU (mean)",
    ]
    lstm = record["results"]["lstm"]
    np.testing.assert_allclose(
        means[1].get_ydata(),
        [lstm[str(T)]["mean"] for T in record["lengths"]],
        rtol=1e-3,
    )
    dots = [line for line in ax.lines if line.get_linestyle() == "None"]
    assert len(dots) == 3 * len(record["seeds"])
    assert ax.get_yscale() == "log"
