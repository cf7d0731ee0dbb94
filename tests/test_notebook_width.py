"""Every line the site shows as code fits the code box: at most 79 characters.

On the site a code or output block wider than its box scrolls sideways (the browser
check, scripts/browser_check.py, measures this on the built pages). This test is the fast,
static version on the notebooks themselves, so a long line is caught before a build:

- every line of every code cell's source;
- every line of a stored text output: stream outputs (print), and the ``text/plain`` of an
  execute result or display that has no richer representation (html, image, markdown,
  widget) which the site would show instead;
- every line inside a fenced code block of a markdown cell (the exercises' solutions show
  their code this way) or of a ``text/markdown`` output (``rnntutor.show_source`` shows
  the package's code this way), other than MyST directives (```{admonition} and the like);
- every line inside a fenced code block of the book's markdown pages (book/*.md).

Length is counted in characters, not bytes, after expanding tabs and dropping ANSI colour
codes. The limit is the notebooks' ruff line length (book/ruff.toml).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
MAX_CHARS = 79

# mime types that myst-nb renders in place of text/plain when a bundle has them
RICHER = (
    "text/html",
    "text/markdown",
    "text/latex",
    "image/",
    "application/vnd.jupyter.widget-view+json",
)
# ... and in place of text/markdown
MARKDOWN_RICHER = (
    "text/html",
    "image/",
    "application/vnd.jupyter.widget-view+json",
)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def shown_width(line: str) -> int:
    """Characters a line takes in a code box: tabs expanded, ANSI codes dropped, ``\\r`` overwrites."""
    line = ANSI.sub("", line).rstrip("\r").split("\r")[-1]
    return len(line.expandtabs(8))


def fenced_code(markdown: str) -> list[str]:
    """Lines inside the markdown's fenced code blocks, MyST directives (```{name}) left out."""
    lines: list[str] = []
    closing = (
        None  # the fence that closes the open block, or None outside a block
    )
    directive = False
    for line in markdown.splitlines():
        match = FENCE.match(line)
        if closing is None:
            if match:
                closing = match["fence"]
                directive = match["info"].strip().startswith("{")
            continue
        if (
            match
            and match["fence"][0] == closing[0]
            and len(match["fence"]) >= len(closing)
            and not match["info"].strip()
        ):
            closing = None
            continue
        if not directive:
            lines.append(line)
    return lines


def shown_lines(cell: dict) -> list[tuple[str, str]]:
    """(where, line) for each line of ``cell`` that the site shows in a code or output box."""
    if cell["cell_type"] == "markdown":
        return [
            ("code in markdown", line)
            for line in fenced_code(_text(cell["source"]))
        ]
    if cell["cell_type"] != "code":
        return []
    lines = [("source", line) for line in _text(cell["source"]).splitlines()]
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            lines += [
                (f"{output['name']} output", line)
                for line in _text(output["text"]).splitlines()
            ]
        elif output["output_type"] in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "text/plain" in data and not any(
                mime.startswith(RICHER) for mime in data
            ):
                lines += [
                    ("text/plain output", line)
                    for line in _text(data["text/plain"]).splitlines()
                ]
            elif "text/markdown" in data and not any(
                mime.startswith(MARKDOWN_RICHER) for mime in data
            ):
                lines += [
                    ("code in markdown output", line)
                    for line in fenced_code(_text(data["text/markdown"]))
                ]
        elif output["output_type"] == "error":
            lines += [
                ("error output", line) for line in output.get("traceback", [])
            ]
    return lines


def long_lines(notebook: Path) -> list[str]:
    """One message per shown line of ``notebook`` longer than MAX_CHARS."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for index, cell in enumerate(cells):
        for where, line in shown_lines(cell):
            width = shown_width(line)
            if width > MAX_CHARS:
                found.append(
                    f"{notebook.name} cell {index} {where}, {width} chars: {line.strip()[:90]!r}"
                )
    return found


def test_fenced_code_keeps_code_and_leaves_out_directives():
    markdown = "text\n```{admonition} Note\nprose\n```\n````python\nx = 1\n```\ny = 2\n````\nafter\n"
    assert fenced_code(markdown) == ["x = 1", "```", "y = 2"]


def test_width_counts_characters_not_bytes():
    assert shown_width("é" * 79) == 79
    assert shown_width("\tx") == 9
    assert shown_width("\x1b[31mred\x1b[0m") == 3
    assert shown_width("progress 10%\rprogress 100%") == len("progress 100%")


def test_richer_outputs_are_not_counted():
    long = "x" * 200
    cell = {
        "cell_type": "code",
        "source": "f()",
        "outputs": [
            {
                "output_type": "display_data",
                "data": {"text/plain": long, "image/png": "..."},
            },
            {"output_type": "execute_result", "data": {"text/plain": long}},
            {
                "output_type": "stream",
                "name": "stdout",
                "text": ["short\n", long],
            },
            {
                "output_type": "display_data",
                "data": {
                    "text/plain": "<md>",
                    "text/markdown": f"```python\n{long}\n```",
                },
            },
            {
                "output_type": "display_data",
                "data": {
                    "text/html": long,
                    "text/markdown": f"```\n{long}\n```",
                },
            },
        ],
    }
    assert [where for where, line in shown_lines(cell) if line == long] == [
        "text/plain output",
        "stdout output",
        "code in markdown output",
    ]


@pytest.mark.parametrize(
    "notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS]
)
def test_shown_lines_fit_79_characters(notebook):
    found = long_lines(notebook)
    assert not found, (
        f"{len(found)} line(s) longer than {MAX_CHARS} characters:\n"
        + "\n".join(found)
    )


PAGES = sorted(BOOK.glob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_code_in_markdown_pages_fits_79_characters(page):
    found = [
        f"{page.name}, {shown_width(line)} chars: {line.strip()[:90]!r}"
        for line in fenced_code(page.read_text(encoding="utf-8"))
        if shown_width(line) > MAX_CHARS
    ]
    assert not found, (
        f"{len(found)} line(s) longer than {MAX_CHARS} characters:\n"
        + "\n".join(found)
    )
