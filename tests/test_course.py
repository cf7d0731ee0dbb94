"""The course kit (scripts/course.py): handouts without solutions, and an nbgrader course graded by nbgrader."""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import course  # noqa: E402

SETUP = "import numpy as np\n\nfrom rnntutor.exercises import gates as ex"
STUB = """def lstm_param_count(input_size, hidden_size):
    # YOUR CODE HERE
    raise NotImplementedError


ex.check_lstm_param_count(lstm_param_count)"""
SOLUTION = """def lstm_param_count(input_size, hidden_size):
    gates = 4
    return gates * (hidden_size * (input_size + hidden_size) + 2 * hidden_size)
"""


def _solution_cell(code: str, title: str = "Solution"):
    body = f":::{{admonition}} {title}\n:class: dropdown\n\n```python\n{code}```\n\nWhy: four gate blocks.\n:::"
    return nbformat.v4.new_markdown_cell(body, metadata={"tags": ["solution"]})


def _mini_book(root: Path) -> Path:
    """A one-chapter book with one checked exercise and one open question."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Mini chapter"),
        nbformat.v4.new_code_cell("print('install cell')"),
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_markdown_cell(
            "### Exercise 1: count an LSTM's parameters"
        ),
        nbformat.v4.new_code_cell(STUB, metadata={"tags": ["exercise"]}),
        _solution_cell(SOLUTION),
        nbformat.v4.new_markdown_cell(
            "### Exercise 2 (to think about)\n\nWhy four blocks?"
        ),
        nbformat.v4.new_markdown_cell(
            ":::{admonition} Model answer\n:class: dropdown\n\nOne per gate and one for g.\n:::",
            metadata={"tags": ["solution"]},
        ),
    ]
    nb.cells[4].outputs = [
        nbformat.v4.new_output(
            "stream", name="stdout", text="❌ not implemented yet\n"
        )
    ]
    (root / "book").mkdir(parents=True)
    nbformat.write(nb, root / "book" / "mini.ipynb")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n  - chapters:\n      - file: book/mini\n"
    )
    return root / "book" / "mini.ipynb"


def test_exercises_pair_each_exercise_cell_with_its_solution(tmp_path):
    path = _mini_book(tmp_path)
    (found,) = course.exercises(path)
    assert found.check == "ex.check_lstm_param_count(lstm_param_count)"
    assert (
        found.solution == SOLUTION and found.number == 1 and found.points == 1
    )


def test_an_exercise_without_a_solution_is_an_error(tmp_path):
    path = _mini_book(tmp_path)
    nb = nbformat.read(path, as_version=4)
    del nb.cells[5]
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="no solution cell"):
        course.exercises(path)


def test_handout_removes_solutions_and_model_answers_and_clears_exercise_outputs(
    tmp_path,
):
    _mini_book(tmp_path / "book_root")
    archive = course.build_handout(
        tmp_path / "handout", root=tmp_path / "book_root"
    )
    nb = nbformat.read(tmp_path / "handout" / "mini.ipynb", as_version=4)
    text = json.dumps(nb)
    assert (
        "hidden_size * (input_size + hidden_size)" not in text
        and "Model answer" not in text
    )
    assert not any("solution" in course.tags(c) for c in nb.cells)
    (exercise,) = [c for c in nb.cells if "exercise" in course.tags(c)]
    assert (
        exercise.outputs == []
        and "raise NotImplementedError" in exercise.source
    )
    assert sorted(zipfile.ZipFile(archive).namelist()) == [
        "handout/",
        "handout/README.md",
        "handout/mini.ipynb",
    ]


def test_the_book_handout_has_no_solution_cell_and_keeps_every_checker(
    tmp_path,
):
    course.build_handout(tmp_path / "handout")
    for path in course.chapters():
        handout = nbformat.read(tmp_path / "handout" / path.name, as_version=4)
        text = "\n".join(c.source for c in handout.cells)
        assert not any("solution" in course.tags(c) for c in handout.cells), (
            path.name
        )
        book = nbformat.read(path, as_version=4)
        elsewhere = "\n".join(
            c.source for c in book.cells if "solution" not in course.tags(c)
        )
        for exercise in course.exercises(path):
            assert exercise.check in text, (path.name, exercise.check)
            # lines of the solution that the chapter does not show anywhere else must be gone
            own = [
                ln
                for ln in exercise.solution.splitlines()
                if len(ln.strip()) > 12 and ln not in elsewhere
            ]
            assert own and not any(line in text for line in own), (
                path.name,
                exercise.number,
            )


def _nbgrader(course_dir: Path, *args: str) -> subprocess.CompletedProcess:
    # nbgrader runs `alembic` from PATH for its gradebook: put this environment's scripts first
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    return result


def _submit(
    course_dir: Path,
    assignment: str,
    name: str,
    student: str,
    wrong: int | None = None,
) -> None:
    """A submission: the released notebook with every answer cell filled from the source (one wrong)."""
    source = nbformat.read(
        course_dir / "source" / assignment / name, as_version=4
    )
    answers = {
        c.metadata["nbgrader"]["grade_id"]: re.sub(
            r"(?m)^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", c.source
        )
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    released = nbformat.read(
        course_dir / "release" / assignment / name, as_version=4
    )
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id in answers:
            cell.source = answers[grade_id]
            if wrong is not None and grade_id == f"ex{wrong}-answer":
                header = cell.source.split("\n", 1)[
                    0
                ]  # keep the signature, return nonsense
                cell.source = (
                    header + "\n    return None\n"
                    if header.startswith("def ")
                    else "pass"
                )
    folder = course_dir / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(released, folder / name)


def _score(
    course_dir: Path, assignment: str, student: str
) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        submission = gb.find_submission(assignment, student)
        return submission.score, submission.max_score


def test_nbgrader_releases_no_solution_and_grades_right_and_wrong_answers(
    tmp_path,
):
    chapter = "02_gate_equations"
    name = f"{chapter}.ipynb"
    course_dir = course.build_nbgrader(tmp_path / "course", only=[chapter])
    exercises = course.exercises(ROOT / "book" / name)
    assert len(exercises) >= 5

    _nbgrader(course_dir, "generate_assignment", chapter, "--force")
    released = (course_dir / "release" / chapter / name).read_text()
    assert "BEGIN SOLUTION" not in released and "YOUR CODE HERE" in released
    for exercise in exercises:
        body = [
            line
            for line in exercise.solution.splitlines()[1:]
            if len(line.strip()) > 12
        ]
        assert not any(line in released for line in body), exercise.number
        assert exercise.check in released

    _submit(course_dir, chapter, name, "alice")
    _submit(course_dir, chapter, name, "bob", wrong=1)
    _nbgrader(course_dir, "autograde", chapter, "--force")
    full = sum(e.points for e in exercises)
    assert _score(course_dir, chapter, "alice") == (full, full)
    assert _score(course_dir, chapter, "bob") == (
        full - exercises[0].points,
        full,
    )


def test_command_line_writes_both_outputs(tmp_path):
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert course.main(["handout", "--out", str(tmp_path / "h")]) == 0
    assert (tmp_path / "h.zip").is_file()
    assert (
        course.main(
            [
                "nbgrader",
                "--out",
                str(tmp_path / "g"),
                "--only",
                "01_background",
            ]
        )
        == 0
    )
    assert (tmp_path / "g" / "nbgrader_config.py").is_file()


def test_handout_code_cells_are_exactly_the_books_code_cells(tmp_path):
    """The handout only drops markdown solutions and clears exercise outputs: its code is the book's.

    nbval runs every code cell of the book and compares the exercise cells' committed
    output ("not implemented yet"), so together with this test it proves that every
    handout notebook runs top to bottom with each exercise reporting "not implemented yet".
    """
    course.build_handout(tmp_path / "handout")
    for path in course.chapters():
        book = nbformat.read(path, as_version=4)
        handout = nbformat.read(tmp_path / "handout" / path.name, as_version=4)
        assert [c.source for c in handout.cells if c.cell_type == "code"] == [
            c.source for c in book.cells if c.cell_type == "code"
        ], path.name
        for cell in book.cells:
            if "exercise" in course.tags(cell):
                text = "".join(o.get("text", "") for o in cell.outputs)
                assert "not implemented yet" in text and "✅" not in text, (
                    path.name,
                    cell.source[:80],
                )


def test_a_handout_notebook_runs_and_each_exercise_reports_not_implemented(
    tmp_path,
):
    """A student's first Run All, executed for real on Chapter 2: no error, every exercise unsolved."""
    from nbclient import NotebookClient

    course.build_handout(tmp_path / "handout")
    name = "02_gate_equations.ipynb"
    nb = nbformat.read(tmp_path / "handout" / name, as_version=4)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    exercises = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, (cell.source[:200], errors[:1])
        if "exercise" in course.tags(cell):
            exercises += 1
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "not implemented yet" in text and "✅" not in text, (
                cell.source[:200],
                text,
            )
    assert exercises >= 5
