"""Benchmark one LSTM layer (forward + backward): NumPy reference, scratch, fused, torch.nn.

The same code as ``rnntutor bench`` (see :mod:`rnntutor.performance.bench`); this script only adds
the defaults used for the results that the Performance appendix shows, which are stored
in the package (:mod:`rnntutor.results`, ``rnntutor/results/``)::

    python benchmarks/bench_lstm.py                    # row-MNIST and pixel-MNIST sizes
    python benchmarks/bench_lstm.py --sizes tiny --repeats 1   # seconds, for a smoke test
    python benchmarks/bench_lstm.py --device cuda --repeats 10 --json rnntutor/results/bench_lstm_gpu.json

The stored CPU result was produced on a shared 2-core machine with
``OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_lstm.py --threads 1 --timer cpu
--repeats 11 --json rnntutor/results/bench_lstm_cpu.json --plot benchmarks/results/bench_lstm_cpu.png``
(the record names the command that wrote it; re-execute the appendix to show a new one).
"""

from __future__ import annotations

import sys

from rnntutor.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", *sys.argv[1:]]))
