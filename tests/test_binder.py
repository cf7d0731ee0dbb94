"""Binder builds what the README promises: repo2docker's own build plan, written without Docker.

``jupyter-repo2docker --no-build --debug`` prints the Dockerfile it would build from
this repository. The plan must use ``environment.yml`` with Python 3.11 and install
the environment after the repository is copied in, so that its ``-e .`` installs rnntutor.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    exe = shutil.which(
        "jupyter-repo2docker", path=str(Path(sys.executable).parent)
    )
    if exe is None:
        pytest.fail(
            "jupyter-repo2docker is not installed: pip install -e '.[test]'"
        )
    result = subprocess.run(
        [exe, "--no-build", "--no-run", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path_factory.mktemp("r2d"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def test_plan_uses_environment_yml_with_python_3_11(plan):
    assert "Building conda environment for python=3.11" in plan
    assert "Python version unspecified" not in plan
    # the base environment is repo2docker's lock file for that Python
    assert re.search(r"environment\S*py\S*3\S*11\S*lock", plan)
    assert re.search(
        r'env update -p \$\{NB_PYTHON_PREFIX\} --file "environment\.yml"', plan
    )


def test_plan_installs_the_package_after_copying_the_repository(plan):
    copy = plan.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    update = plan.index('--file "environment.yml"')
    assert copy < update, (
        "environment.yml is installed before the repository is there: '-e .' would fail"
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(
        dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict)
    )
    assert (
        "-e ." in pip
    )  # what installs rnntutor (from the copied repository) in that step
    assert "python=3.11" in env["dependencies"]


def test_readme_binder_link_opens_a_chapter_in_jupyterlab():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"https://mybinder\.org/v2/gh/[^\s)\"']+", readme)
    assert links, "no Binder launch link in the README"
    for link in links:
        url = urlparse(link)
        assert url.path.startswith("/v2/gh/rnntutor/rnntutor/"), link
        urlpath = parse_qs(url.query)["urlpath"][0]
        assert urlpath.startswith("lab/tree/"), link
        assert (ROOT / urlpath.removeprefix("lab/tree/")).is_file(), link
