"""The Chinese edition's catalogs: complete, markup intact, the glossary's terms.

``locale/zh_CN/LC_MESSAGES/book/*.po`` hold one translation per message of the
English text (``scripts/update_translations.sh`` refreshes them). The Chinese build
itself fails on a message with no translation (``book/_ext/translation_check.py``);
these tests check the catalogs directly, file by file, so a translator can run
``pytest tests/test_translations.py -k 02_gate`` on the file at hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))

from translation_check import (  # noqa: E402
    GLOSSARY_PAGE,
    glossary,
    glossary_rows,
    markup_tokens,
    prose,
    read_catalog,
)

LOCALE = ROOT / "locale" / "zh_CN" / "LC_MESSAGES"
CATALOGS = sorted(LOCALE.rglob("*.po"))
DOCUMENTS = sorted(
    p.relative_to(ROOT).with_suffix("")
    for p in (ROOT / "book").glob("*")
    if p.suffix in {".md", ".ipynb"}
)


GLOSSARY = glossary(ROOT / GLOSSARY_PAGE)
# Phrases where a glossary word has another established Chinese term.
# (Statistical bias is 偏差, "biases a classifier towards" is 使……偏向.)
OTHER_SENSES = {
    "bias": (
        r"exposure bias",
        r"the larger the bias",
        r"bias(es)? (a |the )?classifier",
        r"bias towards?",
    )
}


def term_pattern(term: str) -> re.Pattern:
    """``term`` as whole words, its last word also in the plural."""
    *head, last = term.split()
    if last.endswith("y"):
        last = last[:-1] + "(?:y|ies)"
    else:
        last = re.escape(last) + "(?:s|es)?"
    words = [re.escape(w) for w in head] + [last]
    return re.compile(r"\b" + r"[\s-]+".join(words) + r"\b", re.I)


def glossary_cells() -> set[str]:
    """The glossary's English-column cells: kept in English on purpose."""
    return {row[0] for row in glossary_rows(ROOT / GLOSSARY_PAGE)}


def test_glossary_is_read():
    assert len(GLOSSARY) >= 36
    assert ("recurrent neural network", "循环神经网络") in GLOSSARY
    assert ("forget gate", "遗忘门") in GLOSSARY


def test_a_catalog_per_document():
    have = {p.relative_to(LOCALE).with_suffix("") for p in CATALOGS}
    assert have == set(DOCUMENTS)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_every_message_translated(path):
    catalog = read_catalog(path)
    assert catalog, f"{path.name} has no messages"
    empty = [m for m, (s, _) in catalog.items() if not s.strip()]
    fuzzy = [m for m, (_, f) in catalog.items() if f]
    assert not empty, f"{len(empty)} untranslated, e.g. {empty[0][:80]!r}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[0][:80]!r}"
    assert "#~" not in path.read_text(), "obsolete entries: run update"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_markup_survives(path):
    bad = []
    for msgid, (msgstr, _) in read_catalog(path).items():
        if msgstr and markup_tokens(msgid) != markup_tokens(msgstr):
            lost = markup_tokens(msgid) - markup_tokens(msgstr)
            added = markup_tokens(msgstr) - markup_tokens(msgid)
            bad.append(
                f"{msgid[:60]!r}: lost {dict(lost)}, added {dict(added)}"
            )
    assert not bad, "\n".join(bad[:10])


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_numbered_headings_stay_headings(path):
    """ "1. 标题" would parse as a list, and Sphinx would drop it: "1\\. 标题"."""
    bad = [
        msgstr
        for msgid, (msgstr, _) in read_catalog(path).items()
        if re.match(r"\d+\. ", msgstr) and msgstr != msgid
    ]
    assert not bad, f"escape the dot: {bad[:3]}"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_prose_is_translated(path):
    """A translation equal to the English text is for names and formulas only."""
    keep = glossary_cells()
    same = [
        msgid
        for msgid, (msgstr, _) in read_catalog(path).items()
        if msgstr == msgid
        and msgid not in keep
        and re.search(r"\b[a-z]{2,}\s+[a-z]{2,}\b", prose(msgid))
    ]
    assert not same, f"{len(same)} left in English, e.g. {same[0][:80]!r}"
    chinese = [
        s
        for s, _ in read_catalog(path).values()
        if re.search(r"[\u4e00-\u9fff]", s)
    ]
    assert chinese, f"{path.name} has no Chinese at all"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.stem)
def test_glossary_terms(path):
    keep = glossary_cells()
    bad = []
    for msgid, (msgstr, _) in read_catalog(path).items():
        if msgid in keep or not msgstr:
            continue
        text = prose(msgid).replace("*", "")
        for english, chinese in GLOSSARY:
            for phrase in OTHER_SENSES.get(english, ()):
                text = re.sub(phrase, " ", text, flags=re.I)
            if term_pattern(english).search(text) and chinese not in msgstr:
                bad.append(f"{english} -> {chinese}: {msgid[:60]!r}")
    assert not bad, "\n".join(bad[:10])


def test_markup_tokens():
    text = (
        "A {cite}`le2015` and {ref}`the text <ch5-memory>` with `x_t @ W.T`, "
        "$h_t$, $$a = b$$ and [a link](02_gate_equations.ipynb), **bold**."
    )
    tokens = markup_tokens(text)
    assert tokens[("role", "cite", "le2015")] == 1
    assert tokens[("role", "ref", "ch5-memory")] == 1
    assert tokens[("code", "x_t @ W.T")] == 1
    assert tokens[("math", "h_t")] == 1 and tokens[("math", "a = b")] == 1
    assert tokens[("url", "02_gate_equations.ipynb")] == 1
    assert tokens[("bold markers",)] == 2
    # a translated role text is fine; a changed target or lost math is not
    good = text.replace("the text", "正文").replace("A ", "一")
    assert markup_tokens(good) == tokens
    assert markup_tokens(text.replace("$h_t$", "h_t")) != tokens
    assert markup_tokens(text.replace("ch5-memory", "ch5")) != tokens


def test_term_pattern():
    assert term_pattern("time step").search("over many time steps")
    assert term_pattern("long-term dependency").search(
        "long-term dependencies"
    )
    assert not term_pattern("bias").search("a biased estimate")


def test_a_translated_notebook_builds(tmp_path):
    """MyST-NB once failed on translated notebooks (NotJSONError, myst-nb #587)."""
    import subprocess

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A title\n\nThe hidden state $h_t$."),
        nbformat.v4.new_code_cell("print(1)"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, tmp_path / "index.ipynb")
    (tmp_path / "conf.py").write_text(
        'extensions = ["myst_nb"]\nnb_execution_mode = "off"\n'
        'myst_enable_extensions = ["dollarmath"]\nlocale_dirs = ["locale"]\n'
    )
    po = tmp_path / "locale" / "zh_CN" / "LC_MESSAGES" / "index.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "A title"\nmsgstr "标题"\n\n'
        'msgid "The hidden state $h_t$."\nmsgstr "隐藏状态 $h_t$。"\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "-q",
            "-D",
            "language=zh_CN",
            str(tmp_path),
            str(tmp_path / "_build"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    html = (tmp_path / "_build" / "index.html").read_text()
    assert "标题" in html and "隐藏状态" in html
    assert 'class="math' in html  # the math survived the translation
