"""Link every page to the same page in the book's other language.

The English site is ``_build/html/`` and the Chinese one ``_build/html/zh_CN/``
(``scripts/build_site.py``), so the same document ``book/02_gate_equations``
is ``book/02_gate_equations.html`` in one and ``zh_CN/book/02_gate_equations.html``
in the other. Each page gets a link to its twin at the top of the article and a
``<link rel="alternate" hreflang=...>`` in its head. The English root
``index.html`` sends a reader whose browser prefers Chinese to the Chinese
landing page, everyone else (and readers without JavaScript) to the English one.
"""

from __future__ import annotations

from pathlib import Path

# language code -> (folder below the English site, name of the language in itself)
LANGUAGES = {"en": ("", "English"), "zh_CN": ("zh_CN/", "中文")}
HREFLANG = {"en": "en", "zh_CN": "zh-CN"}


def _twin(language: str) -> str:
    return "zh_CN" if language == "en" else "en"


def twin_href(pagename: str, language: str) -> str:
    """Relative URL from ``pagename`` in ``language`` to the same page in the other."""
    up = "../" * pagename.count("/")
    if language != "en":
        up += "../" * LANGUAGES[language][0].count("/")
    return f"{up}{LANGUAGES[_twin(language)][0]}{pagename}.html"


def _add_switch(app, pagename, templatename, context, doctree) -> None:
    language = app.config.language or "en"
    if language not in LANGUAGES:
        return
    other = _twin(language)
    href = twin_href(pagename, language)
    name, lang = LANGUAGES[other][1], HREFLANG[other]
    context["metatags"] = (
        context.get("metatags", "")
        + f'\n<link rel="alternate" hreflang="{lang}" href="{href}" />'
    )
    if "body" in context:
        switch = (
            '<p class="rnntutor-language-switch">'
            f'<a href="{href}" hreflang="{lang}" lang="{lang}">{name}</a></p>\n'
        )
        context["body"] = switch + context["body"]


ROOT_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>Recurrent Neural Networks for Images</title>
<script>
  var zh = (navigator.languages || [navigator.language || ""]).some(
    function (l) { return /^zh\\b/i.test(l); });
  location.replace((zh ? "zh_CN/" : "") + "{root}.html");
</script>
<noscript><meta http-equiv="Refresh" content="0; url={root}.html" /></noscript>
</head>
<body>
<p><a href="{root}.html">English</a> · <a href="zh_CN/{root}.html" lang="zh-CN">中文</a></p>
</body>
</html>
"""


def _root_index(app, exception) -> None:
    """Replace the English root redirect by one that honours the browser's language."""
    if exception is not None or app.builder.name != "html":
        return
    if (app.config.language or "en") != "en":
        return
    index = Path(app.outdir) / "index.html"
    if index.exists():
        index.write_text(ROOT_INDEX.replace("{root}", app.config.root_doc))


def setup(app):
    app.connect("html-page-context", _add_switch)
    app.connect("build-finished", _root_index, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
