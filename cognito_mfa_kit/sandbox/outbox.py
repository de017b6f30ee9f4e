"""The sandbox's outbox: the SMS (and e-mail) codes it "sent" — it delivers nothing; a lesson reads them here.

Each message is ``{"id", "pool", "to", "username", "code", "sent_at", ...}``; the janitor drops it an hour after it
was sent (a code lives the session's 3–15 minutes), so the outbox stays small however long the sandbox runs.
"""

from __future__ import annotations

import secrets
import uuid
import weakref
from collections.abc import Iterator
from typing import Any

from .clock import CLOCK
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
        JANITOR.schedule(float(message.get("sent_at") or 0) + MESSAGE_LIFETIME, message.get("pool"), _drop_message,
                         weakref.ref(self), message["id"])
        return message

    def send_sms_code(self, pool_id: str, user: Any, data: dict[str, Any]) -> dict[str, str]:
        """"Send" a fresh six-digit code to ``user``'s phone_number (kept in ``data["code"]`` for the session); the
        challenge parameters that say where it went (the number masked but for its last four digits)."""
        phone = user.attribute_lookup.get("phone_number", "")
        data["code"] = code = f"{secrets.randbelow(10**6):06d}"
        self.append({"pool": pool_id, "to": phone, "username": user.username, "code": code, "medium": "SMS",
                     "sent_at": CLOCK.now(pool_id)})
        return {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                "CODE_DELIVERY_DESTINATION": "+" + "*" * max(len(phone) - 5, 0) + phone[-4:]}

    def get(self, message_id: str) -> dict[str, Any] | None:
        return self._messages.get(message_id)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self._messages.values()))

    def __len__(self) -> int:
        return len(self._messages)


def _drop_message(outbox_ref: weakref.ref[Outbox], message_id: str) -> None:
    """The janitor's end of a message."""
    alive = outbox_ref()
    if alive is not None:
        alive._messages.pop(message_id, None)
