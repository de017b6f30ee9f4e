"""Sandbox rules, black box over HTTP: device tracking, ConfirmDevice, remembered devices skipping MFA."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP, generate_hash_device
from sandbox_helpers import PASSWORD, answer_totp, enrol_totp, fresh_code, make_pool, make_user, sign_in

DEVICE_KEY = re.compile(r"^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ALWAYS = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}
OPT_IN = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
NO_MFA_SKIP = {"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False}


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _attributes(device: dict) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


def _confirm(cognito, result: dict, name: str = "laptop") -> tuple[str, str, str, bool]:
    """ConfirmDevice as an SDK does it. Returns (key, group key, device password, UserConfirmationNecessary)."""
    auth = result["AuthenticationResult"]
    key = auth["NewDeviceMetadata"]["DeviceKey"]
    group = auth["NewDeviceMetadata"]["DeviceGroupKey"]
    password, verifier_config = generate_hash_device(group, key)
    answer = cognito.confirm_device(
        AccessToken=auth["AccessToken"], DeviceKey=key, DeviceSecretVerifierConfig=verifier_config, DeviceName=name
    )
    return key, group, password, answer["UserConfirmationNecessary"]


def _totp_user_signed_in(cognito, sandbox, device_configuration):
    pool = make_pool(cognito, mfa="OPTIONAL", device_configuration=device_configuration)
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    challenge = sign_in(cognito, pool, username)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    result = answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))
    return pool, username, secret, result


def _device_srp(cognito, pool, username, key, group, password) -> AWSSRP:
    return AWSSRP(username=username, password=PASSWORD, pool_id=pool.id, client_id=pool.client_id, client=cognito,
                  device_key=key, device_group_key=group, device_password=password)


def test_sign_in_returns_new_device_metadata_only_with_device_configuration(cognito):
    tracked = make_pool(cognito, device_configuration=ALWAYS)
    result = sign_in(cognito, tracked, make_user(cognito, tracked))
    metadata = result["AuthenticationResult"]["NewDeviceMetadata"]
    assert DEVICE_KEY.match(metadata["DeviceKey"])
    assert metadata["DeviceGroupKey"]
    untracked = make_pool(cognito)
    assert "NewDeviceMetadata" not in sign_in(cognito, untracked, make_user(cognito, untracked))["AuthenticationResult"]


def test_new_device_metadata_after_the_mfa_answer(cognito, sandbox):
    _, _, _, result = _totp_user_signed_in(cognito, sandbox, ALWAYS)
    assert DEVICE_KEY.match(result["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"])


def test_one_group_key_per_user(cognito):
    pool = make_pool(cognito, device_configuration=ALWAYS)
    username = make_user(cognito, pool)
    first = sign_in(cognito, pool, username)["AuthenticationResult"]["NewDeviceMetadata"]
    second = sign_in(cognito, pool, username)["AuthenticationResult"]["NewDeviceMetadata"]
    assert first["DeviceKey"] != second["DeviceKey"]
    assert first["DeviceGroupKey"] == second["DeviceGroupKey"]


def test_confirm_list_update_forget(cognito):
    pool = make_pool(cognito, device_configuration=OPT_IN)
    username = make_user(cognito, pool)
    result = sign_in(cognito, pool, username)
    token = result["AuthenticationResult"]["AccessToken"]
    key, _, _, necessary = _confirm(cognito, result, name="work-laptop")
    assert necessary is True  # remembered only on the user's prompt
    devices = cognito.list_devices(AccessToken=token)["Devices"]
    assert [d["DeviceKey"] for d in devices] == [key]
    attributes = _attributes(devices[0])
    assert attributes["device_name"] == "work-laptop"
    assert attributes["dev:device_remembered_status"] == "not_remembered"
    cognito.update_device_status(AccessToken=token, DeviceKey=key, DeviceRememberedStatus="remembered")
    assert _attributes(cognito.get_device(AccessToken=token, DeviceKey=key)["Device"])[
        "dev:device_remembered_status"] == "remembered"
    assert [d["DeviceKey"] for d in cognito.admin_list_devices(UserPoolId=pool.id, Username=username)["Devices"]] == [
        key]
    cognito.forget_device(AccessToken=token, DeviceKey=key)
    assert cognito.list_devices(AccessToken=token)["Devices"] == []
    with pytest.raises(ClientError) as info:
        cognito.get_device(AccessToken=token, DeviceKey=key)
    assert _error(info) == ("ResourceNotFoundException", "Device does not exist.")


def test_confirm_device_without_user_prompt_remembers_at_once(cognito):
    pool = make_pool(cognito, device_configuration=ALWAYS)
    result = sign_in(cognito, pool, make_user(cognito, pool))
    key, _, _, necessary = _confirm(cognito, result)
    assert necessary is False
    device = cognito.get_device(AccessToken=result["AuthenticationResult"]["AccessToken"], DeviceKey=key)["Device"]
    assert _attributes(device)["dev:device_remembered_status"] == "remembered"


def test_update_device_status_refuses_an_unknown_status(cognito):
    pool = make_pool(cognito, device_configuration=ALWAYS)
    result = sign_in(cognito, pool, make_user(cognito, pool))
    key, *_ = _confirm(cognito, result)
    with pytest.raises(ClientError) as info:
        cognito.update_device_status(AccessToken=result["AuthenticationResult"]["AccessToken"], DeviceKey=key,
                                     DeviceRememberedStatus="forever")
    assert _error(info)[0] == "InvalidParameterException"


def test_admin_forget_device(cognito):
    pool = make_pool(cognito, device_configuration=ALWAYS)
    username = make_user(cognito, pool)
    result = sign_in(cognito, pool, username)
    key, *_ = _confirm(cognito, result)
    cognito.admin_forget_device(UserPoolId=pool.id, Username=username, DeviceKey=key)
    assert cognito.admin_list_devices(UserPoolId=pool.id, Username=username)["Devices"] == []


def test_remembered_device_skips_mfa_with_device_srp(cognito, sandbox):
    pool, username, _, result = _totp_user_signed_in(cognito, sandbox, ALWAYS)
    key, group, password, _ = _confirm(cognito, result)
    tokens = _device_srp(cognito, pool, username, key, group, password).authenticate_user()
    assert "ChallengeName" not in tokens
    assert cognito.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"] == username
    assert "NewDeviceMetadata" not in tokens["AuthenticationResult"]


def test_device_not_remembered_still_gets_mfa(cognito, sandbox):
    pool, username, secret, result = _totp_user_signed_in(cognito, sandbox, OPT_IN)
    key, group, password, necessary = _confirm(cognito, result)
    assert necessary is True  # and the user never said "remember"
    # pycognito returns whatever follows DEVICE_PASSWORD_VERIFIER as it is.
    challenge = _device_srp(cognito, pool, username, key, group, password).authenticate_user()
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    final = cognito.respond_to_auth_challenge(
        ClientId=pool.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": fresh_code(secret, sandbox),
                            "DEVICE_KEY": key},
    )
    assert final["AuthenticationResult"]["AccessToken"]
    assert "NewDeviceMetadata" not in final["AuthenticationResult"]  # a known device


def test_wrong_device_password_is_refused(cognito, sandbox):
    pool, username, _, result = _totp_user_signed_in(cognito, sandbox, ALWAYS)
    key, group, _, _ = _confirm(cognito, result)
    with pytest.raises(ClientError) as info:
        _device_srp(cognito, pool, username, key, group, "d3Jvbmc=").authenticate_user()
    assert _error(info)[0] == "NotAuthorizedException"


def test_forgotten_device_key_at_sign_in(cognito, sandbox):
    pool, username, _, result = _totp_user_signed_in(cognito, sandbox, ALWAYS)
    key, group, password, _ = _confirm(cognito, result)
    cognito.forget_device(AccessToken=result["AuthenticationResult"]["AccessToken"], DeviceKey=key)
    with pytest.raises(ClientError) as info:
        _device_srp(cognito, pool, username, key, group, password).authenticate_user()
    assert _error(info) == ("ResourceNotFoundException", "Device does not exist.")


def test_remembered_device_skips_mfa_only_with_challenge_required_on_new_device(cognito, sandbox):
    """DeviceConfigurationType: only when ChallengeRequiredOnNewDevice is true does a remembered device replace MFA."""
    pool, username, secret, result = _totp_user_signed_in(cognito, sandbox, NO_MFA_SKIP)
    key, group, password, necessary = _confirm(cognito, result)
    assert necessary is False  # remembered at once
    challenge = _device_srp(cognito, pool, username, key, group, password).authenticate_user()
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    final = answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))
    assert final["AuthenticationResult"]["AccessToken"]
