"""Packaging: the conda environment and pyproject.toml agree; the version has one source;
``python -m build`` makes an sdist and a wheel that agree with each other and the tree."""

import email
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

import rnntutor

ROOT = Path(__file__).resolve().parents[1]
# What the sdist is built from: the tree without local environments and build outputs.
NOT_SOURCES = shutil.ignore_patterns(
    ".venv",
    ".git",
    "_build",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "_vendor",
    "node_modules",
    ".*_cache",
)
# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"pytorch": "torch"}


def _parse(requirement: str) -> tuple[str, str]:
    """Return (PyPI name, version specifier) of a pip or conda requirement string."""
    req = Requirement(requirement)
    name = CONDA_TO_PYPI.get(req.name.lower(), req.name.lower()).replace(
        "_", "-"
    )
    return name, str(req.specifier)


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return dict(_parse(r) for r in reqs)


def _environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    reqs = {}
    for dep in env["dependencies"]:
        for entry in dep["pip"] if isinstance(dep, dict) else [dep]:
            if entry.startswith("-e") or re.match(r"(python|pip)\b", entry):
                continue
            name, spec = _parse(entry)
            if name not in {"python", "pip"}:
                reqs[name] = spec
    return reqs


def test_environment_lists_the_same_packages_and_versions_as_pyproject():
    assert _environment_requirements() == _pyproject_requirements()


def test_required_packages_are_declared():
    required = {
        "jupyter-book",
        "jupyterlab",
        "torch",
        "matplotlib",
        "ipywidgets",
        "nbval",
        "numpy",
    }
    assert required <= set(_pyproject_requirements())


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "bash scripts/check.sh"
    assert f"\n{command}\n" in readme
    assert [
        line for line in ci.splitlines() if line and not line.startswith("#")
    ] == [f"exec {command}"]


def test_environment_states_python_in_the_form_repo2docker_reads():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    # repo2docker matches python=X.Y (python>=3.11 leaves the version unspecified)
    assert "python=3.11" in env["dependencies"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "requires-python"
    ]
    assert requires == ">=3.11"


def test_version_has_a_single_source():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert (
        "version" not in pyproject["project"]
        and "version" in pyproject["project"]["dynamic"]
    )
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "rnntutor.__version__"
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+", rnntutor.__version__)
    # the changelog's latest release is this version
    releases = re.findall(
        r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$",
        (ROOT / "CHANGELOG.md").read_text(),
        re.M,
    )
    assert releases and releases[0] == rnntutor.__version__


def test_changelog_follows_keep_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n") and "keepachangelog.com" in text
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert headings[0] == "Unreleased"
    for (
        version
    ) in headings:  # every version heading has its link at the bottom
        assert re.search(
            rf"^\[{re.escape(version)}\]: https://", text, re.M
        ), version
    sections = set(re.findall(r"^### (\w+)$", text, re.M))
    assert sections <= {
        "Added",
        "Changed",
        "Deprecated",
        "Removed",
        "Fixed",
        "Security",
    }


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """``python -m build`` on a copy of the tree: the sdist, then the wheel built from that sdist."""
    tmp = tmp_path_factory.mktemp("build")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCES)
    # --no-isolation: build with this environment's setuptools, offline
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--outdir",
            str(tmp / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        result.stdout[-2000:] + result.stderr[-2000:]
    )
    assert "deprecated" not in (result.stdout + result.stderr).lower()
    (sdist,) = (tmp / "dist").glob("*.tar.gz")
    (wheel,) = (tmp / "dist").glob("*.whl")
    return sdist, wheel


def _package_files(names, prefix=""):
    return {
        n.removeprefix(prefix)
        for n in names
        if n.removeprefix(prefix).startswith("rnntutor/")
    }


def test_sdist_and_wheel_agree_with_each_other_and_the_tree(dists):
    sdist, wheel = dists
    version = rnntutor.__version__
    assert (
        sdist.name == f"rnntutor-{version}.tar.gz"
        and wheel.name == f"rnntutor-{version}-py3-none-any.whl"
    )
    with tarfile.open(sdist) as tar:
        sdist_names = [m.name for m in tar.getmembers() if m.isfile()]
        sdist_meta = email.message_from_bytes(
            tar.extractfile(f"rnntutor-{version}/PKG-INFO").read()
        )
    with zipfile.ZipFile(wheel) as whl:
        wheel_names = whl.namelist()
        wheel_meta = email.message_from_bytes(
            whl.read(f"rnntutor-{version}.dist-info/METADATA")
        )
        entry_points = whl.read(
            f"rnntutor-{version}.dist-info/entry_points.txt"
        ).decode()
    tree = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "rnntutor").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    in_sdist = _package_files(sdist_names, f"rnntutor-{version}/")
    in_wheel = _package_files(wheel_names)
    assert in_sdist == in_wheel == tree
    assert {
        "rnntutor/__main__.py",
        "rnntutor/checkpoints/row_lstm_mnist5k.pt",
    } <= in_wheel
    for extra in ("CHANGELOG.md", "LICENSE", "README.md", "pyproject.toml"):
        assert f"rnntutor-{version}/{extra}" in sdist_names
    # the same metadata in both, with what pyproject.toml declares
    for key in ("Name", "Version", "Requires-Python", "License-Expression"):
        assert sdist_meta[key] == wheel_meta[key], key
    assert sorted(sdist_meta.get_all("Requires-Dist")) == sorted(
        wheel_meta.get_all("Requires-Dist")
    )
    assert (
        wheel_meta["Version"] == version
        and wheel_meta["License-Expression"] == "MIT"
    )
    urls = dict(u.split(", ", 1) for u in wheel_meta.get_all("Project-URL"))
    assert (
        urls["Source"] == "https://github.com/rnntutor/rnntutor"
        and "Changelog" in urls
    )
    classifiers = wheel_meta.get_all("Classifier")
    assert (
        "Programming Language :: Python :: 3.11" in classifiers
        and "Topic :: Education" in classifiers
    )
    assert "rnntutor = rnntutor.cli:main" in entry_points


