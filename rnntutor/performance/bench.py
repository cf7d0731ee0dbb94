"""Benchmark of one LSTM layer, forward + backward, across implementations.

Used by ``rnntutor bench`` and ``benchmarks/bench_lstm.py`` (one implementation, two
entry points). Implementations, all with the same weights:

``numpy``    the NumPy reference (:mod:`rnntutor.reference`), CPU only
``scratch``  :class:`rnntutor.nn.LSTM` with ``impl="scratch"`` (one readable step per time step)
``fused``    :class:`rnntutor.nn.LSTM` with ``impl="fused"`` (hoisted projection, hand-written backward)
``torch``    ``torch.nn.LSTM`` (cuDNN on an NVIDIA GPU, ATen/oneDNN kernels on a CPU)

Each measurement is one forward pass and one backward pass (gradient ``dout`` fixed
and random) of a batch ``x (B, T, I)``. Machines are noisy, so every repeat times every
implementation once, in a rotating order, and the report gives medians and the ratio of
each median to ``torch``'s. Absolute times from different runs are not comparable;
ratios measured side by side are.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import textwrap
import time

import numpy as np
import torch

SIZES = {
    "row": {"label": "row-MNIST", "T": 28, "B": 64, "I": 28, "H": 128},
    "long": {"label": "pixel-MNIST", "T": 784, "B": 64, "I": 1, "H": 128},
    "tiny": {"label": "tiny (smoke test)", "T": 5, "B": 4, "I": 3, "H": 8},
}
"""Named problem sizes: sequence length ``T``, batch ``B``, input ``I``, hidden ``H``."""

IMPLS = ("numpy", "scratch", "fused", "torch")
LABELS = {
    "numpy": "NumPy reference",
    "scratch": "rnntutor scratch",
    "fused": "rnntutor fused",
    "torch": "torch.nn.LSTM",
}
BASELINE = "torch"


def gate_flops(I: int, H: int) -> int:  # noqa: E741 - the book's symbol
    """Multiply-adds of the gate pre-activations, counted as 2 FLOPs: ``8 H (I + H)`` per sample per step."""
    return 2 * 4 * H * (I + H)


def machine_info(device: torch.device | str = "cpu") -> dict:
    """CPU model and cores, torch threads, GPU name (if used), library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    device = torch.device(device)
    info = {
        "device": device.type,
        "cpu": cpu,
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "thread_env": {
            k: os.environ[k]
            for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
            if k in os.environ
        },
    }
    return info


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _make_runners(
    size: dict, impls, device: torch.device, seed: int = 0
) -> dict:
    """One zero-argument callable per implementation doing forward + backward."""
    from rnntutor import nn as rnn
    from rnntutor import reference as ref

    T, B, In, H = size["T"], size["B"], size["I"], size["H"]
    gen = torch.Generator().manual_seed(seed)
    x_cpu = torch.rand(B, T, In, generator=gen)
    dout_cpu = torch.randn(B, T, H, generator=gen)
    torch.manual_seed(seed)
    base = torch.nn.LSTM(In, H, batch_first=True)
    x, dout = x_cpu.to(device), dout_cpu.to(device)
    runners = {}
    for impl in impls:
        if impl == "numpy":
            params = {
                k[:-3]: v.detach().numpy().astype(np.float32)
                for k, v in base.state_dict().items()
            }
            xn, dn = x_cpu.numpy(), dout_cpu.numpy()

            def run_numpy(params=params, xn=xn, dn=dn):
                _, cache = ref.forward("lstm", params, xn)
                ref.backward("lstm", cache, dn)

            runners[impl] = run_numpy
            continue
        if impl == "torch":
            module = torch.nn.LSTM(In, H, batch_first=True)
        elif impl in ("scratch", "fused"):
            module = rnn.LSTM(In, H, impl=impl)
        else:
            raise ValueError(
                f"unknown implementation {impl!r}: expected some of {', '.join(IMPLS)}"
            )
        module.load_state_dict(base.state_dict())
        module.to(device)

        def run_torch(module=module):
            out, _ = module(x)
            out.backward(dout)
            _sync(device)

        runners[impl] = run_torch
    return runners


TIMERS = {"wall": time.perf_counter, "cpu": time.process_time}
"""``wall``: elapsed time (the default). ``cpu``: CPU time of the whole process, which a
busy machine disturbs much less; use it with one thread (``threads=1``), since idle
worker threads that spin also count as CPU time."""


