"""Each pool's sign-in history: what Cognito's threat protection records and ``AdminListUserAuthEvents`` lists.

One :class:`AuthEvent` per sign-in attempt, updated as its challenges are answered: ``EventType`` SignIn,
``EventResponse`` InProgress → Pass or Fail, and ``ChallengeResponses`` (``Password`` / ``Mfa`` → ``Success`` /
``Failure``) [DOC AuthEventType, ChallengeResponseType in the service model]. The sandbox also notes which MFA
challenge was answered (``mfa``: SOFTWARE_TOKEN_MFA ...), for the trainer's class view.

The log is bounded: the newest :data:`MAX_PER_USER` events of each user are kept (Cognito keeps 90 days).
[UNVERIFIED] A wrong MFA code marks the attempt Fail with an Mfa Failure; answering the same session again with the
right code turns it to Pass (the service's exact bookkeeping of retries is not documented).
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .tracking import TRACKER, TrackedDict

MAX_PER_USER = 50


@dataclass
class AuthEvent:
    """One sign-in attempt of one user."""

    id: str
    pool_id: str
    username: str
    created: float  # on the pool's clock
    type: str = "SignIn"
    response: str = "InProgress"  # Pass | Fail | InProgress
    challenges: list[dict[str, str]] = field(default_factory=list)
    mfa: str | None = None  # the MFA challenge answered (a sandbox extra, not in AuthEventType)
    sessions: list[str] = field(default_factory=list)  # the attempt's sessions, to find it again (internal)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_made", True)
        TRACKER.mark(("event", self.pool_id, self.id))  # once for the fields __init__ set, not once per field

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if "_made" in self.__dict__:
            TRACKER.mark(("event", self.pool_id, self.id))

    def answered(self, challenge: str, ok: bool) -> None:
        """Record a ``Password`` or ``Mfa`` answer."""
        self.challenges = [*self.challenges, {"ChallengeName": challenge,
                                              "ChallengeResponse": "Success" if ok else "Failure"}]

    def to_api(self) -> dict[str, Any]:
        """The AuthEventType shape (CreationDate as epoch seconds, as the JSON protocol sends dates)."""
        return {
            "EventId": self.id,
            "EventType": self.type,
            "CreationDate": self.created,
            "EventResponse": self.response,
            "EventRisk": {"RiskDecision": "NoRisk", "CompromisedCredentialsDetected": False},
            "ChallengeResponses": list(self.challenges),
            "EventContextData": {},
        }

    def to_row(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class EventLog:
    """The events of one pool (by id), the newest :data:`MAX_PER_USER` per user."""

    def __init__(self, pool_id: str) -> None:
        self.pool_id = pool_id
        self.events: dict[str, AuthEvent] = TrackedDict(self._changed)
        self._by_user: dict[str, deque[str]] = {}
        self._by_session: dict[str, str] = {}

    def _changed(self, key: str, value: object, old: object = None) -> None:  # noqa: ARG002 - TrackedDict's on_change(key, value, old=...)
        TRACKER.mark(("event", self.pool_id, key))

    def start(self, username: str, created: float) -> AuthEvent:
        """A new sign-in attempt of ``username``."""
        event = AuthEvent(id=uuid.uuid4().hex, pool_id=self.pool_id, username=username, created=created)
        self.add(event)
        return event

    def add(self, event: AuthEvent) -> None:
        """Keep ``event`` (a new one, or one the store kept); the user's oldest go beyond the cap."""
        self.events[event.id] = event
        ids = self._by_user.setdefault(event.username.lower(), deque())
        ids.append(event.id)
        for session in event.sessions:
            self._by_session[session] = event.id
        while len(ids) > MAX_PER_USER:
            old = self.events.pop(ids.popleft(), None)
            for session in old.sessions if old is not None else ():
                self._by_session.pop(session, None)

    def continued(self, event: AuthEvent, session: str | None) -> None:
        """The attempt goes on with ``session`` (a challenge was issued)."""
        if session:
            event.sessions = [*event.sessions[-3:], session]
            self._by_session[session] = event.id

    def for_session(self, session: str | None) -> AuthEvent | None:
        event_id = self._by_session.get(session or "")
        return self.events.get(event_id) if event_id else None

    def of_user(self, username: str) -> list[AuthEvent]:
        """``username``'s events, newest first."""
        ids = self._by_user.get(username.lower(), deque())
        return [self.events[i] for i in reversed(ids) if i in self.events]

    def forget_user(self, username: str) -> None:
        for event_id in self._by_user.pop(username.lower(), deque()):
            old = self.events.pop(event_id, None)
            for session in old.sessions if old is not None else ():
                self._by_session.pop(session, None)
