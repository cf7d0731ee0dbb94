"""Keep the translated sites complete, and the catalogs' markup intact.

As a Sphinx extension (in a build with ``language`` other than English) it warns
about every message of a page that has no translation, so a ``-W`` build fails
instead of silently showing English. A message counts as translated when the
catalog ``locale/<language>/LC_MESSAGES/<document>.po`` has a non-fuzzy entry
for it; an entry whose translation *is* the English text (a name, a formula, the
English column of the glossary) is accepted as it stands.

Sphinx drops a translation silently when the translated text parses as something
other than the original: a heading "1. What is measured" translated as
"1. 测量的内容" is a numbered list in Markdown, so the translation must escape the
dot, "1\\. 测量的内容" (``tests/test_translations.py`` checks this).

The functions below are also used by ``tests/test_translations.py``:
:func:`markup_tokens` lists what a translation must carry over unchanged (code,
math, the targets of roles such as ``{cite}`` and ``{ref}``, link URLs, bold
markers), :func:`read_catalog` reads a catalog and :func:`glossary` the glossary.
The glossary's Chinese terms are also taught to the Chinese search as words.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROLE = re.compile(r"\{([a-z]+(?::[a-z]+)?)\}`([^`]*)`")
CODE = re.compile(r"(`+)(.+?)\1", re.S)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"\$([^$]+?)\$")
LINK_URL = re.compile(r"\]\(([^)\s]+)\)")
BARE_URL = re.compile(r"https?://[^\s)>\]]+")


def _role_target(role: str, content: str) -> str:
    """The part of a role that must not change: ``text <target>`` -> ``target``."""
    m = re.fullmatch(r"(.*?)\s*<([^<>]+)>", content, re.S)
    if m and role in {"ref", "numref", "doc", "download", "eq", "term"}:
        return m.group(2)
    return content


def _split_markup(text: str) -> tuple[Counter, str]:
    """The markup of ``text`` (see :func:`markup_tokens`) and the text left without it."""
    found: Counter = Counter()
    for role, content in ROLE.findall(text):
        found[("role", role, _role_target(role, content))] += 1
    text = ROLE.sub(" ", text)
    for _, code in CODE.findall(text):
        found[("code", code.strip())] += 1
    text = CODE.sub(" ", text)
    for math in DISPLAY_MATH.findall(text):
        found[("math", " ".join(math.split()))] += 1
    text = DISPLAY_MATH.sub(" ", text)
    for math in INLINE_MATH.findall(text):
        found[("math", " ".join(math.split()))] += 1
    text = INLINE_MATH.sub(" ", text)
    for url in LINK_URL.findall(text):
        found[("url", url)] += 1
    text = LINK_URL.sub("] ", text)
    for url in BARE_URL.findall(text):
        found[("url", url.rstrip(".,;:"))] += 1
    text = BARE_URL.sub(" ", text)
    if text.count("**"):
        found[("bold markers",)] = text.count("**")
    return found, text


def markup_tokens(text: str) -> Counter:
    """What a translation of ``text`` must contain unchanged, as a multiset.

    Roles (target only: the text of ``{ref}`text <target>``` may be translated),
    code spans, display and inline math, link URLs and bare URLs, and the number of
    ``**`` bold markers.
    """
    return _split_markup(text)[0]


def prose(text: str) -> str:
    """``text`` without its roles, code, math and URLs: the words to translate."""
    return _split_markup(text)[1]


GLOSSARY_PAGE = "book/faq.md"


def glossary_rows(page) -> list[list[str]]:
    """The cells of each row of the glossary table on ``page`` (header left out)."""
    text = Path(page).read_text(encoding="utf-8")
    table = text.split("## Glossary", 1)[1].split("\n\n")[2]
    return [
        [cell.strip() for cell in row.strip("|").split("|")]
        for row in table.splitlines()[2:]
    ]


def glossary(page) -> list[tuple[str, str]]:
    """``(English term, Chinese term)`` pairs of the glossary table on ``page``.

    Rows are ``| English | 中文 | Where |``; a cell may hold several terms separated by
    ";" (English) and "；" (Chinese), and notes in brackets, which are dropped.
    """
    pairs = []
    for english, chinese, *_ in glossary_rows(page):
        english = re.sub(r"\s*\([^)]*\)", "", english)
        chinese = re.sub(r"\s*\([^)]*\)", "", chinese)
        pairs += zip(
            [e.strip() for e in english.split(";")],
            [c.strip() for c in chinese.split("；")],
            strict=True,
        )
    return pairs


def read_catalog(path) -> dict[str, tuple[str, bool]]:
    """``{msgid: (msgstr, fuzzy)}`` of a ``.po`` file (the header left out)."""
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        catalog = read_po(f)
    return {
        m.id: (m.string or "", m.fuzzy)
        for m in catalog
        if m.id and isinstance(m.id, str)
    }


def _check_page(app, doctree) -> None:
    from sphinx.util import logging
    from sphinx.util.nodes import extract_messages

    language = app.config.language or "en"
    if language == "en" or app.builder.format != "html":
        return
    docname = app.env.docname
    catalog_path = (
        Path(app.srcdir)
        / app.config.locale_dirs[0]
        / language
        / "LC_MESSAGES"
        / f"{docname}.po"
    )
    catalog = read_catalog(catalog_path) if catalog_path.exists() else {}
    # sphinx-external-toc adds the toctrees (from _toc.yml) after Sphinx translated the
    # page, so their captions ("Chapters") are translated here
    from sphinx import addnodes

    for toctree in doctree.findall(addnodes.toctree):
        msgstr, fuzzy = catalog.get(toctree.get("caption"), ("", True))
        if msgstr and not fuzzy:
            toctree["caption"] = msgstr
    # text already replaced by its translation (an image's alt text is not flagged)
    translations = {msgstr for msgstr, fuzzy in catalog.values() if not fuzzy}
    logger = logging.getLogger(__name__)
    for node, msg in extract_messages(doctree):
        if node.get("translated") or msg in translations:
            continue
        if node.get("caption") in translations:  # a toctree's caption
            continue
        msgstr, fuzzy = catalog.get(msg, ("", False))
        if msgstr == msg and not fuzzy:
            continue  # kept as it is on purpose
        why = "fuzzy" if fuzzy else "untranslated"
        logger.warning(
            "%s message in %s (run scripts/update_translations.sh and "
            "translate it): %.70s",
            why,
            catalog_path.relative_to(app.srcdir),
            msg,
            location=node,
        )


def _translate_title(app, config) -> None:
    """The site's title (``html_title``, from ``_config.yml``) in the page language."""
    if (config.language or "en") == "en":
        return
    folder = Path(app.srcdir) / config.locale_dirs[0] / config.language
    for path in sorted(folder.rglob("*.po")):
        msgstr, fuzzy = read_catalog(path).get(config.html_title, ("", True))
        if msgstr and not fuzzy:
            config.html_title = msgstr
            return


def _search_dictionary(app, config) -> None:
    """Teach the Chinese search the glossary's terms as words.

    Sphinx segments Chinese text for its search index with jieba, which splits
    遗忘门 into 遗忘 + 门, so a reader searching for the term found nothing. The
    glossary's Chinese terms go into a jieba user dictionary (Sphinx's
    ``html_search_options["dict"]``); jieba's search mode still indexes their parts.
    """
    if not str(config.language or "en").startswith("zh"):
        return
    terms = sorted(
        {zh for _, zh in glossary(Path(app.srcdir) / GLOSSARY_PAGE)}
    )
    path = Path(app.doctreedir) / "search_glossary.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(f"{t} 100000 n\n" for t in terms), encoding="utf-8"
    )
    config.html_search_options = {
        **(config.html_search_options or {}),
        "dict": str(path),
    }


def setup(app):
    app.connect("config-inited", _translate_title)
    app.connect("config-inited", _search_dictionary)
    app.connect("doctree-read", _check_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
