"""NumPy reference implementations of the vanilla RNN, LSTM and GRU, with backpropagation.

Everything here is plain NumPy, written to be read next to the book's equations, and
checked against ``torch.nn`` and finite differences. Parameter names and layouts are
those of ``torch.nn.RNN/LSTM/GRU`` (gate order LSTM ``i, f, g, o``, GRU ``r, z, n``).

Typical use::

    from rnntutor import reference as ref
    params = ref.init_params("lstm", input_size=8, hidden_size=16, seed=0)
    hs, cache = ref.forward("lstm", params, x)          # x (B, T, I) -> hs (B, T, H)
    grads = ref.backward("lstm", cache, dhs)            # keys of params + "x", "h0", "c0"

Modules: ``cells`` (one step forward/backward), ``layers`` (sequences, BPTT, linear
readout), ``losses``, ``optim`` (SGD, Adam, clipping), ``gradcheck``, ``convert``
(to and from ``torch.nn``) and ``classifier`` (a sequence classifier trained in NumPy).
"""

from rnntutor.reference.cells import (
    GATES,
    PARAM_NAMES,
    check_params,
    gru_gates_backward,
    gru_step,
    gru_step_backward,
    lstm_gates_backward,
    lstm_step,
    lstm_step_backward,
    rnn_gates_backward,
    rnn_step,
    rnn_step_backward,
    sigmoid,
)
from rnntutor.reference.classifier import SequenceClassifier
from rnntutor.reference.convert import cell_name, from_torch, to_torch
from rnntutor.reference.gradcheck import (
    gradcheck,
    numerical_gradient,
    relative_error,
)
from rnntutor.reference.layers import (
    backward,
    count_params,
    forward,
    gate_activations,
    init_linear,
    init_params,
    linear_backward,
    linear_forward,
)
from rnntutor.reference.losses import (
    bernoulli_log_likelihood,
    bernoulli_nll,
    log_softmax,
    softmax_cross_entropy,
)
from rnntutor.reference.optim import SGD, Adam, clip_grad_norm, global_norm
from rnntutor.reference.threads import one_blas_thread

__all__ = [
    "GATES",
    "PARAM_NAMES",
    "check_params",
    "sigmoid",
    "rnn_step",
    "rnn_step_backward",
    "rnn_gates_backward",
    "lstm_step",
    "lstm_step_backward",
    "lstm_gates_backward",
    "gru_step",
    "gru_step_backward",
    "gru_gates_backward",
    "init_params",
    "count_params",
    "forward",
    "backward",
    "gate_activations",
    "init_linear",
    "linear_forward",
    "linear_backward",
    "log_softmax",
    "softmax_cross_entropy",
    "bernoulli_log_likelihood",
    "bernoulli_nll",
    "SGD",
    "Adam",
    "clip_grad_norm",
    "global_norm",
    "numerical_gradient",
    "relative_error",
    "gradcheck",
    "to_torch",
    "from_torch",
    "cell_name",
    "SequenceClassifier",
    "one_blas_thread",
]
