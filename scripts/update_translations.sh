#!/usr/bin/env bash
# Refresh the translation catalogs after the English text changed:
#   1. extract the English messages of every page into _build/gettext/*.pot;
#   2. merge them into locale/<language>/LC_MESSAGES/*.po with sphinx-intl: new
#      messages arrive empty, changed ones are marked fuzzy with the old translation
#      as a starting point, and deleted ones are dropped.
# Then translate every empty or fuzzy entry (and drop the fuzzy flag), run
# `.venv/bin/python -m pytest tests/test_translations.py` and build the site: the
# Chinese build fails on any message that is still untranslated or fuzzy.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/build_site.py gettext
.venv/bin/sphinx-intl update --pot-dir _build/gettext --locale-dir locale \
  --language zh_CN --line-width 76
# drop the obsolete (#~) entries: messages the English text no longer has
.venv/bin/python - <<'PY'
from pathlib import Path

from babel.messages.pofile import read_po, write_po

for path in sorted(Path("locale").rglob("*.po")):
    with open(path, "rb") as f:
        catalog = read_po(f)
    if catalog.obsolete:
        with open(path, "wb") as f:
            write_po(f, catalog, width=76, ignore_obsolete=True)
PY
.venv/bin/sphinx-intl stat --locale-dir locale --language zh_CN | grep -v " 0 fuzzy, 0 untranslated" || true
