"""Failures a lesson is about: :func:`expect` runs a step that must fail and shows the error explained, calmly.

A different outcome (success, or another error) raises ``AssertionError``: the notebook stops there, so the course's
own test notices a change in Cognito's (or the sandbox's) behaviour. While the step runs, the call that fails as
announced is shown under the cell as *expected*, not as a red refusal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..errors import explain
from .display import expecting

__all__ = ["Expected", "expect"]


@dataclass
class Expected:
    """What :func:`expect` caught: the error code, Cognito's message (masked) and the explanation."""

    wanted: tuple[str, ...]
    code: str | None = None
    message: str | None = None
    explanation: Any = None

    def __repr__(self) -> str:
        if self.explanation is None:
            return "(nothing caught yet)"
        if self.code == "ValueError":  # the kit's own input check: no Cognito error to explain
            return f"Expected: the kit refused it before calling Cognito: {self.message}"
        return f"Expected: {self.code}\n{self.explanation.as_text()}"

    def _repr_markdown_(self) -> str:
        if self.explanation is None:
            return "(nothing caught yet)"
        if self.code == "ValueError":
            return f"**Expected:** the kit refused it *before calling Cognito*: {self.message}"
        return f"**Expected:** `{self.code}` — the failure this step is about.\n\n{self.explanation.as_markdown()}"


@contextlib.contextmanager
def expect(*codes: str) -> Iterator[Expected]:
    """Run a step that must fail with one of ``codes`` (Cognito's exception name, or ``ValueError`` for the kit's
    own input checks); show the error explained.

    Succeeding, or failing differently, raises ``AssertionError``: the notebook stops there, so a change in
    Cognito's (or the sandbox's) behaviour is noticed.
    """
    if not codes:
        raise ValueError("codes: name the error the step must raise, e.g. expect('CodeMismatchException').")
    caught = Expected(wanted=tuple(codes))
    try:
        with expecting(codes):
            yield caught
    except ClientError as exc:
        caught.explanation = explain(exc)
        caught.code = exc.response.get("Error", {}).get("Code")
        caught.message = caught.explanation.message
    except ValueError as exc:
        caught.explanation = explain(exc)
        caught.code = "ValueError"
        caught.message = str(exc)
    else:
        raise AssertionError(f"expected {' or '.join(codes)}, but the step succeeded")
    if caught.code not in codes:
        raise AssertionError(f"expected {' or '.join(codes)}, got {caught.code}: {caught.message}")
    _display(caught)


def _display(obj: Any) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is not None:
        display(obj)
