"""The cognito-idp JSON protocol for the operations moto does not serve (devices, AdminDeleteSoftwareToken,
RevokeToken, GetUserAuthFactors, the WebAuthn operations) or serves without the newer parameters
(EmailMfaConfiguration, WebAuthnConfiguration, EmailMfaSettings, WebAuthnMfaSettings), and the access-token
check every token-authenticated call passes first."""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from moto import settings as moto_settings
from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import JsonRESTError
from moto.core.responses import TYPE_RESPONSE, ActionResult
from moto.core.utils import get_service_model

from . import plainjson, protocol
from .backend import CHECKED_TOKEN, SandboxBackend, token_backend
from .domains import DomainResponses


# DomainResponses answer JSON text where moto's methods answer an ActionResult: moto's dispatch takes either.
class SandboxResponse(DomainResponses, CognitoIdpResponse):  # type: ignore[misc]
    """moto's cognito-idp responses plus the operations the sandbox adds."""

    def _token_backend(self) -> SandboxBackend:
        # Token-authenticated calls are unsigned: find the backend by the access token (revoked ones too).
        return token_backend(self._get_param("AccessToken"), self.current_account, self.region)

    def call_action(self) -> TYPE_RESPONSE:
        """Rule: every call authorised by an access token refuses an unknown, expired or revoked one first (moto's
        own handlers would take a revoked token, or word the refusal with the token itself)."""
        token = self._get_param("AccessToken")
        # (With a Session too, the operation refuses the pair itself.)
        if token is not None and self._get_param("Session") is None and _takes_access_token(self._get_action()):
            try:
                found = self._token_backend()._user_for_access_token(token)
            except JsonRESTError as refused:
                headers = {**self.response_headers, **dict(refused.get_headers() or [])}
                return refused.code, headers, refused.description
            marker = CHECKED_TOKEN.set((token, found))  # the operation's own lookup reuses it
            try:
                return super().call_action()
            finally:
                CHECKED_TOKEN.reset(marker)
        return super().call_action()

    def serialized(self, action_result: ActionResult) -> TYPE_RESPONSE:
        """An answer that is plain data is written without moto's serializer walk (the same JSON: see
        :mod:`.plainjson`); anything else, errors included, by moto's serializer."""
        result = action_result.result
        if type(result) is dict and not moto_settings.PRETTIFY_RESPONSES:
            service_model = get_service_model(self.boto3_service_name)
            operation = service_model.operation_model(self._get_action())
            output = operation.output_shape
            body = plainjson.plain(result, output) if output is not None else plainjson.NOT_PLAIN
            if body is not plainjson.NOT_PLAIN:
                kind = f"application/x-amz-json-{service_model.metadata.get('jsonVersion', '1.0')}"
                headers = {"Content-Type": kind, **self.response_headers}
                return operation.http.get("responseCode", 200), headers, json.dumps(body)
        return super().serialized(action_result)

    def get_current_account(self) -> str:
        """moto's order (MOTO_ACCOUNT_ID, then the x-moto-account-id header, then the account of the caller's IAM
        access key), but the sandbox serves no IAM: no key is ever one of IAM's, so moto's search of every IAM
        account and partition for it (~35 µs a call) would always end at the default account."""
        if "MOTO_ACCOUNT_ID" in os.environ:
            return os.environ["MOTO_ACCOUNT_ID"]
        if "x-moto-account-id" in self.headers:
            return str(self.headers["x-moto-account-id"])
        return DEFAULT_ACCOUNT_ID

    def _get_param(self, param_name: str, if_none: Any = None) -> Any:
        """moto parses the JSON body again for every parameter it reads; the sandbox parses it once (the protocol
        layer checked that it is a JSON object)."""
        params = self.__dict__.get("_json_params")
        if params is None:
            try:
                params = json.loads(self.body) if self.body else {}
            except (TypeError, ValueError):
                params = {}
            if not isinstance(params, dict):
                params = {}
            self.__dict__["_json_params"] = params
        if param_name in params:
            return params[param_name] if params[param_name] is not None else if_none
        return super()._get_param(param_name, if_none)

    @property
    def backend(self) -> SandboxBackend:
        return super().backend  # type: ignore[return-value]

    @staticmethod
    def _json(body: dict[str, Any] | None = None) -> str:
        return json.dumps(body or {})

    def revoke_token(self) -> str:
        client_id = self._get_param("ClientId")
        backend: SandboxBackend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)  # type: ignore
        backend.revoke_token(self._get_param("Token"), client_id, self._get_param("ClientSecret"))
        return self._json()

    def delete_user(self) -> str:
        self._token_backend().delete_user(self._get_param("AccessToken"))
        return self._json()

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

    def admin_list_user_auth_events(self) -> str:
        answer = self.backend.admin_list_user_auth_events(
            self._get_param("UserPoolId"), self._get_param("Username"), self._get_param("MaxResults"),
            self._get_param("NextToken"))
        return self._json(answer)

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


@functools.cache
def _takes_access_token(operation: str) -> bool:
    shape = protocol.input_shape(operation) if operation in protocol.operations() else None
    return shape is not None and "AccessToken" in shape.members
