"""The journal view: each call in turn — request, then response (masked), the error explained, the CLI line."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import ipywidgets as widgets

from ..errors import explain
from ..journal import Call, Journal
from ..rendering import PRE_STYLE, folded_pre
from .feedback import explanation_html
from .restart import add_restart_note


def call_html(call: Call, index: int, *, reveal: bool = False) -> str:
    """One call as HTML: header, request, response or explained error, and its AWS CLI twin.

    A long request or response (CreateUserPool's schema) shows its first lines and a "show all" toggle.
    """
    e = html.escape
    if reveal:
        request, response = call.reveal()
        error = call.error
    else:
        request, response = call.request_masked, call.response_masked
        error = call.error_masked
    outcome = ("<span style='color:#1b7f3b'>OK</span>" if call.ok
               else f"<span style='color:#b3261e'>{e(error.code if error else 'failed')}</span>")
    parts = [
        f"<div class='cmk-journal-call' data-operation='{e(call.operation)}' data-ok='{str(call.ok).lower()}'>",
        f"<b>{index}. {e(call.operation)}</b> — {outcome} <small>({call.elapsed_ms:.0f} ms)</small>",
        f"<div><small>Request</small>{folded_pre(json.dumps(request, indent=2, default=str), css_class='cmk-request')}"
        "</div>",
    ]
    if call.ok:
        body = json.dumps(response, indent=2, default=str)
        parts.append(f"<div><small>Response</small>{folded_pre(body)}</div>")
    elif error is not None:
        explanation = explain((error.code, error.message), operation=call.operation)
        parts.append(f"<div class='cmk-journal-error'>{explanation_html(explanation)}</div>")
    cli = call.as_cli(redact=not reveal)
    parts.append(
        f"<div><small>{e(getattr(call, 'twin_name', 'AWS CLI'))} (click to select, then copy)</small>"
        f"<pre class='cmk-cli' style='{PRE_STYLE};user-select:all;background:#f4f4f4;padding:4px'>"
        f"{e(cli)}</pre></div></div><hr style='margin:4px 0'>"
    )
    return "".join(parts)


@contextmanager
def copying_calls(source: Journal | None, into: Journal) -> Iterator[Journal]:
    """While the block runs, copy each call ``source`` records in this thread into ``into`` (a form's own calls).

    Calls other threads make meanwhile (timers, other widgets) are not copied. ``source=None`` copies nothing.
    """
    if source is None:
        yield into
        return
    thread = threading.current_thread()

    def copy(call: Call) -> None:
        if threading.current_thread() is thread:
            into.append(call)

    unsubscribe = source.subscribe(copy)
    try:
        yield into
    finally:
        unsubscribe()


class JournalView(widgets.VBox):
    """Every call of ``journal`` as it happens (``cmk-journal``); secrets masked unless Reveal is on.

    Subscribes to the journal on construction; ``stop()`` unsubscribes. ``max_calls`` keeps the view short
    (older calls stay in the journal, only hidden here).
    """

    def __init__(self, journal: Journal, *, max_calls: int = 30, title: str = "Calls made") -> None:
        self.journal = journal
        self.max_calls = max_calls
        self.header = widgets.HTML(f"<b>{html.escape(title)}</b>")
        self.reveal = widgets.ToggleButton(value=False, description="Show secrets", icon="eye",
                                           tooltip="Show tokens, sessions, codes and passwords unmasked")
        self.reveal.add_class("cmk-journal-reveal")
        self.count = widgets.Label("")
        self.calls = widgets.HTML("")
        self.calls.add_class("cmk-journal-calls")
        self.reveal.observe(lambda _c: self.refresh(), names="value")
        self._unsubscribe = journal.subscribe(self._on_call)
        super().__init__([widgets.HBox([self.header, self.count, self.reveal]), self.calls])
        add_restart_note(self)
        self.add_class("cmk-journal")
        self.refresh()

    def _on_call(self, _call: Call) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the journal (newest last)."""
        try:
            calls = list(self.journal)
            start = max(0, len(calls) - self.max_calls)
            reveal = bool(self.reveal.value)
            self.calls.value = "".join(
                call_html(c, i, reveal=reveal) for i, c in enumerate(calls[start:], start + 1)
            ) or "<i>No calls yet.</i>"
            hidden = f" (showing the last {self.max_calls})" if start else ""
            self.count.value = f"{len(calls)} call{'s' if len(calls) != 1 else ''}{hidden}"
            self.reveal.description = "Hide secrets" if reveal else "Show secrets"
        except Exception as exc:  # noqa: BLE001 - a view must never break the call that fed it
            self.calls.value = f"<i>Could not draw the journal: {html.escape(repr(exc))}</i>"

    def stop(self) -> None:
        self._unsubscribe()

    def close(self) -> None:
        self.stop()
        super().close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        with suppress(Exception):
            self._unsubscribe()


__all__ = ["JournalView", "call_html", "copying_calls"]


