"""Image sequences: the ConvLSTM, next-frame prediction on Moving MNIST, metrics, baselines.

- :mod:`~rnntutor.sequences.convlstm`: the ConvLSTM cell (fused one-convolution step
  and gate-by-gate step), with and without peepholes, and a stacked layer.
- :mod:`~rnntutor.sequences.models`: the ConvLSTM encoder-forecaster on space-to-depth
  patches, the FC-LSTM baseline, copy-last-frame and mean-frame, a direction classifier.
- :mod:`~rnntutor.sequences.metrics`: BCE per sequence, MSE and SSIM per frame.
- :mod:`~rnntutor.sequences.training`: training on freshly generated sequences, evaluation.
- :mod:`~rnntutor.sequences.pretrained`: the shipped 64x64 predictor and its record.
- :mod:`~rnntutor.sequences.plots`: frame grids, an offline animation, a frame slider.

The data come from :func:`rnntutor.data.moving_mnist`; the NumPy reference step with its
backward pass is :mod:`rnntutor.reference.convlstm`.
"""

from rnntutor.sequences.convlstm import (
    GATE_ORDER,
    IMPLS,
    ConvLSTM,
    ConvLSTMCell,
    convlstm_step,
    convlstm_step_gates,
)
from rnntutor.sequences.metrics import (
    bce_per_sequence,
    bce_per_step,
    mse_per_frame,
    mse_per_step,
    ssim_per_frame,
    ssim_per_step,
)
from rnntutor.sequences.models import (
    BlankFrame,
    ConvLSTMPredictor,
    CopyLastFrame,
    DirectionClassifier,
    FCLSTMPredictor,
    MeanFrame,
    depth_to_space,
    space_to_depth,
)
from rnntutor.sequences.pretrained import (
    PRETRAINED,
    load_pretrained,
    pretrained_record,
)
from rnntutor.sequences.training import (
    evaluate_predictor,
    predict_frames,
    train_predictor,
)

__all__ = [
    "BlankFrame",
    "GATE_ORDER",
    "IMPLS",
    "PRETRAINED",
    "ConvLSTM",
    "ConvLSTMCell",
    "ConvLSTMPredictor",
    "CopyLastFrame",
    "DirectionClassifier",
    "FCLSTMPredictor",
    "MeanFrame",
    "bce_per_sequence",
    "bce_per_step",
    "convlstm_step",
    "convlstm_step_gates",
    "depth_to_space",
    "evaluate_predictor",
    "load_pretrained",
    "mse_per_frame",
    "mse_per_step",
    "predict_frames",
    "pretrained_record",
    "space_to_depth",
    "ssim_per_frame",
    "ssim_per_step",
    "train_predictor",
]
