"""MFA preference: SetUserMFAPreference and AdminSetUserMFAPreference (TOTP and SMS here; EmailMfaSettings in
``email_mfa``, WebAuthnMfaSettings in ``passkeys``)."""

from __future__ import annotations

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.models import CognitoIdpUser

from . import challenges, email_mfa, passkeys
from .backend_protocol import MixinBase
from .model import SandboxUserPool, mfa


class MfaPreferenceRules(MixinBase):
    """The MFA preference part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the
    backend's lookups ``_client``, ``_pool_of_client``, ``_user_for_access_token`` and ``_issue``)."""

    def set_user_mfa_preference(
        self,
        access_token: str,
        software_token_mfa_settings: dict[str, bool],
        sms_mfa_settings: dict[str, bool],
        email_mfa_settings: dict[str, bool] | None = None,
        web_authn_mfa_settings: dict[str, bool] | None = None,
    ) -> None:
        pool, user = self._user_for_access_token(access_token)
        self._set_preference(pool, user, software_token_mfa_settings, sms_mfa_settings, admin=False,
                             email=email_mfa_settings, web_authn=web_authn_mfa_settings)

    def admin_set_user_mfa_preference(
        self,
        user_pool_id: str,
        username: str,
        software_token_mfa_settings: dict[str, bool],
        sms_mfa_settings: dict[str, bool],
        email_mfa_settings: dict[str, bool] | None = None,
        web_authn_mfa_settings: dict[str, bool] | None = None,
    ) -> None:
        pool = self.describe_user_pool(user_pool_id)
        user = self.admin_get_user(user_pool_id, username)
        self._set_preference(pool, user, software_token_mfa_settings, sms_mfa_settings, admin=True,
                             email=email_mfa_settings, web_authn=web_authn_mfa_settings)

    def _set_preference(
        self,
        pool: SandboxUserPool,
        user: CognitoIdpUser,
        totp: dict[str, bool] | None,
        sms: dict[str, bool] | None,
        *,
        admin: bool,
        email: dict[str, bool] | None = None,
        web_authn: dict[str, bool] | None = None,
    ) -> None:
        """Rules: TOTP can't be enabled before a token is verified; at most one preferred factor; TOTP can't be
        turned off while the pool requires MFA."""
        if sum(bool((s or {}).get("PreferredMfa")) for s in (totp, sms, email)) > 1:
            # [UNVERIFIED] wording: "Only one factor can be set as preferred" (SetUserMFAPreference docs).
            raise InvalidParameterException("Only one MFA type can be set as preferred")
        if (totp or {}).get("Enabled") and not (user.token_verified and mfa(user).secret):
            raise InvalidParameterException(
                "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
                if admin
                else "User has not set up software token mfa"
            )
        if (sms or {}).get("Enabled") and not user.attribute_lookup.get("phone_number"):
            raise InvalidParameterException("User does not have delivery config set to turn on SMS_MFA")
        if totp is not None and "Enabled" in totp and not totp["Enabled"] and pool.mfa_config == "ON" \
                and user.software_token_mfa_enabled:
            # "You can't turn off TOTP MFA for any of your users when MFA is required" [message UNVERIFIED]
            raise InvalidParameterException(
                "Cannot disable SOFTWARE_TOKEN_MFA while MFA is required for the user pool"
            )
        email_mfa.check_preference(pool, user, email)
        passkeys.check_preference(pool, user, web_authn, totp=totp, sms=sms, email=email)
        for settings, factor, attr in ((totp, challenges.TOTP, "software_token_mfa_enabled"),
                                       (sms, challenges.SMS, "sms_mfa_enabled")):
            if settings is None:
                continue
            enabled = bool(settings.get("Enabled", getattr(user, attr)))
            if settings.get("PreferredMfa") and not enabled:
                # [UNVERIFIED] wording: a factor must be enabled to be preferred.
                raise InvalidParameterException(f"Cannot set {factor} as preferred without enabling it")
            setattr(user, attr, enabled)
            if settings.get("PreferredMfa"):
                user.preferred_mfa_setting = factor
            elif user.preferred_mfa_setting == factor and (
                "PreferredMfa" in settings or not enabled
            ):
                user.preferred_mfa_setting = ""
        email_mfa.apply_preference(user, email)
        passkeys.apply_preference(user, web_authn)
