"""Open every page of the built site in headless Chromium, offline, and check it.

Usage: python scripts/browser_check.py [_build/html]

Each page is loaded from file:// (as a reader who downloaded the site would) with
every non-local request blocked. The check fails if, on any page:
  - raw TeX is left in the text (MathJax did not typeset an equation);
  - an image did not load;
  - a widget area is empty;
  - a local resource failed to load, a request left the machine, or a script error occurred.
A full-page screenshot of each page is saved under <build>/../screenshots/.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

REDIRECT = re.compile(r'http-equiv="Refresh" content="0; url=([^"]+)"', re.IGNORECASE)
RAW_TEX = re.compile(r"\\begin\{|\\end\{|\\frac\{|\\mathbf\{|\$\$")

# Text of the page without code, scripts and typeset math: where raw TeX must not appear.
PROSE_TEXT_JS = """() => {
  const root = (document.querySelector('main') || document.body).cloneNode(true);
  root.querySelectorAll('pre, code, script, style, mjx-container, .highlight, textarea').forEach(e => e.remove());
  return root.innerText;
}"""

IMAGES_JS = """() => Array.from(document.images)
  .filter(img => !(img.complete && img.naturalWidth > 0))
  .map(img => img.getAttribute('src').slice(0, 120))"""

MATH_JS = """() => {
  const math = Array.from(document.querySelectorAll('.math'));
  return {total: math.length, typeset: math.filter(e => e.querySelector('mjx-container')).length};
}"""

# Widget views saved in the notebook are <script type="application/vnd.jupyter.widget-view+json">;
# the embed manager renders each into a sibling element. Count the ones still empty.
WIDGETS_JS = """() => {
  const views = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  const empty = views.filter(s => {
    const box = s.parentElement;
    const rendered = box.querySelector('.jupyter-widgets, .widget-container, .lm-Widget');
    return !(rendered && rendered.getBoundingClientRect().height > 0);
  });
  return {total: views.length, empty: empty.length};
}"""


def check_site(build: Path) -> int:
    html_pages = sorted(
        p for p in build.rglob("*.html") if not {"_static", "_sources", "_images"} & set(p.relative_to(build).parts)
    )
    if not html_pages:
        print(f"no HTML pages under {build}: build the book first")
        return 1
    shots = build.parent / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    failures: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for path in html_pages:
            name = str(path.relative_to(build))
            redirect = REDIRECT.search(path.read_text(encoding="utf-8"))
            if redirect:  # index.html only forwards to the landing page
                target = (path.parent / redirect.group(1)).resolve()
                print(f"{'ok' if target.exists() else 'FAIL':4} {name}: redirects to {redirect.group(1)}")
                if not target.exists():
                    failures.append(f"{name}: redirect target {redirect.group(1)} is missing")
                continue
            problems: list[str] = []
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()

            def route(r, problems=problems):
                if r.request.url.startswith(("file://", "data:", "blob:", "about:")):
                    r.continue_()
                else:
                    problems.append(f"request left the machine: {r.request.url[:120]}")
                    r.abort()

            page.route("**/*", route)
            page.on("requestfailed", lambda req, p=problems: p.append(f"failed to load {req.url[:120]}"))
            page.on("pageerror", lambda err, p=problems: p.append(f"script error: {str(err)[:200]}"))
            page.goto(path.as_uri(), wait_until="load")
            page.evaluate("() => document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
            page.wait_for_load_state("networkidle")
            page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
            math = page.evaluate(MATH_JS)
            widgets = {"total": 0, "empty": 0}
            for _ in range(40):  # the widget manager renders asynchronously: wait up to 20 s
                widgets = page.evaluate(WIDGETS_JS)
                if widgets["empty"] == 0:
                    break
                page.wait_for_timeout(500)
            page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=20000)
            raw = RAW_TEX.findall(page.evaluate(PROSE_TEXT_JS))
            if raw:
                problems.append(f"raw TeX left in the text: {sorted(set(raw))}")
            if math["typeset"] < math["total"]:
                problems.append(f"{math['total'] - math['typeset']} of {math['total']} equations not typeset")
            broken = page.evaluate(IMAGES_JS)
            if broken:
                problems.append(f"{len(broken)} image(s) did not load: {broken[:3]}")
            if widgets["empty"]:
                problems.append(f"{widgets['empty']} of {widgets['total']} widget areas are empty")
            shot = shots / (name.replace("/", "__").removesuffix(".html") + ".png")
            page.screenshot(path=str(shot), full_page=True)
            n_images = page.evaluate("() => document.images.length")
            status = "FAIL" if problems else "ok"
            print(
                f"{status:4} {name}: {math['total']} equations, {n_images} images, "
                f"{widgets['total']} widgets -> {shot.relative_to(build.parent.parent)}"
            )
            for problem in problems:
                print(f"       {problem}")
                failures.append(f"{name}: {problem}")
            context.close()
        browser.close()
    print(
        f"browser check: {len(html_pages) - len({f.split(':')[0] for f in failures})} passed, "
        f"{len({f.split(':')[0] for f in failures})} failed"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    build_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html").resolve()
    raise SystemExit(check_site(build_dir))
