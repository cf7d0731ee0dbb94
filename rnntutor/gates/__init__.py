"""Chapter 2 (gate equations): the LSTM and GRU gates, looked at.

- :mod:`~rnntutor.gates.plots`: the gates of one unit over time, gate heatmaps.
- :mod:`~rnntutor.gates.widgets`: one LSTM unit whose weights and biases you set.

The cells themselves are the core: :mod:`rnntutor.reference.cells` (NumPy, with the
backward pass) and :mod:`rnntutor.nn.cells` (PyTorch).
"""
