"""Every chapter's exercises follow the course design, and every hidden solution passes its checker.

The solutions are markdown dropdowns, never executed in the chapters (so Run All cannot
overwrite a learner's function, nor print a ✅ under the stub); this test executes each
one after the chapter's import cell and runs the exercise's own checker call on it.
"""

import contextlib
import io
import sys
from pathlib import Path

import matplotlib
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import course  # noqa: E402

CHAPTERS = [p for p in course.chapters() if p.stem[:1].isdigit()]
EXERCISES = [(p, ex) for p in CHAPTERS for ex in course.exercises(p)]


def _import_cell(path: Path) -> str:
    """The chapter's import cell: its first code cell that imports rnntutor (after the install cell)."""
    cells = nbformat.read(path, as_version=4).cells
    return next(
        c.source
        for c in cells
        if c.cell_type == "code"
        and ("import rnntutor" in c.source or "from rnntutor" in c.source)
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_has_five_checked_exercises_with_hidden_solutions(path):
    nb = nbformat.read(path, as_version=4)
    assert len(course.exercises(path)) >= 5
    for i, cell in enumerate(nb.cells):
        tags = course.tags(cell)
        if "solution" in tags:
            assert cell.cell_type == "markdown", (
                f"cell {i}: a solution is a markdown dropdown, never executed"
            )
            assert ":class: dropdown" in cell.source, (
                f"cell {i}: a solution must be collapsed"
            )
        if "exercise" in tags:
            text = "".join(o.get("text", "") for o in cell.get("outputs", []))
            assert "not implemented yet" in text, (
                f"cell {i}: the committed exercise output is the unsolved stub"
            )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_open_questions_have_model_answers(path):
    nb = nbformat.read(path, as_version=4)
    answers = [
        c
        for c in nb.cells
        if "solution" in course.tags(c) and course.solution_code(c) is None
    ]
    assert answers, (
        "an open question needs a model answer in a `solution` dropdown"
    )


@pytest.mark.parametrize(
    "path, exercise",
    EXERCISES,
    ids=[f"{p.stem}-ex{ex.number}" for p, ex in EXERCISES] or None,
)
def test_the_hidden_solution_passes_its_checker(
    path, exercise, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RNNTUTOR_PROGRESS", "0")
    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(
            compile(_import_cell(path), f"{path.stem}:imports", "exec"),
            namespace,
        )
        exec(
            compile(
                exercise.solution,
                f"{path.stem}:solution{exercise.number}",
                "exec",
            ),
            namespace,
        )
        exec(
            compile(
                exercise.check, f"{path.stem}:check{exercise.number}", "exec"
            ),
            namespace,
        )
    text = out.getvalue()
    assert "✅" in text and "❌" not in text, text


def test_intro_states_the_number_of_checked_exercises():
    import json
    import re

    book = Path(__file__).resolve().parents[1] / "book"
    count = sum(
        "exercise" in cell.get("metadata", {}).get("tags", [])
        for path in book.glob("*.ipynb")
        for cell in json.loads(path.read_text())["cells"]
    )
    intro = (book / "intro.md").read_text()
    stated = re.search(r"at least five per chapter and (\d+) in all", intro)
    assert stated, "intro.md no longer states the number of coding exercises"
    assert int(stated.group(1)) == count, (
        f"intro.md says {stated.group(1)} coding exercises, the chapters have "
        f"{count} cells tagged 'exercise'"
    )
