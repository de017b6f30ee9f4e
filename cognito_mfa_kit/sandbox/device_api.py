"""Remembered devices over the API: ConfirmDevice, UpdateDeviceStatus, ListDevices, GetDevice,
ForgetDevice and their Admin twins (the device store itself is ``devices``)."""

from __future__ import annotations

from moto.cognitoidp.exceptions import InvalidParameterException

from . import srp
from .backend_protocol import MixinBase
from .devices import Device


class DeviceApi(MixinBase):
    """The device API part of :class:`~cognito_mfa_kit.sandbox.backend.SandboxBackend` (a mixin: it uses the
    backend's lookups ``_client``, ``_pool_of_client``, ``_user_for_access_token`` and ``_issue``)."""

    def confirm_device(
        self,
        access_token: str,
        device_key: str,
        verifier_config: dict[str, str] | None,
        device_name: str | None,
    ) -> dict[str, bool]:
        pool, user = self._user_for_access_token(access_token)
        config = verifier_config or {}
        try:
            verifier_hex, salt_hex = srp.device_verifier_from_config(
                config.get("PasswordVerifier", ""), config.get("Salt", "")
            )
        except ValueError as exc:
            raise InvalidParameterException("Invalid DeviceSecretVerifierConfig") from exc
        user_prompt = bool(
            (pool.extended_config.get("DeviceConfiguration") or {}).get("DeviceOnlyRememberedOnUserPrompt")
        )
        necessary = pool.devices.confirm(
            user.username, device_key, verifier_hex=verifier_hex, salt_hex=salt_hex, name=device_name,
            user_prompt=user_prompt,
        )
        return {"UserConfirmationNecessary": necessary}

    def update_device_status(self, access_token: str, device_key: str, status: str) -> None:
        pool, user = self._user_for_access_token(access_token)
        pool.devices.set_status(user.username, device_key, status)

    def list_devices(self, access_token: str) -> list[Device]:
        pool, user = self._user_for_access_token(access_token)
        return pool.devices.list(user.username)

    def get_device(self, access_token: str, device_key: str) -> Device:
        pool, user = self._user_for_access_token(access_token)
        return pool.devices.get(user.username, device_key)

    def forget_device(self, access_token: str, device_key: str) -> None:
        pool, user = self._user_for_access_token(access_token)
        pool.devices.forget(user.username, device_key)

    def admin_list_devices(self, user_pool_id: str, username: str) -> list[Device]:
        pool = self.describe_user_pool(user_pool_id)
        return pool.devices.list(self.admin_get_user(user_pool_id, username).username)

    def admin_forget_device(self, user_pool_id: str, username: str, device_key: str) -> None:
        pool = self.describe_user_pool(user_pool_id)
        pool.devices.forget(self.admin_get_user(user_pool_id, username).username, device_key)
