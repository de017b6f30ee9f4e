"""A stoppable background timer for countdowns: it only changes widget traits, never prints."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Ticker:
    """Calls ``tick()`` every ``interval`` seconds on a daemon thread until :meth:`stop`.

    ``tick`` must only set widget traits (``.value``, ``.description``); its exceptions are logged at
    DEBUG level (never printed: output from a background thread lands in whichever cell runs next).
    """

    def __init__(self, tick: Callable[[], object], interval: float = 1.0, *, name: str = "cmk-ticker") -> None:
        self.tick = tick
        self.interval = interval
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Ticker:
        """Start ticking (no-op if already running)."""
        if self.running:
            return self
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), name=self.name, daemon=True)
        self._thread.start()
        return self

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # a timer must never raise or print
                logger.debug("ticker %s failed", self.name, exc_info=True)

    def stop(self) -> None:
        """Stop ticking (returns at once; the thread ends within one interval)."""
        self._stop.set()
        self._thread = None
