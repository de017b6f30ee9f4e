"""The user's MFA preference: SetUserMFAPreference (as the user) and AdminSetUserMFAPreference (as an admin).

Seed step 8: ``--software-token-mfa-settings Enabled=true,PreferredMfa=true``. A factor whose ``*_enabled`` is
``None`` is left out of the request (unchanged). Cognito refuses to enable TOTP before a token is verified.
Email MFA (``email_enabled``/``email_preferred``: ``EmailMfaSettings``) needs the pool's Essentials or Plus plan and
an email address; passkey MFA (``passkey_mfa``: ``WebAuthnMfaSettings``) needs another factor the user keeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .pool import TeachingPool
from .validation import check_username

if TYPE_CHECKING:
    from ..connect import Lab


def _settings(
    totp_enabled: bool | None, totp_preferred: bool, sms_enabled: bool | None, sms_preferred: bool,
    email_enabled: bool | None = None, email_preferred: bool = False, passkey_mfa: bool | None = None,
) -> dict[str, Any]:
    # A factor left out of the request (``*_enabled`` None) is not sent, nor its preference.
    preferred = [name for name, enabled, on in (("totp", totp_enabled, totp_preferred),
                                                ("sms", sms_enabled, sms_preferred),
                                                ("email", email_enabled, email_preferred))
                 if on and enabled is not None]
    if len(preferred) > 1:
        raise ValueError(f"{'/'.join(p + '_preferred' for p in preferred)}: only one factor can be preferred; "
                         "choose one.")
    request: dict[str, Any] = {}
    if email_enabled is not None:
        request["EmailMfaSettings"] = {"Enabled": email_enabled, "PreferredMfa": bool(email_preferred)}
    if passkey_mfa is not None:
        request["WebAuthnMfaSettings"] = {"Enabled": bool(passkey_mfa)}
    if totp_enabled is not None:
        request["SoftwareTokenMfaSettings"] = {"Enabled": totp_enabled, "PreferredMfa": bool(totp_preferred)}
    if sms_enabled is not None:
        request["SMSMfaSettings"] = {"Enabled": sms_enabled, "PreferredMfa": bool(sms_preferred)}
    if not request:
        raise ValueError("totp_enabled/sms_enabled/email_enabled/passkey_mfa: all None, nothing to set; give at "
                         "least one.")
    return request


def set_preference(
    lab: Lab,
    access_token: str,
    *,
    totp_enabled: bool | None = True,
    totp_preferred: bool = True,
    sms_enabled: bool | None = None,
    sms_preferred: bool = False,
    email_enabled: bool | None = None,
    email_preferred: bool = False,
    passkey_mfa: bool | None = None,
) -> None:
    """SetUserMFAPreference with the user's access token."""
    if not access_token:
        raise ValueError("access_token: empty; sign in first and pass tokens.access_token.")
    request = _settings(totp_enabled, totp_preferred, sms_enabled, sms_preferred, email_enabled, email_preferred,
                        passkey_mfa)
    lab.client.set_user_mfa_preference(AccessToken=access_token, **request)


def admin_set_preference(
    lab: Lab,
    pool: TeachingPool,
    username: str,
    *,
    totp_enabled: bool | None = True,
    totp_preferred: bool = True,
    sms_enabled: bool | None = None,
    sms_preferred: bool = False,
    email_enabled: bool | None = None,
    email_preferred: bool = False,
    passkey_mfa: bool | None = None,
) -> None:
    """AdminSetUserMFAPreference for ``username``."""
    username = check_username(username)
    request = _settings(totp_enabled, totp_preferred, sms_enabled, sms_preferred, email_enabled, email_preferred,
                        passkey_mfa)
    lab.client.admin_set_user_mfa_preference(UserPoolId=pool.pool_id, Username=username, **request)
