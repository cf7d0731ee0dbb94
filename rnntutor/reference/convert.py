"""Copy weights between the NumPy reference and ``torch.nn.RNN/LSTM/GRU``.

Both sides use the same names and layouts, so conversion is a copy: NumPy
``weight_ih`` is torch's ``weight_ih_l0`` and so on (one layer, one direction,
``batch_first=True``).
"""

from __future__ import annotations

import numpy as np

from rnntutor.reference.cells import GATES, PARAM_NAMES, check_params

_TORCH_CLASS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def to_torch(cell: str, params: dict):
    """Build a ``torch.nn.RNN/LSTM/GRU(batch_first=True)`` holding a copy of ``params``.

    The module's dtype is the parameters' dtype (float32 or float64); the RNN uses tanh.
    """
    import torch

    input_size, hidden_size = check_params(cell, params)
    dtype = (
        torch.float64
        if params["weight_ih"].dtype == np.float64
        else torch.float32
    )
    cls = getattr(torch.nn, _TORCH_CLASS[cell])
    module = cls(input_size, hidden_size, batch_first=True, dtype=dtype)
    state = {
        f"{k}_l0": torch.from_numpy(np.array(params[k], copy=True))
        for k in PARAM_NAMES
    }
    module.load_state_dict(state)
    return module


def cell_name(module) -> str:
    """Return "rnn", "lstm" or "gru" for a recurrent module (``torch.nn`` or ``rnntutor.nn``)."""
    name = type(module).__name__.lower()
    mode = getattr(module, "mode", None)
    if isinstance(
        mode, str
    ):  # torch.nn.RNNBase stores "RNN_TANH", "LSTM", "GRU"
        name = {"rnn_tanh": "rnn", "lstm": "lstm", "gru": "gru"}.get(
            mode.lower(), mode.lower()
        )
    if name not in GATES:
        raise ValueError(
            f"cannot convert {type(module).__name__} (mode {mode!r}): expected a tanh RNN, LSTM or GRU"
        )
    return name


def from_torch(module) -> dict:
    """Return the NumPy parameters (a dict of copies) of a one-layer recurrent module.

    Accepts ``torch.nn.RNN`` (tanh), ``torch.nn.LSTM``, ``torch.nn.GRU`` and modules with
    the same ``state_dict`` keys (``weight_ih_l0``, ...), such as ``rnntutor.nn``'s.
    Use :func:`cell_name` to get the cell type.
    """
    cell = cell_name(module)
    for attr, ok in (
        ("num_layers", 1),
        ("bidirectional", False),
        ("proj_size", 0),
    ):
        value = getattr(module, attr, ok)
        if value != ok:
            raise ValueError(
                f"only single-layer, one-direction modules convert: {attr}={value!r}, expected {ok!r}"
            )
    state = module.state_dict()
    missing = [f"{k}_l0" for k in PARAM_NAMES if f"{k}_l0" not in state]
    if missing:
        raise KeyError(
            f"module state_dict has no {missing}; expected keys {[k + '_l0' for k in PARAM_NAMES]}"
        )
    params = {
        k: state[f"{k}_l0"].detach().cpu().numpy().copy() for k in PARAM_NAMES
    }
    check_params(cell, params)
    return params
