"""The cognito-idp JSON protocol for the operations moto does not serve (devices, AdminDeleteSoftwareToken)."""

from __future__ import annotations

import json
from typing import Any

from moto.cognitoidp.responses import CognitoIdpResponse

from .backend import SandboxBackend
from .domains import DomainResponses


class SandboxResponse(DomainResponses, CognitoIdpResponse):
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
