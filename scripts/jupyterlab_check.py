"""Open chapters in a real JupyterLab, in headless Chromium, and check that MyST renders there.

Usage: python scripts/jupyterlab_check.py [NOTEBOOK ...] [--out DIR] [--timeout S] [--without-myst]

Default notebooks: Chapter 2 (the correction admonition about the source's LSTM
equations, equations, citations) and Chapter 1 (the most citations). The script starts
``jupyter lab`` on 127.0.0.1 with a random port and token, no browser, and a fresh
settings and workspace folder (no news, no update check, extension manager read-only),
opens each notebook as a student would (``/lab/tree/book/...``), waits until every
markdown cell is rendered, and fails if, in any notebook:

  - a markdown cell was not rendered by jupyterlab-myst;
  - raw MyST is visible: a ```{ fence, a {role}` such as {cite}`, a ::: fence;
  - raw TeX is visible, or the notebook has math and none was typeset;
  - an admonition of the source (```{admonition}, ```{note}, ...) did not render as a box;
  - a request left the machine or a script error occurred.

Citations: jupyterlab-myst 2.x does not read BibTeX files (jupyterlab-myst #127), so a
{cite} role shows its key (e.g. ``hochreiter1997``) marked "Citation Not Found"; the
check counts them and reports what a reader sees. Screenshots of the top of each
notebook, of its first admonition and of its first citation go to --out
(default _build/screenshots/jupyterlab/). The server is always stopped, and every wait is
bounded (--timeout, default 240 s in all).

``--without-myst`` disables jupyterlab-myst for the run (a control: the check must fail).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from browser_check import CHROMIUM_ARGS, RAW_TEX
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOKS = [
    "book/02_gate_equations.ipynb",
    "book/01_background.ipynb",
]
# A fence, a role with its backticks, or (as plain Markdown shows it) with the code span
# already rendered: "{cite}hochreiter1997".
RAW_MYST = re.compile(
    r"```\{|\{cite[\w:]*\}|\{[a-z][\w:-]*\}(?=[`\w])|^:::", re.MULTILINE
)
ADMONITION = re.compile(
    r"^(```|:::)\{(admonition|note|warning|tip|important|caution|attention|danger|error|hint|seealso)\}",
    re.MULTILINE,
)
CITE = re.compile(r"\{cite(:\w+)?\}`([^`]+)`")

# Rendered markdown of every markdown cell, without the hidden editor and without typeset math.
CELLS_JS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')).map(cell => {
  const myst = cell.querySelector(':scope .myst');
  const rendered = cell.querySelector(':scope .jp-MarkdownOutput, :scope .myst');
  if (!rendered) return {myst: false, text: null, math: 0};
  const copy = rendered.cloneNode(true);
  const math = copy.querySelectorAll('.katex, mjx-container').length;
  copy.querySelectorAll('.katex, mjx-container').forEach(e => e.remove());
  document.body.appendChild(copy);  // innerText needs a rendered element
  const text = copy.innerText;
  copy.remove();
  return {myst: !!myst, text: text, math: math};
})"""

ADMONITION_BOX = ".jp-MarkdownCell .myst aside.myst-admonition"
# Admonition boxes that are visible: their title, and how many typeset equations they hold.
ADMONITIONS_JS = f"""() => Array.from(document.querySelectorAll('{ADMONITION_BOX}'))
  .filter(e => e.getBoundingClientRect().height > 0)
  .map(e => ({{title: (e.querySelector('.myst-admonition-header') || e).innerText.trim(),
              math: e.querySelectorAll('.katex').length}}))"""

CITATION = '.jp-MarkdownCell .myst [title="Citation Not Found"], .jp-MarkdownCell .myst cite'
CITATIONS_JS = f"""() => Array.from(document.querySelectorAll('{CITATION}')).map(e => e.innerText.trim())"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_settings(folder: Path) -> None:
    """User settings: no news, every cell in the DOM, and never save the notebooks opened."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {
            "autosave": False
        },
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false"
        },
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
            "windowingMode": "none"
        },
    }
    for name, value in settings.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(value))