def run(
    sizes=("row", "long"),
    impls=IMPLS,
    *,
    repeats: int = 7,
    warmup: int = 2,
    device="cpu",
    seed: int = 0,
    threads: int | None = None,
    timer: str = "wall",
    progress=None,
) -> dict:
    """Time every implementation at every size; return a JSON-friendly result dict.

    ``sizes``: names from :data:`SIZES` or dicts with ``T, B, I, H`` (and ``label``).
    ``threads``: torch's CPU threads during the run (``None``: leave as is).
    ``timer``: ``"wall"`` or ``"cpu"`` (see :data:`TIMERS`; GPUs always use wall time).
    ``progress``: a callable receiving one line of text per finished size, or ``None``.
    """
    from rnntutor.device import get_device

    if timer not in TIMERS:
        raise ValueError(
            f"unknown timer {timer!r}: expected one of {', '.join(TIMERS)}"
        )
    old_threads = torch.get_num_threads()
    if threads is not None:
        if (
            not isinstance(threads, int)
            or isinstance(threads, bool)
            or threads < 1
        ):
            raise ValueError(
                f"threads must be a positive int, got {threads!r}"
            )
        torch.set_num_threads(threads)
    try:
        return _run(
            sizes,
            impls,
            repeats,
            warmup,
            get_device(device),
            seed,
            timer,
            progress,
        )
    finally:
        torch.set_num_threads(old_threads)


def _size(name) -> dict:
    """A named size from :data:`SIZES`, or a dict with ``T, B, I, H`` (and ``label``)."""
    if isinstance(name, dict):
        return {
            "label": name.get("label", "custom"),
            **{k: int(name[k]) for k in "TBIH"},
        }
    if name in SIZES:
        return dict(SIZES[name])
    raise ValueError(
        f"unknown size {name!r}: expected one of {', '.join(SIZES)} or a dict with T, B, I, H"
    )


def _check_run_args(impls, repeats) -> list:
    if (
        not isinstance(repeats, int)
        or isinstance(repeats, bool)
        or repeats < 1
    ):
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    for impl in impls:
        if impl not in IMPLS:
            raise ValueError(
                f"unknown implementation {impl!r}: expected some of {', '.join(IMPLS)}"
            )
    return list(impls)


# The Performance appendix shows this function: keep its lines within 79 columns.
def _run(sizes, impls, repeats, warmup, dev, seed, timer, progress) -> dict:
    impls = _check_run_args(impls, repeats)
    clock = time.perf_counter if dev.type != "cpu" else TIMERS[timer]
    result = {
        "benchmark": "LSTM layer, forward + backward, float32",
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(dev),
        "timer": timer if dev.type == "cpu" else "wall",
        "repeats": repeats,
        "warmup": warmup,
        "baseline": BASELINE,
        "sizes": [],
    }
    for name in sizes:
        size = _size(name)
        runners = _make_runners(size, impls, dev, seed)  # same weights for all
        times = {impl: [] for impl in impls}
        for fn in runners.values():
            for _ in range(warmup):
                fn()
        for r in range(repeats):
            k = r % len(impls)
            order = impls[k:] + impls[:k]  # rotate: no fixed position
            for impl in order:
                t0 = clock()
                runners[impl]()
                times[impl].append((clock() - t0) * 1e3)
        med = {impl: statistics.median(v) for impl, v in times.items()}
        base = med.get(BASELINE)
        entry = dict(size)
        entry["gate_flops_per_sample_step"] = gate_flops(size["I"], size["H"])
        entry["results"] = {
            impl: {
                "median_ms": round(med[impl], 4),
                "times_ms": [round(t, 4) for t in times[impl]],
                "ratio": None if base is None else round(med[impl] / base, 4),
            }
            for impl in impls
        }
        result["sizes"].append(entry)
        if progress is not None:
            done = ", ".join(f"{i} {med[i]:.2f} ms" for i in impls)
            progress(f"{size['label']}: {done}")
    return result


def format_table(result: dict, width: int = 79) -> str:
    """A plain-text table, at most ``width`` characters wide: one row per size and implementation.

    Columns: the median time in ms, its ratio to ``torch.nn`` measured in the same run,
    and the time per time step in µs (median / ``T``, forward + backward together).
    """
    from rnntutor.results import machine_summary

    header = (
        f"{result['benchmark']}; median {result.get('timer', 'wall')} time of "
        f"{result['repeats']} interleaved repeats on {machine_summary(result['machine'])}"
    )
    wrap = dict(
        width=width,
        subsequent_indent="    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    lines = textwrap.wrap(header, **wrap)
    lines.append(
        f"{'implementation':<20}{'median ms':>11}{'x torch.nn':>12}{'µs per step':>13}"
    )
    for entry in result["sizes"]:
        lines.append(
            f"{entry['label']}: T={entry['T']} B={entry['B']} I={entry['I']} H={entry['H']}"
        )
        for impl, r in entry["results"].items():
            ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
            per_step = r["median_ms"] * 1e3 / entry["T"]
            lines.append(
                f"  {LABELS.get(impl, impl):<18}{r['median_ms']:>11.2f}{ratio:>12}{per_step:>13.3g}"
            )
    return "\n".join(lines)


def table_rows(result: dict) -> list[dict]:
    """The result as a list of flat rows (for a DataFrame or an HTML table)."""
    rows = []
    for entry in result["sizes"]:
        for impl, r in entry["results"].items():
            rows.append(
                {
                    "size": entry["label"],
                    "T": entry["T"],
                    "B": entry["B"],
                    "I": entry["I"],
                    "H": entry["H"],
                    "implementation": LABELS.get(impl, impl),
                    "median_ms": r["median_ms"],
                    "ratio": r["ratio"],
                }
            )
    return rows
