"""What each call did for the user it was about: the sign-in history (``events``) and, for the trainer's class view,
the last MFA sign-in and the last error — recorded from the call and its answer, after the rules have run, so the
rule modules stay about Cognito's rules.

A call is about the user its parameters name (``Username``, ``USERNAME`` in AuthParameters / ChallengeResponses), or
the owner of its access token or session. Calls about nobody in particular are not recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .backend import SandboxBackend, all_pools, find_pool
from .clock import CLOCK
from .model import SandboxUserPool, mfa

SIGN_INS = frozenset({"InitiateAuth", "AdminInitiateAuth"})
#: enrolment steps of a sign-in (MFA_SETUP): their sessions carry the attempt on
SETUP_STEPS = frozenset({"AssociateSoftwareToken", "VerifySoftwareToken"})
ANSWERS = frozenset({"RespondToAuthChallenge", "AdminRespondToAuthChallenge"})
MFA_CHALLENGES = frozenset({"SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP", "MFA_SETUP"})
PASSWORD_CHALLENGES = frozenset({"PASSWORD_VERIFIER", "NEW_PASSWORD_REQUIRED"})
#: a refused MFA code; a refused password
_CODE_ERRORS = frozenset({"CodeMismatchException", "ExpiredCodeException"})
_REFRESH_FLOWS = frozenset({"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})


def _pool_of_client(client_id: Any) -> SandboxUserPool | None:
    if not isinstance(client_id, str):
        return None
    return next((p for p in all_pools() if client_id in p.clients), None)


def _named(params: dict[str, Any]) -> str | None:
    for value in (params.get("Username"), (params.get("AuthParameters") or {}).get("USERNAME"),
                  (params.get("ChallengeResponses") or {}).get("USERNAME")):
        if isinstance(value, str) and value:
            return value
    return None


def about(params: dict[str, Any], backends: list[SandboxBackend]) -> tuple[SandboxUserPool, str] | None:
    """(pool, user name) of the user a call is about, if it names one that exists."""
    pool: SandboxUserPool | None = None
    name = _named(params)
    if isinstance(params.get("UserPoolId"), str):
        pool = find_pool(params["UserPoolId"])
    elif params.get("ClientId") is not None:
        pool = _pool_of_client(params.get("ClientId"))
    token = params.get("AccessToken")
    if isinstance(token, str) and token:
        for candidate in all_pools():
            found = candidate.access_tokens.get(token)
            if found:
                pool, name = candidate, found[1]
                break
    session_id = params.get("Session")
    if isinstance(session_id, str) and session_id and (pool is None or name is None):
        for backend in backends:
            session = backend.sessions.find(session_id)
            if session is not None:
                pool, name = find_pool(session.pool_id), session.username
                break
    if pool is None or not name:
        return None
    user = pool._get_user(name)
    return (pool, user.username) if user is not None else None


@dataclass(frozen=True)
class _Call:
    """A call to record: what was asked and answered, about whom (a user of ``pool``), at the pool's ``now``."""

    operation: str
    params: dict[str, Any]
    ok: bool
    answer: dict[str, Any]
    pool: SandboxUserPool
    username: str
    user: Any
    now: float
    backends: list[SandboxBackend]


def record(operation: str, params: dict[str, Any], status: int, body: bytes | str, backends: list[SandboxBackend]
           ) -> None:
    """Note what ``operation`` (answered ``status``, ``body``) did for the user it was about (caller holds LOCK): any
    call's failure is the user's last error; what a success (or failure) means for sign-ins is up to the operation's
    recorder in :data:`_RECORDERS`."""
    recorder = _RECORDERS.get(operation)
    if status == 200 and recorder is None:
        return  # (most calls: nothing to note, so no need to find whom they were about)
    found = about(params, backends)
    if found is None:
        return
    pool, username = found
    now = CLOCK.now(pool.id)
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    call = _Call(operation, params, status == 200, answer if isinstance(answer, dict) else {}, pool, username,
                 pool.users.get(username), now, backends)
    if not call.ok and call.user is not None:
        mfa(call.user).last_error = {
            "code": str(call.answer.get("__type", "")).rpartition("#")[2] or "Error",
            "message": str(call.answer.get("message") or call.answer.get("Message") or ""),
            "operation": operation, "at": now,
        }
    if recorder is not None:
        recorder(call)