def start_lab(
    tmp: Path, port: int, token: str, without_myst: bool
) -> subprocess.Popen:
    _lab_settings(tmp / "settings")
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
    )
    if (
        without_myst
    ):  # a config folder of our own that disables the front-end extension
        (tmp / "config" / "labconfig").mkdir(parents=True)
        page_config = {"disabledExtensions": {"jupyterlab-myst": True}}
        (tmp / "config" / "labconfig" / "page_config.json").write_text(
            json.dumps(page_config)
        )
        env["JUPYTER_CONFIG_DIR"] = str(tmp / "config")
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--allow-root",  # CI containers run as root; harmless otherwise
    ]
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )


def wait_for_server(
    proc: subprocess.Popen, port: int, token: str, deadline: float
) -> None:
    url = f"http://127.0.0.1:{port}/api/status?token={token}"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with status {proc.returncode} before it answered"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("jupyter lab did not answer in time")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def check_notebook(
    browser, base: str, token: str, notebook: Path, out: Path, deadline: float
) -> list[str]:
    """Open one notebook in JupyterLab; return the problems found (empty: it renders)."""
    source = json.loads(notebook.read_text(encoding="utf-8"))
    markdown = [
        "".join(c["source"])
        for c in source["cells"]
        if c["cell_type"] == "markdown"
    ]
    # the exercises' solutions and model answers are collapsed dropdowns (tag "solution"):
    # hidden on purpose, so only the other admonitions must show as boxes
    shown = [
        "".join(c["source"])
        for c in source["cells"]
        if c["cell_type"] == "markdown"
        and "solution" not in c.get("metadata", {}).get("tags", [])
    ]
    n_admonitions = sum(len(ADMONITION.findall(m)) for m in shown)
    n_admonitions_with_math = sum(
        bool(ADMONITION.search(m)) and "$" in m for m in shown
    )
    keys = [
        k.strip()
        for text in shown
        for m in CITE.finditer(text)
        for k in m.group(2).split(",")
    ]
    has_math = any("$" in m for m in markdown)
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def route(r):
        if r.request.url.startswith((base, "data:", "blob:", "about:")):
            r.continue_()
        else:
            problems.append(f"request left the machine: {r.request.url[:120]}")
            r.abort()

    page.route("**/*", route)
    page.on(
        "pageerror",
        lambda err: problems.append(f"script error: {str(err)[:200]}"),
    )
    relative = notebook.resolve().relative_to(ROOT).as_posix()
    page.goto(
        f"{base}/lab/tree/{relative}?reset&token={token}", wait_until="load"
    )
    ms_left = lambda: max(1000, int((deadline - time.monotonic()) * 1000))  # noqa: E731
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=ms_left())
    # rendered: every markdown cell has its MyST (or, without the extension, plain) output
    page.wait_for_function(
        f"""() => {{
          const cells = document.querySelectorAll('.jp-Notebook .jp-MarkdownCell');
          return cells.length === {len(markdown)} &&
            Array.from(cells).every(c => c.querySelector('.myst, .jp-MarkdownOutput'));
        }}""",
        timeout=ms_left(),
    )
    page.wait_for_timeout(1500)  # math and late React updates
    cells = page.evaluate(CELLS_JS)
    not_myst = [i for i, c in enumerate(cells) if not c["myst"]]
    if not_myst:
        problems.append(
            f"{len(not_myst)} of {len(cells)} markdown cells not rendered by jupyterlab-myst"
        )
    raw = sorted(
        {
            m.group(0)
            for c in cells
            if c["text"]
            for m in RAW_MYST.finditer(c["text"])
        }
    )
    if raw:
        problems.append(f"raw MyST visible: {raw[:5]}")
    tex = sorted(
        {m for c in cells if c["text"] for m in RAW_TEX.findall(c["text"])}
    )
    if tex:
        problems.append(f"raw TeX visible: {tex[:5]}")
    n_math = sum(c["math"] for c in cells)
    if has_math and n_math == 0:
        problems.append("the notebook has math, and none was typeset")
    boxes = page.evaluate(ADMONITIONS_JS)
    n_boxes = len(boxes)
    if n_boxes < n_admonitions:
        problems.append(
            f"{n_admonitions} admonition(s) in the source, {n_boxes} rendered as a box"
        )
    if n_admonitions_with_math and not any(b["math"] for b in boxes):
        problems.append(
            "the equations inside the admonition(s) were not typeset"
        )
    cites = [
        c for c in page.evaluate(CITATIONS_JS) if c
    ]  # those in collapsed solutions show no text
    if sorted(cites) != sorted(
        keys
    ):  # jupyterlab-myst shows each cited key (it does not read .bib files)
        differ = sorted(set(cites) ^ set(keys))[:5]
        problems.append(
            f"{len(keys)} cited keys in the source, {len(cites)} shown (differ: {differ})"
        )

    stem = notebook.stem
    page.screenshot(path=str(out / f"{stem}__top.png"))
    shots = [f"{stem}__top.png"]
    for name, selector in (
        ("admonition", ADMONITION_BOX),
        ("citation", CITATION),
    ):
        first = page.query_selector(selector)
        if first is None:
            continue
        first.scroll_into_view_if_needed()
        page.evaluate(
            "(e) => e.closest('.jp-Cell').scrollIntoView({block: 'center'})",
            first,
        )
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / f"{stem}__{name}.png"))
        shots.append(f"{stem}__{name}.png")
    status = "FAIL" if problems else "ok"
    print(
        f"{status:4} {relative}: {len(cells)} markdown cells, {n_math} typeset equations, "
        f"{n_boxes}/{n_admonitions} admonitions {[b['title'][:30] for b in boxes]}, "
        f"{len(cites)}/{len(keys)} cited keys shown as "
        f"{', '.join(sorted(set(cites))[:3])}{', ...' if len(set(cites)) > 3 else ''} -> {', '.join(shots)}"
    )
    for problem in problems:
        print(f"       {problem}")
    context.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        default=[ROOT / n for n in DEFAULT_NOTEBOOKS],
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "_build" / "screenshots" / "jupyterlab",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=240,
        help="seconds for everything [240]",
    )
    parser.add_argument(
        "--without-myst",
        action="store_true",
        help="disable jupyterlab-myst (the check must fail)",
    )
    args = parser.parse_args(argv)
    signal.signal(
        signal.SIGTERM, lambda *_: sys.exit(143)
    )  # `timeout` ends us: stop the server first
    deadline = time.monotonic() + args.timeout
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    port, token = _free_port(), secrets.token_hex(24)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="rnntutor-lab-") as tmp:
        proc = start_lab(Path(tmp), port, token, args.without_myst)
        try:
            wait_for_server(
                proc, port, token, min(deadline, time.monotonic() + 90)
            )
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=shutil.which("chromium"),
                    args=CHROMIUM_ARGS,
                )
                try:
                    for notebook in args.notebooks:
                        before = notebook.read_bytes()
                        failures += bool(
                            check_notebook(
                                browser,
                                f"http://127.0.0.1:{port}",
                                token,
                                notebook,
                                args.out,
                                deadline,
                            )
                        )
                        if notebook.read_bytes() != before:
                            print(
                                f"FAIL {notebook}: JupyterLab changed the file"
                            )
                            failures += 1
                finally:
                    browser.close()
        except Exception:
            print(
                (Path(tmp) / "server.log").read_text()[-3000:], file=sys.stderr
            )
            raise
        finally:
            stop(proc)
    print(
        f"jupyterlab check: {len(args.notebooks) - failures} passed, {failures} failed"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
