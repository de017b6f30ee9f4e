"""The project's promises about its own files: dependencies in sync, notebooks stripped, commands documented."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

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
    assert re.search(r"^\t@\$\(MAKE\) --no-print-directory install SPEC='\.\[test,hub\]'$", makefile, re.M)
    assert re.search(r"^test: \$\(STAMP\) \$\(CHP\)$", makefile, re.M)
    assert re.search(r"npm install --prefix \$\(NODE_DIR\) .*configurable-http-proxy@", makefile)
    assert ".node/" in (ROOT / ".gitignore").read_text().split()


def test_make_test_type_checks_the_package_between_the_linter_and_the_tests() -> None:
    """`make test` runs mypy (configured in pyproject.toml: the package, at zero errors) after ruff, before pytest."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test: .*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "no `test:` recipe in the Makefile"
    steps = [line.strip() for line in recipe.group(1).splitlines()]
    assert steps == ["$(BIN)/ruff check .", "$(BIN)/mypy", "$(BIN)/python -m pytest"], steps
    assert any(_name(r) == "mypy" for r in _pyproject()["project"]["optional-dependencies"]["test"])
    assert _pyproject()["tool"]["mypy"]["files"] == ["cognito_mfa_kit"]


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


def test_moto_stays_within_one_minor_series_and_its_internals_are_checked() -> None:
    """The sandbox leans on moto's internals: a floor and a ceiling below the next minor version, and the contract
    test that names every internal it uses (environment.yml mirrors the range: see the tests above)."""
    pins = [r for r in _pyproject()["project"]["dependencies"] if _name(r).startswith("moto")]
    assert len(pins) == 1, pins
    floor = re.search(r">=\s*(\d+)\.(\d+)\.(\d+)", pins[0])
    ceiling = re.search(r"<\s*(\d+)\.(\d+)(?:,|$)", pins[0])
    assert floor and ceiling, f"{pins[0]}: moto needs a floor (>=X.Y.Z) and a ceiling (<X.Y+1)"
    assert (int(ceiling.group(1)), int(ceiling.group(2))) == (int(floor.group(1)), int(floor.group(2)) + 1), pins[0]
    assert (ROOT / "tests" / "sandbox" / "test_moto_contract.py").is_file()


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


# --------------------------------------------------------------------------- licence and build


def test_license_is_an_spdx_expression_and_the_build_backend_supports_it() -> None:
    from packaging.licenses import canonicalize_license_expression

    project = _pyproject()["project"]
    assert isinstance(project["license"], str), "project.license must be an SPDX string, not a table (deprecated)"
    assert canonicalize_license_expression(project["license"]) == project["license"]
    requires = _pyproject()["build-system"]["requires"]
    setuptools_pin = next(r for r in requires if _name(r) == "setuptools")
    minimum = re.search(r">=\s*(\d+)", setuptools_pin)
    assert minimum and int(minimum.group(1)) >= 77, f"{setuptools_pin}: SPDX licences need setuptools>=77"