def _sign_in(call: _Call) -> None:
    """InitiateAuth / AdminInitiateAuth: a new attempt in the history (a refresh is none)."""
    if call.params.get("AuthFlow") in _REFRESH_FLOWS:
        return
    event = call.pool.events.start(call.username, call.now)
    if call.ok:
        if call.params.get("AuthFlow") != "USER_SRP_AUTH":  # with SRP the password is proved by the answer
            event.answered("Password", True)
        _went_on(call.pool, event, call.answer)
    elif call.answer.get("__type") == "NotAuthorizedException":
        event.answered("Password", False)
        event.response = "Fail"
    else:
        event.response = "Fail"


def _setup_step(call: _Call) -> None:
    """AssociateSoftwareToken / VerifySoftwareToken: when (last) associated; within a sign-in's MFA_SETUP, the
    attempt goes on with the step's new session."""
    if call.operation == "AssociateSoftwareToken" and call.ok and call.user is not None:
        mfa(call.user).associated_at = call.now
    if isinstance(call.params.get("Session"), str):
        pending = call.pool.events.for_session(call.params["Session"])
        if pending is not None and call.ok:
            call.pool.events.continued(pending, call.answer.get("Session"))


def _answer(call: _Call) -> None:
    """(Admin)RespondToAuthChallenge: the factor it answered, passed or failed, and where the attempt stands."""
    ok, answer = call.ok, call.answer
    challenge = str(call.params.get("ChallengeName") or "")
    answered = call.pool.events.for_session(_session_of(call.params, call.backends))
    event = answered if answered is not None else call.pool.events.start(call.username, call.now)
    if challenge in MFA_CHALLENGES:
        if ok or answer.get("__type") in _CODE_ERRORS:
            event.answered("Mfa", ok)
            event.mfa = challenge
        if not ok:
            event.response = "Fail"
    elif challenge in PASSWORD_CHALLENGES:
        if ok or answer.get("__type") == "NotAuthorizedException":
            event.answered("Password", ok)
        if not ok:
            event.response = "Fail"
    if ok:
        _went_on(call.pool, event, answer)
        if event.response == "Pass" and event.mfa == "SOFTWARE_TOKEN_MFA" and call.user is not None:
            mfa(call.user).mfa_sign_in_at = call.now


#: the calls whose outcome means something for sign-ins, and what notes it (any other call is recorded only when it
#: fails: the user's last error)
_RECORDERS: dict[str, Callable[[_Call], None]] = {
    **dict.fromkeys(SIGN_INS, _sign_in), **dict.fromkeys(SETUP_STEPS, _setup_step), **dict.fromkeys(ANSWERS, _answer),
}


def class_row(pool: SandboxUserPool, user: Any) -> dict[str, Any]:  # noqa: ARG001 - the class view's row signature (the pool comes with each user)
    """What the trainer's class view shows of one user (see ``classroom.status`` in the kit)."""
    record = mfa(user)
    return {
        "username": user.username,
        "status": str(getattr(user.status, "value", user.status)),
        "enrolled": bool(record.secret or record.pending or record.associated_at),
        "verified": bool(user.token_verified and record.secret),
        "totp_enabled": bool(user.software_token_mfa_enabled),
        "preferred": user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA",
        "mfa_sign_in_at": record.mfa_sign_in_at,
        "last_error": record.last_error,
    }


def _session_of(params: dict[str, Any], backends: list[SandboxBackend]) -> str | None:
    """The session an answer continues: its Session, or (SRP answers may omit it) the one of its SECRET_BLOCK."""
    if isinstance(params.get("Session"), str) and params["Session"]:
        return str(params["Session"])
    block = (params.get("ChallengeResponses") or {}).get("PASSWORD_CLAIM_SECRET_BLOCK")
    for backend in backends:
        found = backend.sessions.by_secret_block(block)
        if found:
            return found
    return None


def _went_on(pool: SandboxUserPool, event: Any, answer: dict[str, Any]) -> None:
    if answer.get("AuthenticationResult"):
        event.response = "Pass"
    else:
        event.response = "InProgress"
        pool.events.continued(event, answer.get("Session"))
