"""The user's MFA preference: SetUserMFAPreference (as the user) and AdminSetUserMFAPreference (as an admin).

Seed step 8: ``--software-token-mfa-settings Enabled=true,PreferredMfa=true``. A factor whose ``*_enabled`` is
``None`` is left out of the request (unchanged). Cognito refuses to enable TOTP before a token is verified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .pool import TeachingPool
from .validation import check_username

if TYPE_CHECKING:
    from ..connect import Lab


def _settings(
    totp_enabled: bool | None, totp_preferred: bool, sms_enabled: bool | None, sms_preferred: bool
) -> dict[str, Any]:
    if totp_preferred and sms_preferred:
        raise ValueError("totp_preferred/sms_preferred: only one factor can be preferred; choose one.")
    request: dict[str, Any] = {}
    if totp_enabled is not None:
        request["SoftwareTokenMfaSettings"] = {"Enabled": totp_enabled, "PreferredMfa": bool(totp_preferred)}
    if sms_enabled is not None:
        request["SMSMfaSettings"] = {"Enabled": sms_enabled, "PreferredMfa": bool(sms_preferred)}
    if not request:
        raise ValueError("totp_enabled/sms_enabled: both None, nothing to set; give at least one.")
    return request


def set_preference(
    lab: Lab,
    access_token: str,
    *,
    totp_enabled: bool | None = True,
    totp_preferred: bool = True,
    sms_enabled: bool | None = None,
    sms_preferred: bool = False,
) -> None:
    """SetUserMFAPreference with the user's access token."""
    if not access_token:
        raise ValueError("access_token: empty; sign in first and pass tokens.access_token.")
    request = _settings(totp_enabled, totp_preferred, sms_enabled, sms_preferred)
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
) -> None:
    """AdminSetUserMFAPreference for ``username``."""
    username = check_username(username)
    request = _settings(totp_enabled, totp_preferred, sms_enabled, sms_preferred)
    lab.client.admin_set_user_mfa_preference(UserPoolId=pool.pool_id, Username=username, **request)
