"""The sandbox's outbox: the SMS (and e-mail) codes it "sent" — it delivers nothing; a lesson reads them here.

Each message is ``{"id", "pool", "to", "username", "code", "sent_at", ...}``; the janitor drops it an hour after it
was sent (a code lives the session's 3–15 minutes), so the outbox stays small however long the sandbox runs.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Iterator
from typing import Any

from .janitor import JANITOR, MESSAGE_LIFETIME
from .tracking import TRACKER, TrackedDict


def _message_changed(key: str, value: object, old: object = None) -> None:  # noqa: ARG001 - TrackedDict's on_change(key, value, old=...)
    TRACKER.mark(("message", key))


class Outbox:
    """The messages of one backend, oldest first."""

    def __init__(self) -> None:
        self._messages: dict[str, dict[str, Any]] = TrackedDict(_message_changed)

    def append(self, message: dict[str, Any]) -> dict[str, Any]:
        """Keep a message the sandbox "sent" (it gets an ``id``)."""
        message = {"id": message.get("id") or uuid.uuid4().hex, **message}
        self._messages[message["id"]] = message
        outbox = weakref.ref(self)

        def drop() -> None:
            alive = outbox()
            if alive is not None:
                alive._messages.pop(message["id"], None)

        JANITOR.schedule(float(message.get("sent_at") or 0) + MESSAGE_LIFETIME, message.get("pool"), drop)
        return message

    def get(self, message_id: str) -> dict[str, Any] | None:
        return self._messages.get(message_id)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self._messages.values()))

    def __len__(self) -> int:
        return len(self._messages)
