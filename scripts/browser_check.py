"""Open every page of the built site in headless Chromium, offline, and check it.

Usage: python scripts/browser_check.py [_build/html]

Each page is loaded from file:// (as a reader who downloaded the site would) with
every non-local request blocked. The check fails if, on any page:
  - raw TeX is left in the text (MathJax did not typeset an equation), or raw MyST
    markup (a directive or role that was not parsed);
  - an image did not load;
  - a widget area is empty;
  - a local resource failed to load, a request left the machine, or a script error occurred;
  - on screen at desktop width (1280 px), a code or output block (any <pre> in the page
    content, the exercises' solutions opened) is wider than its box, so that a reader
    would have to scroll sideways: each such block is reported with its first line that
    does not fit and the widths;
  - printed (print media, A4 paper width), a code or output block is wider than its box
    or than the page, so that its end would be cut off on paper.
The Chinese edition (<build>/zh_CN/, from the translation catalogs) is checked
page by page in the same way, and beside its English twin:
  - every page links to the same page in the other language, and that page exists;
  - a Chinese page is marked lang="zh-CN", is in Chinese, shows no stray ``**`` (bold
    markup that did not render next to Chinese text), and has as many equations as
    the English page (a ``$`` lost in translation would show as text);
  - the site's search finds pages for an English and a Chinese query (the Chinese
    index is built with jieba);
  - the root page opens the English landing page in an English browser and the
    Chinese one in a Chinese browser.
A full-page screenshot of each page (of a Chinese page, its first screen) is saved
under <build>/../screenshots/.
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

REDIRECT = re.compile(
    r'http-equiv="Refresh" content="0; url=([^"]+)"', re.IGNORECASE
)
RAW_TEX = re.compile(r"\\begin\{|\\end\{|\\frac\{|\\mathbf\{|\$\$")
# MyST markup that was not parsed (e.g. a directive that does not start its own line)
RAW_MYST = re.compile(r":::\{|```\{|\{(?:cite|ref|numref|doc|eq)\}`")

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


# The page's language, its link to the other language, and (for a translated page) the
# signs of markup broken by the translation: stray bold markers and missing Chinese text.
LANGUAGE_JS = """() => {
  const link = document.querySelector('.rnntutor-language-switch a');
  const root = (document.querySelector('article.bd-article') || document.body).cloneNode(true);
  // the bibliography is the same in both languages: leave it out
  root.querySelectorAll('pre, code, script, style, mjx-container, .highlight, textarea, .cell_output, '
    + '.bibliography, .citation').forEach(e => e.remove());
  const text = root.innerText;
  return {lang: document.documentElement.lang, switch: link ? link.getAttribute('href') : null,
          stray_bold: (text.match(/\\*\\*/g) || []).length,
          han: (text.match(/[\\u4e00-\\u9fff]/g) || []).length,
          words: (text.match(/[A-Za-z]{2,}/g) || []).length};
}"""

# Sphinx's search page, run with a query: the number of results once it has finished.
SEARCH_JS = """() => {
  const summary = document.querySelector('#search-results .search-summary, #search-results p');
  const items = document.querySelectorAll('#search-results ul.search li');
  return {done: !!summary && !document.querySelector('#search-progress:not(:empty)'),
          results: items.length};
}"""
SEARCHES = {"": "forget gate", "zh_CN/": "遗忘门"}


def check_search(browser, build: Path) -> list[str]:
    """Search each language's site for a term of the glossary; it must find pages."""
    failures = []
    for prefix, query in SEARCHES.items():
        page = browser.new_page()
        url = (build / prefix / "search.html").as_uri() + "?q=" + query
        page.goto(url, wait_until="load")
        result = {"results": 0}
        for _ in range(60):
            result = page.evaluate(SEARCH_JS)
            if result["done"] and result["results"]:
                break
            page.wait_for_timeout(500)
        status = "ok" if result["results"] else "FAIL"
        print(
            f"{status:4} {prefix}search.html?q={query}: {result['results']} results"
        )
        if not result["results"]:
            failures.append(f"{prefix}search.html: no results for {query!r}")
        page.close()
    return failures


