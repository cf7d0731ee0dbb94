"""The Performance appendix: timing the LSTM implementations side by side.

- :mod:`~rnntutor.performance.bench`: the benchmark (``rnntutor bench`` and
  ``benchmarks/bench_lstm.py`` run the same code).
- :mod:`~rnntutor.performance.plots`: its bar chart.
"""
