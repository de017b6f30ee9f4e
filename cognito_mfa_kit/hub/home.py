"""A hub user's home: a folder of the hub's own (never a real home) with the course and the user's own key.

>>> home = prepare_home(settings, settings.users["trainee-001"])   # before their server starts
>>> user_environment(settings, settings.users["trainee-001"])      # what their server (and kernels) get

- the course: each notebook of ``notebooks/`` the home does not have yet (a trainee's own changes are kept across
  restarts of their server and of the hub);
- ``.aws/credentials`` (mode 0600) with their own key as profile ``cmk-trainee`` (the trainer's: ``cmk-trainer``),
  ``.aws/config`` with the sandbox's region, and ``AWS_SHARED_CREDENTIALS_FILE``, ``AWS_CONFIG_FILE`` and
  ``AWS_PROFILE`` pointing at them, with ``COGNITO_MFA_KIT_SANDBOX_URL``: ``connect()`` in any notebook signs as
  that user on the class's sandbox, with nothing to type;
- the trainer's home also gets ``class_progress.ipynb``: the class view (``ui.ClassProgress``) on the sheet.

All users' servers run as the hub's own OS user (JupyterHub's SimpleLocalProcessSpawner): the folders are private
to that OS user (0700), not to each trainee. See docs/instructor.md, "What the hub does not isolate".
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..connect import DEFAULT_SANDBOX_REGION, ENV_URL
from ..servicemodel import aws_data_path
from .settings import TRAINER, HubSettings, HubUser

CLASS_NOTEBOOK = "class_progress.ipynb"
START_NOTEBOOK = "00_start_here.ipynb"


def _private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 from the start (no moment where others could read it)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)


def credentials_path(home: Path) -> Path:
    return home / ".aws" / "credentials"


def config_path(home: Path) -> Path:
    return home / ".aws" / "config"


def class_notebook(sheet: str) -> nbformat.NotebookNode:
    """The trainer's class view: one cell, on the class's sheet (the kernel signs with the trainer's key)."""
    intro = new_markdown_cell(
        "# The class, live\n\n"
        "Where each trainee of the sheet is in the seed's steps, refreshed every 10 seconds; the trainees stuck on "
        "the same error are grouped with what to tell them. This notebook signs with the trainer's key (profile "
        "`cmk-trainer`), which may read every trainee's pool. The hub's admin page (*File > Hub Control Panel*, "
        "then *Admin*) shows whose server runs."
    )
    cell = new_code_cell(f"from cognito_mfa_kit import connect, ui\nlab = connect()\nui.ClassProgress(lab, {sheet!r})")
    nb = new_notebook(cells=[intro, cell], metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    return nb


def prepare_home(settings: HubSettings, user: HubUser) -> Path:
    """Create (or complete) ``user``'s home; returns it. Never overwrites a notebook the home already has, except
    the trainer's generated class view."""
    home = settings.home(user.name)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    for notebook in sorted(Path(settings.notebooks).glob("*.ipynb")):
        target = home / notebook.name
        if not target.exists():
            shutil.copyfile(notebook, target)
    profile = user.profile
    _private_file(credentials_path(home), f"[{profile}]\naws_access_key_id = {user.aws_access_key_id}\n"
                                          f"aws_secret_access_key = {user.aws_secret_access_key}\n")
    _private_file(config_path(home), f"[profile {profile}]\nregion = {DEFAULT_SANDBOX_REGION}\n")
    if user.role == TRAINER:
        nbformat.write(class_notebook(settings.sheet), str(home / CLASS_NOTEBOOK))
    return home


def user_environment(settings: HubSettings, user: HubUser) -> dict[str, str]:
    """The variables ``user``'s server starts with (its kernels inherit them)."""
    home = settings.home(user.name)
    return {
        ENV_URL: settings.sandbox_url,
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials_path(home)),
        "AWS_CONFIG_FILE": str(config_path(home)),
        "AWS_PROFILE": user.profile,
        "AWS_DATA_PATH": aws_data_path(),  # the kit's model extras, for the AWS CLI lines the course shows
        "PYTHONUNBUFFERED": "1",
    }


def start_page(user: HubUser) -> str:
    """The page ``user``'s JupyterLab opens on."""
    return f"/lab/tree/{CLASS_NOTEBOOK if user.role == TRAINER else START_NOTEBOOK}"
