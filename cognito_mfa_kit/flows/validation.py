"""Checks on what a trainee types, made before any call so a widget can say what to fix.

Each check returns the cleaned value or raises ``ValueError`` naming the field, why it is refused and what to do.
Cognito's own rules (the pool's password policy, an existing username...) are left to Cognito: its errors are part
of the lesson.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..totp import normalise_code

#: ``UsernameType``: 1–128 characters of letters, marks, symbols, numbers and punctuation (no spaces).
_USERNAME = re.compile(r"[^\s]{1,128}")
_PHONE = re.compile(r"\+[1-9][0-9]{1,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MFA_MODES = ("OFF", "ON", "OPTIONAL")
#: ``UserPoolTierType``: the feature plans
TIERS = ("LITE", "ESSENTIALS", "PLUS")
#: ``AuthFactorType`` values a SignInPolicy may list ("SOFTWARE_TOKEN is not currently supported as a first auth
#: factor")
FIRST_FACTORS = ("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
SESSION_MINUTES = range(3, 16)


def check_username(username: object) -> str:
    """A Cognito username: 1–128 characters, no spaces."""
    if not isinstance(username, str) or not username:
        raise ValueError("username: it is empty. Type a user name such as 'Bob'.")
    if not _USERNAME.fullmatch(username):
        if len(username) > 128:
            raise ValueError(f"username: {len(username)} characters is too long; Cognito allows at most 128.")
        raise ValueError(f"username: {username!r} contains spaces; Cognito user names can't. Remove them.")
    return username


#: what ends a line for Cognito's password pattern (``.`` in a Java regular expression matches none of these)
LINE_BREAKS = ("\n", "\r", "\u0085", "\u2028", "\u2029")


def check_password(password: object, field: str = "password") -> str:
    """A password Cognito can accept at all (6–256 characters, on one line, no space at either end).

    The pool's policy (length, character classes) is checked by Cognito (``InvalidPasswordException``).
    """
    if not isinstance(password, str) or not password:
        raise ValueError(f"{field}: it is empty. Type the password.")
    if password != password.strip():
        raise ValueError(f"{field}: it starts or ends with a space; Cognito refuses that. Remove the spaces.")
    if any(mark in password for mark in LINE_BREAKS):
        raise ValueError(f"{field}: it holds a line break; Cognito refuses that (its pattern ^[\\S]+.*[\\S]+$ takes "
                         "one line). Type the password on one line.")
    if len(password) < 6:
        raise ValueError(f"{field}: {len(password)} characters is too short; Cognito needs at least 6.")
    if len(password) > 256:
        raise ValueError(f"{field}: {len(password)} characters is too long; Cognito allows at most 256.")
    return password


def check_code(code: object, field: str = "code") -> str:
    """A 6-digit one-time code; spaces are removed ("123 456" → "123456")."""
    try:
        return normalise_code(code)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}. Type the 6 digits your authenticator app shows now.") from None


def check_phone(phone: str) -> str:
    """A phone number in E.164 form (+ and country code, digits only)."""
    cleaned = re.sub(r"[\s()-]", "", phone or "")
    if not _PHONE.fullmatch(cleaned):
        raise ValueError(
            f"phone: {phone!r} is not in E.164 form; write + then country code and number, e.g. +447700900123."
        )
    return cleaned


def check_email(email: str) -> str:
    """Something shaped like an email address."""
    if not _EMAIL.fullmatch(email or ""):
        raise ValueError(f"email: {email!r} does not look like an email address (name@example.com).")
    return email


def check_mfa(mfa: str) -> str:
    """A pool MFA mode: OFF, ON or OPTIONAL."""
    value = (mfa or "").upper()
    if value not in MFA_MODES:
        raise ValueError(f"mfa: {mfa!r} is not a pool MFA mode; use 'OFF', 'ON' (required) or 'OPTIONAL'.")
    return value


def check_tier(tier: object) -> str:
    """A feature plan: LITE, ESSENTIALS (new pools' default) or PLUS."""
    if not isinstance(tier, str) or tier.upper() not in TIERS:
        raise ValueError(f"tier: {tier!r} is not a feature plan; use one of {', '.join(TIERS)} (ESSENTIALS is "
                         "the default; email MFA and choice-based sign-in need ESSENTIALS or PLUS).")
    return tier.upper()


def check_first_factors(factors: object) -> tuple[str, ...]:
    """A SignInPolicy's AllowedFirstAuthFactors: one or more of PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN."""
    if isinstance(factors, str) or not isinstance(factors, Iterable) or not factors:
        raise ValueError("first_factors: give a list such as ['PASSWORD', 'EMAIL_OTP'].")
    found = tuple(dict.fromkeys(str(f) for f in factors))
    if "SOFTWARE_TOKEN" in found:
        raise ValueError("first_factors: SOFTWARE_TOKEN (TOTP) is never a first factor in Cognito; it comes after "
                         "the password, as MFA.")
    unknown = [f for f in found if f not in FIRST_FACTORS]
    if unknown:
        raise ValueError(f"first_factors: {', '.join(unknown)} not known; choose from {', '.join(FIRST_FACTORS)}.")
    return found


def check_session_minutes(minutes: int) -> int:
    """AuthSessionValidity: 3–15 minutes."""
    if not isinstance(minutes, int) or minutes not in SESSION_MINUTES:
        raise ValueError(
            f"session_minutes: {minutes!r} is outside 3–15; Cognito's AuthSessionValidity is 3 to 15 minutes."
        )
    return minutes


def check_one_of_token_or_session(access_token: str | None, session: str | None) -> None:
    """AssociateSoftwareToken/VerifySoftwareToken take an access token or a session, not both."""
    if bool(access_token) == bool(session):
        raise ValueError(
            "access_token/session: give exactly one — the access token of a signed-in user, or the Session of an "
            "MFA_SETUP challenge (then the one associate() returned)."
        )
