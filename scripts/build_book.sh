#!/usr/bin/env bash
# Build the website into _build/html from the committed, executed notebooks.
# Every Sphinx warning is an error. Web assets (MathJax, RequireJS, the widget embed
# manager) come from the npm registry and are served locally, so the site works offline.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "${RNNTUTOR_SKIP_SETUP:-0}" = 1 ] || bash scripts/setup_env.sh

echo "==> fetching offline web assets (npm ci in assets/)"
npm ci --prefix assets --no-audit --no-fund --loglevel=error >/dev/null
rm -rf book/_vendor
mkdir -p book/_vendor/html-manager book/_vendor/requirejs
cp -r assets/node_modules/mathjax/es5 book/_vendor/mathjax
find assets/node_modules/@jupyter-widgets/html-manager/dist -maxdepth 1 -type f ! -name '*.map' \
  -exec cp {} book/_vendor/html-manager/ \;
cp assets/node_modules/requirejs/require.js book/_vendor/requirejs/

echo "==> building the book (warnings are errors)"
rm -rf _build/html _build/.doctrees
.venv/bin/jupyter-book build . -W -n --keep-going --quiet
echo
echo "Book built. Open it in a browser: file://$(pwd)/_build/html/index.html"
