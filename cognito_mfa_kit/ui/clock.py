"""Sandbox clock controls: "+30 s" (the next TOTP step), "+3 min" (a session expires), and back to real time."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..units import signed_seconds
from .feedback import Action, StatusLine
from .restart import add_restart_note


class ClockControls(widgets.VBox):
    """Buttons that move a pool's clock forward (``pool``: each user pool has its own clock; None: the sandbox's own,
    which moves every pool — the trainer's) and put it back on real time; hidden (and inert) unless
    ``lab.is_sandbox``. ``pool`` may be set later (e.g. once a form made the pool).

    ``on_advance`` callbacks run after each move (e.g. to redraw countdowns at once).
    """

    STEPS: tuple[tuple[str, float, str], ...] = (
        ("+30 s", 30, "cmk-clock-30s"),
        ("+3 min", 180, "cmk-clock-3min"),
    )

    def __init__(self, lab: Any, pool: Any = None) -> None:
        self.lab = lab
        self.pool = pool
        self.on_advance: list[Callable[[float], None]] = []
        self.status = StatusLine()
        self.time_label = widgets.Label("")
        self.time_label.add_class("cmk-clock-time")
        self.buttons: dict[float, widgets.Button] = {}
        self.actions: dict[float, Action] = {}
        for label, seconds, css in self.STEPS:
            button = widgets.Button(description=label, tooltip=f"Move the sandbox clock {label}")
            button.add_class(css)
            self.buttons[seconds] = button
            self.actions[seconds] = Action(button, self.status, self._mover(seconds),
                                           busy_text="Moving the sandbox clock…")
        self.real_time_button = widgets.Button(
            description="Real time", tooltip="Put the sandbox back on real time, so a real phone's codes work again"
        )
        self.real_time_button.add_class("cmk-clock-real-time")
        self.real_time_action = Action(self.real_time_button, self.status, self._back_to_real_time,
                                       busy_text="Putting the sandbox back on real time…")
        super().__init__([widgets.HBox([widgets.HTML("<b>Sandbox clock</b>"), *self.buttons.values(),
                                        self.real_time_button, self.time_label]), self.status])
        add_restart_note(self)
        self.add_class("cmk-clock")
        self.visible = bool(getattr(lab, "is_sandbox", False))
        if not self.visible:
            self.layout.display = "none"
            for button in [*self.buttons.values(), self.real_time_button]:
                button.disabled = True
        else:
            self._show_time()

    def _mover(self, seconds: float) -> Callable[[], str]:
        def move() -> str:
            if not self.visible:
                raise RuntimeError("The clock can only be moved in the sandbox.")
            self.lab.advance_clock(seconds, self.pool)
            self._show_time()
            for callback in list(self.on_advance):
                with contextlib.suppress(Exception):  # a listener must not spoil the move
                    callback(seconds)
            return f"{self._whose()} moved {_human(seconds)} forward."
        return move

    def _back_to_real_time(self) -> str:
        if not self.visible:
            raise RuntimeError("The clock can only be moved in the sandbox.")
        self.lab.back_to_real_time(self.pool)
        self._show_time()
        for callback in list(self.on_advance):
            with contextlib.suppress(Exception):  # a listener must not spoil the move
                callback(0.0)
        return f"{self._whose()} is back on real time: a phone's codes match it again."

    def _whose(self) -> str:
        pool_id = getattr(self.pool, "pool_id", self.pool)
        return f"The clock of pool {pool_id}" if pool_id else "The sandbox's clock"

    def advance(self, seconds: float) -> bool:
        """Move the clock as the matching button would (True on success)."""
        action = self.actions.get(seconds)
        return action.trigger() if action is not None else False

    def _show_time(self) -> None:
        try:
            now = (self.lab.clock_for(self.pool) if self.pool is not None else self.lab.clock).now()
            offset = now - time.time()
            self.time_label.value = (f"sandbox time {time.strftime('%H:%M:%S', time.gmtime(now))} UTC "
                                     f"({signed_seconds(offset)} from this machine)")
        except Exception:  # noqa: BLE001 - a clock that can't be read shows no time, never an error
            self.time_label.value = ""


def _human(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g} s"
