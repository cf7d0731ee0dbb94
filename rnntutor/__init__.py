"""rnntutor: the companion package of the RNN tutorial book.

NumPy reference implementations (forward and backward), PyTorch implementations,
data, training, plotting, widgets and exercise checkers used by the book.
"""

from rnntutor.device import get_device, seed_everything
from rnntutor.source import show_source

__version__ = "0.1.0"

__all__ = ["get_device", "seed_everything", "show_source", "__version__"]
