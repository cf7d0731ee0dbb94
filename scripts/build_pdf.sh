#!/usr/bin/env bash
# Build a PDF of the whole book, offline: _build/pdf/rnntutor.pdf.
# Jupyter Book's singlehtml builder makes the book one page (from the committed,
# executed notebooks, warnings as errors); headless Chromium prints it on A4 with the
# site's print stylesheet; pdftotext then checks that every chapter title is in the PDF.
# Needs Debian's chromium and poppler-utils (scripts/check.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
RNNTUTOR_BUILDER=singlehtml bash scripts/build_book.sh
.venv/bin/python scripts/build_pdf.py _build/singlehtml _build/pdf/rnntutor.pdf
echo "PDF built in $((SECONDS - start)) s: file://$(pwd)/_build/pdf/rnntutor.pdf"
