"""Choice-based sign-in (``AuthFlow=USER_AUTH``, Nov 2024): the first factor chosen up front or from
``SELECT_CHALLENGE``, then the user's MFA; and ``GetUserAuthFactors``.

Rules (reference §6, §9; service model InitiateAuth, RespondToAuthChallenge, SignInPolicyType, ExplicitAuthFlows,
GetUserAuthFactors):
- USER_AUTH needs Essentials or Plus (``FeatureUnavailableInTierException``) and the app client's
  ``ALLOW_USER_AUTH`` (which "can do username-password and SRP authentication without other ExplicitAuthFlows
  permitting them"); otherwise "USER_AUTH flow not enabled for this client" (as for the other flows).
- ``AuthParameters {USERNAME, PREFERRED_CHALLENGE?}``: "If you don't provide a value for PREFERRED_CHALLENGE, Amazon
  Cognito responds with the AvailableChallenges parameter" — ``SELECT_CHALLENGE`` with ``AvailableChallenges``.
  A preferred challenge the user can't use also gets SELECT_CHALLENGE [UNVERIFIED].
- What a user may choose: the pool's ``Policies.SignInPolicy.AllowedFirstAuthFactors`` (default ``["PASSWORD"]``
  [UNVERIFIED: the default a new pool shows]); PASSWORD gives ``PASSWORD`` and ``PASSWORD_SRP``; ``EMAIL_OTP`` needs
  an email address and SES sending, ``SMS_OTP`` a phone number and the pool's SMS configuration, ``WEB_AUTHN`` a
  registered passkey. Passwordless first factors are not offered to users who have MFA (DOC Amplify passwordless
  concepts; reference §9) — with the pool's MFA ON every user has [UNVERIFIED]; a passkey stays on offer when the
  pool lets passkeys satisfy MFA (``FactorConfiguration=MULTI_FACTOR_WITH_USER_VERIFICATION``). The order of
  AvailableChallenges is the sandbox's [UNVERIFIED].
- ``SELECT_CHALLENGE`` is answered with ``ANSWER`` (one of AvailableChallenges, else ``InvalidParameterException``
  [UNVERIFIED wording]) plus that factor's parameters: ``PASSWORD``, ``SRP_A`` (→ PASSWORD_VERIFIER), ``CREDENTIAL``
  (WEB_AUTHN); ``EMAIL_OTP``/``SMS_OTP`` send a code and come back as that challenge, answered with
  ``EMAIL_OTP_CODE``/``SMS_OTP_CODE``. Without the factor's parameter the factor comes back as its own challenge
  (``PASSWORD``, ``PASSWORD_SRP``) [UNVERIFIED]. The SELECT_CHALLENGE session answers once, right or wrong (a wrong
  password ends the attempt, as in the password flows) [UNVERIFIED].
- After a password first factor the user's MFA follows exactly as after USER_PASSWORD_AUTH (SOFTWARE_TOKEN_MFA,
  SELECT_MFA_TYPE, MFA_SETUP ...) with a **new** session: the SELECT_CHALLENGE session can't answer it (it is spent:
  "session can only be used once") — reference §6 "Do not reuse the SELECT_CHALLENGE session for MFA".
- TOTP is never a first factor: "SOFTWARE_TOKEN is not currently supported as a first auth factor" (SignInPolicyType).
- ``GetUserAuthFactors`` (and ``AdminGetUserAuthFactors``) lists ``Username``, ``PreferredMfaSetting``,
  ``UserMFASettingList`` and ``ConfiguredUserAuthFactors`` ("PASSWORD can only be used as a first authentication
  factor. SOFTWARE_TOKEN can only be used as an MFA factor. EMAIL_OTP, SMS_OTP, and WEB_AUTHN can be used as
  either"); which factors count as configured is the sandbox's reading [UNVERIFIED].
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPoolClient

from . import challenges, email_mfa, plans
from .backend_protocol import MixinBase
from .model import SandboxUserPool, mfa
from .signin import INCORRECT_PASSWORD

FIRST_FACTORS = ("PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
DEFAULT_FIRST_FACTORS = ("PASSWORD",)


def check_sign_in_policy(config: dict[str, Any]) -> None:
    """CreateUserPool / UpdateUserPool: "SOFTWARE_TOKEN is not currently supported as a first auth factor. Do not
    include this value in AllowedFirstAuthFactors" (SignInPolicyType) — refused [UNVERIFIED wording]."""
    factors = ((config.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors") or []
    if "SOFTWARE_TOKEN" in factors:
        raise InvalidParameterException("SOFTWARE_TOKEN is not supported as a first auth factor")


def allowed_first_factors(pool: SandboxUserPool) -> list[str]:
    """The pool's SignInPolicy.AllowedFirstAuthFactors (PASSWORD when it has none)."""
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    return list(policy.get("AllowedFirstAuthFactors") or DEFAULT_FIRST_FACTORS)


def sends_email(pool: SandboxUserPool) -> bool:
    """The pool sends email with SES (EmailSendingAccount DEVELOPER), as email OTP needs."""
    sending = pool.extended_config.get("EmailConfiguration") or {}
    return sending.get("EmailSendingAccount") == "DEVELOPER" and bool(sending.get("SourceArn"))


def sends_sms(pool: SandboxUserPool) -> bool:
    return bool(pool.extended_config.get("SmsConfiguration") or (pool.sms_mfa_config or {}).get("SmsConfiguration"))


def passkeys_satisfy_mfa(pool: SandboxUserPool) -> bool:
    return (pool.web_authn_config or {}).get("FactorConfiguration") == "MULTI_FACTOR_WITH_USER_VERIFICATION"


class ChoiceSignIn(MixinBase):
    """The USER_AUTH part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the sign-in
    rules ``_check_flow``, ``_find_user``, ``_after_password``, ``_start_srp``, ``_signed_in`` ...)."""

    # ------------------------------------------------------------------ what the user may choose
    def _has_mfa(self, pool: SandboxUserPool, user: CognitoIdpUser) -> bool:
        if pool.mfa_config == "ON":
            return True
        return pool.mfa_config == "OPTIONAL" and bool(challenges.user_factors(self._facts(pool, user)))

    def _available_first_factors(self, pool: SandboxUserPool, user: CognitoIdpUser) -> list[str]:
        allowed = allowed_first_factors(pool)
        passwordless = not self._has_mfa(pool, user)
        found = []
        if "PASSWORD" in allowed and user.password:
            found += ["PASSWORD", "PASSWORD_SRP"]
        if "EMAIL_OTP" in allowed and passwordless and user.attribute_lookup.get("email") and sends_email(pool):
            found.append("EMAIL_OTP")
        if "SMS_OTP" in allowed and passwordless and user.attribute_lookup.get("phone_number") and sends_sms(pool):
            found.append("SMS_OTP")
        if "WEB_AUTHN" in allowed and mfa(user).passkeys and (passwordless or passkeys_satisfy_mfa(pool)):
            found.append("WEB_AUTHN")
        return found

    # ------------------------------------------------------------------ InitiateAuth USER_AUTH
    def _user_auth(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, params: dict[str, str], *,
                   admin: bool) -> dict[str, Any]:
        plans.require(plans.tier_of(pool.extended_config), "user_auth")
        self._check_flow(client, "USER_AUTH", admin=admin)
        username = params.get("USERNAME")
        user = self._find_user(pool, client, username)
        self._check_secret_hash(client, username or "", params.get("SECRET_HASH"))
        self._check_lockout(user)
        preferred = params.get("PREFERRED_CHALLENGE")
        if preferred is not None and preferred not in FIRST_FACTORS:
            # [UNVERIFIED] wording
            raise InvalidParameterException(
                f"Invalid PREFERRED_CHALLENGE {preferred!r}: use one of {', '.join(FIRST_FACTORS)}"
            )
        available = self._available_first_factors(pool, user)
        if not available:
            raise NotAuthorizedError("No sign-in method is available for the user.")  # [UNVERIFIED]
        device_key = params.get("DEVICE_KEY")
        if preferred in available:
            return self._first_factor(pool, client, user, preferred, params, device_key)
        session = self._issue(pool, client, user.username, "SELECT_CHALLENGE", available=available,
                              device_key=device_key)
        return {"ChallengeName": "SELECT_CHALLENGE", "Session": session.id, "ChallengeParameters": {},
                "AvailableChallenges": available}

    def _first_factor(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
                      factor: str, params: dict[str, str], device_key: str | None) -> dict[str, Any]:
        """Start (or, with its parameter, complete) the first factor ``factor``."""
        if factor == "PASSWORD":
            if params.get("PASSWORD") is None:
                return self._factor_challenge(pool, client, user, "PASSWORD", {}, device_key=device_key)
            if user.password != params["PASSWORD"]:
                self._password_failed(user)
                raise NotAuthorizedError(INCORRECT_PASSWORD)
            self._password_ok(user)
            return self._after_password(pool, client, user, device_key)
        if factor == "PASSWORD_SRP":
            if not params.get("SRP_A"):
                return self._factor_challenge(pool, client, user, "PASSWORD_SRP", {}, device_key=device_key)
            return self._start_srp(pool, client, user, {"SRP_A": params["SRP_A"], "DEVICE_KEY": device_key or ""})
        if factor == "EMAIL_OTP":
            data: dict[str, Any] = {"device_key": device_key, "first_factor": True}
            delivery = email_mfa.send_code(self.outbox, pool, client.extended_config, user, data)
            return self._factor_challenge(pool, client, user, "EMAIL_OTP", delivery, **data)
        if factor == "SMS_OTP":
            data = {"device_key": device_key, "first_factor": True}
            delivery = self.outbox.send_sms_code(pool.id, user, data)
            return self._factor_challenge(pool, client, user, "SMS_OTP", delivery, **data)
        return self._passkey_first_factor(pool, client, user, params, device_key)

    def _factor_challenge(self, pool: SandboxUserPool, client: CognitoIdpUserPoolClient, user: CognitoIdpUser,
                          name: str, parameters: dict[str, str], **data: Any) -> dict[str, Any]:
        session = self._issue(pool, client, user.username, name, **data)
        return {"ChallengeName": name, "Session": session.id,
                "ChallengeParameters": {"USERNAME": user.username, **parameters}}

    # ------------------------------------------------------------------ RespondToAuthChallenge
    def _choice_handlers(self) -> dict[str, Any]:
        """The challenge answers this family adds to RespondToAuthChallenge."""
        return {
            "SELECT_CHALLENGE": self._answer_select_challenge,
            "PASSWORD": self._answer_password_factor,
            "PASSWORD_SRP": self._answer_password_factor,
            "SMS_OTP": self._answer_sms_otp,
            "EMAIL_OTP": self._answer_email_otp,
            "WEB_AUTHN": self._answer_web_authn,
        }

    def _answer_select_challenge(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        session = self.sessions.take(session_id, "SELECT_CHALLENGE", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        answer = responses.get("ANSWER")
        available = session.data.get("available", [])
        if answer not in available:
            raise InvalidParameterException(  # [UNVERIFIED] wording
                f"Invalid ANSWER: {answer!r} is not one of the AvailableChallenges ({', '.join(available)})"
            )
        self.sessions.spend(session)
        return self._first_factor(pool, client, user, str(answer), responses, session.data.get("device_key"))

    def _answer_password_factor(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        """A PASSWORD (answered with PASSWORD) or PASSWORD_SRP (answered with SRP_A) challenge of USER_AUTH."""
        session = self.sessions.take(session_id, "PASSWORD", "PASSWORD_SRP", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        needed = "PASSWORD" if session.step == "PASSWORD" else "SRP_A"
        if not responses.get(needed):
            raise InvalidParameterException(f"Missing required parameter {needed}")
        self.sessions.spend(session)
        return self._first_factor(pool, client, user, session.step, responses, session.data.get("device_key"))

    def _answer_sms_otp(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        session, pool, client, user = self._take_sent_code(session_id, client_id, responses, "SMS_OTP", "SMS_OTP_CODE")
        if user.attribute_lookup.get("phone_number_verified") != "true":
            user.update_attributes([{"Name": "phone_number_verified", "Value": "true"}])
        return self._signed_in(pool, client, user, self._session_device(pool, user, session))

    # ------------------------------------------------------------------ GetUserAuthFactors
    def get_user_auth_factors(self, access_token: str) -> dict[str, Any]:
        pool, user = self._user_for_access_token(access_token)
        return self._auth_factors(pool, user)

    def admin_get_user_auth_factors(self, user_pool_id: str, username: str) -> dict[str, Any]:
        """AdminGetUserAuthFactors: the same answer, for an administrator (IAM-authorised)."""
        return self._auth_factors(self.describe_user_pool(user_pool_id), self.admin_get_user(user_pool_id, username))

    def _auth_factors(self, pool: SandboxUserPool, user: CognitoIdpUser) -> dict[str, Any]:
        described = user.to_json(extended=True)
        record = mfa(user)
        configured = []
        if user.password:
            configured.append("PASSWORD")
        if user.attribute_lookup.get("email") and (
            record.email_enabled or ("EMAIL_OTP" in allowed_first_factors(pool) and sends_email(pool))
        ):
            configured.append("EMAIL_OTP")
        if user.attribute_lookup.get("phone_number") and (
            user.sms_mfa_enabled or ("SMS_OTP" in allowed_first_factors(pool) and sends_sms(pool))
        ):
            configured.append("SMS_OTP")
        if record.passkeys:
            configured.append("WEB_AUTHN")
        if user.token_verified and record.secret:
            configured.append("SOFTWARE_TOKEN")
        answer: dict[str, Any] = {
            "Username": user.username,
            "UserMFASettingList": described.get("UserMFASettingList", []),
            "ConfiguredUserAuthFactors": configured,
        }
        if user.preferred_mfa_setting:
            answer["PreferredMfaSetting"] = user.preferred_mfa_setting
        return answer
