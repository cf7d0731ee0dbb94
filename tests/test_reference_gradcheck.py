"""Finite differences in float64 agree with the hand-written backward passes."""

import numpy as np
import pytest

from rnntutor import reference as ref


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gradcheck_passes(cell):
    errors = ref.gradcheck(
        cell, batch=2, steps=4, input_size=3, hidden_size=3, seed=1
    )
    expected = {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x", "h0"} | (
        {"c0"} if cell == "lstm" else set()
    )
    assert set(errors) == expected
    assert max(errors.values()) < 1e-7, errors


def test_gradcheck_detects_a_wrong_gradient():
    """The check is not vacuous: a gradient with one wrong entry gives a large error."""
    f_params = {"w": np.array([1.0, -2.0, 0.5])}
    f = lambda: float(np.sum(f_params["w"] ** 3))
    numeric = ref.numerical_gradient(f, f_params["w"])
    np.testing.assert_allclose(numeric, 3 * f_params["w"] ** 2, atol=1e-8)
    wrong = 3 * f_params["w"] ** 2
    wrong[1] *= 0.9
    assert ref.relative_error(wrong, numeric) > 1e-2
    assert ref.relative_error(3 * f_params["w"] ** 2, numeric) < 1e-9


def test_numerical_gradient_needs_float64():
    with pytest.raises(TypeError, match="float64"):
        ref.numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))
