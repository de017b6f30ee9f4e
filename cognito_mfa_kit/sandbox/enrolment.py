"""TOTP enrolment: AssociateSoftwareToken, VerifySoftwareToken (with an access token or an MFA_SETUP
session) and AdminDeleteSoftwareToken."""

from __future__ import annotations

from moto.cognitoidp.exceptions import ExpiredCodeException, InvalidParameterException

from . import challenges
from .backend_protocol import MixinBase
from .clock import CLOCK
from .exceptions import EnableSoftwareTokenMFAException, SoftwareTokenMFANotFoundException
from .model import SandboxUserPool, mfa
from .totp import REUSED_MESSAGE, CodeCheck, check_code, new_secret, validate_user_code


class TotpEnrolment(MixinBase):
    """The TOTP enrolment part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the
    backend's lookups ``_client``, ``_pool_of_client``, ``_user_for_access_token`` and ``_issue``)."""

    def associate_software_token(self, access_token: str, session: str) -> dict[str, str]:
        """Rules: a fresh secret per call; with a Session (MFA_SETUP only) a new Session comes back; a new secret
        replaces the old one only once verified."""
        if access_token and session:
            # "The request takes an access token or a session string, but not both." [message UNVERIFIED]
            raise InvalidParameterException("Only one of AccessToken or Session may be given")
        if session:
            setup = self.sessions.take(session, "MFA_SETUP")
            pool = self.describe_user_pool(setup.pool_id)
            self._require_pool_totp(pool)
            self.sessions.spend(setup)
            secret = new_secret()
            verify = self._next_session(setup, "VERIFY_SOFTWARE_TOKEN", secret=secret,
                                        device_key=setup.data.get("device_key"))
            return {"SecretCode": secret, "Session": verify.id}
        pool, user = self._user_for_access_token(access_token)
        self._require_pool_totp(pool)
        record = mfa(user)
        record.pending = new_secret()
        return {"SecretCode": record.pending}

    @staticmethod
    def _require_pool_totp(pool: SandboxUserPool) -> None:
        if not (pool.token_mfa_config or {}).get("Enabled"):
            raise SoftwareTokenMFANotFoundException("Software Token MFA has not been enabled by the userPool")

    def verify_software_token(
        self, access_token: str, session: str, user_code: str, friendly_device_name: str
    ) -> dict[str, str]:
        """Rules: RFC 6238 on the pool's clock; a wrong code → EnableSoftwareTokenMFAException and the same
        session may retry; non-digits → InvalidParameterException; with a Session, the answer's Session
        satisfies MFA_SETUP."""
        if access_token and session:
            raise InvalidParameterException("Only one of AccessToken or Session may be given")
        code = validate_user_code(user_code)
        if session:
            verify = self.sessions.take(session, "VERIFY_SOFTWARE_TOKEN")
            pool = self.describe_user_pool(verify.pool_id)
            user = self.admin_get_user(pool.id, verify.username)
            secret = verify.data["secret"]
        else:
            pool, user = self._user_for_access_token(access_token)
            secret = mfa(user).pending
            if not secret:
                # [UNVERIFIED] message: verifying with no associated token.
                raise SoftwareTokenMFANotFoundException("Software Token MFA does not exist for the user.")
        record = mfa(user)
        # Rule: "already used once" is about one token's codes; a token being verified has had none used yet.
        outcome, counter = check_code(secret, code, record.last_counter if secret == record.secret else None,
                                     CLOCK.now(pool.id))
        if outcome is CodeCheck.REUSED:
            raise ExpiredCodeException(REUSED_MESSAGE)
        if outcome is CodeCheck.MISMATCH:
            if session:
                self.sessions.wrong_code(verify)
            raise EnableSoftwareTokenMFAException()
        record.secret, record.pending, record.last_counter = secret, None, counter
        record.device_name = friendly_device_name or None
        user.token_verified = True
        if not session:
            # Verifying does not by itself enable TOTP (UserMFASettingList stays empty until the preference).
            return {"Status": "SUCCESS"}
        # Enrolment during sign-in: the user now has TOTP as a factor. [UNVERIFIED: observed listing of
        # SOFTWARE_TOKEN_MFA in UserMFASettingList after MFA_SETUP]
        user.software_token_mfa_enabled = True
        if not user.preferred_mfa_setting:
            user.preferred_mfa_setting = challenges.TOTP
        self.sessions.spend(verify)
        done = self._next_session(verify, "MFA_SETUP_VERIFIED", device_key=verify.data.get("device_key"))
        return {"Status": "SUCCESS", "Session": done.id}

    def admin_delete_software_token(self, user_pool_id: str, username: str) -> None:
        """AdminDeleteSoftwareToken (2026): remove the registration and any TOTP preference."""
        user = self.admin_get_user(user_pool_id, username)
        record = mfa(user)
        record.secret = record.pending = record.device_name = None
        user.token_verified = False
        user.software_token_mfa_enabled = False
        if user.preferred_mfa_setting == challenges.TOTP:
            user.preferred_mfa_setting = ""
