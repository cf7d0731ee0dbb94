"""Chapter 4's stored record (rnntutor/results/classification.json): seeds, means, targets."""

import pytest
from _helpers import load_script

from rnntutor import results
from rnntutor.classification import converge


def test_the_stored_record_has_three_seeds_and_means_that_match():
    record = results.load("classification")
    seeds = record["seeds"]
    assert len(seeds) >= 3 and len(set(seeds)) == len(seeds)
    assert (
        "--threads 1" in record["command"]
        and record["machine"]["torch_threads"] == 1
    )
    script = load_script("eval_classification")
    ran = 0
    for name, r in record["results"].items():
        assert name in script.TARGETS
        if r["status"] != "run":
            assert r["status"].startswith("not run: ")
            continue
        ran += 1
        assert r["seeds"] == seeds and len(r["test_accuracy"]) == len(seeds)
        mean, sd = script.mean_sd(r["test_accuracy"])
        assert r["test_accuracy_mean"] == pytest.approx(mean, abs=1e-4)
        assert r["test_accuracy_sd"] == pytest.approx(sd, abs=1e-4)
        target = r["recipe"]["target"]
        assert r["met"] is (None if target is None else mean >= target)
        if target is not None:  # every offline target is met by the mean
            assert r["met"], (name, mean, target)
    assert ran >= 4
    comparison = record["comparison"]
    assert comparison["seeds"] == seeds
    for name in ("LSTM", "CNN"):
        runs = comparison[name]["runs"]
        assert [r["seed"] for r in runs] == seeds
        for t in converge.PERTURBATIONS:
            mean, sd = script.mean_sd(r["test"][t] for r in runs)
            assert comparison[name]["test"][t]["mean"] == pytest.approx(
                mean, abs=1e-4
            )
            assert comparison[name]["test"][t]["sd"] == pytest.approx(
                sd, abs=1e-4
            )
        assert all(
            1
            <= r["best_epoch"]
            <= r["epochs_run"]
            <= comparison["settings"]["max_epochs"]
            for r in runs
        )
