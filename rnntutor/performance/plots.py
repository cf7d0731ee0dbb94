"""Figures of the Performance appendix: benchmark bars relative to ``torch.nn``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def plot_benchmark(result: dict, *, title: str | None = None) -> Figure:
    """Bar chart of a :func:`rnntutor.performance.bench.run` result: time relative to ``torch.nn`` per size.

    One group of bars per problem size, one bar per implementation; each bar is labelled
    with its ratio and median time. The line at 1 is ``torch.nn``.
    """
    from rnntutor.performance.bench import LABELS

    sizes = result["sizes"]
    impls = list(sizes[0]["results"])
    fig, ax = plt.subplots(figsize=(8, 3.6), constrained_layout=True)
    width = 0.8 / len(impls)
    for k, impl in enumerate(impls):
        xs = np.arange(len(sizes)) + (k - (len(impls) - 1) / 2) * width
        ratios = [s["results"][impl]["ratio"] for s in sizes]
        bars = ax.bar(xs, ratios, width, label=LABELS.get(impl, impl))
        for bar, s in zip(bars, sizes, strict=True):
            r = s["results"][impl]
            ax.annotate(
                f"{r['ratio']:.2f}x\n{r['median_ms']:.3g} ms",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center", va="bottom", fontsize=7,
            )  # fmt: skip
    ax.axhline(1.0, color="k", lw=0.8)
    top = max(s["results"][impl]["ratio"] for s in sizes for impl in impls)
    ax.set_xticks(
        np.arange(len(sizes)),
        [
            f"{s['label']}\nT={s['T']} B={s['B']} I={s['I']} H={s['H']}"
            for s in sizes
        ],
    )
    ax.set_ylabel("time / torch.nn time")
    ax.set_ylim(0, top * 1.35)
    ax.legend(fontsize=8, ncols=len(impls), loc="upper left")
    from rnntutor.results import machine_summary

    timer = result.get("timer", "wall")
    where = machine_summary(result["machine"])
    ax.set_title(
        title or f"LSTM forward + backward, median {timer} time, on {where}",
        fontsize=9,
    )
    return fig
