"""JupyterLab's pre-save hook: a notebook that git strips (nbstripout's filter) is saved as git would store it.

`make lab` sets up nbstripout's git filter, so outputs, execution counts and the kernel's language details never
reach a commit. Saving them into the working copy would still make git report the notebook as modified (git
compares file sizes before it runs a filter), and `git pull` would then refuse to bring the next version of the
course. So, for a notebook whose repository applies that filter to it, the lab saves what the filter gives; any
other file is saved untouched.

The filter `make` installs (``"<python>" -m nbstripout``) is applied in the server's process with nbstripout's own
``strip_output``, given the options its command line would use (a separate process would hold the server up for
seconds on each save); any other clean command is run as git would run it. ``tests/test_packaging.py`` checks that
both give what git stores.

Configured by :func:`cognito_mfa_kit.labserver.jupyter_command` as ``ContentsManager.pre_save_hook``.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILTER = "nbstripout"
#: what nbstripout's command line strips besides outputs and counts when not told otherwise (its `main()`)
NBSTRIPOUT_DEFAULT_EXTRA_KEYS = (
    "metadata.signature",
    "metadata.widgets",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
)
#: a guard against a hung git or filter (jupyter_server logs the error and saves the notebook as sent)
TIMEOUT_S = 60
_PLAIN_NBSTRIPOUT = re.compile(r'^("[^"]+"|\S+) -m nbstripout$')


@dataclass(frozen=True)
class CleanFilter:
    """The clean filter git applies to a file: its command, the work tree's top, nbstripout's options from config."""

    command: str
    top: Path
    extra_keys: tuple[str, ...] = ()
    keep_metadata_keys: tuple[str, ...] = ()

    @property
    def in_process(self) -> bool:
        return bool(_PLAIN_NBSTRIPOUT.match(self.command))


def _git(cwd: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)  # noqa: S603, S607 - git itself, found on PATH as git's own hooks find it
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def clean_filter(os_path: Path) -> CleanFilter | None:
    """The nbstripout clean filter git applies to ``os_path``, or None when git strips nothing there."""
    folder = os_path.parent
    if not folder.is_dir():
        return None
    attribute = _git(folder, "check-attr", "filter", "--", os_path.name)
    if attribute is None or not attribute.endswith(f": filter: {FILTER}"):
        return None
    top = _git(folder, "rev-parse", "--show-toplevel")
    command = _git(folder, "config", f"filter.{FILTER}.clean")
    if not top or not command:
        return None
    extra = _git(folder, "config", f"filter.{FILTER}.extrakeys") or ""
    keep = _git(folder, "config", f"filter.{FILTER}.keepmetadatakeys") or ""
    return CleanFilter(command, Path(top), tuple(extra.split()), tuple(keep.split()))


def strip(content: dict[str, Any], found: CleanFilter) -> dict[str, Any]:
    """What git's clean filter makes of a notebook's JSON content."""
    if found.in_process:
        import nbformat
        from nbstripout import strip_output  # type: ignore[import-untyped]

        keys = (*NBSTRIPOUT_DEFAULT_EXTRA_KEYS, *found.extra_keys)
        extra_keys = [k for k in keys if k not in found.keep_metadata_keys]
        nb = nbformat.reads(json.dumps(content), as_version=nbformat.NO_CONVERT)
        nb = strip_output(nb, keep_output=None, keep_count=False, keep_id=False, extra_keys=extra_keys)
        return json.loads(nbformat.writes(nb))
    # git runs a filter through the shell, from the top of the work tree
    out = subprocess.run(  # noqa: S602 - the command is the repository's own git config, as git itself runs it
        found.command,
        shell=True,
        cwd=found.top,
        input=json.dumps(content, ensure_ascii=False),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{found.command} failed (exit code {out.returncode}): {out.stderr.strip()}")
    return json.loads(out.stdout)


def strip_like_git(model: dict[str, Any], path: str, contents_manager: Any, **kwargs: Any) -> None:  # noqa: ARG001 - Jupyter's pre_save_hook API
    """``pre_save_hook``: replace a notebook model's content with what git's clean filter makes of it."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    found = clean_filter(Path(contents_manager.root_dir, path.lstrip("/")))
    if found is not None:
        model["content"] = strip(model["content"], found)
