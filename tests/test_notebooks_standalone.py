"""Every notebook stands alone: it installs the package where it is missing (Colab), and it
reads nothing outside itself, so a downloaded chapter runs from any folder."""

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(p for p in BOOK.glob("*.ipynb"))

INSTALL_CELL = """\
# Colab or a downloaded notebook: install the companion package if missing.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("rnntutor") is None:
    url = "git+https://github.com/rnntutor/rnntutor@main"
    pip = [sys.executable, "-m", "pip", "install", "-q", url]
    subprocess.run(pip, check=True)
    print("installed rnntutor from", url)
else:
    print("rnntutor is installed")"""

# A path into the repository, or a climb out of the notebook's or the package's folder.
REPO_PATH = re.compile(
    r"\.\./|\.\.\\"  # ../ or ..\
    r"|(?<![\w.-])(benchmarks|scripts|book|tests|assets|rnntutor|_build|\.ci)[/\\]"  # top-level folders
    r"|\.parent\s*\.\s*parent\b|\.parents\s*\[|\bos\.chdir\b"  # climbing out of rnntutor/
)
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+")


def repo_paths(source: str) -> list[str]:
    """The repository-relative paths in a code cell's source (URLs are not paths)."""
    return [m.group(0) for m in REPO_PATH.finditer(URL.sub("", source))]


def _code_cells(path: Path) -> list[dict]:
    return [
        c
        for c in json.loads(path.read_text())["cells"]
        if c["cell_type"] == "code"
    ]


def test_there_are_notebooks():
    assert {"02_gate_equations.ipynb", "appendix_performance.ipynb"} <= {
        p.name for p in NOTEBOOKS
    }


def test_install_cell_installs_the_repository_named_in_config():
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    # The site and its launch buttons follow this branch, so Colab gets the package of the notebook it opened.
    assert f'url = "git+{repo["url"]}@{repo["branch"]}"' in INSTALL_CELL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_the_install_cell_with_stable_output(path):
    first = _code_cells(path)[0]
    assert "".join(first["source"]) == INSTALL_CELL
    assert not first["metadata"].get("tags"), (
        "the install cell is compared by nbval: no tags"
    )
    outputs = [
        (o["output_type"], o.get("name"), "".join(o.get("text", "")))
        for o in first["outputs"]
    ]
    assert outputs == [("stream", "stdout", "rnntutor is installed\n")]


def test_install_cell_is_a_no_op_where_the_package_is_installed(
    monkeypatch, capsys
):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    exec(INSTALL_CELL, {})
    assert calls == [] and capsys.readouterr().out == "rnntutor is installed\n"


def test_install_cell_installs_from_the_repository_where_the_package_is_missing(
    monkeypatch, capsys
):
    calls = []
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda n, *a: None if n == "rnntutor" else real_find_spec(n, *a),
    )
    monkeypatch.setattr(
        subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw))
    )
    exec(INSTALL_CELL, {})
    url = "git+https://github.com/rnntutor/rnntutor@main"
    [(cmd, kwargs)] = calls
    assert cmd[1:] == ["-m", "pip", "install", "-q", url] and kwargs == {
        "check": True
    }
    assert capsys.readouterr().out == f"installed rnntutor from {url}\n"


def test_repo_path_detector():
    bad = [
        'Path("../benchmarks/results/x.json")',
        'json.load(open("benchmarks/results/classification.json"))',
        'run(["python", "scripts/eval_classification.py"])',
        'np.load("book/images/x.npy")',
        "Path(rnntutor.__file__).parent.parent / 'benchmarks'",
        "Path(rnntutor.__file__).parents[1]",
        'os.chdir("..")',
        'open("..\\\\data.csv")',
    ]
    good = [
        INSTALL_CELL,
        'checkpoints = Path(rnntutor.__file__).parent / "checkpoints"',
        'results.load("bench_lstm_cpu")',
        "x = a / b  # ratio of two results",
        'torch.load("my_model.pt")',
        "https://github.com/rnntutor/rnntutor/blob/main/scripts/x.py",
    ]
    assert [s for s in bad if not repo_paths(s)] == []
    assert [s for s in good if repo_paths(s)] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_cell_reads_from_the_repository(path):
    found = {
        i: repo_paths("".join(c["source"]))
        for i, c in enumerate(_code_cells(path))
    }
    assert {i: hits for i, hits in found.items() if hits} == {}


@pytest.mark.parametrize("name", ["appendix_performance", "02_gate_equations"])
def test_notebook_runs_from_a_folder_outside_the_repository(name, tmp_path):
    """A downloaded chapter: the notebook alone in a folder, the kernel started there."""
    folder = tmp_path / "Downloads"
    folder.mkdir()
    assert not folder.resolve().is_relative_to(ROOT)
    copy = Path(shutil.copy(BOOK / f"{name}.ipynb", folder))
    nb = nbformat.read(copy, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [o.get("text") for o in code[0].outputs] == [
        "rnntutor is installed\n"
    ]
    printed = "".join(o.get("text", "") for c in code for o in c.outputs)
    assert (
        "made by: " in printed and "no stored result" not in printed
    )  # the stored table is shown
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{name}.ipynb"
    ]  # and nothing was written there
