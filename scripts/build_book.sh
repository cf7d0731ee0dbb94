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
rm -rf "_build/$builder" _build/.doctrees _build/zh_CN
if [ "$builder" = html ]; then
  # The English site and the Chinese one (from locale/zh_CN), in two processes at once.
  echo "==> building the English and the Chinese site (warnings are errors)"
  .venv/bin/python scripts/build_site.py html & english=$!
  .venv/bin/python scripts/build_site.py zh_CN 2> >(grep -v -e "^Building prefix dict" \
    -e "^Dumping model" -e "^Loading model" -e "^Prefix dict has been built" >&2) & chinese=$!
  status=0
  wait $english || status=$?
  wait $chinese || status=$?
  [ $status = 0 ] || { echo "the book build failed" >&2; exit $status; }
else
  echo "==> building the book with the $builder builder (warnings are errors)"
  .venv/bin/python scripts/build_site.py "$builder"
fi
echo
echo "Book built. Open it in a browser: file://$(pwd)/_build/$builder/index.html"
[ "$builder" = html ] && echo "The Chinese edition (中文版): file://$(pwd)/_build/html/zh_CN/index.html"
exit 0
