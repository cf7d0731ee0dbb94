"""Test-wide settings: no progress bars, a non-interactive plotting backend."""

import os

os.environ.setdefault("RNNTUTOR_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
