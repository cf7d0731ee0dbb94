"""Device selection, seeding, input validation and the exercise-checker helpers."""

import random

import numpy as np
import pytest
import torch

import rnntutor
from rnntutor.exercises import (
    LearnerError,
    call_learner,
    compare_arrays,
    failed,
    passed,
)
from rnntutor.validation import check_array, check_same_size


def test_auto_device_is_available_device():
    device = rnntutor.get_device("auto")
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else ("mps" if torch.backends.mps.is_available() else "cpu")
    )
    assert device.type == expected
    torch.zeros(1, device=device)  # usable


def test_cpu_device_and_torch_device_input():
    assert rnntutor.get_device("cpu") == torch.device("cpu")
    assert rnntutor.get_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_cuda_without_gpu_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no CUDA GPU is available"):
        rnntutor.get_device("cuda")


def test_unknown_device_is_rejected():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        rnntutor.get_device("tpu")
    with pytest.raises(TypeError, match="device must be a string"):
        rnntutor.get_device(3)


def test_seed_everything_reproduces_python_numpy_and_torch():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    rnntutor.seed_everything(123)
    first = draw()
    rnntutor.seed_everything(123)
    assert draw() == first
    rnntutor.seed_everything(124)
    assert draw() != first
    with pytest.raises(TypeError, match="seed must be an int"):
        rnntutor.seed_everything(1.5)


def test_check_array_shape_messages_name_expected_and_given():
    x = np.zeros((2, 3, 4))
    assert check_array(x, "x", shape=("B", "T", 4)) is x
    with pytest.raises(
        ValueError,
        match=r"x must have shape \(B, T, 5\), got shape \(2, 3, 4\)",
    ):
        check_array(x, "x", shape=("B", "T", 5))
    with pytest.raises(ValueError, match=r"3 dims\), got shape \(3, 4\)"):
        check_array(np.zeros((3, 4)), "x", shape=("B", "T", 4))


def test_check_array_dtype_and_finiteness():
    with pytest.raises(TypeError, match="dtype"):
        check_array(np.array(["a"]), "x", dtypes=("f",))
    with pytest.raises(TypeError, match="numeric array, got dtype object"):
        check_array(np.array([None]), "x")
    with pytest.raises(ValueError, match="1 non-finite"):
        check_array(np.array([0.0, np.nan]), "x")
    check_array(np.array([0.0, np.inf]), "x", finite=False)


def test_check_same_size():
    assert check_same_size({"x": 4, "h0": 4}, "batch sizes") == 4
    with pytest.raises(ValueError, match="mismatched batch sizes: x=4, h0=3"):
        check_same_size({"x": 4, "h0": 3}, "batch sizes")


def test_checker_helpers_print_verdicts(capsys):
    assert passed("Exercise 1")
    assert not failed("Exercise 1", "wrong shape", hint="transpose?")
    out = capsys.readouterr().out
    assert "✅ Exercise 1: correct." in out
    assert "❌ Exercise 1: wrong shape" in out and "Hint: transpose?" in out


def test_call_learner_turns_exceptions_into_messages():
    def stub():
        raise NotImplementedError

    with pytest.raises(LearnerError, match="not implemented yet"):
        call_learner(stub)
    with pytest.raises(LearnerError, match="ZeroDivisionError"):
        call_learner(lambda: 1 / 0)
    assert call_learner(lambda a: a + 1, 1) == 2


def test_compare_arrays_reports_shape_and_first_difference():
    expected = np.arange(6.0).reshape(2, 3)
    assert compare_arrays(expected.copy(), expected, "output") is None
    assert "shape (3, 2), expected (2, 3)" in compare_arrays(
        expected.T, expected, "output"
    )
    wrong = expected.copy()
    wrong[1, 2] = -1
    assert "first at index (1, 2)" in compare_arrays(wrong, expected, "output")


def test_show_source_displays_the_package_code(capsys):
    rnntutor.show_source(rnntutor.seed_everything)
    assert "Markdown object" in capsys.readouterr().out
