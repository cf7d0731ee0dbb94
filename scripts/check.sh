#!/usr/bin/env bash
# Run every check: lint, package tests, notebook outputs (nbval), the book build with
# warnings as errors, a headless-browser check of every built page (on screen and
# printed at A4 width), chapters opened in a real JupyterLab (MyST must render there as
# on the site), and the PDF of the whole book with a check of its text.
set -euo pipefail
cd "$(dirname "$0")/.."
export RNNTUTOR_PROGRESS=0

timings=()
step() {  # step NAME COMMAND...: run COMMAND, record its wall time
  local name=$1; shift
  echo; echo "==> $name"
  local start=$SECONDS
  "$@"
  timings+=("$(printf '%-34s %5d s' "$name" $((SECONDS - start)))")
}

ensure_chromium() {  # Debian's chromium; fonts for the ✅/❌ of the checkers and the Chinese glossary in screenshots;
                     # poppler-utils (pdftotext) to read back the PDF of the book
  dpkg -s chromium fonts-noto-color-emoji fonts-noto-cjk poppler-utils >/dev/null 2>&1 && return
  echo "installing Debian's chromium, an emoji font, a CJK font (the glossary) and poppler-utils"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-color-emoji fonts-noto-cjk \
    poppler-utils >/dev/null
}

total_start=$SECONDS
step "set up .venv"                    bash scripts/setup_env.sh
step "ruff"                            bash -c ".venv/bin/ruff check . && .venv/bin/ruff format --check ."
# Two test processes at a time (pytest-xdist; --dist loadfile keeps a file's tests, and a
# notebook's cells in order on one kernel, together), each with one thread for torch
# (OMP_NUM_THREADS=1, inherited by the notebooks' kernels), so that two of them do not
# oversubscribe two cores. The compared outputs do not depend on the thread count.
one_thread=(env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1)
step "pytest tests/"                   "${one_thread[@]}" .venv/bin/python -m pytest tests -q -n 2 --dist loadfile \
                                         --junitxml=_build/junit/tests.xml
step "nbval on book/"                  "${one_thread[@]}" .venv/bin/python -m pytest --nbval book -q -n 2 --dist loadfile \
                                         --nbval-sanitize-with book/nbval_sanitize.cfg --nbval-cell-timeout=300 --junitxml=_build/junit/nbval.xml
step "build the book (-W)"             env RNNTUTOR_SKIP_SETUP=1 bash scripts/build_book.sh
step "install chromium if missing"     ensure_chromium
step "browser check of every page"     .venv/bin/python scripts/browser_check.py _build/html
step "chapters in JupyterLab (MyST)"   timeout 600 .venv/bin/python scripts/jupyterlab_check.py
step "PDF of the book (+ check)"       env RNNTUTOR_SKIP_SETUP=1 bash scripts/build_pdf.sh

echo; echo "==> timings"
printf '%s\n' "${timings[@]}"
printf '%-34s %5d s\n' "total" $((SECONDS - total_start))
echo "All checks passed."
# One closing line for all pytest runs (package tests and notebook cells).
.venv/bin/python - <<'PY'
import xml.etree.ElementTree as ET
totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for name in ("tests", "nbval"):
    for suite in ET.parse(f"_build/junit/{name}.xml").getroot().iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print(f"{passed} passed, {failed} failed, {totals['skipped']} skipped")
PY