def check_root_language(browser, build: Path) -> list[str]:
    """The root page opens the landing page in the language the browser prefers."""
    failures = []
    for locale, landing in (
        ("en-US", "book/intro.html"),
        ("zh-CN", "zh_CN/book/intro.html"),
    ):
        context = browser.new_context(locale=locale)
        page = context.new_page()
        page.goto((build / "index.html").as_uri())
        page.wait_for_url("**/" + landing, timeout=20000)
        reached = page.url.removeprefix(build.as_uri() + "/")
        status = "ok" if reached == landing else "FAIL"
        print(f"{status:4} index.html with a {locale} browser opens {reached}")
        if reached != landing:
            failures.append(
                f"index.html: a {locale} browser lands on {reached}"
            )
        context.close()
    return failures


def compare_languages(build: Path, seen: dict) -> list[str]:
    """Each page links to its twin in the other language; a translation keeps the math."""
    failures = []
    for name, info in seen.items():
        if info["switch"] is None:
            if (
                "book/" in name
            ):  # the chapters and pages; not search or the index
                failures.append(f"{name}: no link to the other language")
            continue
        twin = (build / name).parent / info["switch"]
        if not twin.exists():
            failures.append(
                f"{name}: language link {info['switch']} is missing"
            )
        if not name.startswith("zh_CN/"):
            continue
        english = seen.get(name.removeprefix("zh_CN/"))
        if info["lang"] != "zh-CN":
            failures.append(f"{name}: <html lang={info['lang']!r}>, not zh-CN")
        if info["stray_bold"]:
            failures.append(
                f"{name}: {info['stray_bold']} stray ** in the text"
            )
        if english and info["math"] != english["math"]:
            failures.append(
                f"{name}: {info['math']} equations, the English page has {english['math']}"
            )
        if english and english["words"] > 200 and info["han"] < 100:
            failures.append(f"{name}: only {info['han']} Chinese characters")
    print(
        f"languages: {len(seen)} pages compared with their twins, "
        f"{len(failures)} problems"
    )
    for failure in failures:
        print(f"       {failure}")
    return failures


# On screen at desktop width, every code or output block of the page content (code cells'
# inputs and outputs, code in the text, the exercises' solutions) must show its longest
# line without sideways scrolling. Collapsed solutions (sphinx-togglebutton admonitions,
# <details> dropdowns) are opened to be measured, then closed again. For each block wider
# than its box: the first line that does not fit (those of its length and more do not),
# how many characters fit, and the widths.
DESKTOP_WIDTH = 1280
SCREEN_JS = """async () => {
  const root = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const hidden = Array.from(root.querySelectorAll('.toggle-hidden'));
  hidden.forEach(e => e.classList.remove('toggle-hidden'));
  const closed = Array.from(root.querySelectorAll('details:not([open])'));
  closed.forEach(d => d.open = true);
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const right = root.getBoundingClientRect().right;
  const canvas = document.createElement('canvas').getContext('2d');
  const blocks = Array.from(root.querySelectorAll('pre')).filter(e => e.getBoundingClientRect().width > 0);
  const wide = [];
  for (const pre of blocks) {
    if (pre.scrollWidth <= pre.clientWidth + 1 && pre.getBoundingClientRect().right <= right + 1) continue;
    const style = getComputedStyle(pre);
    canvas.font = `${style.fontSize} ${style.fontFamily}`;
    const char = canvas.measureText('0'.repeat(100)).width / 100;
    const inner = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const fit = Math.floor(inner / char + 0.01);
    const lines = pre.textContent.replace(/\\n$/, '').split('\\n').map(l => l.replace(/\\t/g, '        '));
    const line = lines.find(l => l.length > fit) || lines.reduce((a, b) => (b.length > a.length ? b : a), '');
    wide.push({line: line.trim().slice(0, 60), chars: line.length, fit: fit,
               scroll: pre.scrollWidth, client: pre.clientWidth});
  }
  closed.forEach(d => d.open = false);
  hidden.forEach(e => e.classList.add('toggle-hidden'));
  return {total: blocks.length, wide: wide};
}"""

