"""RespondToAuthChallenge: one handler per challenge (SOFTWARE_TOKEN_MFA, SMS_MFA, SELECT_MFA_TYPE,
MFA_SETUP, NEW_PASSWORD_REQUIRED, PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER)."""

from __future__ import annotations

import secrets
from typing import Any

from moto.cognitoidp.exceptions import (
    CodeMismatchException,
    ExpiredCodeException,
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
)
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPoolClient, UserStatus

from . import srp
from .backend_protocol import MixinBase
from .clock import CLOCK
from .devices import Device
from .email_mfa import WRONG_CODE
from .exceptions import SoftwareTokenMFANotFoundException
from .model import SandboxUserPool, mfa
from .sessions import AuthSession
from .signin import INCORRECT_PASSWORD
from .totp import REUSED_MESSAGE, CodeCheck, check_code


class ChallengeAnswers(MixinBase):
    """The challenge answers part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the
    backend's lookups ``_client``, ``_pool_of_client``, ``_user_for_access_token`` and ``_issue``)."""

    def _session_user(self, session: AuthSession, responses: dict[str, str]) -> tuple[
        SandboxUserPool, CognitoIdpUserPoolClient, CognitoIdpUser
    ]:
        """The pool, client and user a session belongs to; USERNAME must name that user."""
        pool = self.describe_user_pool(session.pool_id)
        client = self._client(pool, session.client_id)
        username = responses.get("USERNAME")
        if not username:
            raise InvalidParameterException("Missing required parameter USERNAME")
        user = pool._get_user(username)
        if user is None or user.username != session.username:
            raise NotAuthorizedError("Invalid session for the user.")
        self._check_secret_hash(client, username, responses.get("SECRET_HASH"))
        return pool, client, user

    def _take_sent_code(self, session_id: str, client_id: str, responses: dict[str, str], step: str,
                        parameter: str) -> tuple[
        AuthSession, SandboxUserPool, CognitoIdpUserPoolClient, CognitoIdpUser
    ]:
        """Check the answer to a code the sandbox sent (SMS_OTP, EMAIL_OTP) and spend its session. Rules: no
        ``parameter`` → InvalidParameterException; a wrong code → CodeMismatchException (the session may retry)."""
        session = self.sessions.take(session_id, step, client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        code = responses.get(parameter)
        if not code:
            raise InvalidParameterException(f"Missing required parameter {parameter}")
        if not secrets.compare_digest(str(code), str(session.data.get("code", ""))):
            self.sessions.wrong_code(session)
            raise CodeMismatchException(WRONG_CODE)
        self.sessions.spend(session)
        return session, pool, client, user

    def _verifier_session(self, session_id: str | None, responses: dict[str, str], step: str,
                          client_id: str) -> AuthSession:
        """The SRP session being answered (found by SECRET_BLOCK when the client sends no Session). Rule: it answers
        only from the app client that started it ("Invalid session for the user." otherwise, as for every
        challenge)."""
        if not session_id:
            session_id = self.sessions.by_secret_block(responses.get("PASSWORD_CLAIM_SECRET_BLOCK"))
        return self.sessions.take(session_id, step, client_id=client_id)

    def respond_to_auth_challenge(
        self,
        session: str,
        client_id: str,
        challenge_name: str,
        challenge_responses: dict[str, str],
    ) -> dict[str, Any]:
        responses = challenge_responses or {}
        handlers = {
            "SOFTWARE_TOKEN_MFA": self._answer_totp,
            "SMS_MFA": self._answer_sms,
            "SELECT_MFA_TYPE": self._answer_select,
            "MFA_SETUP": self._answer_mfa_setup,
            "NEW_PASSWORD_REQUIRED": self._answer_new_password,
            "PASSWORD_VERIFIER": self._answer_password_verifier,
            "DEVICE_SRP_AUTH": self._answer_device_srp,
            "DEVICE_PASSWORD_VERIFIER": self._answer_device_verifier,
            **self._choice_handlers(),  # USER_AUTH's and EMAIL_OTP's: choice.py, email_mfa.py, passkeys.py
        }
        handler = handlers.get(challenge_name)
        if handler is None:
            # [UNVERIFIED] wording; CUSTOM_CHALLENGE and passwordless challenges are not emulated.
            raise InvalidParameterException(f"Challenge {challenge_name} is not supported by the sandbox")
        self._pool_of_client(client_id)  # an unknown client is ResourceNotFoundException
        # Clients answer the SRP steps without a Session (pycognito, aws-doc-sdk-examples, Amplify for DEVICE_SRP_AUTH).
        if not session and challenge_name not in ("PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"):
            raise InvalidParameterException("Missing required parameter Session")
        return handler(session, client_id, responses)

    def _answer_totp(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        """Rules: wrong code → CodeMismatchException (the session may retry); a used code → ExpiredCodeException."""
        session = self.sessions.take(session_id, "SOFTWARE_TOKEN_MFA", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        code = responses.get("SOFTWARE_TOKEN_MFA_CODE")
        if not code:
            raise InvalidParameterException("Missing required parameter SOFTWARE_TOKEN_MFA_CODE")
        record = mfa(user)
        if not record.secret:
            raise SoftwareTokenMFANotFoundException("Software Token MFA does not exist for the user.")
        outcome, counter = check_code(record.secret, code, record.last_counter, CLOCK.now(pool.id))
        if outcome is CodeCheck.MISMATCH:
            self.sessions.wrong_code(session)
            raise CodeMismatchException("Invalid code received for user")
        if outcome is CodeCheck.REUSED:
            raise ExpiredCodeException(REUSED_MESSAGE)
        record.last_counter = counter
        self.sessions.spend(session)
        return self._signed_in(pool, client, user, self._session_device(pool, user, session))

    def _answer_sms(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        # [UNVERIFIED] no SMS_MFA_CODE: "Missing required parameter SMS_MFA_CODE", as for the other codes
        session, pool, client, user = self._take_sent_code(session_id, client_id, responses, "SMS_MFA", "SMS_MFA_CODE")
        return self._signed_in(pool, client, user, self._session_device(pool, user, session))

    def _answer_select(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        """Rule: SELECT_MFA_TYPE's ANSWER names one of MFAS_CAN_CHOOSE; the next challenge has a new session."""
        session = self.sessions.take(session_id, "SELECT_MFA_TYPE", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        answer = responses.get("ANSWER")
        if answer is None or answer not in session.data.get("choices", []):
            # [UNVERIFIED] wording.
            raise InvalidParameterException(f"Invalid ANSWER: {answer!r} is not one of MFAS_CAN_CHOOSE")
        self.sessions.spend(session)
        return self._challenge(pool, client, user, answer, {}, self._session_device(pool, user, session))

    def _answer_mfa_setup(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        """Rule: MFA_SETUP is answered with the session VerifySoftwareToken returned; any other gives no tokens
        ("Invalid session for the user." [UNVERIFIED: the reference is silent; the sandbox's choice])."""
        if responses.get("EMAIL"):  # email MFA set-up (Amplify's): email_mfa.py
            return self._setup_email_mfa(session_id, client_id, responses)
        session = self.sessions.take(session_id, "MFA_SETUP_VERIFIED", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        self.sessions.spend(session)
        return self._signed_in(pool, client, user, self._session_device(pool, user, session))

    def _answer_new_password(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        session = self.sessions.take(session_id, "NEW_PASSWORD_REQUIRED", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        new_password = responses.get("NEW_PASSWORD")
        if not new_password:
            raise InvalidParameterException("Missing required parameter NEW_PASSWORD")
        self._validate_password(pool.id, new_password)
        user.password = new_password
        user.status = UserStatus.CONFIRMED
        self.sessions.spend(session)
        # "Amazon Cognito immediately challenges the user to set up MFA" after NEW_PASSWORD_REQUIRED.
        return self._after_password(pool, client, user, session.data.get("device_key"))

    def _answer_password_verifier(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        session = self._verifier_session(session_id, responses, "PASSWORD_VERIFIER", client_id)
        if session.data.get("phantom"):
            return self._answer_phantom_verifier(session, responses)
        pool, client, user = self._session_user(session, responses)
        self.sessions.spend(session)
        state = srp.SrpState.from_dict(session.data["srp"])
        ok = srp.check_claim(
            state,
            identity_prefix=pool.id.split("_", 1)[1],
            user_id=user.username,
            signature_b64=responses.get("PASSWORD_CLAIM_SIGNATURE", ""),
            secret_block=responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""),
            timestamp=responses.get("TIMESTAMP", ""),
        )
        if not ok:
            self._password_failed(user)
            raise NotAuthorizedError(INCORRECT_PASSWORD)
        self._password_ok(user)
        return self._after_password(pool, client, user, responses.get("DEVICE_KEY") or session.data.get(
            "device_key"))

    def _answer_phantom_verifier(self, session: AuthSession, responses: dict[str, str]) -> dict[str, Any]:
        """Rule: the simulated PASSWORD_VERIFIER of an unknown user (PreventUserExistenceErrors) fails at the answer
        exactly as a wrong password does (cognito-user-pool-managing-errors)."""
        pool = self.describe_user_pool(session.pool_id)
        username = responses.get("USERNAME")
        if not username:
            raise InvalidParameterException("Missing required parameter USERNAME")
        self._check_secret_hash(self._client(pool, session.client_id), username, responses.get("SECRET_HASH"))
        self.sessions.spend(session)
        raise NotAuthorizedError(INCORRECT_PASSWORD)

    def _answer_device_srp(self, session_id: str | None, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        if not session_id:
            # Rule: DEVICE_SRP_AUTH may come without a Session: the user's pending device challenge is the one.
            user = self._pool_of_client(client_id)[0]._get_user(responses.get("USERNAME") or "")
            session_id = self.sessions.newest("DEVICE_SRP_AUTH", client_id=client_id,
                                              username=user.username if user else None,
                                              device_key=responses.get("DEVICE_KEY"))
        session = self.sessions.take(session_id, "DEVICE_SRP_AUTH", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        device = pool.devices.get(user.username, responses.get("DEVICE_KEY"))
        self.sessions.spend(session)
        try:
            state = srp.start(device.verifier_hex or "", device.salt_hex or "", responses.get("SRP_A", ""))
        except ValueError as exc:
            raise NotAuthorizedError("Invalid device SRP_A") from exc
        return self._srp_challenge(pool, client, user, "DEVICE_PASSWORD_VERIFIER", state, device.key,
                                   DEVICE_KEY=device.key)

    def _answer_device_verifier(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        session = self._verifier_session(session_id, responses, "DEVICE_PASSWORD_VERIFIER", client_id)
        pool, client, user = self._session_user(session, responses)
        self.sessions.spend(session)
        device = pool.devices.get(user.username, session.data.get("device_key"))
        ok = srp.check_claim(
            srp.SrpState.from_dict(session.data["srp"]),
            identity_prefix=device.group_key,
            user_id=device.key,
            signature_b64=responses.get("PASSWORD_CLAIM_SIGNATURE", ""),
            secret_block=responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""),
            timestamp=responses.get("TIMESTAMP", ""),
        )
        if not ok:
            raise NotAuthorizedError("Incorrect device password claim.")  # [UNVERIFIED] wording
        return self._after_password(pool, client, user, device.key, device_checked=True)

    @staticmethod
    def _session_device(pool: SandboxUserPool, user: CognitoIdpUser, session: AuthSession) -> Device | None:
        key = session.data.get("device_key")
        if not key:
            return None
        try:
            return pool.devices.get(user.username, key)
        except ResourceNotFoundError:
            return None
