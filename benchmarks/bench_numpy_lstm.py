"""Benchmark: the NumPy reference LSTM against torch.nn.LSTM on the CPU, forward + backward.

Size of row-by-row MNIST: T=28 steps, batch B=64, input I=28, hidden H=128, float32.
Both run side by side in one process, interleaved (NumPy, torch, NumPy, torch, ...),
so machine noise hits both alike; the table reports medians and their ratio.

    python benchmarks/bench_numpy_lstm.py [--repeats 30] [--threads N] [--json PATH]

Goal: NumPy / torch.nn <= 1.5. The record that Chapter 2 shows is stored in the package
(:mod:`rnntutor.results`) and was made with::

    python benchmarks/bench_numpy_lstm.py --threads 1 --repeats 40 --json rnntutor/results/bench_numpy_lstm.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import statistics
import sys
import time


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=28)
    parser.add_argument("--B", type=int, default=64)
    parser.add_argument("--I", type=int, default=28)
    parser.add_argument("--H", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for torch and NumPy's BLAS (default: torch's)",
    )
    parser.add_argument(
        "--json",
        type=str,
        default=None,
        help="write the results to this JSON file",
    )
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    from rnntutor import reference as ref
    from rnntutor.performance.bench import machine_info

    # The same number of threads for both: torch's intra-op pool and NumPy's BLAS.
    threads = args.threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    threadpool_limits(limits=threads, user_api="blas")
    T, B, I, H = args.T, args.B, args.I, args.H  # noqa: E741
    rng = np.random.default_rng(0)
    params = ref.init_params("lstm", I, H, seed=0, dtype=np.float32)
    x = rng.normal(size=(B, T, I)).astype(np.float32)
    dhs = rng.normal(size=(B, T, H)).astype(np.float32)
    module = ref.to_torch("lstm", params)
    xt, dout = torch.from_numpy(x), torch.from_numpy(dhs)

    def run_numpy():
        hs, cache = ref.forward("lstm", params, x)
        return ref.backward("lstm", cache, dhs)

    def run_torch():
        module.zero_grad(set_to_none=True)
        out, _ = module(xt)
        out.backward(dout)

    # Same answer first: a benchmark of two different computations would mean nothing.
    g = run_numpy()
    run_torch()
    err = float(
        np.max(np.abs(g["weight_hh"] - module.weight_hh_l0.grad.numpy()))
    )
    assert err < 1e-3, f"NumPy and torch gradients differ by {err}"

    for _ in range(args.warmup):
        run_numpy()
        run_torch()
    times = {"numpy": [], "torch.nn": []}
    for _ in range(args.repeats):
        for name, fn in (("numpy", run_numpy), ("torch.nn", run_torch)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["numpy"] / med["torch.nn"]
    argv = sys.argv[1:] if argv is None else list(argv)
    machine = machine_info()
    result = {
        "command": shlex.join(
            ["python", "benchmarks/bench_numpy_lstm.py", *argv]
        ),
        "date": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "machine": machine,
        "benchmark": "LSTM forward+backward, float32, CPU",
        "size": {"T": T, "B": B, "I": I, "H": H},
        "repeats": args.repeats,
        "median_ms": {k: round(v * 1e3, 3) for k, v in med.items()},
        "ratio_numpy_over_torch": round(ratio, 3),
        "goal_ratio": 1.5,
        "threads": threads,
        "blas_threads": [
            p["num_threads"]
            for p in threadpool_info()
            if p["user_api"] == "blas"
        ],
        "max_abs_grad_difference": err,
    }
    print(
        f"LSTM forward+backward, T={T} B={B} I={I} H={H}, float32, median of {args.repeats} (interleaved)"
    )
    print(
        f"CPU: {machine['cpu']} ({machine['cpu_cores']} cores), threads: torch {machine['torch_threads']}, "
        f"NumPy BLAS {result['blas_threads']}"
    )
    print(f"{'implementation':<16}{'median ms':>12}")
    for k, v in med.items():
        print(f"{k:<16}{v * 1e3:>12.2f}")
    print(f"{'ratio':<16}{ratio:>12.2f}   (NumPy / torch.nn, goal <= 1.5)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    return result


if __name__ == "__main__":
    main()
