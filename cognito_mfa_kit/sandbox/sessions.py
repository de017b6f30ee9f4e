"""Auth sessions: opaque, single-use, expiring after the app client's AuthSessionValidity.

Cognito rules implemented here (reference §2 and §1.b):
- a session expires after the app client's ``AuthSessionValidity`` minutes (3–15, default 3)
  → ``NotAuthorizedException: Invalid session for the user, session is expired.``
- a session answers one step only → ``... session can only be used once.``
- a session from another flow or challenge → ``Invalid session for the user.``
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError

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

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class SessionStore:
    """All live sessions of one backend; ``now(pool_id)`` tells a pool's time (each pool has its own clock)."""

    def __init__(self, now: Callable[[str], float]) -> None:
        self._now = now
        self._sessions: dict[str, AuthSession] = {}

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
        self._forget_stale()
        minutes = validity_minutes or DEFAULT_VALIDITY_MINUTES
        session = AuthSession(
            id=secrets.token_urlsafe(96),
            pool_id=pool_id,
            client_id=client_id,
            username=username,
            step=step,
            expires_at=self._now(pool_id) + 60 * minutes,
            data=dict(data or {}),
        )
        self._sessions[session.id] = session
        return session

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

    def _forget_stale(self) -> None:
        # Keep used/expired sessions an hour so their errors stay precise, then drop them.
        if len(self._sessions) > 1000:
            for key in [k for k, s in self._sessions.items() if s.expires_at < self._now(s.pool_id) - 3600]:
                del self._sessions[key]

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        # moto's region-agnostic routing asks ``session in backend.sessions``.
        return isinstance(session_id, str) and session_id in self._sessions
