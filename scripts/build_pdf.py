"""Print the one-page build of the book to a PDF with headless Chromium, offline, and check it.

Usage: python scripts/build_pdf.py [_build/singlehtml] [_build/pdf/rnntutor.pdf]

``bash scripts/build_pdf.sh`` builds the one-page HTML (Jupyter Book's singlehtml
builder) and then runs this. The page is opened from file:// with every non-local
request blocked, the equations are typeset and the saved widgets rendered (as in the
browser check), and it is printed on A4 with the site's print stylesheet, which wraps
long code and output lines. Then ``pdftotext`` (Debian's poppler-utils) reads the PDF
back: every chapter and appendix title of _toc.yml must be in its text.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_check import CHROMIUM_ARGS, MATH_JS, REDIRECT, WIDGETS_JS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def toc_titles(root: Path = ROOT) -> list[str]:
    """The first ``# `` heading of every page in _toc.yml, in book order (the root page first)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]] + [
        ch["file"] for part in toc["parts"] for ch in part["chapters"]
    ]
    titles = []
    for name in files:
        for suffix in (".md", ".ipynb"):
            path = root / f"{name}{suffix}"
            if path.is_file():
                break
        else:
            raise FileNotFoundError(
                f"_toc.yml lists {name}, but there is no {name}.md or {name}.ipynb"
            )
        if suffix == ".md":
            text = path.read_text(encoding="utf-8")
        else:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            text = "\n".join(
                "".join(c["source"])
                for c in cells
                if c["cell_type"] == "markdown"
            )
        heading = re.search(r"^# (.+)$", text, re.M)
        if heading is None:
            raise ValueError(f"{path.relative_to(root)} has no '# ' title")
        titles.append(heading.group(1).strip())
    return titles


def _plain(text: str) -> str:
    """Text reduced to lower-case letters and digits: line breaks, hyphenation and markup do not matter."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def missing_titles(pdf: Path, titles: list[str]) -> list[str]:
    """The titles that ``pdftotext`` does not find in ``pdf``."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RuntimeError(
            "pdftotext is missing: install Debian's poppler-utils (scripts/check.sh does)"
        )
    text = subprocess.run(
        [exe, "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    plain = _plain(text)
    return [
        t for t in titles if _plain(re.sub(r"[`*_$\\]", "", t)) not in plain
    ]


def print_pdf(page_path: Path, pdf: Path) -> dict:
    """Print ``page_path`` (an HTML file) to ``pdf`` on A4; return what was rendered."""
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        page = browser.new_context(
            viewport={"width": 1280, "height": 900}
        ).new_page()
        page.set_default_timeout(300_000)  # the whole book is one large page

        def route(r):
            if r.request.url.startswith(
                ("file://", "data:", "blob:", "about:")
            ):
                r.continue_()
            else:
                problems.append(
                    f"request left the machine: {r.request.url[:120]}"
                )
                r.abort()

        page.route("**/*", route)
        # The one-page build lacks documentation_options.js, which a theme script expects
        # ("DOCUMENTATION_OPTIONS is not defined"): that only disables on-screen navigation
        # helpers, so script errors are reported, and what matters is checked below.
        errors: set[str] = set()
        page.on("pageerror", lambda err: errors.add(str(err)[:200]))
        page.goto(page_path.as_uri(), wait_until="load")
        page.evaluate(
            "() => document.querySelectorAll('img').forEach(i => i.loading = 'eager')"
        )
        page.wait_for_load_state("networkidle")
        page.evaluate(
            "() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null"
        )
        for _ in range(
            60
        ):  # the widget manager renders asynchronously: wait up to 30 s
            if page.evaluate(WIDGETS_JS)["empty"] == 0:
                break
            page.wait_for_timeout(500)
        page.wait_for_function(
            "() => Array.from(document.images).every(i => i.complete)"
        )
        math = page.evaluate(MATH_JS)
        if math["typeset"] < math["total"]:
            problems.append(
                f"{math['total'] - math['typeset']} of {math['total']} equations not typeset"
            )
        widgets = page.evaluate(WIDGETS_JS)
        page.emulate_media(media="print")
        pdf.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(pdf),
            format="A4",
            margin={
                "top": "1cm",
                "bottom": "1cm",
                "left": "1cm",
                "right": "1cm",
            },
            print_background=True,
        )
        browser.close()
    for error in sorted(errors):
        print(f"note: script error on the one-page build: {error}")
    if problems:
        raise RuntimeError("; ".join(problems[:5]))
    return {
        "bytes": pdf.stat().st_size,
        "equations": math["total"],
        "widgets": widgets,
    }


def main(argv: list[str]) -> int:
    build = Path(argv[0] if argv else "_build/singlehtml").resolve()
    pdf = Path(
        argv[1] if len(argv) > 1 else "_build/pdf/rnntutor.pdf"
    ).resolve()
    index = build / "index.html"
    if not index.is_file():
        print(
            f"no {index}: build the one-page book first (bash scripts/build_pdf.sh)"
        )
        return 1
    redirect = REDIRECT.search(index.read_text(encoding="utf-8"))
    if redirect:  # Jupyter Book's index.html forwards to the root page, which holds the whole book
        # singlehtml writes that page as book/intro.html but links its scripts, styles and
        # images from the build folder (_static/..., _images/...): put a copy there.
        index = build / "book.html"
        shutil.copyfile(build / redirect.group(1), index)
    start = time.perf_counter()
    info = print_pdf(index, pdf)
    pages = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True
    ).stdout
    n_pages = re.search(r"^Pages:\s+(\d+)", pages, re.M)
    print(
        f"printed {pdf} ({info['bytes'] / 1e6:.1f} MB, {n_pages.group(1) if n_pages else '?'} pages, "
        f"{info['equations']} equations typeset, {info['widgets']['total'] - info['widgets']['empty']} of "
        f"{info['widgets']['total']} widgets rendered) in {time.perf_counter() - start:.0f} s"
    )
    titles = toc_titles()
    missing = missing_titles(pdf, titles)
    for title in titles:
        print(f"{'FAIL' if title in missing else 'ok':4} {title}")
    if missing:
        print(
            f"PDF check: {len(missing)} of {len(titles)} titles missing from the PDF's text"
        )
        return 1
    print(f"PDF check: all {len(titles)} titles are in the PDF")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
