"""The shared checker toolkit: robust reading of any learner return, dtype-aware tolerances, constraints."""

import numpy as np
import pytest
import torch

from rnntutor.exercises import (
    LearnerError,
    Verdict,
    call_learner,
    checker,
    compare_result,
    learner_array,
    learner_number,
    passed,
    readonly,
    readonly_dict,
    uses_python_loop,
)

EXPECTED = np.random.default_rng(0).normal(size=(3, 5))

MALFORMED = [
    None,
    "A",
    {"h": 1},
    (1, 2),
    [[1, 2], [3]],
    np.ones((3, 5), dtype=bool),
    np.ones((5, 3)),
    np.full((3, 5), np.inf),
    np.full((3, 5), np.nan),
    10**100,
    np.array(["A"]),
    object(),
    1j * np.ones((3, 5)),
]


@pytest.mark.parametrize("bad", MALFORMED, ids=lambda b: type(b).__name__)
def test_compare_result_gives_a_message_for_every_malformed_return(bad):
    problem = compare_result(bad, EXPECTED, "your h")
    assert problem is not None and isinstance(problem[0], str) and problem[0]


def test_compare_result_names_a_transpose_and_a_reshape():
    why, hint = compare_result(EXPECTED.T, EXPECTED, "your h")
    assert "shape (5, 3), expected (3, 5)" in why and "transposed" in hint
    why, hint = compare_result(EXPECTED.reshape(15), EXPECTED, "your h")
    assert "wrong shape" in hint


def test_tolerance_follows_the_learners_dtype():
    assert compare_result(EXPECTED.astype(np.float32), EXPECTED, "h") is None
    assert (
        compare_result(
            torch.tensor(EXPECTED, dtype=torch.float32), EXPECTED, "h"
        )
        is None
    )
    assert compare_result(torch.tensor(EXPECTED), EXPECTED, "h") is None
    assert (
        compare_result(
            torch.tensor(EXPECTED).to(torch.bfloat16), EXPECTED, "h"
        )
        is not None
    )  # 3 digits only
    rounded = EXPECTED.astype(np.float32).astype(
        np.float64
    )  # float64 array, float32 accuracy
    why, hint = compare_result(rounded, EXPECTED, "your h")
    assert "only to float32 precision" in why and "float32" in hint
    why, _ = compare_result(EXPECTED + 0.1, EXPECTED, "your h")
    assert "differs" in why and "15 of 15" in why


def test_compare_result_recognises_a_named_mistake_in_either_precision():
    mistakes = [(-EXPECTED, "the sign is flipped.", "hint")]
    assert compare_result(-EXPECTED, EXPECTED, "h", mistakes) == (
        "the sign is flipped.",
        "hint",
    )
    assert (
        compare_result(
            (-EXPECTED).astype(np.float32), EXPECTED, "h", mistakes
        )[0]
        == "the sign is flipped."
    )


def test_learner_array_reads_lists_ints_and_tensors():
    arr, problem = learner_array([[1, 2], [3, 4]], "x", (2, 2))
    assert problem is None and arr.tolist() == [[1, 2], [3, 4]]
    arr, problem = learner_array(
        torch.ones(2, requires_grad=True) * 2, "x", (2,)
    )
    assert problem is None and arr.tolist() == [2.0, 2.0]


@pytest.mark.parametrize(
    "got, integer, message",
    [
        (None, False, "returned None"),
        (True, True, "boolean"),
        ("3", True, "should be a number"),
        ([1, 2], True, "should be a number"),
        (np.arange(3), True, "single number"),
        (float("inf"), False, "finite"),
        (float("nan"), False, "finite"),
        (2.5, True, "whole number"),
        ({"n": 1}, True, "should be a number"),
    ],
)
def test_learner_number_refuses_with_a_message(got, integer, message):
    value, problem = learner_number(got, "the count", integer=integer)
    assert value is None and message in problem[0]


def test_learner_number_accepts_numpy_torch_and_huge_ints():
    assert learner_number(np.int64(7), "n", integer=True) == (7, None)
    assert learner_number(torch.tensor(7.0), "n", integer=True) == (7, None)
    assert learner_number(np.array([2.5]), "x") == (2.5, None)
    assert learner_number(10**100, "n", integer=True) == (10**100, None)


def test_readonly_inputs_turn_mutation_into_a_clear_message():
    (h,) = readonly(np.zeros(3))
    params = readonly_dict({"w": np.ones(2), "name": "gru"})
    assert params["name"] == "gru" and not params["w"].flags.writeable

    def mutate(h):
        h *= 2
        return h

    with pytest.raises(
        LearnerError, match="modified one of its input arrays in place"
    ):
        call_learner(mutate, h)


def test_uses_python_loop_inspects_the_source():
    def looped(a):
        out = []
        for x in a:
            out.append(x)
        return out

    def comprehension(a):
        return [x for x in a]

    def vectorised(a):
        return np.cumsum(a)

    assert uses_python_loop(looped) and uses_python_loop(comprehension)
    assert uses_python_loop(vectorised) is False
    assert (
        uses_python_loop(len) is None
    )  # a built-in: no Python source to read


def test_checker_decorator_never_raises(capsys):
    @checker("Demo")
    def check_demo(fn):
        value = fn()
        return (
            passed("Demo") if value[0] == 1 else Verdict(False)
        )  # breaks on an int

    assert check_demo(lambda: [1]) == True  # noqa: E712
    assert check_demo(lambda: 3) == False  # noqa: E712
    assert "could not be checked" in capsys.readouterr().out
    assert check_demo("not a function") == False  # noqa: E712
    assert check_demo() == False  # noqa: E712
    assert "pass your function itself" in capsys.readouterr().out


def test_a_right_answer_in_torch_gets_no_warning_about_read_only_inputs():
    """The checkers pass read-only arrays; torch.as_tensor of one warns (a UserWarning).

    torch warns once per process, so each case runs in a fresh interpreter.
    """
    import subprocess
    import sys

    program = """
import warnings
import numpy as np
import torch
from rnntutor.exercises import checker, readonly

@checker("demo")
def check_double(fn):
    (x,) = readonly(np.arange(3.0))
    return bool(np.allclose(np.asarray(fn(x)), 2 * x))

warnings.simplefilter("error")
{call}
"""
    inside = "assert check_double(lambda x: torch.as_tensor(x) * 2)"
    outside = "torch.as_tensor(readonly(np.arange(3.0))[0])"
    results = [
        subprocess.run(
            [sys.executable, "-c", program.replace("{call}", call)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        for call in (inside, outside)
    ]
    assert results[0].returncode == 0, results[0].stderr[-1000:]
    # the same call outside a checker does warn (an error here)
    assert results[1].returncode != 0 and "not writable" in results[1].stderr
