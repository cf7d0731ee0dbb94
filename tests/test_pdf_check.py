"""The PDF check of scripts/build_pdf.py: it knows every title and finds them in a PDF's text."""

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def build_pdf():
    pytest.importorskip("playwright")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(
            "build_pdf", ROOT / "scripts" / "build_pdf.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return module


def test_toc_titles_are_the_first_heading_of_every_page(build_pdf):
    titles = build_pdf.toc_titles()
    book = sorted((ROOT / "book").glob("*.ipynb")) + sorted(
        (ROOT / "book").glob("*.md")
    )
    assert len(titles) == len(
        book
    )  # every page of book/ is in the table of contents
    assert "Training on several GPUs or machines with torchrun" in titles
    first = json.loads((ROOT / "book" / "01_background.ipynb").read_text())[
        "cells"
    ]
    heading = next(
        line
        for c in first
        if c["cell_type"] == "markdown"
        for line in c["source"]
        if line.startswith("# ")
    )
    assert heading[2:].strip() in titles


@pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="needs pdftotext (Debian poppler-utils)",
)
def test_missing_titles_reads_the_pdf(build_pdf, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.3, 11.7))
    fig.text(
        0.1, 0.8, "1. Reading images as se-"
    )  # a title broken across lines
    fig.text(0.1, 0.75, "quences, with RNNs")
    fig.text(0.1, 0.6, "FAQ & glossary")
    pdf = tmp_path / "book.pdf"
    fig.savefig(pdf)
    plt.close(fig)
    titles = [
        "Reading images as sequences, with RNNs",
        "FAQ & glossary",
        "Image generation",
    ]
    assert build_pdf.missing_titles(pdf, titles) == ["Image generation"]