def _build_wheel(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Build a wheel of a copy of the tracked files into ``tmp_path/wheel``."""
    source = _copy_tracked_files(tmp_path / "src")
    uv = Path(sys.prefix, "bin", "uv")  # `make` installs with uv when it can (then the venv has no pip)
    if uv.exists():
        build = [str(uv), "build", "--wheel", "--out-dir", str(tmp_path / "wheel"), str(source)]
    else:
        build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)]
    return subprocess.run(build, capture_output=True, text=True)


def test_building_the_package_prints_no_deprecation_of_ours(tmp_path: Path) -> None:
    """A real PEP 517 build (setuptools from the index, as `make` gets it) of a copy of the tracked files."""
    out = _build_wheel(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert list((tmp_path / "wheel").glob("cognito_mfa_kit-*.whl"))
    noise = [line for line in (out.stdout + out.stderr).splitlines() if re.search(r"deprecat", line, re.I)]
    assert noise == [], "\n".join(noise)


def test_the_wheel_ships_every_page_template(tmp_path: Path) -> None:
    """The sandbox's pages render from package data: each tracked template (the shared ``_page.html`` too)."""
    out = _build_wheel(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    [wheel] = (tmp_path / "wheel").glob("cognito_mfa_kit-*.whl")
    listed = subprocess.run(["git", "ls-files", "cognito_mfa_kit/**/templates/*.html"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    templates = set(listed.stdout.split())
    assert "cognito_mfa_kit/sandbox/templates/_page.html" in templates
    assert templates <= set(zipfile.ZipFile(wheel).namelist())


# --------------------------------------------------------------------------- set-up keeps a clone clean

GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main"]


def _copy_tracked_files(dest: Path) -> Path:
    """The working-tree copies of every tracked file (what a clone of this state would hold), an hour old."""
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    an_hour_ago = time.time() - 3600  # not "racily clean" for git: `git status` trusts their stat data
    for name in filter(None, out.stdout.split("\0")):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
            os.utime(dest / name, (an_hour_ago, an_hour_ago))
    return dest


def _git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A git repository of its own holding this checkout's tracked files, committed, without nbstripout's filter."""
    repo = _copy_tracked_files(tmp_path / "clone")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "snapshot")
    return repo


def _make(repo: Path, target: str, **variables: str) -> subprocess.CompletedProcess[str]:
    venv = Path(sys.prefix)  # this venv: its nbstripout, no new install
    args = ["make", "--no-print-directory", "-C", str(repo), target, f"VENV={venv}"]
    args += [f"{k}={v}" for k, v in variables.items()]
    return subprocess.run(args, capture_output=True, text=True)


def test_git_filter_step_leaves_the_clone_clean_and_notebooks_unchanged(clone: Path) -> None:
    out = _make(clone, "git-filter")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "nbstripout" in _git(clone, "config", "filter.nbstripout.clean"), "the filter was not configured"
    assert _git(clone, "status", "--porcelain") == ""
    # every committed notebook is already in the form the filter gives it (a fresh clone's files are re-filtered by
    # `git status` when checked out in the second the index was written), the filter applied as the save hook does
    from cognito_mfa_kit import savehook

    notebooks = sorted(clone.glob("**/*.ipynb"))
    assert len(notebooks) >= 9
    for path in notebooks:
        found = savehook.clean_filter(path)
        assert found is not None and found.in_process, found
        committed = json.loads(path.read_text())
        assert savehook.strip(committed, found) == committed, f"{path.name} is not committed in nbstripout's form"


def _as_jupyterlab_saves_it(nb: Any) -> Any:
    """A notebook as JupyterLab sends it after a run: the kernel's spec and language_info, outputs, counts, widgets."""
    import nbformat
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    nb.metadata["kernelspec"] = {"display_name": spec.display_name, "language": spec.language, "name": "python3"}
    nb.metadata["language_info"] = dict(IPythonKernel.language_info)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    for count, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = count + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
        cell.metadata["scrolled"] = True
    return nb


def test_a_notebook_saved_by_jupyterlab_after_a_run_is_stripped_by_the_filter(clone: Path) -> None:
    """Written behind the lab's back (no save hook): git stores nothing of it (`git diff` and `git add` are no-ops)."""
    import nbformat

    assert _make(clone, "git-filter").returncode == 0
    path = clone / "notebooks" / "02_enrol_a_signed_in_user.ipynb"  # one is enough: each filter run takes seconds
    nbformat.write(_as_jupyterlab_saves_it(nbformat.read(path, as_version=nbformat.NO_CONVERT)), path)
    assert _git(clone, "diff") == ""
    _git(clone, "add", "-A")
    assert _git(clone, "status", "--porcelain") == ""


def _put(lab: Any, path: str, content: dict[str, Any]) -> None:
    import urllib.request

    body = json.dumps({"type": "notebook", "format": "json", "content": content}).encode()
    request = urllib.request.Request(
        f"{lab.base_url}api/contents/{path}",
        data=body,
        method="PUT",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status in (200, 201)


def test_saving_in_the_lab_keeps_the_clone_clean_and_real_edits_visible(clone: Path, tmp_path: Path) -> None:
    """`cognito-mfa-kit lab`'s JupyterLab, saved through its REST API with the model JupyterLab's page sends."""
    import nbformat

    from cognito_mfa_kit.labserver import LabServer

    assert _make(clone, "git-filter").returncode == 0
    outside = tmp_path / "outside"  # a folder git knows nothing of: saved as sent
    outside.mkdir()
    (clone / "notebooks" / "outside").symlink_to(outside)
    with open(clone / ".git" / "info" / "exclude", "a") as exclude:
        exclude.write("/notebooks/outside\n")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "workspaces")
    lab = LabServer(clone / "notebooks", port=0, state_path=None, log_path=tmp_path / "lab.log", env=env)
    lab.start()
    try:
        # two course notebooks (after a save, `git status` re-runs the filter on each: seconds apiece)
        names = ["00_start_here.ipynb", "02_enrol_a_signed_in_user.ipynb"]
        for name in names:
            nb = _as_jupyterlab_saves_it(nbformat.read(clone / "notebooks" / name, as_version=nbformat.NO_CONVERT))
            _put(lab, name, nb)
        assert _git(clone, "status", "--porcelain") == "", "saving a course notebook made the clone dirty"
        committed = _git(clone, "show", f"HEAD:notebooks/{names[0]}")
        assert (clone / "notebooks" / names[0]).read_text() == committed

        edited = _as_jupyterlab_saves_it(nbformat.read(clone / "notebooks" / names[0], as_version=nbformat.NO_CONVERT))
        edited.cells.append(nbformat.v4.new_code_cell("print('my own try')"))
        _put(lab, names[0], edited)
        assert _git(clone, "status", "--porcelain").split() == ["M", f"notebooks/{names[0]}"]
        diff = _git(clone, "diff")
        assert "my own try" in diff and "ran" not in diff and "execution_count\": 1" not in diff, diff

        _put(lab, "outside/mine.ipynb", _as_jupyterlab_saves_it(nbformat.v4.new_notebook(cells=[edited.cells[-1]])))
        kept = nbformat.read(outside / "mine.ipynb", as_version=4)
        assert kept.cells[0].outputs and kept.metadata["language_info"].get("version"), "a file outside git stripped"
    finally:
        lab.stop()


def test_the_save_hook_strips_as_the_configured_filter_does(clone: Path) -> None:
    """In the server's process (the filter `make` installs) it gives what git's clean command gives."""
    import nbformat

    from cognito_mfa_kit import savehook

    assert _make(clone, "git-filter").returncode == 0
    notebooks = sorted(clone.glob("**/*.ipynb"))
    for path in notebooks:
        found = savehook.clean_filter(path)
        assert found is not None and found.in_process and found.top == clone, found
        assert "metadata.language_info.version" in found.extra_keys
        saved = json.loads(nbformat.writes(_as_jupyterlab_saves_it(nbformat.read(path, as_version=4))))
        assert savehook.strip(saved, found) == json.loads(path.read_text()), path.name
        if path.name.startswith("02_"):  # and git's own command gives the same (a filter run takes seconds)
            by_git = subprocess.run(  # noqa: S602 - the configured filter, run through the shell as git runs it
                found.command, shell=True, cwd=clone, input=json.dumps(saved), capture_output=True, text=True
            )
            assert by_git.returncode == 0, by_git.stderr
            assert savehook.strip(saved, found) == json.loads(by_git.stdout)


def test_the_save_hook_runs_any_other_clean_command_as_git_would(clone: Path) -> None:
    import nbformat

    from cognito_mfa_kit import savehook

    assert _make(clone, "git-filter").returncode == 0
    _git(clone, "config", "filter.nbstripout.clean", f'"{sys.executable}" -m nbstripout --keep-count')
    path = next(clone.glob("notebooks/*.ipynb"))
    found = savehook.clean_filter(path)
    assert found is not None and not found.in_process
    stripped = savehook.strip(json.loads(nbformat.writes(_as_jupyterlab_saves_it(nbformat.read(path, 4)))), found)
    code = [c for c in stripped["cells"] if c["cell_type"] == "code"]
    assert code and code[0]["execution_count"] == 1 and code[0]["outputs"] == []


def test_the_save_hook_leaves_files_git_does_not_strip(tmp_path: Path) -> None:
    from cognito_mfa_kit import savehook

    assert savehook.clean_filter(tmp_path / "mine.ipynb") is None  # no repository
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "filter.nbstripout.clean", "cat")
    assert savehook.clean_filter(repo / "mine.ipynb") is None  # a repository without the attribute


def test_git_filter_step_in_a_linked_worktree_leaves_the_shared_config_alone(clone: Path, tmp_path: Path) -> None:
    _git(clone, "worktree", "add", "-q", str(tmp_path / "linked"))
    out = _make(tmp_path / "linked", "git-filter")
    assert out.returncode == 0 and "left as it is" in out.stdout, out.stdout + out.stderr
    assert "nbstripout" not in _git(clone, "config", "--list")
    assert _git(tmp_path / "linked", "status", "--porcelain") == ""


def test_what_the_install_writes_in_the_checkout_is_ignored() -> None:
    written = [".venv/", "cognito_mfa_kit.egg-info/", "build/"]
    ignored = subprocess.run(["git", "check-ignore", *written], cwd=ROOT, capture_output=True, text=True)
    assert ignored.stdout.split() == written


# --------------------------------------------------------------------------- the installer: uv, else pip


def _fake_venv(
    root: Path, *, uv: int | None, system_pip_fetches_uv: bool = False, venv_pip_fetches_uv: bool = False,
    pip_install: int = 0,
) -> Path:
    """A venv and a system Python whose programs only log how they are called, and answer as told: the Makefile's
    choice among uv and pip is what is under test (``uv``: its exit code, None: no uv in the venv)."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    log = root / "calls.log"
    make_uv = f"printf '#!/bin/sh\\necho \"uv $*\" >> {log}\\n' > {bin_dir}/uv; chmod +x {bin_dir}/uv"
    programs = {
        "system-python": f"""
            echo "system-python $*" >> {log}
            case "$*" in
              "-m pip --python {bin_dir}/python install -qq uv") {make_uv if system_pip_fetches_uv else "exit 1"};;
              *) exit 1;;
            esac""",
        "python": f"""
            echo "python $*" >> {log}
            case "$*" in
              "-m pip --version") test -f {root}/has-pip;;
              "-m ensurepip") touch {root}/has-pip;;
              "-m pip install -qq uv") {make_uv if venv_pip_fetches_uv else "exit 1"};;
              "-m pip install -q --upgrade pip"|"-m pip install -q -e .[test,hub]") exit {pip_install};;
              *) echo "fake python: unexpected arguments: $*" >&2; exit 2;;
            esac""",
    }
    if uv is not None:
        programs["uv"] = f'echo "uv $*" >> {log}; [ "$1" = --version ] && echo "uv 0 (fake)" || exit {uv}'
    for name, body in programs.items():
        (bin_dir / name).write_text("#!/bin/sh\n" + body + "\n")
        (bin_dir / name).chmod(0o755)
    return root


def _install(venv: Path, **variables: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    no_uv_path = ":".join(d for d in os.environ["PATH"].split(":") if d and not (Path(d) / "uv").exists())
    env = {**os.environ, "PATH": no_uv_path}
    args = ["make", "--no-print-directory", "-C", str(ROOT), "install", f"VENV={venv}"]
    args += [f"PYTHON={venv}/bin/system-python", *(f"{k}={v}" for k, v in variables.items())]
    out = subprocess.run(args, capture_output=True, text=True, env=env)
    log = venv / "calls.log"
    return out, log.read_text().splitlines() if log.exists() else []


UV_INSTALL = "uv pip install -q --python {venv}/bin/python -e .[test,hub]"
PIP_INSTALL = "python -m pip install -q -e .[test,hub]"


def test_install_uses_the_venvs_uv_and_not_pip(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", uv=0)
    out, calls = _install(venv)
    assert out.returncode == 0, out.stdout + out.stderr
    assert [c for c in calls if "install" in c] == [UV_INSTALL.format(venv=venv)], calls
    assert "install: done (uv)" in out.stdout


def test_install_fetches_uv_into_the_venv_with_the_systems_pip(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", uv=None, system_pip_fetches_uv=True)
    out, calls = _install(venv)
    assert out.returncode == 0, out.stdout + out.stderr
    assert calls[0] == f"system-python -m pip --python {venv}/bin/python install -qq uv"
    assert UV_INSTALL.format(venv=venv) in calls and PIP_INSTALL not in calls, calls
    assert "python -m ensurepip" not in calls, "the venv got pip although uv needed none"


def test_install_fetches_uv_with_the_venvs_own_pip_when_the_system_has_none(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", uv=None, venv_pip_fetches_uv=True)
    out, calls = _install(venv)
    assert out.returncode == 0, out.stdout + out.stderr
    assert calls.index("python -m ensurepip") < calls.index("python -m pip install -qq uv")
    assert calls[-1] == UV_INSTALL.format(venv=venv) and PIP_INSTALL not in calls, calls


def test_install_falls_back_to_pip_when_uv_fails(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", uv=2)
    out, calls = _install(venv)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "uv could not be had or failed" in out.stdout and "install: done (pip)" in out.stdout
    assert calls.index(UV_INSTALL.format(venv=venv)) < calls.index(PIP_INSTALL), calls
    assert calls[-1] == PIP_INSTALL


def test_install_falls_back_to_pip_when_uv_cannot_be_had(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", uv=None)
    out, calls = _install(venv)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "python -m pip install -qq uv" in calls and calls[-1] == PIP_INSTALL, calls
    assert not (venv / "bin" / "uv").exists()


def test_install_with_installer_pip_never_tries_uv(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", uv=0, system_pip_fetches_uv=True)
    out, calls = _install(venv, INSTALLER="pip")
    assert out.returncode == 0, out.stdout + out.stderr
    assert not any(c.startswith("uv") or c.endswith("-qq uv") for c in calls), calls
    assert calls[-1] == PIP_INSTALL


def test_install_fails_when_pip_fails_too(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "venv", uv=2, pip_install=1)
    out, calls = _install(venv)
    assert out.returncode != 0 and "install: done" not in out.stdout
    assert PIP_INSTALL in calls or "python -m pip install -q --upgrade pip" in calls


# --------------------------------------------------------------------------- CI and Chromium


def _ci_run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`.ci/run` with a `make` that only says it ran (the test suite is not run again from inside itself)."""
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "make").write_text('#!/bin/sh\necho "make $*: not run by this test"\n')
    (fake / "make").chmod(0o755)
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "COGNITO_MFA_KIT_CHROMIUM")}
    base["PATH"] = f"{fake}:{os.environ['PATH']}"
    return subprocess.run(["bash", str(ROOT / ".ci" / "run")], capture_output=True, text=True, env={**base, **env})


