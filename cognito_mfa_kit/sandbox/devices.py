"""Device tracking: NewDeviceMetadata, ConfirmDevice, remembered status, forget.

Cognito facts (reference §5): with a pool ``DeviceConfiguration``, a successful sign-in on an unknown device returns
``NewDeviceMetadata`` (DeviceKey ``<region>_<uuid>``, DeviceGroupKey); ``ConfirmDevice`` stores the device's SRP
verifier and answers ``UserConfirmationNecessary`` (true when devices are remembered only on the user's prompt);
``UpdateDeviceStatus`` sets ``remembered``/``not_remembered``; a remembered device skips MFA through
``DEVICE_SRP_AUTH``; an unknown device key → ``ResourceNotFoundException: Device does not exist.``
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError

from .tracking import TrackedDict

NOT_FOUND = "Device does not exist."


@dataclass
class Device:
    key: str
    group_key: str
    username: str
    confirmed: bool = False
    remembered: bool = False
    name: str | None = None
    verifier_hex: str | None = None
    salt_hex: str | None = None
    created: float = 0.0  # set by the pool's DeviceStore, on the pool's clock
    last_authenticated: float = 0.0

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        on_change = self.__dict__.get("_on_change")
        if on_change is not None:
            on_change(self.key)

    def to_api(self) -> dict[str, Any]:
        """The DeviceType shape of the API."""
        attributes = [{"Name": "device_status", "Value": "valid"}]
        if self.name:
            attributes.append({"Name": "device_name", "Value": self.name})
        attributes.append(
            {
                "Name": "dev:device_remembered_status",
                "Value": "remembered" if self.remembered else "not_remembered",
            }
        )
        return {
            "DeviceKey": self.key,
            "DeviceAttributes": attributes,
            "DeviceCreateDate": self.created,
            "DeviceLastModifiedDate": self.last_authenticated,
            "DeviceLastAuthenticatedDate": self.last_authenticated,
        }


def tracking_enabled(device_configuration: dict[str, Any] | None) -> bool:
    """Any DeviceConfiguration value turns device tracking on (reference §5)."""
    return bool(device_configuration)


def new_device(region: str, username: str, group_key: str | None) -> Device:
    """An unconfirmed device, as handed out in NewDeviceMetadata."""
    alphabet = string.ascii_letters + string.digits
    group = group_key or "-" + "".join(secrets.choice(alphabet) for _ in range(8))
    return Device(key=f"{region}_{uuid.uuid4()}", group_key=group, username=username)


class DeviceStore:
    """Devices of one user pool, by key; ``now()`` tells the pool's time, ``on_change(key)`` hears of every change
    to a device (added, changed, forgotten)."""

    def __init__(self, now: Callable[[], float], on_change: Callable[[str], None] | None = None) -> None:
        self._now = now
        self._on_change = on_change or (lambda key: None)  # noqa: ARG005 - TrackedDict's on_change(key, value, old=...)
        self.devices: dict[str, Device] = TrackedDict(lambda key, value, old=None: self._on_change(key))  # noqa: ARG005 - TrackedDict's on_change(key, value, old=...)

    def add(self, device: Device) -> Device:
        if not device.created:
            device.created = device.last_authenticated = self._now()
        object.__setattr__(device, "_on_change", self._on_change)
        self.devices[device.key] = device
        return device

    def group_key_of(self, username: str) -> str | None:
        """Cognito gives all of a user's devices one group key."""
        return next((d.group_key for d in self.devices.values() if d.username == username), None)

    def get(self, username: str, key: str | None) -> Device:
        device = self.devices.get(key or "")
        if device is None or device.username != username:
            raise ResourceNotFoundError(NOT_FOUND)
        return device

    def confirm(
        self,
        username: str,
        key: str,
        *,
        verifier_hex: str,
        salt_hex: str,
        name: str | None,
        user_prompt: bool,
    ) -> bool:
        """Store the device's verifier; returns UserConfirmationNecessary."""
        device = self.get(username, key)
        device.verifier_hex, device.salt_hex, device.name = verifier_hex, salt_hex, name
        device.confirmed = True
        # Remembered at once unless the pool remembers devices only on the user's prompt.
        device.remembered = not user_prompt
        return user_prompt

    def set_status(self, username: str, key: str, status: str | None) -> None:
        if status not in ("remembered", "not_remembered"):
            raise InvalidParameterException(
                "1 validation error detected: Value at 'deviceRememberedStatus' failed to satisfy "
                "constraint: Member must satisfy enum value set: [remembered, not_remembered]"
            )
        self.get(username, key).remembered = status == "remembered"

    def list(self, username: str) -> list[Device]:
        return [d for d in self.devices.values() if d.username == username and d.confirmed]

    def forget(self, username: str, key: str) -> None:
        self.get(username, key)
        del self.devices[key]

    def forget_user(self, username: str) -> None:
        for key in [k for k, d in self.devices.items() if d.username == username]:
            del self.devices[key]
