"""The sandbox's own clock: real time plus an offset that a lesson can move forward.

TOTP checks, code reuse, session expiry, token lifetimes and password lockout all read this clock, so a lesson can
show a session expiring or the next 30-second TOTP step without waiting.
"""

from __future__ import annotations

import threading
import time


class SandboxClock:
    """Wall-clock time shifted by an offset that only ever grows."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current sandbox time, in epoch seconds."""
        return time.time() + self._offset

    @property
    def offset(self) -> float:
        """Seconds the sandbox runs ahead of the wall clock."""
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0) and return the new sandbox time."""
        seconds = float(seconds)
        if not seconds >= 0 or seconds == float("inf"):
            raise ValueError("the sandbox clock only moves forward: advance by a finite number >= 0")
        with self._lock:
            self._offset += seconds
        return self.now()

    def restore(self, offset: float) -> None:
        """Set the offset to a saved value (when a sandbox reloads its state file)."""
        offset = float(offset)
        if not 0 <= offset < float("inf"):
            raise ValueError("a saved clock offset must be a finite number >= 0")
        with self._lock:
            self._offset = offset

    def reset(self) -> None:
        """Back to wall-clock time."""
        with self._lock:
            self._offset = 0.0

    def as_dict(self) -> dict[str, float]:
        """What ``GET /_sandbox/clock`` answers."""
        return {"now": self.now(), "offset": self._offset}


#: The one clock of this process's sandbox (moto's backends are process-wide too).
CLOCK = SandboxClock()
