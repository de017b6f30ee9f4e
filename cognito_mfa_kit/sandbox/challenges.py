"""Which challenge Cognito asks for after the password, decided as the service decides it.

Rules (reference §1.b–§1.e, §2 "Pool MFA config"):
- pool MFA ``OFF`` → no challenge, whatever the user has set up [UNVERIFIED: the reference is silent; the
  sandbox's choice, docs/cognito-behaviour.md];
- the user's enabled factors: TOTP when enabled by preference (or, with MFA required, once a token is verified),
  SMS when enabled and the pool can send SMS, email (EMAIL_OTP) when enabled and the pool has an
  EmailMfaConfiguration — in that order (``MFAS_CAN_SETUP`` ``["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"]``,
  reference §1.b);
- a preferred factor among them → that challenge; exactly one → that one; two or more and none preferred →
  ``SELECT_MFA_TYPE`` with ``MFAS_CAN_CHOOSE`` as a JSON string;
- pool MFA ``ON`` and no factor: SMS_MFA when the pool sends SMS and the user has a phone number, else EMAIL_OTP
  when the pool sends email MFA and the user has an email address [UNVERIFIED: by analogy with SMS, reference §1.b],
  otherwise ``MFA_SETUP`` with ``MFAS_CAN_SETUP`` (a JSON string) listing what the pool lets the user set up;
- pool MFA ``OPTIONAL`` and no factor → no challenge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

TOTP = "SOFTWARE_TOKEN_MFA"
SMS = "SMS_MFA"
EMAIL = "EMAIL_OTP"


@dataclass(frozen=True)
class MfaFacts:
    """What the decision needs to know about a pool and a user."""

    pool_mfa: str  # OFF | ON | OPTIONAL
    pool_totp: bool  # SoftwareTokenMfaConfiguration.Enabled
    pool_sms: bool  # the pool has an SMS configuration
    totp_verified: bool
    totp_enabled: bool
    sms_enabled: bool
    has_phone: bool
    preferred: str | None
    pool_email: bool = False  # the pool has an EmailMfaConfiguration (email_mfa)
    email_enabled: bool = False  # EmailMfaSettings.Enabled
    has_email: bool = False


@dataclass(frozen=True)
class Decision:
    """The challenge to issue (None: sign the user in) and its factor-specific parameters."""

    challenge: str | None
    parameters: dict[str, str]


def user_factors(f: MfaFacts) -> list[str]:
    """The MFA factors Cognito would use for this user, in Cognito's order (SMS first)."""
    factors = []
    if f.sms_enabled and f.pool_sms and f.has_phone:
        factors.append(SMS)
    # A verified token counts once the user enabled it; with MFA required it is used as soon as it is verified.
    # Disabling TOTP on the pool later does not stop users who verified a token (reference §2). [UNVERIFIED] that
    # such a token is also offered in SELECT_MFA_TYPE beside SMS (the docs say only that it "can continue" to be used).
    if f.totp_verified and (f.totp_enabled or f.pool_mfa == "ON"):
        factors.append(TOTP)
    if f.email_enabled and f.pool_email and f.has_email:
        factors.append(EMAIL)
    return factors


def decide(f: MfaFacts) -> Decision:
    """The next step after a successful first factor."""
    if f.pool_mfa == "OFF":
        return Decision(None, {})
    factors = user_factors(f)
    if f.preferred in factors:
        return Decision(f.preferred, {})
    if len(factors) == 1:
        return Decision(factors[0], {})
    if len(factors) > 1:
        return Decision("SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": _json_list(factors)})
    if f.pool_mfa == "ON":
        if f.pool_sms and f.has_phone:
            # "users with a phone number get SMS_MFA directly" (reference §1.b)
            return Decision(SMS, {})
        if f.pool_email and f.has_email:
            return Decision(EMAIL, {})
        can_setup = []
        if f.pool_sms:
            can_setup.append(SMS)
        if f.pool_totp:
            can_setup.append(TOTP)
        if f.pool_email:
            can_setup.append(EMAIL)
        return Decision("MFA_SETUP", {"MFAS_CAN_SETUP": _json_list(can_setup)})
    return Decision(None, {})


def _json_list(names: list[str]) -> str:
    """A challenge-list parameter as Cognito writes it: compact JSON, e.g. ``["SMS_MFA","SOFTWARE_TOKEN_MFA"]``."""
    return json.dumps(names, separators=(",", ":"))
