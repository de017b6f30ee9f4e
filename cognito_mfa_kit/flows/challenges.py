"""Answer whatever challenge comes next, with the API the sign-in used (``challenge.api``).

>>> respond(lab, pool, challenge, code="123456")          # SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SMS_OTP
>>> respond(lab, pool, challenge, answer="SMS_MFA")       # SELECT_MFA_TYPE (one of challenge.choices)
>>> respond(lab, pool, challenge, new_password="...")     # NEW_PASSWORD_REQUIRED
>>> outcome = complete_mfa_setup(lab, pool, challenge)    # MFA_SETUP: associate → verify → respond

MFA_SETUP step by step (for teaching): ``association = associate(lab, session=challenge.session, pool=pool)``;
``verification = verify(lab, code, session=association.session)``;
``respond(lab, pool, challenge, session=verification.session)`` — the verify's session, not the challenge's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .auth import Challenge, SignInResult, Tokens, respond_call, to_result, with_secret_hash
from .choice import choose
from .devices import answer_device_challenge
from .enrol import Association, Verification, associate, authenticator, verify
from .pool import TeachingPool
from .validation import check_code, check_email, check_password

if TYPE_CHECKING:
    from ..connect import Lab

CodeSource = Callable[[Association], str]
#: The challenges answered with a code, and the ChallengeResponses key of each (RespondToAuthChallenge docs)
CODE_KEYS = {"SOFTWARE_TOKEN_MFA": "SOFTWARE_TOKEN_MFA_CODE", "SMS_MFA": "SMS_MFA_CODE", "EMAIL_OTP": "EMAIL_OTP_CODE",
             "SMS_OTP": "SMS_OTP_CODE"}


def choices(challenge: Challenge) -> list[str]:
    """The factors a SELECT_MFA_TYPE (MFAS_CAN_CHOOSE) or MFA_SETUP (MFAS_CAN_SETUP) challenge offers."""
    raw = challenge.parameters.get("MFAS_CAN_CHOOSE") or challenge.parameters.get("MFAS_CAN_SETUP") or "[]"
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _answer(
    challenge: Challenge, code: str | None, answer: str | None, new_password: str | None, session: str | None,
    password: str | None = None, email: str | None = None,
) -> dict[str, str]:
    """The ChallengeResponses for ``challenge`` (checked before any call)."""
    name = challenge.name
    if name in CODE_KEYS:
        if code is None:
            hint = "" if name == "SOFTWARE_TOKEN_MFA" else " (the sandbox keeps it: flows.sent_code(lab, pool, user))"
            raise ValueError(f"code: {name} is answered with a 6-digit code{hint}; pass code='123456'.")
        return {CODE_KEYS[name]: check_code(code)}
    if name == "SELECT_MFA_TYPE":
        options = choices(challenge)
        if answer not in options:
            raise ValueError(f"answer: {answer!r} is not offered; choose one of {', '.join(options)}.")
        return {"ANSWER": answer}
    if name == "PASSWORD":  # USER_AUTH's password challenge (choice-based sign-in)
        if password is None:
            raise ValueError("password: the PASSWORD challenge is answered with the user's password.")
        return {"PASSWORD": check_password(password)}
    if name == "NEW_PASSWORD_REQUIRED":
        if new_password is None:
            raise ValueError("new_password: NEW_PASSWORD_REQUIRED is answered with the user's new password.")
        return {"NEW_PASSWORD": check_password(new_password, "new_password")}
    if name == "MFA_SETUP" and email is not None:
        # Email MFA set-up (Amplify's): the address, then an EMAIL_OTP challenge with the first code.
        return {"EMAIL": check_email(email)}
    if name == "MFA_SETUP":
        if not session or session == challenge.session:
            raise ValueError(
                "session: MFA_SETUP is answered with the Session VerifySoftwareToken returned, not the challenge's: "
                "associate(lab, session=challenge.session, pool=pool), verify(lab, code, "
                "session=association.session), then respond(..., session=verification.session) — or use "
                "complete_mfa_setup()."
            )
        return {}
    raise ValueError(f"challenge: {name} is not answered by respond(); sign_in() handles SRP and device steps.")


def respond(
    lab: Lab,
    pool: TeachingPool,
    challenge: Challenge,
    *,
    code: str | None = None,
    answer: str | None = None,
    new_password: str | None = None,
    session: str | None = None,
    password: str | None = None,
    email: str | None = None,
) -> SignInResult:
    """(Admin)RespondToAuthChallenge for SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SMS_OTP (``code``),
    SELECT_MFA_TYPE (``answer``),
    NEW_PASSWORD_REQUIRED (``new_password``), MFA_SETUP (``session`` from VerifySoftwareToken; or ``email``: set up
    email MFA with that address, an EMAIL_OTP challenge follows), and USER_AUTH's
    SELECT_CHALLENGE (``answer`` + ``password``, as :func:`~cognito_mfa_kit.flows.choice.choose`) and PASSWORD
    (``password``).

    USERNAME, SECRET_HASH (client with a secret) and DEVICE_KEY (signing in on a device) are added. A
    DEVICE_SRP_AUTH that follows is answered when the challenge carries the device.
    """
    if challenge.name == "DEVICE_SRP_AUTH":
        return answer_device_challenge(lab, pool, challenge)
    if challenge.name == "SELECT_CHALLENGE":
        if answer is None:
            raise ValueError(f"answer: SELECT_CHALLENGE needs one of {', '.join(challenge.available)}.")
        return choose(lab, pool, challenge, answer, password=password)
    responses = {"USERNAME": challenge.username,
                 **_answer(challenge, code, answer, new_password, session, password, email)}
    if challenge.device is not None:
        responses["DEVICE_KEY"] = challenge.device.device_key
    responses = with_secret_hash(pool, challenge.username, responses)
    setup_by_email = challenge.name == "MFA_SETUP" and email is not None
    sent_session = session if challenge.name == "MFA_SETUP" and not setup_by_email else (session or challenge.session)
    response = respond_call(lab, pool, challenge.name, sent_session, responses, challenge.api)
    result = to_result(lab, response, username=challenge.username, api=challenge.api, device=challenge.device,
                       pool=pool)
    if isinstance(result, Challenge) and result.name == "DEVICE_SRP_AUTH" and result.device is not None:
        return answer_device_challenge(lab, pool, result)
    return result


@dataclass(frozen=True)
class MfaSetupOutcome:
    """What :func:`complete_mfa_setup` did: the association (the new secret), the verification, and the result of
    answering MFA_SETUP (normally :class:`Tokens`)."""

    association: Association
    verification: Verification
    result: SignInResult

    @property
    def tokens(self) -> Tokens | None:
        return self.result if isinstance(self.result, Tokens) else None


def complete_mfa_setup(
    lab: Lab,
    pool: TeachingPool,
    challenge: Challenge,
    code_source: CodeSource | None = None,
    device_name: str | None = "trainee-phone",
) -> MfaSetupOutcome:
    """The MFA_SETUP chain: AssociateSoftwareToken(session) → VerifySoftwareToken(session) → respond MFA_SETUP.

    ``code_source`` gives the code for the new secret: a function of the :class:`Association` (e.g. a widget
    asking the trainee), or ``None`` for a virtual authenticator on the pool's clock. Keep
    ``outcome.association.secret_code`` to sign in with TOTP later.
    """
    if challenge.name != "MFA_SETUP":
        raise ValueError(f"challenge: {challenge.name} is not MFA_SETUP.")
    if "SOFTWARE_TOKEN_MFA" not in choices(challenge):
        raise ValueError(
            f"challenge: this MFA_SETUP offers {choices(challenge)}, not SOFTWARE_TOKEN_MFA; enable TOTP on the pool."
        )
    association = associate(lab, session=challenge.session, pool=pool)
    code = authenticator(lab, association).code() if code_source is None else code_source(association)
    verification = verify(lab, code, session=association.session, device_name=device_name)
    result = respond(lab, pool, challenge, session=verification.session)
    return MfaSetupOutcome(association=association, verification=verification, result=result)