# Printed, the page is as wide as A4 paper (210 mm) less Chromium's default margins
# (about 1 cm each side): 718 CSS pixels at 96 per inch.
PRINT_WIDTH = 718
PRINT_STYLESHEET = "rnntutor-print.css"

# Code and output blocks that would be cut off on paper: content wider than the block's
# box (it would scroll on screen), or a block that sticks out past the page's edge.
# With off=true the stylesheet named is disabled first (to show what it fixes).
PRINT_JS = """async ([stylesheet, off]) => {
  document.querySelectorAll('link[rel="stylesheet"]').forEach(l => {
    if (l.href.includes(stylesheet)) l.disabled = off;
  });
  // let the page lay itself out again (new width, media or stylesheet) before measuring
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const page = document.documentElement.clientWidth;
  const blocks = Array.from(document.querySelectorAll('pre, div.cell_output'))
    .filter(e => e.getBoundingClientRect().width > 0);
  const clipped = blocks.filter(e =>
    e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > page + 1);
  return {total: blocks.length, page: page,
          clipped: clipped.map(e => (e.innerText || '').trim().split('\\n')[0].slice(0, 70))};
}"""


def check_print(page) -> tuple[dict, int]:
    """Emulate printing ``page`` on A4: the print check's result, and the clipped count without the stylesheet."""
    page.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    page.wait_for_function(
        "([w]) => document.documentElement.clientWidth <= w && matchMedia('print').matches",
        arg=[PRINT_WIDTH],
    )
    # with the stylesheet first: re-enabling a disabled one takes effect only later
    result = page.evaluate(PRINT_JS, [PRINT_STYLESHEET, False])
    without = page.evaluate(PRINT_JS, [PRINT_STYLESHEET, True])
    page.evaluate(
        PRINT_JS, [PRINT_STYLESHEET, False]
    )  # enabled again for what follows
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 900})
    return result, len(without["clipped"])


