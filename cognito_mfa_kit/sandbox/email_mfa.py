"""Email MFA (``EMAIL_OTP``): the pool's EmailMfaConfiguration, the user's EmailMfaSettings, the code "sent" to the
outbox, and the EMAIL_OTP answer (as MFA after a password, or as a passwordless first factor of USER_AUTH).

Rules (reference §1.e, §9; service model EmailMfaConfigType, EmailMfaSettingsType, ChallengeResponses):
- ``SetUserPoolMfaConfig(EmailMfaConfiguration={Message, Subject})`` needs Essentials or Plus
  (``FeatureUnavailableInTierException``) and the pool's EmailConfiguration with ``EmailSendingAccount=DEVELOPER``
  (Amazon SES) — "the user pool must be configured to use the Amazon SES email-sending configuration" (DG email MFA);
  refused otherwise with ``InvalidParameterException`` [UNVERIFIED wording]. The message must contain ``{####}``
  (model pattern; 6–20000 characters).
- The user's ``EmailMfaSettings {Enabled, PreferredMfa}`` need Essentials or Plus and an ``email`` attribute
  ("collect a phone_number or email attribute", MFA_SETUP docs); the refusal's wording mirrors SMS's
  [UNVERIFIED]. ``UserMFASettingList`` then lists ``EMAIL_OTP``.
- The challenge: ``EMAIL_OTP`` with ``CODE_DELIVERY_DELIVERY_MEDIUM=EMAIL`` and a masked ``CODE_DELIVERY_DESTINATION``
  (amplify-js signInHelpers); answered with ``EMAIL_OTP_CODE``. A wrong code: ``CodeMismatchException`` "Invalid code
  or auth state for the user." (reference §2) and the session may retry; the code is good once (the session is spent)
  and for as long as the session lives ("MFA code validity period 3–15 minutes" = the app client's
  AuthSessionValidity, reference §1.e). Passing the code confirms the address: ``email_verified`` becomes true ("When
  a user completes their first MFA, Amazon Cognito marks their email address or phone number as verified", DG SMS
  and email message MFA).
- MFA_SETUP answered with ``EMAIL`` (Amplify's email-MFA set-up, reference §1.b) sets the address and sends an
  EMAIL_OTP challenge; passing it turns email MFA on for the user [UNVERIFIED: that it becomes preferred when nothing
  else is].
- The mail is not sent: it is kept in the sandbox's outbox (per pool, ``"medium": "EMAIL"``) beside the SMS.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.models import CognitoIdpUser

from . import plans
from .backend_protocol import MixinBase
from .clock import CLOCK
from .model import SandboxUserPool, mfa
from .sessions import DEFAULT_VALIDITY_MINUTES

EMAIL = "EMAIL_OTP"
WRONG_CODE = "Invalid code or auth state for the user."
#: [UNVERIFIED] the text Cognito sends when the pool's EmailMfaConfiguration has no Message.
DEFAULT_MESSAGE = "Your verification code is {####}."
DEFAULT_SUBJECT = "Your verification code"
_MESSAGE_PATTERN = r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*"


def check_pool_config(pool: SandboxUserPool, email_config: dict[str, Any] | None) -> None:
    """SetUserPoolMfaConfig's EmailMfaConfiguration: plan, SES sending, template."""
    if email_config is None:
        return
    plans.require(plans.tier_of(pool.extended_config), "email_mfa")
    sending = pool.extended_config.get("EmailConfiguration") or {}
    if sending.get("EmailSendingAccount") != "DEVELOPER" or not sending.get("SourceArn"):
        # [UNVERIFIED] wording; the rule is documented (DG email MFA, CDK MfaSecondFactor.email).
        raise InvalidParameterException(
            "Email MFA requires the user pool to send email with Amazon SES: set EmailConfiguration "
            "EmailSendingAccount to DEVELOPER with a SourceArn."
        )
    message = email_config.get("Message")
    if message is not None and ("{####}" not in message or not 6 <= len(message) <= 20000):
        raise InvalidParameterException(
            f"1 validation error detected: Value '{message}' at 'emailMfaConfiguration.message' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: {_MESSAGE_PATTERN}"
        )


def pool_has_email(pool: SandboxUserPool) -> bool:
    """The pool can send email MFA codes (it has an EmailMfaConfiguration)."""
    return getattr(pool, "email_mfa_config", None) is not None


