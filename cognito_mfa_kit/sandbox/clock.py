"""The sandbox's clocks: real time, plus the sandbox's offset, plus each user pool's own offset.

A pool's time is the sandbox's time plus that pool's offset, so a lesson can move *its* pool forward (the next TOTP
step, an expired session) without waiting and without changing anything for another trainee's pool. Moving the
sandbox's time moves every pool with it (the trainer's control). TOTP checks, code reuse, session expiry, token
lifetimes and password lockout of a pool all read that pool's time.

Only the offsets live here; putting a pool back on real time also moves its stored times back (``timeshift``).
"""

from __future__ import annotations

import math
import threading
import time

from .tracking import TRACKER

#: The most one call moves a clock: ten years, RefreshTokenValidity's maximum (anything past it changes nothing more).
MAX_ADVANCE = 10 * 365 * 86400.0


def _finite(value: object, what: str) -> float:
    number = float(value)  # type: ignore[arg-type]  # ValueError/TypeError: the caller words it
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number")
    return number


class SandboxClock:
    """Wall-clock time shifted by the sandbox's offset and, per pool, by that pool's offset."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._pools: dict[str, float] = {}  # pool id → its own offset, on top of the sandbox's
        self._lock = threading.Lock()

    # -- reading ------------------------------------------------------------------------------
    def now(self, pool: str | None = None) -> float:
        """Current time of ``pool`` (None: the sandbox's own time), in epoch seconds."""
        return time.time() + self.offset_of(pool)

    @property
    def offset(self) -> float:
        """Seconds the sandbox's own time runs ahead of the wall clock."""
        return self._offset

    def offset_of(self, pool: str | None = None) -> float:
        """Seconds ``pool``'s time runs ahead of the wall clock (the sandbox's offset plus the pool's own)."""
        if pool is None:
            return self._offset
        return self._offset + self._pools.get(pool, 0.0)

    def pool_offsets(self) -> dict[str, float]:
        """Each pool's own offset (only pools that have one), on top of the sandbox's."""
        with self._lock:
            return {p: o for p, o in self._pools.items() if o}

    def ahead(self) -> dict[str | None, float]:
        """Clocks that run ahead of real time: ``None`` for the sandbox's own, else pool ids → seconds ahead."""
        found: dict[str | None, float] = {}
        if self._offset > 0:
            found[None] = self._offset
        for pool in list(self._pools):
            total = self.offset_of(pool)
            if total > 0 and self._pools.get(pool):
                found[pool] = total
        return found

    # -- moving -------------------------------------------------------------------------------
    def advance(self, seconds: float, pool: str | None = None) -> float:
        """Move ``pool``'s clock (None: the sandbox's, and every pool with it) forward; returns its new time."""
        seconds = _finite(seconds, "the seconds to advance by")
        if seconds < 0:
            raise ValueError("a clock only moves forward: advance by a finite number >= 0")
        if seconds > MAX_ADVANCE:
            raise ValueError(f"a clock moves at most {MAX_ADVANCE:.0f} s (ten years, the longest a refresh token "
                             "lives) at once")
        with self._lock:
            if pool is None:
                self._offset += seconds
            else:
                self._pools[pool] = self._pools.get(pool, 0.0) + seconds
        TRACKER.mark(("clocks",))
        return self.now(pool)

    def to_real_time(self, pool: str | None = None) -> float:
        """Put ``pool`` (None: the sandbox and every pool) back on real time; returns the seconds it was ahead.

        Only the offsets: ``timeshift.back_to_real_time`` also moves the stored times back.
        """
        with self._lock:
            TRACKER.mark(("clocks",))
            if pool is None:
                shift = self._offset
                self._offset = 0.0
                self._pools.clear()
                return shift
            shift = self._offset + self._pools.get(pool, 0.0)
            own = -self._offset  # the pool's time is real time again, while the sandbox's own stays ahead
            if own:
                self._pools[pool] = own
            else:
                self._pools.pop(pool, None)
            return shift

    def restore(self, offset: float, pools: dict[str, float] | None = None) -> None:
        """Set the offsets to saved values (when a sandbox reloads its state)."""
        offset = _finite(offset, "a saved clock offset")
        if offset < 0:
            raise ValueError("a saved sandbox clock offset must be >= 0")
        restored = {str(p): _finite(o, f"the saved clock offset of pool {p}") for p, o in (pools or {}).items()}
        with self._lock:
            self._offset = offset
            self._pools = restored
        TRACKER.mark(("clocks",))

    def set_pool_offset(self, pool: str, offset: float) -> None:
        """Set one pool's own offset to a saved value."""
        offset = _finite(offset, f"the saved clock offset of pool {pool}")
        TRACKER.mark(("clocks",))
        with self._lock:
            if offset:
                self._pools[pool] = offset
            else:
                self._pools.pop(pool, None)

    def forget(self, pool: str) -> None:
        """Drop a deleted pool's offset."""
        with self._lock:
            if self._pools.pop(pool, None) is not None:
                TRACKER.mark(("clocks",))

    def reset(self) -> None:
        """Back to wall-clock time everywhere (offsets only)."""
        TRACKER.mark(("clocks",))
        with self._lock:
            self._offset = 0.0
            self._pools.clear()

    def as_dict(self, pool: str | None = None) -> dict[str, float | str]:
        """What ``GET /_sandbox/clock[?pool=<id>]`` answers: ``now`` and ``offset`` (seconds ahead of real time)."""
        if pool is None:
            return {"now": self.now(), "offset": self._offset}
        own = self._pools.get(pool, 0.0)
        return {"pool": pool, "now": self.now(pool), "offset": self._offset + own, "pool_offset": own,
                "sandbox_offset": self._offset}


#: The clocks of this process's sandbox (moto's backends are process-wide too).
CLOCK = SandboxClock()


def pool_time(pool: str | None) -> float:
    """``pool``'s time on this process's clocks (a plain function: stores that keep it stay copyable)."""
    return CLOCK.now(pool)
