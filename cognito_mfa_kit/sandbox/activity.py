"""What each call did for the user it was about: the sign-in history (``events``) and, for the trainer's class view,
the last MFA sign-in and the last error — recorded from the call and its answer, after the rules have run, so the
rule modules stay about Cognito's rules.

A call is about the user its parameters name (``Username``, ``USERNAME`` in AuthParameters / ChallengeResponses), or
the owner of its access token or session. Calls about nobody in particular are not recorded.
"""

from __future__ import annotations

import json
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
#: the calls whose success is recorded (any call's failure is: the user's last error)
_RECORDED = SIGN_INS | SETUP_STEPS | ANSWERS | {"AssociateSoftwareToken"}


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


def record(operation: str, params: dict[str, Any], status: int, body: bytes | str, backends: list[SandboxBackend]
           ) -> None:
    """Note what ``operation`` (answered ``status``, ``body``) did for the user it was about (caller holds LOCK)."""
    if status == 200 and operation not in _RECORDED:
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
    ok = status == 200
    user = pool.users.get(username)
    if not ok and user is not None:
        mfa(user).last_error = {"code": str(answer.get("__type", "")).rpartition("#")[2] or "Error",
                                "message": str(answer.get("message") or answer.get("Message") or ""),
                                "operation": operation, "at": now}
    if operation == "AssociateSoftwareToken" and ok and user is not None:
        mfa(user).associated_at = now
    if operation in SIGN_INS and params.get("AuthFlow") not in _REFRESH_FLOWS:
        event = pool.events.start(username, now)
        if ok:
            if params.get("AuthFlow") != "USER_SRP_AUTH":  # with SRP the password is proved by the answer
                event.answered("Password", True)
            _went_on(pool, event, answer)
        elif answer.get("__type") == "NotAuthorizedException":
            event.answered("Password", False)
            event.response = "Fail"
        else:
            event.response = "Fail"
    elif operation in SETUP_STEPS and isinstance(params.get("Session"), str):
        pending = pool.events.for_session(params["Session"])
        if pending is not None and ok:
            pool.events.continued(pending, answer.get("Session"))
    elif operation in ANSWERS:
        challenge = str(params.get("ChallengeName") or "")
        answered = pool.events.for_session(_session_of(params, backends))
        event = answered if answered is not None else pool.events.start(username, now)
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
            _went_on(pool, event, answer)
            if event.response == "Pass" and event.mfa == "SOFTWARE_TOKEN_MFA" and user is not None:
                mfa(user).mfa_sign_in_at = now


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