# ------------------------------------------------------------------ the wheel, installed

NOTEBOOK = "02_gate_equations.ipynb"  # the quickest chapter that reads nothing outside itself


@pytest.fixture(scope="module")
def installed(dists, tmp_path_factory):
    """A fresh virtual environment with the wheel installed, and a clean environment to run it in.

    torch comes from the local CPU wheel that scripts/setup_env.sh uses (``--no-index``):
    from the package index, pip would fetch several GB of CUDA wheels.
    """
    import torch

    _, wheel = dists
    tmp = tmp_path_factory.mktemp("fresh")
    venv = tmp / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], check=True, timeout=300
    )
    python = venv / "bin" / "python"
    pip = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    torch_version = torch.__version__.split("+")[0]
    local = subprocess.run(
        [*pip, "--no-index", "--no-deps", f"torch=={torch_version}"],
        capture_output=True,
        text=True,
    )
    if local.returncode != 0:
        pytest.skip(
            f"no local CPU wheel of torch=={torch_version} (see scripts/setup_env.sh)"
        )
    # the wheel with its dependencies, and what runs a notebook
    result = subprocess.run(
        [*pip, str(wheel), "nbclient>=0.9", "ipykernel>=6.25,<7"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    work = tmp / "work"  # outside the repository, which is on no path
    work.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))
    }
    env.update(
        {
            "RNNTUTOR_PROGRESS": "0",
            "OMP_NUM_THREADS": "1",
            "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
        }
    )

    def run(*args, timeout=300):
        done = subprocess.run(
            list(map(str, args)),
            capture_output=True,
            text=True,
            env=env,
            cwd=work,
            timeout=timeout,
        )
        assert done.returncode == 0, (
            f"{args}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
        return done.stdout

    return {"venv": venv, "work": work, "run": run}


def test_installed_package_is_the_wheel_not_the_repository(installed):
    where = installed["run"](
        "python",
        "-c",
        "import rnntutor; print(rnntutor.__file__, rnntutor.__version__)",
    )
    path, version = where.split()
    assert (
        Path(path).is_relative_to(installed["venv"])
        and "site-packages" in path
    )
    assert (
        not Path(path).is_relative_to(ROOT) and version == rnntutor.__version__
    )
    # the shipped checkpoints are there
    assert (
        Path(path).parent / "checkpoints" / "row_lstm_mnist5k.pt"
    ).is_file()


def test_installed_cli_help_data_train_evaluate(installed):
    run = installed["run"]
    assert "train" in run("rnntutor", "--help") and "evaluate" in run(
        "rnntutor", "--help"
    )
    assert (
        run("rnntutor", "--version").strip()
        == f"rnntutor {rnntutor.__version__}"
    )
    listing = run("rnntutor", "data", "list")
    assert "digits" in listing and "available offline" in listing
    out = installed["work"] / "tiny.pt"
    summary = run(
        "rnntutor", "train", "--dataset", "digits", "--cell", "gru", "--hidden-size", "8", "--epochs", "1",
        "--lr", "0.02", "--device", "cpu", "--out", out,
    )  # fmt: skip
    accuracy = float(summary.split("test accuracy ")[1].split()[0])
    metrics = json.loads(run("rnntutor", "evaluate", out, "--json"))
    assert metrics["n"] == 359 and metrics["accuracy"] == pytest.approx(
        accuracy, abs=1e-4
    )
    assert (
        run("python", "-m", "rnntutor", "--version").strip()
        == f"rnntutor {rnntutor.__version__}"
    )


def test_installed_package_runs_a_chapter(installed):
    """Chapter 2, copied alone to a folder outside the repository, runs top to bottom on the wheel."""
    notebook = installed["work"] / NOTEBOOK
    shutil.copy(ROOT / "book" / NOTEBOOK, notebook)
    script = f"""
import nbformat, nbclient, rnntutor
nb = nbformat.read({str(notebook)!r}, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import rnntutor, sys; print(rnntutor.__file__); print(sys.executable)"))
nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={{"metadata": {{"path": "."}}}}).execute()
print(nb.cells[-1].outputs[0]["text"])
"""
    out = installed["run"]("python", "-c", script, timeout=600).split()
    module, kernel_python = out[-2], out[-1]
    assert Path(module).is_relative_to(installed["venv"]) and Path(
        kernel_python
    ).is_relative_to(installed["venv"])
