"""Chapter 1 (background): images read as sequences.

- :mod:`~rnntutor.background.plots`: scan orders, a scan in progress, hidden states.
- :mod:`~rnntutor.background.widgets`: the scan-order explorer.

The scan orders themselves are :func:`rnntutor.data.to_sequence` (core).
"""
