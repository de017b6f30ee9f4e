"""Sandbox rules, black box over HTTP: SetUserMFAPreference / AdminSetUserMFAPreference and what GetUser shows."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import access_token, code, enrol_totp, make_pool, make_user, sign_in

TOTP_ON = {"Enabled": True, "PreferredMfa": True}


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _verified_only(cognito, sandbox, pool, username):
    """Associate and verify, but don't set a preference. Returns the access token."""
    token = access_token(cognito, pool, username)
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    cognito.verify_software_token(AccessToken=token, UserCode=code(secret, sandbox))
    return token


def test_enabling_totp_before_any_token_is_refused(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    token = access_token(cognito, pool, username)
    with pytest.raises(ClientError) as info:
        cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings=TOTP_ON)
    assert _error(info) == ("InvalidParameterException", "User has not set up software token mfa")
    with pytest.raises(ClientError) as info:
        cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SoftwareTokenMfaSettings=TOTP_ON)
    assert _error(info) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    )


def test_enabling_totp_associated_but_not_verified_is_refused(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    cognito.associate_software_token(AccessToken=token)
    with pytest.raises(ClientError) as info:
        cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings=TOTP_ON)
    assert _error(info)[0] == "InvalidParameterException"


def test_verify_alone_does_not_enable_totp_the_preference_does(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    token = _verified_only(cognito, sandbox, pool, username)
    user = cognito.get_user(AccessToken=token)
    assert "SOFTWARE_TOKEN_MFA" not in (user.get("UserMFASettingList") or [])
    assert "AuthenticationResult" in sign_in(cognito, pool, username)  # OPTIONAL, no factor enabled: no MFA
    cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings=TOTP_ON)
    user = cognito.get_user(AccessToken=token)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    admin = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    assert admin["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert admin["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert sign_in(cognito, pool, username)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_admin_variant_enables_after_verify(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    _verified_only(cognito, sandbox, pool, username)
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SoftwareTokenMfaSettings=TOTP_ON)
    admin = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    assert admin["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert admin["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_enabled_but_not_preferred(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    enrol_totp(cognito, sandbox, pool, username, prefer=False)
    admin = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    assert admin["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert not admin.get("PreferredMfaSetting")
    # The only factor: challenged for it even without a preference.
    assert sign_in(cognito, pool, username)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_at_most_one_preferred_factor(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL", sms=True)
    username = make_user(cognito, pool, phone="+15555550100")
    _, token = enrol_totp(cognito, sandbox, pool, username)
    with pytest.raises(ClientError) as info:
        cognito.set_user_mfa_preference(
            AccessToken=token,
            SoftwareTokenMfaSettings=TOTP_ON,
            SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    assert _error(info)[0] == "InvalidParameterException"
    # Preferring SMS moves the preference: TOTP stays enabled, not preferred.
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.id, Username=username, SMSMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    admin = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    assert admin["PreferredMfaSetting"] == "SMS_MFA"
    assert sorted(admin["UserMFASettingList"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    assert sign_in(cognito, pool, username)["ChallengeName"] == "SMS_MFA"


def test_disabling_totp_in_optional_pool_removes_the_challenge(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    _, token = enrol_totp(cognito, sandbox, pool, username)
    cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False})
    admin = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    assert "SOFTWARE_TOKEN_MFA" not in (admin.get("UserMFASettingList") or [])
    assert not admin.get("PreferredMfaSetting")
    assert "AuthenticationResult" in sign_in(cognito, pool, username)


def test_cannot_turn_totp_off_when_pool_requires_mfa(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    _, token = enrol_totp(cognito, sandbox, pool, username)
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    with pytest.raises(ClientError) as info:
        cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False})
    assert _error(info)[0] == "InvalidParameterException"
    assert cognito.admin_get_user(UserPoolId=pool.id, Username=username)["UserMFASettingList"] == [
        "SOFTWARE_TOKEN_MFA"
    ]


def test_sms_needs_a_phone_number(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL", sms=True)
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        cognito.admin_set_user_mfa_preference(
            UserPoolId=pool.id, Username=username, SMSMfaSettings={"Enabled": True}
        )
    assert _error(info)[0] == "InvalidParameterException"


# ---------------------------------------------------------------- AdminDeleteSoftwareToken (the lost-phone reset)
@pytest.fixture()
def admin_client(sandbox):
    """A client from the kit's service model, which knows AdminDeleteSoftwareToken."""
    from cognito_mfa_kit.servicemodel import botocore_session

    return botocore_session().create_client(
        "cognito-idp", endpoint_url=sandbox.endpoint_url, region_name="us-east-1",
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
    )


def _setup_via_mfa_setup(cognito, sandbox, pool, username) -> str:
    associated = cognito.associate_software_token(Session=sign_in(cognito, pool, username)["Session"])
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=code(associated["SecretCode"],
                                                                                          sandbox))
    cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.id, ClientId=pool.client_id, ChallengeName="MFA_SETUP", Session=verified["Session"],
        ChallengeResponses={"USERNAME": username},
    )
    return associated["SecretCode"]


def test_admin_delete_software_token_resets_to_mfa_setup_when_pool_on(cognito, sandbox, admin_client):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    _setup_via_mfa_setup(cognito, sandbox, pool, username)
    assert sign_in(cognito, pool, username)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert admin_client.admin_delete_software_token(UserPoolId=pool.id, Username=username)["ResponseMetadata"][
        "HTTPStatusCode"] == 200
    admin = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    assert "SOFTWARE_TOKEN_MFA" not in (admin.get("UserMFASettingList") or [])
    assert not admin.get("PreferredMfaSetting")
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "MFA_SETUP"
    # ... and the user can enrol a new phone.
    associated = cognito.associate_software_token(Session=answer["Session"])
    sandbox.advance_clock(30)
    assert cognito.verify_software_token(Session=associated["Session"], UserCode=code(associated["SecretCode"],
                                                                                      sandbox))["Status"] == "SUCCESS"


def test_admin_delete_software_token_in_optional_pool_signs_in_without_mfa(cognito, sandbox, admin_client):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    _, token = enrol_totp(cognito, sandbox, pool, username)
    admin_client.admin_delete_software_token(UserPoolId=pool.id, Username=username)
    assert "AuthenticationResult" in sign_in(cognito, pool, username)
    # Re-enabling needs a new verified token.
    with pytest.raises(ClientError) as info:
        cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings=TOTP_ON)
    assert _error(info)[0] == "InvalidParameterException"


def test_admin_delete_software_token_falls_back_to_sms(cognito, sandbox, admin_client):
    pool = make_pool(cognito, mfa="OPTIONAL", sms=True)
    username = make_user(cognito, pool, phone="+15555550177")
    enrol_totp(cognito, sandbox, pool, username)
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SMSMfaSettings={"Enabled": True})
    admin_client.admin_delete_software_token(UserPoolId=pool.id, Username=username)
    assert sign_in(cognito, pool, username)["ChallengeName"] == "SMS_MFA"


def test_admin_delete_software_token_unknown_user(cognito, admin_client):
    pool = make_pool(cognito)
    with pytest.raises(ClientError) as info:
        admin_client.admin_delete_software_token(UserPoolId=pool.id, Username="nobody")
    assert _error(info)[0] == "UserNotFoundException"
