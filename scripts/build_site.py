"""Build the book with Jupyter Book's Sphinx configuration: English, Chinese, or catalogs.

    python scripts/build_site.py html          # English site   -> _build/html/
    python scripts/build_site.py zh_CN         # Chinese site   -> _build/html/zh_CN/
                                               # (built in _build/zh_CN/, then moved)
    python scripts/build_site.py gettext       # message templates -> _build/gettext/*.pot
    python scripts/build_site.py singlehtml    # one page (the PDF) -> _build/singlehtml/

One configuration serves all: ``_config.yml`` as ``jupyter-book build`` reads it
(``jupyter_book.config`` turns it into Sphinx's), with warnings as errors. The
Chinese site is the same book with ``language = "zh_CN"``: Sphinx replaces every
message of the English text by its translation in
``locale/zh_CN/LC_MESSAGES/<document>.po`` (``locale_dirs`` and
``gettext_compact`` are set in ``_config.yml``). Refresh the catalogs after the
English text changes with ``bash scripts/update_translations.sh``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_CN",)


def build(target: str, *, quiet: bool = True) -> int:
    """Run Sphinx for ``target`` (a builder name or a language); return its status."""
    from jupyter_book.sphinx import build_sphinx

    overrides = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
    }
    builder, out = target, ROOT / "_build" / target
    doctrees = ROOT / "_build" / ".doctrees"
    if target in LANGUAGES:
        # Built on its own (MyST-NB writes the notebooks' outputs next to the output
        # folder, so the two languages must not share one), then moved into the
        # English site, where the language switch expects it.
        overrides["language"] = target
        builder, out = "html", ROOT / "_build" / target / "html"
        doctrees = ROOT / "_build" / target / ".doctrees"
    result = build_sphinx(
        ROOT,
        out,
        use_external_toc=True,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides=overrides,
        doctreedir=doctrees,
        builder=builder,
        warningiserror=True,
        keep_going=True,
        freshenv=True,
        quiet=quiet,
    )
    if isinstance(result, Exception):
        raise result
    if target in LANGUAGES and not result:
        site = ROOT / "_build" / "html" / target
        shutil.rmtree(site, ignore_errors=True)
        site.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(out, site)
    return int(result)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "target",
        choices=("html", "singlehtml", "gettext", *LANGUAGES),
        help="a builder, or a language for its translated site",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    status = build(args.target, quiet=not args.verbose)
    if status:
        print(f"build of {args.target} failed", file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
