"""Sandbox rules, black box over HTTP: AssociateSoftwareToken and VerifySoftwareToken (TOTP enrolment)."""

from __future__ import annotations

import re

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from sandbox_helpers import (
    PASSWORD,
    SNS,
    access_token,
    answer_totp,
    code,
    enrol_totp,
    fresh_code,
    make_pool,
    make_user,
    sign_in,
)

BASE32_52 = re.compile(r"^[A-Z2-7]{52}$")


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


@pytest.fixture()
def unvalidated(sandbox):
    """A boto3 client that sends what it is given (no client-side parameter validation)."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=sandbox.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(parameter_validation=False),
    )


def _setup_session(cognito, pool, username):
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "MFA_SETUP"
    return answer["Session"]


# ---------------------------------------------------------------- AssociateSoftwareToken
def test_associate_with_access_token_gives_a_fresh_52_char_base32_secret_and_no_session(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    first = cognito.associate_software_token(AccessToken=token)
    second = cognito.associate_software_token(AccessToken=token)
    assert BASE32_52.match(first["SecretCode"]) and BASE32_52.match(second["SecretCode"])
    assert first["SecretCode"] != second["SecretCode"]
    assert "Session" not in first


def test_associate_with_session_returns_a_new_session(cognito):
    pool = make_pool(cognito, mfa="ON")
    session = _setup_session(cognito, pool, make_user(cognito, pool))
    answer = cognito.associate_software_token(Session=session)
    assert BASE32_52.match(answer["SecretCode"])
    assert answer["Session"] and answer["Session"] != session


def test_associate_refused_when_pool_has_no_totp(cognito):
    pool = make_pool(cognito, mfa="OFF", totp=False)
    token = access_token(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        cognito.associate_software_token(AccessToken=token)
    assert _error(info) == (
        "SoftwareTokenMFANotFoundException",
        "Software Token MFA has not been enabled by the userPool",
    )


def test_associate_with_an_sms_challenge_session_is_an_invalid_session(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON", sms=True)
    username = make_user(cognito, pool, phone="+15555550123")
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "SMS_MFA"
    with pytest.raises(ClientError) as info:
        cognito.associate_software_token(Session=answer["Session"])
    assert _error(info) == ("NotAuthorizedException", "Invalid session for the user.")


def test_associate_with_an_invalid_access_token(cognito):
    with pytest.raises(ClientError) as info:
        cognito.associate_software_token(AccessToken="not-a-token")
    assert _error(info) == ("NotAuthorizedException", "Invalid Access Token")


def test_new_secret_replaces_old_only_once_verified(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    old, token = enrol_totp(cognito, sandbox, pool, username)
    new = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    assert new != old
    # Not verified yet: the old token still signs in, the new one doesn't.
    challenge = sign_in(cognito, pool, username)
    user_code = fresh_code(new, sandbox)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, challenge["Session"], user_code)
    assert _error(info)[0] == "CodeMismatchException"
    assert "AuthenticationResult" in answer_totp(cognito, pool, username, challenge["Session"], code(old, sandbox))
    # Verified: now the new one is the token, the old one no longer works.
    assert cognito.verify_software_token(AccessToken=token, UserCode=fresh_code(new, sandbox))["Status"] == "SUCCESS"
    challenge = sign_in(cognito, pool, username)
    sandbox.advance_clock(30)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, challenge["Session"], code(old, sandbox))
    assert _error(info)[0] == "CodeMismatchException"
    assert "AuthenticationResult" in answer_totp(cognito, pool, username, challenge["Session"], code(new, sandbox))


def test_new_token_can_be_verified_in_the_step_the_old_one_was_just_used(cognito, sandbox):
    """Code reuse is about one token's codes: a new token's first code is not 'already used'."""
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    old, _ = enrol_totp(cognito, sandbox, pool, username)
    challenge = sign_in(cognito, pool, username)
    result = answer_totp(cognito, pool, username, challenge["Session"], fresh_code(old, sandbox))
    token = result["AuthenticationResult"]["AccessToken"]
    new = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    assert cognito.verify_software_token(AccessToken=token, UserCode=code(new, sandbox))["Status"] == "SUCCESS"


# ---------------------------------------------------------------- VerifySoftwareToken
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_verify_accepts_current_step_and_one_either_side(cognito, sandbox, offset):
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    assert cognito.verify_software_token(AccessToken=token, UserCode=code(secret, sandbox, offset))["Status"] == (
        "SUCCESS"
    )


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_verify_refuses_codes_two_steps_away(cognito, sandbox, offset):
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    user_code = code(secret, sandbox, offset)
    if user_code in {code(secret, sandbox, o) for o in (-1, 0, 1)}:
        pytest.skip("two steps produced the same 6 digits (1 in 10^6)")
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(AccessToken=token, UserCode=user_code)
    assert _error(info) == ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")


def test_verify_uses_the_sandbox_clock(cognito, sandbox):
    """A code read before moving the clock 2 minutes on is no longer accepted."""
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    stale = code(secret, sandbox)
    sandbox.advance_clock(120)
    if stale in {code(secret, sandbox, o) for o in (-1, 0, 1)}:
        pytest.skip("steps collided")
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(AccessToken=token, UserCode=stale)
    assert _error(info)[0] == "EnableSoftwareTokenMFAException"
    assert cognito.verify_software_token(AccessToken=token, UserCode=code(secret, sandbox))["Status"] == "SUCCESS"


def test_wrong_code_with_access_token_then_right_code(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    right = code(secret, sandbox)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(AccessToken=token, UserCode=wrong)
    assert _error(info) == ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
    verified = cognito.verify_software_token(AccessToken=token, UserCode=right)
    assert verified["Status"] == "SUCCESS"
    assert "Session" not in verified  # the access-token path has no session


def test_wrong_code_with_session_then_same_session_retries(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    associated = cognito.associate_software_token(Session=_setup_session(cognito, pool, username))
    right = code(associated["SecretCode"], sandbox)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(Session=associated["Session"], UserCode=wrong)
    assert _error(info)[0] == "EnableSoftwareTokenMFAException"
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=right)
    assert verified["Status"] == "SUCCESS" and verified["Session"]


def test_non_digit_code_is_invalid_parameter(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(AccessToken=token, UserCode="abcdef")
    assert _error(info) == (
        "InvalidParameterException",
        "1 validation error detected: Value 'abcdef' at 'userCode' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [0-9]+",
    )
    # The refusal costs nothing: the right code still works.
    assert cognito.verify_software_token(AccessToken=token, UserCode=code(secret, sandbox))["Status"] == "SUCCESS"


def test_short_non_digit_code_reports_both_constraints_as_cognito_does(unvalidated, cognito):
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    cognito.associate_software_token(AccessToken=token)
    with pytest.raises(ClientError) as info:
        unvalidated.verify_software_token(AccessToken=token, UserCode="Aaaa")
    assert _error(info) == (
        "InvalidParameterException",
        "2 validation errors detected: Value 'Aaaa' at 'userCode' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [0-9]+; Value 'Aaaa' at 'userCode' failed to satisfy constraint: "
        "Member must have length greater than or equal to 6",
    )


def test_non_digit_code_with_session_then_retry(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    associated = cognito.associate_software_token(Session=_setup_session(cognito, pool, make_user(cognito, pool)))
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(Session=associated["Session"], UserCode="12345x")
    assert _error(info)[0] == "InvalidParameterException"
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=code(associated["SecretCode"],
                                                                                          sandbox))
    assert verified["Status"] == "SUCCESS"


def test_verify_without_associate(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL")
    token = access_token(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(AccessToken=token, UserCode="123456")
    assert _error(info)[0] == "SoftwareTokenMFANotFoundException"


def test_access_token_and_session_together_refused(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    associated = cognito.associate_software_token(Session=_setup_session(cognito, pool, username))
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(AccessToken="abc.def.ghi", Session=associated["Session"], UserCode="123456")
    assert _error(info)[0] == "InvalidParameterException"


def test_friendly_device_name_is_stored_and_shown_at_sign_in(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    enrol_totp(cognito, sandbox, pool, username, name="BobPhone")
    challenge = sign_in(cognito, pool, username)
    assert challenge["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "BobPhone"


def test_session_from_verify_satisfies_mfa_setup(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    associated = cognito.associate_software_token(Session=_setup_session(cognito, pool, username))
    verified = cognito.verify_software_token(
        Session=associated["Session"], UserCode=code(associated["SecretCode"], sandbox), FriendlyDeviceName="Pixel"
    )
    result = cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": username},
    )
    assert set(result["AuthenticationResult"]) >= {"AccessToken", "IdToken", "RefreshToken"}
    assert result["ChallengeParameters"] == {}
    # ... and the name given at verify comes back with the next challenge.
    again = sign_in(cognito, pool, username, PASSWORD)
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert again["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "Pixel"


def test_associated_but_unverified_token_changes_nothing_at_sign_in(cognito, sandbox):
    """"If you don't verify the software token and your user pool doesn't require MFA, the user can then authenticate
    with user name and password credentials alone. If your user pool requires TOTP MFA, [...] MFA_SETUP [...] each
    time your user signs in." (AssociateSoftwareToken docs)"""
    optional = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, optional)
    cognito.associate_software_token(AccessToken=access_token(cognito, optional, username))
    assert "AuthenticationResult" in sign_in(cognito, optional, username)
    required = make_pool(cognito, mfa="ON")
    username = make_user(cognito, required)
    for _ in range(2):
        setup = sign_in(cognito, required, username)
        assert setup["ChallengeName"] == "MFA_SETUP"
        cognito.associate_software_token(Session=setup["Session"])


def test_verified_token_keeps_working_after_the_pool_turns_totp_off(cognito, sandbox):
    """"users who previously associated and verified a TOTP token can continue to use it for MFA" (reference §2)."""
    pool = make_pool(cognito, mfa="OPTIONAL", sms=True)
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.id, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": False},
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": SNS},
    )
    challenge = sign_in(cognito, pool, username)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))[
        "AuthenticationResult"]
