"""The patterns of scripts/jupyterlab_check.py (the browser run itself is a step of scripts/check.sh)."""

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
spec = importlib.util.spec_from_file_location(
    "jupyterlab_check", ROOT / "scripts" / "jupyterlab_check.py"
)
jl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(jl)


def test_raw_myst_is_recognised_in_visible_text():
    raw = [
        "```{admonition} Correction: the source document's LSTM equations are wrong",
        "as shown by {cite}`hochreiter1997`",
        "as shown by {cite}hochreiter1997",  # plain Markdown renders the code span
        "see {cite:p}`cho2014,chung2014`",
        "{math}`x^2`",
        ":::{note}\nbody\n:::",
    ]
    rendered = [
        "Correction: the source document's LSTM equations are wrong",
        "as shown by hochreiter1997",
        "a set {1, 2} and a dict {'a': 1}",
        "f(x) = {x}",
        "code: `x = {}`",
    ]
    assert [t for t in raw if not jl.RAW_MYST.search(t)] == []
    assert [t for t in rendered if jl.RAW_MYST.search(t)] == []


def test_admonitions_and_cited_keys_are_counted_from_the_source():
    source = (
        "```{admonition} A title\n:class: warning\n$x$\n```\n\n"
        "```{note}\nn\n```\n```python\nprint(1)\n```\n"
        "text {cite}`a2000` and {cite:t}`b2001, c2002`."
    )
    assert len(jl.ADMONITION.findall(source)) == 2
    keys = [
        k.strip()
        for m in jl.CITE.finditer(source)
        for k in m.group(2).split(",")
    ]
    assert keys == ["a2000", "b2001", "c2002"]


def test_default_notebooks_exist_and_have_an_admonition_and_citations():
    cells = {
        n: json.loads((ROOT / n).read_text())["cells"]
        for n in jl.DEFAULT_NOTEBOOKS
    }
    texts = {
        n: "\n".join(
            "".join(c["source"]) for c in cs if c["cell_type"] == "markdown"
        )
        for n, cs in cells.items()
    }
    assert any(jl.ADMONITION.search(t) for t in texts.values())
    assert all(jl.CITE.search(t) for t in texts.values())