def check_site(build: Path) -> int:
    html_pages = sorted(
        p
        for p in build.rglob("*.html")
        if not {"_static", "_sources", "_images"}
        & set(p.relative_to(build).parts)
    )
    if not html_pages:
        print(f"no HTML pages under {build}: build the book first")
        return 1
    shots = build.parent / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    failures: list[str] = []
    seen: dict[str, dict] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        for path in html_pages:
            name = str(path.relative_to(build))
            redirect = REDIRECT.search(path.read_text(encoding="utf-8"))
            if redirect:  # index.html only forwards to the landing page
                target = (path.parent / redirect.group(1)).resolve()
                print(
                    f"{'ok' if target.exists() else 'FAIL':4} {name}: redirects to {redirect.group(1)}"
                )
                if not target.exists():
                    failures.append(
                        f"{name}: redirect target {redirect.group(1)} is missing"
                    )
                continue
            problems: list[str] = []
            context = browser.new_context(
                viewport={"width": DESKTOP_WIDTH, "height": 900}
            )
            page = context.new_page()

            def route(r, problems=problems):
                if r.request.url.startswith(("file://", "about:")):
                    r.continue_()
                else:
                    problems.append(
                        f"request left the machine: {r.request.url[:120]}"
                    )
                    r.abort()

            # data: and blob: URLs (e.g. the frames of an embedded animation) never leave the
            # machine, and Playwright cannot continue() them: leave them out of the route
            page.route(
                lambda url: not url.startswith(("data:", "blob:")), route
            )
            page.on(
                "requestfailed",
                lambda req, p=problems: p.append(
                    f"failed to load {req.url[:120]}"
                ),
            )
            page.on(
                "pageerror",
                lambda err, p=problems: p.append(
                    f"script error: {str(err)[:200]}"
                ),
            )
            page.goto(path.as_uri(), wait_until="load")
            page.evaluate(
                "() => document.querySelectorAll('img').forEach(i => i.loading = 'eager')"
            )
            page.wait_for_load_state("networkidle")
            page.evaluate(
                "() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null"
            )
            math = page.evaluate(MATH_JS)
            widgets = {"total": 0, "empty": 0}
            for _ in range(
                40
            ):  # the widget manager renders asynchronously: wait up to 20 s
                widgets = page.evaluate(WIDGETS_JS)
                if widgets["empty"] == 0:
                    break
                page.wait_for_timeout(500)
            page.wait_for_function(
                "() => Array.from(document.images).every(i => i.complete)",
                timeout=20000,
            )
            prose_text = page.evaluate(PROSE_TEXT_JS)
            raw = RAW_TEX.findall(prose_text)
            if raw:
                problems.append(
                    f"raw TeX left in the text: {sorted(set(raw))}"
                )
            raw = RAW_MYST.findall(prose_text)
            if raw:
                problems.append(
                    f"raw MyST markup left in the text: {sorted(set(raw))}"
                )
            if math["typeset"] < math["total"]:
                problems.append(
                    f"{math['total'] - math['typeset']} of {math['total']} equations not typeset"
                )
            broken = page.evaluate(IMAGES_JS)
            if broken:
                problems.append(
                    f"{len(broken)} image(s) did not load: {broken[:3]}"
                )
            if widgets["empty"]:
                problems.append(
                    f"{widgets['empty']} of {widgets['total']} widget areas are empty"
                )
            shot = shots / (
                name.replace("/", "__").removesuffix(".html") + ".png"
            )
            # a long chapter is a 30,000 px image: on a loaded 2-core machine that takes over
            # 30 s. A translated page, whose layout is its English twin's, gets its first
            # screen only.
            page.screenshot(
                path=str(shot),
                full_page=not name.startswith("zh_CN/"),
                timeout=120_000,
            )
            n_images = page.evaluate("() => document.images.length")
            screen = page.evaluate(SCREEN_JS)
            for block in screen["wide"]:
                problems.append(
                    f"at {DESKTOP_WIDTH} px a code/output block scrolls sideways ({block['scroll']} px of content "
                    f"in a {block['client']} px box; {block['fit']} characters fit, this line has "
                    f"{block['chars']}): {block['line']!r}"
                )
            language = page.evaluate(LANGUAGE_JS)
            seen[name] = {
                **language,
                "math": math["total"],
            }
            if language["stray_bold"] and not name.startswith("zh_CN/"):
                problems.append(
                    f"{language['stray_bold']} stray ** in the text"
                )
            printed, clipped_without = check_print(page)
            if printed["clipped"]:
                problems.append(
                    f"printed at A4 width, {len(printed['clipped'])} of {printed['total']} code/output blocks "
                    f"are wider than their box: {printed['clipped'][:3]}"
                )
            status = "FAIL" if problems else "ok"
            print(
                f"{status:4} {name}: {math['total']} equations, {n_images} images, "
                f"{widgets['total']} widgets; on screen: {len(screen['wide'])} of {screen['total']} blocks "
                f"scroll sideways; printed: {len(printed['clipped'])} of {printed['total']} "
                f"blocks clipped ({clipped_without} without the print stylesheet) "
                f"-> {shot.relative_to(build.parent.parent)}"
            )
            for problem in problems:
                print(f"       {problem}")
                failures.append(f"{name}: {problem}")
            context.close()
        if (build / "zh_CN").is_dir():
            failures += compare_languages(build, seen)
            failures += check_search(browser, build)
            failures += check_root_language(browser, build)
        browser.close()
    print(
        f"browser check: {len(html_pages) - len({f.split(':')[0] for f in failures})} passed, "
        f"{len({f.split(':')[0] for f in failures})} failed"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    build_dir = Path(
        sys.argv[1] if len(sys.argv) > 1 else "_build/html"
    ).resolve()
    raise SystemExit(check_site(build_dir))
