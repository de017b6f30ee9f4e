"""Remembered devices: confirm, remember, list, forget, and sign in with one (DEVICE_SRP_AUTH, no MFA).

With a pool ``DeviceConfiguration`` (``create_teaching_pool(..., remember_devices="always")``) a sign-in on a new
device returns ``Tokens.new_device``. :func:`confirm_device` sends ConfirmDevice with an SRP verifier made by
pycognito's ``generate_hash_device`` (the device password stays in :class:`RememberedDevice`) and, when the pool
remembers only on the user's prompt, UpdateDeviceStatus. ``sign_in(..., device=device)`` then answers
DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER through ``lab.client`` with pycognito's SRP math, and a remembered
device skips the MFA challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pycognito.aws_srp import AWSSRP, generate_hash_device

from ._masked import MaskedRepr, secret
from .auth import Challenge, SignInResult, Tokens, respond_call, to_result, with_secret_hash
from .pool import TeachingPool

if TYPE_CHECKING:
    from ..connect import Lab

DEFAULT_DEVICE_NAME = "trainee-laptop"


@dataclass(frozen=True, repr=False)
class RememberedDevice(MaskedRepr):
    """A device confirmed with Cognito: its key, group key and the random password only it knows."""

    device_key: str
    device_group_key: str
    device_password: str = secret()
    username: str = ""
    name: str | None = None
    remembered: bool = True


@dataclass(frozen=True)
class DeviceInfo:
    """One entry of ListDevices."""

    device_key: str
    name: str | None
    remembered: bool
    last_authenticated: datetime | None
    attributes: dict[str, str]


def _access_token(tokens_or_access_token: Tokens | str) -> str:
    given = tokens_or_access_token
    token = given.access_token if isinstance(given, Tokens) else given
    if not token:
        raise ValueError("access_token: empty; sign in first and pass the Tokens (or tokens.access_token).")
    return token


def _key(device: RememberedDevice | DeviceInfo | str) -> str:
    return device if isinstance(device, str) else device.device_key


def confirm_device(
    lab: Lab, tokens: Tokens, *, name: str = DEFAULT_DEVICE_NAME, remember: bool = True
) -> RememberedDevice:
    """ConfirmDevice for ``tokens.new_device`` (+ UpdateDeviceStatus "remembered" if Cognito asks the user).

    ``remember=False`` on a pool that remembers on the user's prompt leaves the device confirmed but not
    remembered (it is then tracked, and MFA is still asked).
    """
    if not tokens.new_device:
        raise ValueError(
            "tokens: no NewDeviceMetadata; the pool does not track devices (create it with remember_devices=...) "
            "or this sign-in already used a known device."
        )
    key, group = tokens.new_device["DeviceKey"], tokens.new_device["DeviceGroupKey"]
    password, verifier = generate_hash_device(group, key)
    answer = lab.client.confirm_device(
        AccessToken=tokens.access_token, DeviceKey=key, DeviceSecretVerifierConfig=verifier, DeviceName=name
    )
    remembered = True
    if answer.get("UserConfirmationNecessary"):
        remembered = remember
        if remember:
            lab.client.update_device_status(
                AccessToken=tokens.access_token, DeviceKey=key, DeviceRememberedStatus="remembered"
            )
    return RememberedDevice(
        device_key=key, device_group_key=group, device_password=password, username=tokens.username or "",
        name=name, remembered=remembered,
    )


def remember_device(
    lab: Lab, tokens_or_access_token: Tokens | str, device: RememberedDevice | str, remembered: bool = True
) -> None:
    """UpdateDeviceStatus: ``remembered`` or ``not_remembered``."""
    lab.client.update_device_status(
        AccessToken=_access_token(tokens_or_access_token),
        DeviceKey=_key(device),
        DeviceRememberedStatus="remembered" if remembered else "not_remembered",
    )


def list_devices(lab: Lab, tokens_or_access_token: Tokens | str) -> list[DeviceInfo]:
    """ListDevices: the signed-in user's tracked devices."""
    answer = lab.client.list_devices(AccessToken=_access_token(tokens_or_access_token), Limit=60)
    found = []
    for d in answer.get("Devices", []):
        attrs = {a["Name"]: a["Value"] for a in d.get("DeviceAttributes", [])}
        found.append(
            DeviceInfo(
                device_key=d["DeviceKey"],
                name=attrs.get("device_name"),
                remembered=attrs.get("dev:device_remembered_status") == "remembered",
                last_authenticated=d.get("DeviceLastAuthenticatedDate"),
                attributes=attrs,
            )
        )
    return found


def forget_device(lab: Lab, tokens_or_access_token: Tokens | str, device: RememberedDevice | DeviceInfo | str) -> None:
    """ForgetDevice: the next sign-in on it is a new device again (MFA asked)."""
    lab.client.forget_device(AccessToken=_access_token(tokens_or_access_token), DeviceKey=_key(device))


def _srp(pool: TeachingPool, username: str, device: RememberedDevice, lab: Lab) -> AWSSRP:
    return AWSSRP(
        username, "", pool.pool_id, pool.client_id, client=lab.client, client_secret=pool.client_secret,
        device_key=device.device_key, device_group_key=device.device_group_key,
        device_password=device.device_password,
    )


def answer_device_challenge(
    lab: Lab, pool: TeachingPool, challenge: Challenge, device: RememberedDevice | None = None
) -> SignInResult:
    """Answer DEVICE_SRP_AUTH (SRP_A) and the DEVICE_PASSWORD_VERIFIER that follows, with pycognito's math."""
    device = device or challenge.device
    if challenge.name != "DEVICE_SRP_AUTH":
        raise ValueError(f"challenge: {challenge.name} is not DEVICE_SRP_AUTH.")
    if device is None:
        raise ValueError("device: DEVICE_SRP_AUTH needs the RememberedDevice that confirm_device() returned.")
    srp = _srp(pool, challenge.username, device, lab)
    params: dict[str, Any] = srp.get_auth_params()
    params.pop("SECRET_HASH", None)
    first = respond_call(
        lab, pool, "DEVICE_SRP_AUTH", challenge.session,
        with_secret_hash(pool, challenge.username, {
            "USERNAME": challenge.username, "DEVICE_KEY": device.device_key, "SRP_A": params["SRP_A"],
        }),
        challenge.api,
    )
    if first.get("ChallengeName") != "DEVICE_PASSWORD_VERIFIER":
        return to_result(lab, first, username=challenge.username, api=challenge.api, device=device, pool=pool)
    answer = srp.process_device_challenge(first["ChallengeParameters"])
    final = respond_call(lab, pool, "DEVICE_PASSWORD_VERIFIER", first.get("Session"), answer, challenge.api)
    return to_result(lab, final, username=challenge.username, api=challenge.api, device=device, pool=pool)
