"""Benchmark: the fused one-convolution ConvLSTM step against the gate-by-gate step (eight convolutions).

Forward + backward of one step, float32, on the CPU (or ``--device``), for the sizes of
the book's models. Both implementations run side by side in one process, interleaved
(fused, gates, fused, gates, ...), so machine noise hits both alike; the table reports
medians and the ratio gates / fused.

    python benchmarks/bench_convlstm.py [--repeats 20] [--threads 1] \
        [--json rnntutor/sequences/results/bench_convlstm.json]

The JSON ships as package data; Chapter 6 shows it (``rnntutor.sequences.load_result``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

SIZES = [
    # name, batch, in channels, hidden channels, height = width, kernel
    ("small variant (24x24, patch 2)", 16, 4, 32, 12, 3),
    ("shipped model (64x64, patch 8)", 16, 64, 64, 8, 3),
    ("Shi et al. (64x64, patch 4)", 16, 16, 64, 16, 5),
]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--json",
        type=str,
        default=None,
        help="write the results to this JSON file",
    )
    args = parser.parse_args(argv)

    import torch

    from rnntutor.device import get_device
    from rnntutor.performance.bench import machine_info
    from rnntutor.sequences import ConvLSTMCell

    torch.set_num_threads(args.threads)
    dev = get_device(args.device)
    rows = []
    for name, b, c_in, c_h, s, k in SIZES:
        torch.manual_seed(0)
        fused = ConvLSTMCell(c_in, c_h, k, impl="fused").to(dev)
        gates = ConvLSTMCell(c_in, c_h, k, impl="gates").to(dev)
        gates.load_state_dict(fused.state_dict())
        x = torch.randn(b, c_in, s, s, device=dev)
        state = (
            torch.randn(b, c_h, s, s, device=dev),
            torch.randn(b, c_h, s, s, device=dev),
        )

        def run(cell, x=x, state=state):
            cell.zero_grad(set_to_none=True)
            h, c = cell(x, state)
            (h.sum() + c.sum()).backward()
            if dev.type == "cuda":
                torch.cuda.synchronize()

        times = {"fused": [], "gates": []}
        for rep in range(args.warmup + args.repeats):
            for impl, cell in (("fused", fused), ("gates", gates)):
                t0 = time.perf_counter()
                run(cell)
                if rep >= args.warmup:
                    times[impl].append(time.perf_counter() - t0)
        med = {impl: statistics.median(v) * 1e3 for impl, v in times.items()}
        rows.append(
            {
                "size": name,
                "B": b,
                "C_in": c_in,
                "C_h": c_h,
                "HxW": f"{s}x{s}",
                "k": k,
                "fused_ms": round(med["fused"], 3),
                "gates_ms": round(med["gates"], 3),
                "ratio": round(med["gates"] / med["fused"], 2),
            }
        )
        print(
            f"{name:32s} fused {med['fused']:8.2f} ms  gates {med['gates']:8.2f} ms  ×{rows[-1]['ratio']:.2f}"
        )
    result = {
        "benchmark": "ConvLSTM step forward+backward, fused (1 convolution) vs gates (8 convolutions)",
        "command": "python benchmarks/bench_convlstm.py "
        + " ".join(argv or []),
        "threads": args.threads,
        "repeats": args.repeats,
        "machine": machine_info(dev),
        "rows": rows,
    }
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
            fh.write("\n")
    return result


if __name__ == "__main__":
    main()