def test_ci_fails_fast_when_chromium_is_missing(tmp_path: Path) -> None:
    out = _ci_run(tmp_path, CI="true", COGNITO_MFA_KIT_CHROMIUM=str(tmp_path / "no-chromium"))
    assert out.returncode == 1
    assert f"no Chromium at {tmp_path / 'no-chromium'}" in out.stderr and "browser tests" in out.stderr
    assert "make test" not in out.stdout, "the tests ran although CI could not run the browser tests"


def test_outside_ci_a_missing_chromium_only_skips_the_browser_tests(tmp_path: Path) -> None:
    out = _ci_run(tmp_path, COGNITO_MFA_KIT_CHROMIUM=str(tmp_path / "no-chromium"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "the browser tests will be skipped" in out.stdout and "make test" in out.stdout


def test_ci_runs_the_tests_when_chromium_is_there(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    out = _ci_run(tmp_path, CI="true", COGNITO_MFA_KIT_CHROMIUM=str(chromium))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "make test" in out.stdout and "Chromium" not in out.stdout + out.stderr


def test_connect_stays_the_function_once_its_module_is_loaded() -> None:
    """Re-running a notebook's first cell (``from cognito_mfa_kit import connect, flows``) must give the function
    again: a package attribute named like a submodule is replaced by the module when that submodule loads."""
    code = ("from cognito_mfa_kit import connect\n"
            "import cognito_mfa_kit.flows, cognito_mfa_kit.connect\n"
            "from cognito_mfa_kit import connect as again\n"
            "import types\n"
            "print(again is connect, isinstance(again, types.FunctionType))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
