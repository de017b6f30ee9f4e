"""Pruning what has expired, so that the sandbox (in memory and in its store) is bounded by live data, not by history.

Every token, session and "sent" message gets a deadline on its pool's clock when it is made; after each call the
janitor drops what is past its deadline — cost proportional to what expired, never to what is kept:
- access and ID tokens: a day after they expire (until then a call with one says "Access Token has expired");
- refresh tokens: a day after the app client's RefreshTokenValidity (default 30 days), with the sign-in time
  they carry;
- auth sessions: an hour after they expire (until then their errors say "session is expired"), with their SRP
  SECRET_BLOCK lookup;
- SMS "sent" to the outbox: after an hour (a code is valid for the session's 3–15 minutes).
"""

from __future__ import annotations

import base64
import heapq
import itertools
import json
import weakref
from collections.abc import Callable
from typing import Any

from .clock import CLOCK

TOKEN_GRACE = 24 * 3600
SESSION_GRACE = 3600
MESSAGE_LIFETIME = 3600
#: RefreshTokenValidity default (CreateUserPoolClient: 30 days)
DEFAULT_REFRESH_DAYS = 30

_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def jwt_expiry(token: str) -> float:
    """The ``exp`` claim of a JWT, read without checking it (the sandbox signed it); 0 if unreadable."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims.get("exp", 0))
    except (IndexError, ValueError, TypeError, AttributeError):
        return 0.0


def refresh_lifetime(client_config: dict[str, Any] | None) -> float:
    """Seconds a refresh token lives: the app client's RefreshTokenValidity in TokenValidityUnits (default days)."""
    config = client_config or {}
    value = config.get("RefreshTokenValidity") or DEFAULT_REFRESH_DAYS
    unit = (config.get("TokenValidityUnits") or {}).get("RefreshToken", "days")
    return float(value) * _UNITS.get(unit, 86400)


class Janitor:
    """Deadlines of everything that expires, in one heap; :meth:`sweep` removes what is due.

    An entry is one flat tuple ``(deadline, seq, pool_id, drop, *args)``: with ``drop`` a module-level function (for a
    value kept in a dict, :func:`drop_entry`) and ``args`` plain values (strings, numbers, a weak reference to the
    owner), a sign-in's deadlines add one object each for the garbage collector to walk, not a closure with its cells
    (measured: 21 tracked objects per sign-in before), and nothing keeps an owner alive."""

    def __init__(self) -> None:
        self._heap: list[tuple[Any, ...]] = []
        self._seq = itertools.count()

    def schedule(self, deadline: float, pool_id: str | None, drop: Callable[..., float | None], *args: Any) -> None:
        """Call ``drop(*args)`` once ``pool_id``'s clock passes ``deadline``. ``drop`` removes the thing (returning
        None), or returns a later deadline if the thing's life was extended (it is then asked again then)."""
        heapq.heappush(self._heap, (deadline, next(self._seq), pool_id, drop, *args))

    def sweep(self, limit: int = 1000) -> int:
        """Drop what is due (at most ``limit`` things per sweep); returns how many were looked at."""
        done = 0
        while self._heap and done < limit:
            if self._heap[0][0] > CLOCK.now(self._heap[0][2]):
                break
            _, _, pool_id, drop, *args = heapq.heappop(self._heap)
            done += 1
            later = drop(*args)
            if later is not None:
                self.schedule(later, pool_id, drop, *args)
        return done

    def __len__(self) -> int:
        return len(self._heap)

    def clear(self) -> None:
        self._heap.clear()


JANITOR = Janitor()


def drop_entry(owner: weakref.ref[Any], attribute: str, key: Any, value: Any) -> None:
    """The janitor's end of ``value``, kept under ``key`` in the dict attribute ``attribute`` of ``owner``: removed,
    unless it was replaced meanwhile or its owner is gone. (Schedule it as
    ``JANITOR.schedule(deadline, pool_id, drop_entry, weakref.ref(owner), "_codes", key, value)``.)"""
    alive = owner()
    entries = getattr(alive, attribute, None) if alive is not None else None
    if entries is not None and entries.get(key) is value:
        del entries[key]
