"""The one shared helper every form uses: a status line and a guarded action.

``StatusLine`` shows what happened in plain words — success, a refused input, or a failed call explained
from the errors catalogue. ``Action`` runs a button's work so that a callback never raises into the
notebook, the button shows a busy state while the call runs, and a double click does not submit twice.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

import ipywidgets as widgets
import traitlets

from ..errors import Explanation, explain

logger = logging.getLogger(__name__)

__all__ = ["BUSY", "DOUBLE_CLICK_SECONDS", "Action", "Refused", "StatusLine", "explanation_html"]

#: A second click with unchanged inputs this soon after the first finished is a double click, not a retry.
DOUBLE_CLICK_SECONDS = 0.75
BUSY = "…"

_COLOURS = {"ok": "#1b7f3b", "error": "#b3261e", "refused": "#9a6700", "busy": "#555", "info": "#333"}


class Refused(ValueError):
    """An input the form refuses before any call is made (the message says what to change)."""


def explanation_html(explanation: Explanation) -> str:
    """The catalogue's explanation as a small HTML block (every value escaped): :meth:`Explanation.as_html`."""
    return explanation.as_html()


class StatusLine(widgets.HTML):
    """A status/result line (CSS class ``cmk-status``); ``kind`` says which: idle, busy, ok, info, refused, error."""

    kind = traitlets.Unicode("idle")
    #: The last failed call's explanation (None after a success or a refused input).
    explanation = traitlets.Any(None, allow_none=True)
    #: The exception behind that explanation (None likewise): what a test tells a refusal from a crash by.
    exception = traitlets.Any(None, allow_none=True)
    text = traitlets.Unicode("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("cmk-status")
        #: ``clock_ahead(code)`` → how far the clock of the form's pool runs ahead (a form sets it): a refused code
        #: is then explained by the clock, not the phone
        self.clock_ahead: Any = None

    def _show(self, kind: str, text: str, body: str | None = None) -> None:
        self.text = text
        colour = _COLOURS.get(kind, "#333")
        self.value = body if body is not None else f"<span style='color:{colour}'>{html.escape(text)}</span>"
        for k in _COLOURS:
            self.remove_class(f"cmk-status-{k}")
        self.add_class(f"cmk-status-{kind}")
        self.kind = kind

    def ok(self, text: str) -> None:
        self.explanation = self.exception = None
        self._show("ok", text)

    def info(self, text: str) -> None:
        self._show("info", text)

    def busy(self, text: str = "Calling Cognito…") -> None:
        self._show("busy", text)

    def refuse(self, text: str) -> None:
        """An input was refused before any call (nothing changed)."""
        self.explanation = self.exception = None
        self._show("refused", text)

    def error(self, exc: BaseException) -> Explanation:
        """Show ``exc`` explained by the catalogue; returns the explanation (``exception`` keeps ``exc``)."""
        code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code")
        ahead = None
        if self.clock_ahead is not None and code:
            try:
                ahead = self.clock_ahead(code)
            except Exception:  # noqa: BLE001 - a hint only
                ahead = None
        explanation = explain(exc, clock_ahead=ahead)
        self.explanation = explanation
        self.exception = exc
        text = f"Failed: {explanation.title}" + (f" ({explanation.code})" if explanation.code else "")
        self._show("error", text, f"<div style='color:{_COLOURS['error']}'>{explanation_html(explanation)}</div>")
        return explanation

    def clear(self) -> None:
        self.explanation = self.exception = None
        self._show("idle", "", "")


class Action:
    """Runs ``work`` when ``button`` is clicked: busy state, errors shown in ``status``, no double submit.

    - While ``work`` runs the button is disabled and reads ``…``; a click that arrives meanwhile is ignored.
    - A click whose inputs (``inputs()``) are unchanged and that comes within ``DOUBLE_CLICK_SECONDS`` of
      the previous run's end is a double click (the kernel queues it behind the first) and is ignored.
    - ``Refused`` (or the flows' input checks' ``ValueError``) shows as a refused input; any other exception
      is explained from the catalogue. Nothing is raised into the notebook.
    - ``work`` returns the text of the success message (or None to leave the status alone).
    """

    def __init__(
        self,
        button: widgets.Button,
        status: StatusLine,
        work: Callable[[], str | None],
        *,
        inputs: Callable[[], Hashable] | None = None,
        busy_text: str = "Calling Cognito…",
        on_done: Callable[[bool], None] | None = None,
    ) -> None:
        self.button = button
        self.status = status
        self.work = work
        self.inputs = inputs or (lambda: None)
        self.busy_text = busy_text
        self.on_done = on_done
        self.running = False
        self.runs = 0
        self._last_end = float("-inf")
        self._last_inputs: Any = object()
        button.on_click(lambda _b: self.trigger())

    def trigger(self) -> bool:
        """Run once (as a click would). Returns True if the work ran and succeeded."""
        if self.running:
            return False
        try:
            current = self.inputs()
        except Exception:  # noqa: BLE001 - reading the form must not break the click
            current = object()
        if current == self._last_inputs and time.monotonic() - self._last_end < DOUBLE_CLICK_SECONDS:
            return False
        self.running = True
        label, disabled = self.button.description, self.button.disabled
        self.button.disabled = True
        self.button.description = BUSY
        self.status.busy(self.busy_text)
        ok = False
        try:
            message = self.work()
            ok = True
            if message is not None:
                self.status.ok(message)
            elif self.status.kind == "busy":
                self.status.clear()
        except ValueError as exc:
            # Refused, and the flows' input checks (ValueError naming the field), come before any call.
            self.status.refuse(str(exc))
        except Exception as exc:  # a callback never raises into the notebook
            logger.debug("action failed", exc_info=True)
            self.status.error(exc)
        finally:
            self.runs += 1
            self.running = False
            self.button.description = label
            self.button.disabled = disabled
            self._last_end = time.monotonic()
            self._last_inputs = current
        if self.on_done is not None:
            try:
                self.on_done(ok)
            except Exception as exc:  # noqa: BLE001 - never raise into the notebook: the form says why
                self.status.error(exc)
        return ok
