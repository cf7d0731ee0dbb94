"""The course kit: student handouts and an nbgrader course, built from the book's exercise tags.

    python scripts/course.py handout   [--out _build/handout]    # notebooks without solutions, and a zip
    python scripts/course.py nbgrader  [--out _build/nbgrader]   # an nbgrader course in its source/ layout

How the chapters mark their exercises (CONTRIBUTING.md, "Exercises"):

- a code cell tagged ``exercise`` holds the learner's stub and, as its last statement, the
  checker call, e.g. ``ex.check_gru_step(gru_step)``;
- the next cell tagged ``solution`` is a markdown dropdown holding the solution in a
  ```` ```python ```` block (never executed in the chapter, so Run All cannot overwrite the
  learner's function; tests/test_solutions.py runs it against the checker);
- open questions' model answers are ``solution`` markdown cells without an exercise cell.

The handout removes every ``solution`` cell (nbconvert's TagRemovePreprocessor, which must be
*enabled* explicitly) and clears the outputs of the ``exercise`` cells. The nbgrader course
turns each exercise cell into an autograded answer cell (solution between nbgrader's
``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers) followed by a locked test cell
``assert <checker call>`` worth the exercise's points.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
EXERCISE, SOLUTION = "exercise", "solution"
CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
DEFAULT_POINTS = 1


@dataclass
class Exercise:
    """One checked exercise of a notebook: where it is, the learner's stub, the solution."""

    notebook: str  # file stem, e.g. "02_gate_equations"
    number: int  # 1, 2, ... in the order of the notebook
    cell: int  # index of the exercise cell
    stub: str  # the exercise cell's source (stub + checker call)
    check: str  # the checker call, e.g. "ex.check_gru_step(gru_step)"
    solution: str  # the solution code from the following solution cell
    points: int


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def chapters(root: Path = ROOT) -> list[Path]:
    """The notebooks of the book, in the order of _toc.yml."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [
        ch["file"]
        for part in toc.get("parts", [])
        for ch in part.get("chapters", [])
    ]
    return [
        root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()
    ]


def checker_call(source: str) -> str:
    """The statements of an exercise cell that are not the learner's definitions or imports."""
    tree = ast.parse(source)
    keep = [
        node
        for node in tree.body
        if not isinstance(
            node,
            (
                ast.FunctionDef,
                ast.AsyncFunctionDef,
                ast.ClassDef,
                ast.Import,
                ast.ImportFrom,
            ),
        )
    ]
    return "\n".join(ast.unparse(node) for node in keep)


def solution_code(cell) -> str | None:
    """The ```python block of a solution markdown cell (None for a model answer in prose)."""
    blocks = (
        CODE_BLOCK.findall(cell.source) if cell.cell_type == "markdown" else []
    )
    return (
        "\n".join(block.rstrip() + "\n" for block in blocks)
        if blocks
        else None
    )


def exercises(path: Path) -> list[Exercise]:
    """The checked exercises of one notebook, each paired with the solution cell that follows it."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or EXERCISE not in tags(cell):
            continue
        solution = None
        for later in nb.cells[i + 1 :]:
            if later.cell_type == "code" and EXERCISE in tags(later):
                break
            if (
                SOLUTION in tags(later)
                and (solution := solution_code(later)) is not None
            ):
                break
        if solution is None:
            raise ValueError(
                f"{path.name}: exercise cell {i} has no solution cell with a ```python block after it"
            )
        points = int(
            cell.metadata.get("rnntutor", {}).get("points", DEFAULT_POINTS)
        )
        found.append(
            Exercise(
                path.stem,
                len(found) + 1,
                i,
                cell.source,
                checker_call(cell.source),
                solution,
                points,
            )
        )
    return found


class ClearExerciseOutputs(Preprocessor):
    """Clear the outputs and execution counts of the cells tagged ``exercise``."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and EXERCISE in tags(cell):
            cell.outputs = []
            cell.execution_count = None
        return cell, resources


def handout_notebook(path: Path):
    """The student version of one notebook: no solutions, no model answers, empty exercise outputs."""
    nb = nbformat.read(path, as_version=4)
    resources: dict = {}
    remove = TagRemovePreprocessor(enabled=True, remove_cell_tags={SOLUTION})
    nb, resources = remove.preprocess(nb, resources)
    nb, resources = ClearExerciseOutputs().preprocess(nb, resources)
    return nb


