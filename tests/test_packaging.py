"""The project's promises about its own files: dependencies in sync, notebooks stripped, commands documented."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# conda-forge names that differ from PyPI names
CONDA_NAMES = {"pyjwt[crypto]": "pyjwt", "moto[cognitoidp]": "moto"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ;]", requirement, maxsplit=1)[0].strip().lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda_dependencies() -> dict[str, str]:
    deps: dict[str, str] = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^  - ([A-Za-z0-9_.\-\[\]]+)(.*)$", line)
        if match and match.group(1) not in ("pip",):
            deps[match.group(1).lower()] = match.group(2).strip()
    return deps


def test_environment_yml_has_every_runtime_dependency_of_pyproject() -> None:
    _check_mirrored(_pyproject()["project"]["dependencies"])


def test_environment_yml_has_the_hub_extra_and_its_proxy() -> None:
    """`cognito-mfa-kit hub` works from the conda environment too: the [hub] extra, and JupyterHub's proxy."""
    hub = _pyproject()["project"]["optional-dependencies"]["hub"]
    assert any(_name(r) == "jupyterhub" for r in hub)
    _check_mirrored(hub)
    assert "configurable-http-proxy" in _conda_dependencies()


def test_make_test_installs_the_hub_extra_and_its_proxy() -> None:
    """`make test` on a fresh machine sets up what the hub tests need: the [hub] extra and npm's proxy in .node/."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install -q -e '\.\[test,hub\]'", makefile)
    assert re.search(r"^test: \$\(STAMP\) \$\(CHP\)$", makefile, re.M)
    assert re.search(r"npm install --prefix \$\(NODE_DIR\) .*configurable-http-proxy@", makefile)
    assert ".node/" in (ROOT / ".gitignore").read_text().split()


def _check_mirrored(requirements: list[str]) -> None:
    conda = _conda_dependencies()
    for requirement in requirements:
        name = _name(requirement)
        conda_name = CONDA_NAMES.get(name, name)
        assert conda_name in conda, f"{requirement!r} from pyproject.toml is missing in environment.yml"
        spec = requirement[len(name):].strip() if not name.endswith("]") else requirement.split("]", 1)[1].strip()
        assert conda[conda_name] == spec, f"{conda_name}: environment.yml {conda[conda_name]!r}, pyproject {spec!r}"


def test_environment_yml_installs_the_package_itself() -> None:
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- pip:\s*\n\s+- -e \.\s*$", text, re.M), "environment.yml must pip-install the package"


def test_moto_is_pinned_exactly() -> None:
    pins = [r for r in _pyproject()["project"]["dependencies"] if _name(r).startswith("moto")]
    assert pins and all("==" in r for r in pins), pins


def _tracked_notebooks() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in out.stdout.split()]


def test_committed_notebooks_carry_no_outputs_or_widget_state() -> None:
    for path in _tracked_notebooks():
        committed = subprocess.run(
            ["git", "show", f"HEAD:{path.relative_to(ROOT)}"], cwd=ROOT, capture_output=True, text=True
        )
        if committed.returncode != 0:  # not committed yet
            continue
        notebook = json.loads(committed.stdout)
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name}: a cell has outputs"
                assert not cell.get("execution_count"), f"{path.name}: a cell has an execution count"
        assert "widgets" not in notebook.get("metadata", {}), f"{path.name}: widget state saved"


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def test_console_script_and_module_entry_point_agree() -> None:
    assert _pyproject()["project"]["scripts"]["cognito-mfa-kit"] == "cognito_mfa_kit.cli:main"
    out = subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "sandbox" in out.stdout


def test_import_is_light() -> None:
    """`import cognito_mfa_kit` must not pull in moto, JupyterLab or ipywidgets (they load lazily)."""
    heavy = "('moto', 'ipywidgets', 'jupyterlab', 'boto3')"
    code = f"import sys, cognito_mfa_kit; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
