"""JupyterLab's pre-save hook: a notebook that git strips (nbstripout's filter) is saved as git would store it.

`make lab` sets up nbstripout's git filter, so outputs, execution counts and the kernel's language details never
reach a commit. Saving them into the working copy would still make git report the notebook as modified (git
compares file sizes before running a filter), and `git pull` would then refuse to bring the next version of the
course. So, for a notebook whose repository applies that filter to it, the lab saves exactly what the filter gives
(the clean command git itself would run, from the repository's top); any other file is saved untouched.

Configured by :func:`cognito_mfa_kit.labserver.jupyter_command` as ``ContentsManager.pre_save_hook``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

FILTER = "nbstripout"
#: a guard against a hung filter (jupyter_server logs the error and saves the notebook unstripped)
TIMEOUT_S = 60


def _git(cwd: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def clean_command(os_path: Path) -> tuple[str, Path] | None:
    """The clean filter git applies to ``os_path`` and the folder git runs it in, or None when git strips nothing."""
    folder = os_path.parent
    if not folder.is_dir():
        return None
    top = _git(folder, "rev-parse", "--show-toplevel")
    attribute = _git(folder, "check-attr", "filter", "--", os_path.name)
    if top is None or attribute is None or not attribute.endswith(f": filter: {FILTER}"):
        return None
    command = _git(folder, "config", f"filter.{FILTER}.clean")
    return (command, Path(top)) if command else None


def strip_like_git(model: dict[str, Any], path: str, contents_manager: Any, **kwargs: Any) -> None:
    """``pre_save_hook``: replace a notebook model's content with what git's clean filter makes of it."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    os_path = Path(contents_manager.root_dir, path.lstrip("/"))
    found = clean_command(os_path)
    if found is None:
        return
    command, top = found
    text = json.dumps(model["content"], ensure_ascii=False)
    # git runs a filter through the shell, from the top of the work tree (nbstripout reads its options there)
    out = subprocess.run(command, shell=True, cwd=top, input=text, capture_output=True, text=True, timeout=TIMEOUT_S)
    if out.returncode != 0:
        raise RuntimeError(f"{command} failed on {path} (exit code {out.returncode}): {out.stderr.strip()}")
    model["content"] = json.loads(out.stdout)