def masked_address(address: str) -> str:
    """CODE_DELIVERY_DESTINATION for an email address, e.g. ``b***@e***.com`` [UNVERIFIED exact format]."""
    local, _, domain = address.partition("@")
    name, dot, tld = domain.rpartition(".")
    if not dot:
        name, tld = domain, ""
    return f"{local[:1]}***@{name[:1]}***" + (f".{tld}" if tld else "")


def send_code(outbox: Any, pool: SandboxUserPool, client_config: dict[str, Any], user: CognitoIdpUser,
              data: dict[str, Any]) -> dict[str, str]:
    """Make an EMAIL_OTP code (kept in the session's ``data``), put the mail in the outbox, and return the
    challenge's delivery parameters."""
    address = user.attribute_lookup.get("email", "")
    code = f"{secrets.randbelow(10**6):06d}"  # [UNVERIFIED] six digits, as SMS codes
    data["code"] = code
    config = getattr(pool, "email_mfa_config", None) or {}
    outbox.append({
        "pool": pool.id, "to": address, "username": user.username, "code": code, "medium": "EMAIL",
        "subject": config.get("Subject") or DEFAULT_SUBJECT,
        "body": (config.get("Message") or DEFAULT_MESSAGE).replace("{####}", code),
        "sent_at": CLOCK.now(pool.id),
        "valid_minutes": client_config.get("AuthSessionValidity") or DEFAULT_VALIDITY_MINUTES,
    })
    return {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": masked_address(address)}


def check_preference(pool: SandboxUserPool, user: CognitoIdpUser, settings: dict[str, bool] | None) -> None:
    """EmailMfaSettings in (Admin)SetUserMFAPreference: plan and an email address."""
    if settings is None:
        return
    plans.require(plans.tier_of(pool.extended_config), "email_mfa")
    if settings.get("Enabled") and not user.attribute_lookup.get("email"):
        raise InvalidParameterException("User does not have delivery config set to turn on EMAIL_OTP")
    if settings.get("PreferredMfa") and not settings.get("Enabled", mfa(user).email_enabled):
        raise InvalidParameterException(f"Cannot set {EMAIL} as preferred without enabling it")  # [UNVERIFIED]


def apply_preference(user: CognitoIdpUser, settings: dict[str, bool] | None) -> None:
    """Record EmailMfaSettings on the user's MFA record and preferred factor."""
    if settings is None:
        return
    record = mfa(user)
    enabled = bool(settings.get("Enabled", record.email_enabled))
    record.email_enabled = enabled
    if settings.get("PreferredMfa"):
        user.preferred_mfa_setting = EMAIL
    elif user.preferred_mfa_setting == EMAIL and ("PreferredMfa" in settings or not enabled):
        user.preferred_mfa_setting = ""


def mark_email_verified(user: CognitoIdpUser) -> None:
    if user.attribute_lookup.get("email_verified") != "true":
        user.update_attributes([{"Name": "email_verified", "Value": "true"}])


_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class EmailOtpAnswers(MixinBase):
    """The EMAIL_OTP part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the
    backend's sessions, ``_session_user``, ``_take_sent_code``, ``_challenge``, ``_signed_in`` and
    ``_session_device``)."""

    def _answer_email_otp(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        session, pool, client, user = self._take_sent_code(session_id, client_id, responses, EMAIL, "EMAIL_OTP_CODE")
        mark_email_verified(user)
        if session.data.get("setup"):
            record = mfa(user)
            record.email_enabled = True
            if not user.preferred_mfa_setting:
                user.preferred_mfa_setting = EMAIL
        return self._signed_in(pool, client, user, self._session_device(pool, user, session))

    def _setup_email_mfa(self, session_id: str, client_id: str, responses: dict[str, str]) -> dict[str, Any]:
        """MFA_SETUP answered with EMAIL: the address is set and an EMAIL_OTP challenge follows (new session)."""
        session = self.sessions.take(session_id, "MFA_SETUP", client_id=client_id)
        pool, client, user = self._session_user(session, responses)
        if not pool_has_email(pool):
            # [UNVERIFIED] wording: EMAIL_OTP is not in this pool's MFAS_CAN_SETUP.
            raise InvalidParameterException("Email MFA is not enabled for the user pool")
        address = responses.get("EMAIL", "")
        if not _ADDRESS.fullmatch(address):
            raise InvalidParameterException("Invalid email address format.")  # [UNVERIFIED] wording
        user.update_attributes([{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "false"}])
        self.sessions.spend(session)
        answer = self._challenge(pool, client, user, EMAIL, {}, self._session_device(pool, user, session))
        following = self.sessions.find(answer["Session"])
        if following is not None:  # always: _challenge has just issued it
            following.data = {**following.data, "setup": True}
        return answer
