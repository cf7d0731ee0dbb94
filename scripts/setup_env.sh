#!/usr/bin/env bash
# Create (or update) the virtual environment .venv with the package and everything
# needed to build the book and run the checks. Called by build_book.sh and check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)

# torch first. Where pip is configured with a local CPU wheel of torch (the project's
# development and CI machines), take it: a bare `torch` requirement would pull several
# GB of CUDA wheels. Elsewhere this finds nothing and pip installs the normal torch below.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  "${PIP[@]}" --no-index --no-deps "torch==2.13.0" 2>/dev/null \
    && echo "==> torch 2.13.0 (CPU) installed from the local wheel" \
    || echo "==> no local torch wheel: installing torch from the package index"
fi

echo "==> installing rnntutor with the [book,test] extras"
"${PIP[@]}" -e ".[book,test]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import rnntutor, torch; print(f'==> rnntutor {rnntutor.__version__}, torch {torch.__version__}')"
