#!/usr/bin/env bash
# Refresh the translation catalogs after the English text changed:
#   1. extract the English messages of every page into _build/gettext/*.pot;
#   2. merge them into locale/<language>/LC_MESSAGES/*.po with sphinx-intl: new
#      messages arrive empty, changed ones are marked fuzzy with the old translation
#      as a starting point, and deleted ones become obsolete (#~) entries.
# Then translate every empty or fuzzy entry (and drop the fuzzy flag), run
# `.venv/bin/python -m pytest tests/test_translations.py` and build the site: the
# Chinese build fails on any message that is still untranslated or fuzzy.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/build_site.py gettext
.venv/bin/sphinx-intl update --pot-dir _build/gettext --locale-dir locale \
  --language zh_CN --line-width 76
.venv/bin/sphinx-intl stat --locale-dir locale --language zh_CN | grep -v " 0 fuzzy, 0 untranslated" || true
