"""The shipped DRAW checkpoint loads, is pinned to its record, and reproduces the recorded metrics."""

from __future__ import annotations

import json

import pytest
import torch

from rnntutor.checkpoint import (
    SHIPPED_DIR,
    load_shipped,
    read_checkpoint,
    shipped_record,
)
from rnntutor.data import binarize, load_split
from rnntutor.generation import DRAW

NAME = "draw_mnist5k"


@pytest.fixture(scope="module")
def shipped():
    torch.set_num_threads(1)
    model, config, metrics = load_shipped(NAME)
    return model, config, metrics, shipped_record(NAME)


def test_record_describes_the_file_and_the_data(shipped):
    model, config, metrics, record = shipped
    assert isinstance(model, DRAW) and config["attention"] is True
    assert record["checkpoint"] == f"{NAME}.pt" and record["model"] == "DRAW"
    assert record["size_bytes"] < 5_000_000
    assert record["parameters"] == sum(p.numel() for p in model.parameters())
    assert record["metrics"] == metrics
    payload = read_checkpoint(SHIPPED_DIR / f"{NAME}.pt")
    assert payload["kind"] == "draw"
    assert payload["data"]["binarization"] == {
        "method": "threshold",
        "threshold": 0.5,
    }
    assert (
        payload["data"]["dataset"] == "mnist5k"
        and payload["data"]["split_seed"] == 0
    )
    assert record["curve"][metrics["best_epoch"] - 1][
        "val_neg_elbo"
    ] == pytest.approx(metrics["val_neg_elbo_best"], abs=2e-3)
    assert metrics["test_iw_nll_nats"] <= metrics["test_neg_elbo_nats"]


def test_recorded_metrics_reproduce_on_the_first_100_test_images(shipped):
    model, _, metrics, _ = shipped
    x = binarize(load_split("mnist5k", "test", seed=0)[0], 0.5)[:100]
    neg_elbo = float(-model.elbo(x, seed=0).double().mean())
    iw = float(-model.log_prob(x, k=metrics["k"], seed=0).double().mean())
    assert neg_elbo == pytest.approx(
        metrics["test_first100_neg_elbo_nats"], abs=0.02
    )
    assert iw == pytest.approx(metrics["test_first100_iw_nll_nats"], abs=0.02)


def test_recorded_elbo_reproduces_on_the_whole_test_set(shipped):
    model, _, metrics, _ = shipped
    x = binarize(load_split("mnist5k", "test", seed=0)[0], 0.5)
    assert float(-model.elbo(x, seed=0).double().mean()) == pytest.approx(
        metrics["test_neg_elbo_nats"], abs=0.02
    )


def test_evaluator_of_the_cli_gives_the_recorded_bound(shipped):
    _, _, metrics, _ = shipped
    from rnntutor.generation.draw import evaluate_checkpoint

    model, _, _ = load_shipped(NAME)
    info = {
        k: v
        for k, v in read_checkpoint(SHIPPED_DIR / f"{NAME}.pt").items()
        if k != "state_dict"
    }
    result = evaluate_checkpoint(model, info, dataset="mnist5k", k=1, seed=0)
    assert result["n"] == 1000
    assert result["neg_elbo_nats"] == pytest.approx(
        metrics["test_neg_elbo_nats"], abs=0.02
    )
    assert "IW-NLL (k=1)" in result["summary"]
    json.dumps(result)


def test_results_table_matches_the_records():
    from rnntutor import results

    res = results.load("draw_mnist5k")
    shipped_run = [r for r in res["runs"] if r["checkpoint"] == f"{NAME}.pt"]
    assert len(shipped_run) == 1
    metrics = shipped_record(NAME)["metrics"]
    assert shipped_run[0]["test_iw_nll_nats"] == pytest.approx(
        metrics["test_iw_nll_nats"], abs=1e-3
    )
    assert (
        res["row_lstm_exact_nll_nats"]
        == shipped_record("row_lstm_mnist5k")["metrics"][
            "test_nll_nats_threshold"
        ]
    )
    assert set(res["variants"]) == {"attention", "no attention"}
