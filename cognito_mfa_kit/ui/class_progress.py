"""The trainer's view of a live class, for a notebook or the projector: a table that refreshes itself, a bar of how
many trainees are at each of the seed's steps, and the trainees stuck on the same error grouped with the
catalogue's explanation — what to tell them.

>>> view = ClassProgress(lab, "class.csv")        # refreshes every 10 s (``interval=``); ``view.stop()``
>>> view.refresh()                                  # now
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..classroom_sheet import Trainee, read_sheet
from ..classroom_status import STEPS, ClassStatus, status
from ..errors import explain
from .ticker import Ticker


def _cell(value: bool | None) -> str:
    return "?" if value is None else ("&#10003;" if value else "&middot;")  # a check mark / a dot: no emoji font


class ClassProgress(widgets.VBox):
    """Where each trainee of ``sheet`` is; refreshes itself every ``interval`` seconds (0: only on :meth:`refresh`).

    The refresh runs on a background timer that only sets widget traits (it never prints). ``fetch`` (default
    :func:`cognito_mfa_kit.classroom_status.status`) is what it calls to read the class."""

    def __init__(self, lab: Any, sheet: str | Path | list[Trainee], *, interval: float = 10.0,
                 autostart: bool = True, fetch: Any = None) -> None:
        self.lab = lab
        self.rows = list(sheet) if isinstance(sheet, list) else read_sheet(sheet)
        self._fetch = fetch or status
        self.report: ClassStatus | None = None
        self.bar = widgets.HTML()
        self.bar.add_class("cmk-class-bar")
        self.table = widgets.HTML()
        self.table.add_class("cmk-class-table")
        self.stuck = widgets.HTML()
        self.stuck.add_class("cmk-class-stuck")
        self.footer = widgets.HTML()
        self.refresh_button = widgets.Button(description="Refresh", tooltip="Read the class again now")
        self.refresh_button.on_click(lambda _b: self.refresh())
        super().__init__([widgets.HBox([widgets.HTML("<b>The class</b>"), self.refresh_button]), self.bar,
                          self.stuck, self.table, self.footer])
        self.add_class("cmk-class-progress")
        self.ticker = Ticker(self.refresh, interval, name="cmk-class-progress") if interval > 0 else None
        self.refresh()
        if autostart and self.ticker is not None:
            self.ticker.start()

    def refresh(self) -> ClassStatus | None:
        """Read the class now and redraw (trait changes only); a failed read says so in the footer."""
        try:
            report = self._fetch(self.lab, self.rows)
        except Exception as exc:  # noqa: BLE001 - the view says what went wrong; the next refresh tries again
            self.footer.value = f"<span class='cmk-class-error'>Could not read the class: {html.escape(str(exc))}"\
                                "</span>"
            return None
        self.report = report
        self.bar.value = self._bar_html(report)
        self.stuck.value = self._stuck_html(report)
        self.table.value = self._table_html(report)
        self.footer.value = "<br>".join(html.escape(n) for n in report.notes)
        return report

    def stop(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()

    # -- rendering -----------------------------------------------------------------------------
    @staticmethod
    def _bar_html(report: ClassStatus) -> str:
        counts = report.at_step()
        total = max(1, sum(counts.values()))
        parts = []
        for step, label in STEPS.items():
            n = counts.get(step, 0)
            width = 100 * n / total
            parts.append(
                f"<div class='cmk-class-step' data-step='{step}' data-count='{n}' style='display:flex;gap:8px'>"
                f"<span style='width:22em'>Step {step}: {html.escape(label)}</span>"
                f"<span style='display:inline-block;height:1em;width:{width:.1f}%;background:#4a7'></span>"
                f"<b>{n}</b></div>")
        return "".join(parts)

    @staticmethod
    def _stuck_html(report: ClassStatus) -> str:
        groups = report.stuck()
        if not groups:
            return "<p class='cmk-class-none-stuck'>Nobody is stuck on an error.</p>"
        parts = []
        for code, trainees in groups.items():
            first = trainees[0].last_error or {}
            explanation = explain((code, first.get("message", "")))
            names = ", ".join(html.escape(t.username) for t in trainees)
            parts.append(f"<details class='cmk-class-group' data-code='{html.escape(code)}' open>"
                         f"<summary><b>{len(trainees)} stuck on {html.escape(code)}</b>: {names}</summary>"
                         f"{explanation.as_html()}</details>")
        return "".join(parts)

    @staticmethod
    def _table_html(report: ClassStatus) -> str:
        head = ("<tr><th>trainee</th><th>step</th><th>enrolled</th><th>verified</th><th>TOTP on</th>"
                "<th>preferred</th><th>MFA sign-in</th><th>last error</th></tr>")
        body = []
        for t in report.trainees:
            error = html.escape(f"{t.last_error.get('code')} ({t.last_error.get('operation', '')})") \
                if t.last_error else "&ndash;"
            step = str(t.step) if t.exists else "&ndash;"
            if not t.exists:
                error = "no such user on the target"
            signed = "&#10003;" if t.mfa_sign_in_at else "&middot;"
            body.append(f"<tr data-username='{html.escape(t.username)}' data-step='{t.step}'>"
                        f"<td>{html.escape(t.username)}</td><td>{step}</td><td>{_cell(t.enrolled)}</td>"
                        f"<td>{_cell(t.verified)}</td><td>{_cell(t.totp_enabled)}</td><td>{_cell(t.preferred)}</td>"
                        f"<td>{signed}</td><td>{error}</td></tr>")
        return ("<div style='max-height:28em;overflow:auto'><table class='cmk-class'>"
                + head + "".join(body) + "</table></div>")
