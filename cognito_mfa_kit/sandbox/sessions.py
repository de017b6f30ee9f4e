"""Auth sessions: opaque, single-use, expiring after the app client's AuthSessionValidity.

Cognito rules implemented here (reference §2 and §1.b):
- a session expires after the app client's ``AuthSessionValidity`` minutes (3–15, default 3)
  → ``NotAuthorizedException: Invalid session for the user, session is expired.``
- a session answers one step only → ``... session can only be used once.``
- a session from another flow or challenge → ``Invalid session for the user.``
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError

from .janitor import JANITOR, SESSION_GRACE
from .tracking import TRACKER, TrackedDict

DEFAULT_VALIDITY_MINUTES = 3
#: [UNVERIFIED] Cognito does not document a per-session cap on wrong MFA codes; Amplify UIs retry with the same
#: session after CodeMismatchException, so retries are allowed, but a brute-force cap is plausible: after this many
#: wrong codes the session is spent.
MAX_CODE_ATTEMPTS = 5

INVALID = "Invalid session for the user."
EXPIRED = "Invalid session for the user, session is expired."
USED = "Invalid session for the user, session can only be used once."


@dataclass
class AuthSession:
    """One step of a sign-in or enrolment flow, waiting for its answer."""

    id: str
    pool_id: str
    client_id: str
    username: str
    #: what the session may be used for, e.g. "SOFTWARE_TOKEN_MFA", "MFA_SETUP", "VERIFY_SOFTWARE_TOKEN"
    step: str
    expires_at: float
    used: bool = False
    wrong_codes: int = 0
    #: step-specific state (SRP numbers, the secret being enrolled, the device key in use ...)
    data: dict[str, Any] = field(default_factory=dict)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if "id" in self.__dict__:
            TRACKER.mark(("session", self.id))

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class SessionStore:
    """All live sessions of one backend; ``now(pool_id)`` tells a pool's time (each pool has its own clock)."""

    def __init__(self, now: Callable[[str], float]) -> None:
        self._now = now
        self._sessions: dict[str, AuthSession] = TrackedDict(_session_changed)
        self._by_secret_block: dict[str, str] = {}  # SRP SECRET_BLOCK → session id (answers may omit Session)

    def issue(
        self,
        *,
        pool_id: str,
        client_id: str,
        username: str,
        step: str,
        validity_minutes: int | None,
        data: dict[str, Any] | None = None,
    ) -> AuthSession:
        """A new session for ``step``, valid for ``validity_minutes`` on the pool's clock."""
        minutes = validity_minutes or DEFAULT_VALIDITY_MINUTES
        session = AuthSession(
            id=_new_id(),
            pool_id=pool_id,
            client_id=client_id,
            username=username,
            step=step,
            expires_at=self._now(pool_id) + 60 * minutes,
            data=dict(data or {}),
        )
        self.add(session)
        return session

    def add(self, session: AuthSession) -> None:
        """Keep ``session`` (a new one, or one the store kept)."""
        self._sessions[session.id] = session
        block = (session.data.get("srp") or {}).get("secret_block")
        if block:
            self._by_secret_block[block] = session.id
        self.expire_later(session)

    def by_secret_block(self, secret_block: str | None) -> str | None:
        """The id of the session whose SRP challenge carried ``secret_block`` (for answers without a Session)."""
        return self._by_secret_block.get(secret_block or "")

    def expire_later(self, session: AuthSession) -> None:
        """Have the janitor drop ``session`` an hour after it expired (until then its errors stay precise)."""
        JANITOR.schedule(session.expires_at + SESSION_GRACE, session.pool_id, _drop_session, weakref.ref(self), session)

    def take(self, session_id: str | None, *steps: str, client_id: str | None = None) -> AuthSession:
        """The live session ``session_id`` for one of ``steps``; raises NotAuthorizedException otherwise.

        The session is not consumed: call :meth:`spend` once the step succeeded.
        """
        session = self._sessions.get(session_id or "")
        if session is None:
            raise NotAuthorizedError(INVALID)
        if session.used:
            raise NotAuthorizedError(USED)
        if self._now(session.pool_id) > session.expires_at:
            raise NotAuthorizedError(EXPIRED)
        if (steps and session.step not in steps) or (client_id and client_id != session.client_id):
            raise NotAuthorizedError(INVALID)
        return session

    def all(self) -> list[AuthSession]:
        """Every session kept, live or not."""
        return list(self._sessions.values())

    def find(self, session_id: str | None) -> AuthSession | None:
        """The session, whatever its state (for routing a request to its backend)."""
        return self._sessions.get(session_id or "")

    def newest(self, step: str, *, client_id: str, username: str | None, **data: Any) -> str | None:
        """The id of the newest unused session of ``step`` for this client and user whose data matches ``data``
        (for answers that clients send without a Session, e.g. DEVICE_SRP_AUTH)."""
        found = [
            s for s in self._sessions.values()
            if s.step == step and not s.used and s.client_id == client_id and s.username == username
            and all(s.data.get(k) == v for k, v in data.items())
        ]
        return max(found, key=lambda s: s.expires_at).id if found else None

    @staticmethod
    def spend(session: AuthSession) -> None:
        """Mark ``session`` used: it answered its step."""
        session.used = True

    @staticmethod
    def wrong_code(session: AuthSession) -> None:
        """Count a wrong code against ``session``; past the cap the session is spent."""
        session.wrong_codes += 1
        if session.wrong_codes >= MAX_CODE_ATTEMPTS:
            session.used = True

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        # moto's region-agnostic routing asks ``session in backend.sessions``.
        return isinstance(session_id, str) and session_id in self._sessions


def _new_id() -> str:
    """A session id: 128 URL-safe characters, never starting with "-" (Cognito's sessions are base64 and start with
    a letter; one starting with "-" would read as an option when pasted after ``--session`` in the AWS CLI)."""
    while True:
        candidate = secrets.token_urlsafe(96)
        if not candidate.startswith("-"):
            return candidate


def _session_changed(key: str, value: object, old: object = None) -> None:  # noqa: ARG001 - TrackedDict's on_change(key, value, old=...)
    TRACKER.mark(("session", key))


def _drop_session(store_ref: weakref.ref[SessionStore], session: AuthSession) -> float | None:
    """The janitor's end of an auth session (and its SRP SECRET_BLOCK lookup), or a later deadline if its life moved."""
    alive = store_ref()
    if alive is None or alive._sessions.get(session.id) is not session:
        return None
    deadline = session.expires_at + SESSION_GRACE
    if deadline > alive._now(session.pool_id):
        return deadline  # its life was moved (back to real time): later
    del alive._sessions[session.id]
    block = (session.data.get("srp") or {}).get("secret_block")
    if block:
        alive._by_secret_block.pop(block, None)
    return None
