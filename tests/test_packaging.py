"""The conda environment and pyproject.toml must describe the same dependencies."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"pytorch": "torch"}


def _parse(requirement: str) -> tuple[str, str]:
    """Return (PyPI name, version specifier) of a pip or conda requirement string."""
    req = Requirement(requirement)
    name = CONDA_TO_PYPI.get(req.name.lower(), req.name.lower()).replace("_", "-")
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
            if entry.startswith("-e"):
                continue
            name, spec = _parse(entry)
            if name not in {"python", "pip"}:
                reqs[name] = spec
    return reqs


def test_environment_lists_the_same_packages_and_versions_as_pyproject():
    assert _environment_requirements() == _pyproject_requirements()


def test_required_packages_are_declared():
    required = {"jupyter-book", "jupyterlab", "torch", "matplotlib", "ipywidgets", "nbval", "numpy"}
    assert required <= set(_pyproject_requirements())


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "bash scripts/check.sh"
    assert f"\n{command}\n" in readme
    assert [line for line in ci.splitlines() if line and not line.startswith("#")] == [f"exec {command}"]