def build_handout(out: Path, root: Path = ROOT) -> Path:
    """Write the handout notebooks to ``out`` and zip them as ``out.zip``; return the zip's path."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    names = []
    for path in chapters(root):
        nbformat.write(handout_notebook(path), out / path.name)
        names.append(path.name)
    (out / "README.md").write_text(
        "# rnntutor: student notebooks\n\n"
        "Each chapter ends with exercises. Fill in each function where it says `# YOUR CODE HERE`\n"
        "and run the cell: the checker below it says what is right or wrong. The first cell of\n"
        "each notebook installs the companion package where it is missing.\n\n"
        + "".join(f"- {name}\n" for name in names)
    )
    archive = shutil.make_archive(
        str(out), "zip", root_dir=out.parent, base_dir=out.name
    )
    return Path(archive)


def _answer_cell(exercise: Exercise):
    """The nbgrader answer cell: the stub's signature with the solution body between markers."""
    stub_defs = {
        n.name: n
        for n in ast.parse(exercise.stub).body
        if isinstance(n, ast.FunctionDef)
    }
    solution = ast.parse(exercise.solution)
    defs = [n for n in solution.body if isinstance(n, ast.FunctionDef)]
    lines = exercise.solution.splitlines()
    if (
        len(solution.body) == 1
        and len(defs) == 1
        and defs[0].name in stub_defs
    ):
        fn = defs[0]
        body_start = fn.body[0].lineno - 1
        if isinstance(fn.body[0], ast.Expr) and isinstance(
            getattr(fn.body[0], "value", None), ast.Constant
        ):
            body_start = fn.body[0].end_lineno  # keep the docstring visible
        indent = re.match(r"\s*", lines[fn.body[-1].lineno - 1]).group(0)
        source = "\n".join(
            lines[:body_start]
            + [f"{indent}### BEGIN SOLUTION"]
            + lines[body_start : fn.end_lineno]
            + [f"{indent}### END SOLUTION"]
        )
    else:
        source = (
            "### BEGIN SOLUTION\n"
            + exercise.solution.rstrip()
            + "\n### END SOLUTION"
        )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": f"ex{exercise.number}-answer",
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    return cell


def _test_cell(exercise: Exercise):
    """The locked autograder cell: the checker's verdict must be true."""
    cell = nbformat.v4.new_code_cell(f"assert {exercise.check}")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": f"ex{exercise.number}-tests",
        "locked": True,
        "points": exercise.points,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    return cell


def nbgrader_notebook(path: Path):
    """One chapter as an nbgrader source notebook."""
    nb = nbformat.read(path, as_version=4)
    by_cell = {ex.cell: ex for ex in exercises(path)}
    cells = []
    for i, cell in enumerate(nb.cells):
        if SOLUTION in tags(cell):
            continue  # the solutions live in the answer cells; model answers stay with the instructor
        if i in by_cell:
            cells += [_answer_cell(by_cell[i]), _test_cell(by_cell[i])]
            continue
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    return nb


def build_nbgrader(
    out: Path, root: Path = ROOT, only: list[str] | None = None
) -> Path:
    """Write an nbgrader course (``nbgrader_config.py`` and ``source/<chapter>/<chapter>.ipynb``)."""
    if out.exists():
        shutil.rmtree(out)
    (out / "source").mkdir(parents=True)
    for path in chapters(root):
        if only and path.stem not in only:
            continue
        if not exercises(path):
            continue
        folder = out / "source" / path.stem
        folder.mkdir()
        nbformat.write(nbgrader_notebook(path), folder / path.name)
    (out / "nbgrader_config.py").write_text(
        "# nbgrader course made by scripts/course.py from the rnntutor book.\n"
        "c = get_config()  # noqa: F821\n"
        "c.CourseDirectory.root = __file__.rsplit('/', 1)[0]\n"
        "c.CourseDirectory.course_id = 'rnntutor'\n"
        "c.ExecutePreprocessor.timeout = 600\n"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    handout = sub.add_parser(
        "handout", help="student notebooks without solutions, and a zip"
    )
    handout.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "handout"
    )
    grader = sub.add_parser(
        "nbgrader", help="an nbgrader course in its source/ layout"
    )
    grader.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "nbgrader"
    )
    grader.add_argument(
        "--only",
        nargs="*",
        help="chapter file stems to include (default: all)",
    )
    args = parser.parse_args(argv)
    if args.command == "handout":
        archive = build_handout(args.out)
        print(f"handout: {args.out}/ and {archive}")
    else:
        out = build_nbgrader(args.out, only=args.only)
        print(
            f"nbgrader course: {out} (source/ has {len(list((out / 'source').iterdir()))} assignments)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
