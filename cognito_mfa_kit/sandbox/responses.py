"""The cognito-idp JSON protocol for the operations moto does not serve (devices, AdminDeleteSoftwareToken,
GetUserAuthFactors, the WebAuthn operations) or serves without the newer parameters (EmailMfaConfiguration,
WebAuthnConfiguration, EmailMfaSettings, WebAuthnMfaSettings, ManagedLoginVersion)."""

from __future__ import annotations

import json
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.responses import CognitoIdpResponse

from . import plans
from .backend import SandboxBackend


class SandboxResponse(CognitoIdpResponse):
    """moto's cognito-idp responses plus the operations the sandbox adds."""

    def _token_backend(self) -> SandboxBackend:
        # Token-authenticated calls are unsigned: find the region by the access token, as moto does.
        token = self._get_param("AccessToken")
        return self._get_region_agnostic_backend()._find_backend_by_access_token(token)  # type: ignore

    @property
    def backend(self) -> SandboxBackend:  # type: ignore[override]
        return super().backend  # type: ignore[return-value]

    @staticmethod
    def _json(body: dict[str, Any] | None = None) -> str:
        return json.dumps(body or {})

    def admin_delete_software_token(self) -> str:
        self.backend.admin_delete_software_token(self._get_param("UserPoolId"), self._get_param("Username"))
        return self._json()

    def confirm_device(self) -> str:
        result = self._token_backend().confirm_device(
            self._get_param("AccessToken"),
            self._get_param("DeviceKey"),
            self._get_param("DeviceSecretVerifierConfig"),
            self._get_param("DeviceName"),
        )
        return self._json(result)

    def update_device_status(self) -> str:
        self._token_backend().update_device_status(
            self._get_param("AccessToken"),
            self._get_param("DeviceKey"),
            self._get_param("DeviceRememberedStatus"),
        )
        return self._json()

    def list_devices(self) -> str:
        devices = self._token_backend().list_devices(self._get_param("AccessToken"))
        return self._json({"Devices": [d.to_api() for d in devices]})

    def get_device(self) -> str:
        device = self._token_backend().get_device(self._get_param("AccessToken"), self._get_param("DeviceKey"))
        return self._json({"Device": device.to_api()})

    def forget_device(self) -> str:
        self._token_backend().forget_device(self._get_param("AccessToken"), self._get_param("DeviceKey"))
        return self._json()

    def admin_list_devices(self) -> str:
        devices = self.backend.admin_list_devices(self._get_param("UserPoolId"), self._get_param("Username"))
        return self._json({"Devices": [d.to_api() for d in devices]})

    def admin_forget_device(self) -> str:
        self.backend.admin_forget_device(
            self._get_param("UserPoolId"), self._get_param("Username"), self._get_param("DeviceKey")
        )
        return self._json()

    # -- MFA configuration and preference with email MFA and passkeys (email_mfa.py, passkeys.py) -------------------
    def set_user_pool_mfa_config(self) -> str:  # type: ignore[override]
        mfa_config = self._get_param("MfaConfiguration")
        if mfa_config not in ("ON", "OFF", "OPTIONAL"):
            raise InvalidParameterException("[MfaConfiguration] must be one of 'ON', 'OFF', or 'OPTIONAL'.")
        sms_config: Any = self._get_param("SmsMfaConfiguration")
        if isinstance(sms_config, dict) and "SmsConfiguration" not in sms_config:
            raise InvalidParameterException("[SmsConfiguration] is a required member of [SmsMfaConfiguration].")
        result = self.backend.set_user_pool_mfa_config(
            self._get_param("UserPoolId"), sms_config, self._get_param("SoftwareTokenMfaConfiguration"),
            mfa_config, email_config=self._get_param("EmailMfaConfiguration"),
            web_authn_config=self._get_param("WebAuthnConfiguration"),
        )
        return self._json({k: v for k, v in result.items() if v is not None})

    def get_user_pool_mfa_config(self) -> str:  # type: ignore[override]
        result = self.backend.get_user_pool_mfa_config(self._get_param("UserPoolId"))
        return self._json({k: v for k, v in result.items() if v is not None})

    def set_user_mfa_preference(self) -> str:  # type: ignore[override]
        self._token_backend().set_user_mfa_preference(
            self._get_param("AccessToken"), self._get_param("SoftwareTokenMfaSettings"),
            self._get_param("SMSMfaSettings"), email_mfa_settings=self._get_param("EmailMfaSettings"),
            web_authn_mfa_settings=self._get_param("WebAuthnMfaSettings"),
        )
        return self._json()

    def admin_set_user_mfa_preference(self) -> str:  # type: ignore[override]
        self.backend.admin_set_user_mfa_preference(
            self._get_param("UserPoolId"), self._get_param("Username"),
            self._get_param("SoftwareTokenMfaSettings"), self._get_param("SMSMfaSettings"),
            email_mfa_settings=self._get_param("EmailMfaSettings"),
            web_authn_mfa_settings=self._get_param("WebAuthnMfaSettings"),
        )
        return self._json()

    def create_user_pool_domain(self) -> Any:
        """Rule: ManagedLoginVersion 2 needs a plan other than Lite (CreateUserPoolDomain); the version is kept on
        the domain (its row keeps it)."""
        version = self._get_param("ManagedLoginVersion")
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        if version == 2:
            plans.require(plans.tier_of(pool.extended_config), "managed_login_v2")
        answer = super().create_user_pool_domain()
        if version is not None:
            domain = self.backend.user_pool_domains.get(self._get_param("Domain"))
            if domain is not None:
                domain.managed_login_version = int(version)  # type: ignore[attr-defined]  # kept in its row
        return answer

    # -- choice-based sign-in and passkeys (choice.py, passkeys.py) --------------------------------------------------
    def get_user_auth_factors(self) -> str:
        return self._json(self._token_backend().get_user_auth_factors(self._get_param("AccessToken")))

    def admin_get_user_auth_factors(self) -> str:
        return self._json(self.backend.admin_get_user_auth_factors(self._get_param("UserPoolId"),
                                                                   self._get_param("Username")))

    def start_web_authn_registration(self) -> str:
        return self._json(self._token_backend().start_web_authn_registration(self._get_param("AccessToken")))

    def complete_web_authn_registration(self) -> str:
        self._token_backend().complete_web_authn_registration(self._get_param("AccessToken"),
                                                              self._get_param("Credential"))
        return self._json()

    def list_web_authn_credentials(self) -> str:
        return self._json(self._token_backend().list_web_authn_credentials(
            self._get_param("AccessToken"), self._get_param("NextToken"), self._get_param("MaxResults")))

    def delete_web_authn_credential(self) -> str:
        self._token_backend().delete_web_authn_credential(self._get_param("AccessToken"),
                                                          self._get_param("CredentialId"))
        return self._json()
