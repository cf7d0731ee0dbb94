"""Chapter 5's multiply-add counts against torch's own FLOP counter and hand arithmetic."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from rnntutor import nn as rnn
from rnntutor.challenges import cost
from rnntutor.classification.cnn import SmallCNN


def _counted_macs(model, x) -> int:
    with FlopCounterMode(display=False) as counter:
        model(x)
    return (
        counter.get_total_flops() // 2 // x.shape[0]
    )  # 2 FLOPs per multiply-add, per sample


@pytest.mark.parametrize(("cell", "I", "H", "T", "K"), [("lstm", 8, 64, 8, 10), ("gru", 3, 5, 7, 4),
                                                        ("rnn", 1, 6, 11, 3), ("lstm", 1, 7, 13, 2)])  # fmt: skip
def test_recurrent_macs_match_torchs_flop_counter(cell, I, H, T, K):  # noqa: E741 - the book's symbol
    torch.manual_seed(0)
    model = rnn.SequenceClassifier(
        cell, I, H, K, impl="scratch"
    )  # plain matrix products, all counted
    assert _counted_macs(model, torch.randn(3, T, I)) == cost.recurrent_macs(
        cell, I, H, T, K
    )


@pytest.mark.parametrize(
    ("C", "h", "w", "K"), [(16, 8, 8, 10), (3, 12, 9, 4), (5, 28, 28, 10)]
)
def test_cnn_macs_match_torchs_flop_counter(C, h, w, K):  # noqa: E741
    torch.manual_seed(0)
    assert _counted_macs(
        SmallCNN(C, K), torch.randn(2, h, w)
    ) == cost.cnn_macs(C, h, w, K)


def test_chapter_numbers_by_hand():
    # LSTM rows: 8 steps x 4 x 64 x (8 + 64) + 64 x 10
    assert cost.recurrent_macs("lstm", 8, 64, 8) == 8 * 18_432 + 640 == 148_096
    # SmallCNN(16) on 8x8: 9 (16*64 + 32*16*16 + 32*32*4) + 32*10
    assert cost.cnn_macs(16, 8, 8) == 9_216 + 73_728 + 36_864 + 320 == 120_128


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown cell 'tanh'"):
        cost.recurrent_macs("tanh", 8, 64, 8)
    with pytest.raises(ValueError, match="T must be a positive int, got 0"):
        cost.recurrent_macs("rnn", 8, 64, 0)
    with pytest.raises(ValueError, match="at least 4x4, got 3x8"):
        cost.cnn_macs(16, 3, 8)
