#!/usr/bin/env bash
# Build the website into _build/html from the committed, executed notebooks.
# RNNTUTOR_BUILDER=singlehtml builds the whole book as one page into _build/singlehtml
# instead (scripts/build_pdf.sh prints it to a PDF). Every Sphinx warning is an error. Web assets (MathJax, RequireJS, the widget embed
# manager) come from the npm registry and are served locally, so the site works offline.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${RNNTUTOR_SKIP_SETUP:-0}" = 1 ] || bash scripts/setup_env.sh

# npm keeps a copy of the lock file it installed from in node_modules: when that is newer
# than assets/package-lock.json, the packages are already there (a second build, e.g. the PDF's).
if [ assets/node_modules/.package-lock.json -nt assets/package-lock.json ]; then
  echo "==> offline web assets already fetched (assets/node_modules)"
else
  echo "==> fetching offline web assets (npm ci in assets/)"
  npm ci --prefix assets --no-audit --no-fund --loglevel=error >/dev/null
fi
rm -rf book/_vendor
mkdir -p book/_vendor/html-manager book/_vendor/requirejs
cp -r assets/node_modules/mathjax/es5 book/_vendor/mathjax
find assets/node_modules/@jupyter-widgets/html-manager/dist -maxdepth 1 -type f ! -name '*.map' \
  -exec cp {} book/_vendor/html-manager/ \;
cp assets/node_modules/requirejs/require.js book/_vendor/requirejs/

builder="${RNNTUTOR_BUILDER:-html}"
echo "==> building the book with the $builder builder (warnings are errors)"
rm -rf "_build/$builder" _build/.doctrees
.venv/bin/jupyter-book build . --builder "$builder" -W -n --keep-going --quiet
echo
echo "Book built. Open it in a browser: file://$(pwd)/_build/$builder/index.html"
