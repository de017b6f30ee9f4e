"""What changed during a call, so that the store writes only that (a user, a device, a token, a pool's settings).

The rule modules keep working on moto's objects; the objects report their own changes here:
- the sandbox's pools, users, MFA records, sessions and devices mark themselves on every attribute they set;
- the dicts that hold them (a backend's pools and domains, a pool's users, clients, groups, tokens ...) are
  :class:`TrackedDict`\\ s, which mark every key they set or drop.

A change is a *key* (``("user", pool id, user name)``, ``("token", pool id, "access", token)``...); the store looks
each key up again when it writes, so a key marked twice is written once, and a key whose object is gone is deleted.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable, Iterator
from typing import Any

Key = tuple[Any, ...]
#: What a TrackedDict reports for a key it dropped.
GONE = object()


class Tracker:
    """The keys changed since the last :meth:`take` (process-wide, like moto's backends)."""

    def __init__(self) -> None:
        self._dirty: dict[Key, None] = {}
        self._paused = 0
        self._lock = threading.Lock()

    def mark(self, key: Key) -> None:
        if not self._paused:
            self._dirty[key] = None

    def take(self) -> list[Key]:
        """The changed keys, in the order first marked; the tracker starts afresh."""
        with self._lock:
            dirty, self._dirty = self._dirty, {}
        return list(dirty)

    def put_back(self, keys: list[Key]) -> None:
        """Keys a failed write could not store: they are written with the next change."""
        with self._lock:
            for key in keys:
                self._dirty.setdefault(key, None)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Changes made inside are not recorded (loading the store builds objects that are already stored)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def __len__(self) -> int:
        return len(self._dirty)


TRACKER = Tracker()


class TrackedDict(dict):
    """A dict that calls ``on_change(key, value)`` for every key it sets, and ``on_change(key, GONE)`` for every key
    it drops (``value``: the new value; for a drop, :data:`GONE`; ``old``: passed as a keyword for drops)."""

    __slots__ = ("_on_change",)

    def __init__(self, on_change: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_change = on_change

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._on_change(key, value)

    def __delitem__(self, key: Any) -> None:
        old = super().pop(key)
        self._on_change(key, GONE, old=old)

    def pop(self, key: Any, *default: Any) -> Any:
        if key not in self:
            return super().pop(key, *default)
        old = super().pop(key)
        self._on_change(key, GONE, old=old)
        return old

    def popitem(self) -> tuple[Any, Any]:
        key, old = super().popitem()
        self._on_change(key, GONE, old=old)
        return key, old

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        for key in list(self):
            del self[key]

    def __deepcopy__(self, memo: dict[int, Any]) -> TrackedDict:
        # the copy reports to the same place (its callback is shared, not copied)
        copied = TrackedDict(self._on_change)
        for key, value in self.items():
            dict.__setitem__(copied, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        return copied

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))


def tracked(value: Any, on_change: Callable[..., None]) -> TrackedDict:
    """``value`` (a dict) as a TrackedDict reporting to ``on_change``; every key it already has counts as set."""
    if isinstance(value, TrackedDict):
        value._on_change = on_change
        return value
    result = TrackedDict(on_change, value or {})
    for key, item in result.items():
        on_change(key, item)
    return result
