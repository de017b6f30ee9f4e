"""Sandbox rules, black box over HTTP: which challenge a sign-in gets, and how challenges are answered."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import (
    PASSWORD,
    answer_totp,
    code,
    enrol_totp,
    fresh_code,
    make_pool,
    make_user,
    sign_in,
    sms_codes,
)


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _respond(cognito, pool, name, session, **responses):
    return cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.id, ClientId=pool.client_id, ChallengeName=name, Session=session, ChallengeResponses=responses
    )


def _sms_and_totp_user(cognito, sandbox, *, prefer=None):
    """A user with SMS and TOTP both enabled in an OPTIONAL pool; ``prefer`` names the preferred one."""
    pool = make_pool(cognito, mfa="OPTIONAL", sms=True)
    username = make_user(cognito, pool, phone="+15555550199")
    secret, _ = enrol_totp(cognito, sandbox, pool, username, prefer=prefer == "SOFTWARE_TOKEN_MFA")
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.id,
        Username=username,
        SMSMfaSettings={"Enabled": True, "PreferredMfa": prefer == "SMS_MFA"},
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": prefer == "SOFTWARE_TOKEN_MFA"},
    )
    return pool, username, secret


# ---------------------------------------------------------------- which challenge
def test_pool_mfa_off_means_no_challenge_even_with_totp(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    enrol_totp(cognito, sandbox, pool, username)
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.id, MfaConfiguration="OFF", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    answer = sign_in(cognito, pool, username)
    assert "ChallengeName" not in answer
    assert answer["AuthenticationResult"]["AccessToken"]


def test_totp_enabled_gives_software_token_mfa_with_parameters(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username, name="MyAuthenticatorApp")
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert answer["ChallengeParameters"] == {"USER_ID_FOR_SRP": username, "FRIENDLY_DEVICE_NAME": "MyAuthenticatorApp"}
    assert "AuthenticationResult" not in answer
    result = answer_totp(cognito, pool, username, answer["Session"], fresh_code(secret, sandbox))
    assert result["AuthenticationResult"]["TokenType"] == "Bearer"


def test_initiate_auth_user_password_auth_gets_the_same_challenge(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    answer = cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username,
                                                                                  "PASSWORD": PASSWORD}
    )
    assert answer["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert answer["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    result = cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=answer["Session"],
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": fresh_code(secret, sandbox)},
    )
    assert result["AuthenticationResult"]["AccessToken"]


def test_two_factors_none_preferred_gives_select_mfa_type(cognito, sandbox):
    pool, username, secret = _sms_and_totp_user(cognito, sandbox)
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "SELECT_MFA_TYPE"
    choices = answer["ChallengeParameters"]["MFAS_CAN_CHOOSE"]
    assert choices == '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'  # a JSON string, compact as Cognito writes it
    chosen = _respond(cognito, pool, "SELECT_MFA_TYPE", answer["Session"], USERNAME=username,
                      ANSWER="SOFTWARE_TOKEN_MFA")
    assert chosen["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert chosen["Session"] != answer["Session"]
    result = answer_totp(cognito, pool, username, chosen["Session"], fresh_code(secret, sandbox))
    assert result["AuthenticationResult"]["AccessToken"]


def test_select_sms_then_the_code_from_the_sandbox_outbox(cognito, sandbox):
    pool, username, _ = _sms_and_totp_user(cognito, sandbox)
    answer = sign_in(cognito, pool, username)
    chosen = _respond(cognito, pool, "SELECT_MFA_TYPE", answer["Session"], USERNAME=username, ANSWER="SMS_MFA")
    assert chosen["ChallengeName"] == "SMS_MFA"
    assert chosen["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert chosen["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"].endswith("0199")
    sent = sms_codes(sandbox, username)[-1]
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "SMS_MFA", chosen["Session"], USERNAME=username)
    assert _error(info) == ("InvalidParameterException", "Missing required parameter SMS_MFA_CODE")
    wrong = f"{(int(sent) + 1) % 10**6:06d}"
    with pytest.raises(ClientError) as info:  # the session survived the incomplete answer
        _respond(cognito, pool, "SMS_MFA", chosen["Session"], USERNAME=username, SMS_MFA_CODE=wrong)
    assert _error(info) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    result = _respond(cognito, pool, "SMS_MFA", chosen["Session"], USERNAME=username, SMS_MFA_CODE=sent)
    assert result["AuthenticationResult"]["AccessToken"]


def test_select_an_answer_not_offered_is_refused(cognito, sandbox):
    pool, username, _ = _sms_and_totp_user(cognito, sandbox)
    answer = sign_in(cognito, pool, username)
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "SELECT_MFA_TYPE", answer["Session"], USERNAME=username, ANSWER="EMAIL_OTP")
    assert _error(info)[0] == "InvalidParameterException"


@pytest.mark.parametrize("prefer", ["SMS_MFA", "SOFTWARE_TOKEN_MFA"])
def test_preferred_factor_skips_the_choice(cognito, sandbox, prefer):
    pool, username, _ = _sms_and_totp_user(cognito, sandbox, prefer=prefer)
    assert sign_in(cognito, pool, username)["ChallengeName"] == prefer


def test_pool_on_and_no_factor_gives_mfa_setup(cognito):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "MFA_SETUP"
    assert answer["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA"]'
    assert json.loads(answer["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    assert answer["Session"]


def test_pool_on_with_sms_and_totp_no_phone_lists_both_to_set_up(cognito):
    pool = make_pool(cognito, mfa="ON", sms=True)
    answer = sign_in(cognito, pool, make_user(cognito, pool))
    assert answer["ChallengeName"] == "MFA_SETUP"
    assert answer["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'


def test_pool_on_with_sms_and_a_phone_gives_sms_mfa_directly(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON", sms=True)
    username = make_user(cognito, pool, phone="+15555550142")
    answer = sign_in(cognito, pool, username)
    assert answer["ChallengeName"] == "SMS_MFA"
    result = _respond(cognito, pool, "SMS_MFA", answer["Session"], USERNAME=username,
                      SMS_MFA_CODE=sms_codes(sandbox, username)[-1])
    assert result["AuthenticationResult"]["AccessToken"]


def test_pool_optional_and_no_factor_signs_in(cognito):
    pool = make_pool(cognito, mfa="OPTIONAL")
    assert "AuthenticationResult" in sign_in(cognito, pool, make_user(cognito, pool))


def test_refresh_never_asks_for_mfa(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    challenge = sign_in(cognito, pool, username)
    tokens = answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))
    refresh = tokens["AuthenticationResult"]["RefreshToken"]
    for call in (
        lambda: cognito.initiate_auth(
            ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh}
        ),
        lambda: cognito.admin_initiate_auth(
            UserPoolId=pool.id, ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        ),
    ):
        answer = call()
        assert "ChallengeName" not in answer
        assert answer["AuthenticationResult"]["AccessToken"] and answer["AuthenticationResult"]["IdToken"]
        assert "RefreshToken" not in answer["AuthenticationResult"]
        assert cognito.get_user(AccessToken=answer["AuthenticationResult"]["AccessToken"])["Username"] == username


def test_unknown_refresh_token(cognito):
    pool = make_pool(cognito)
    with pytest.raises(ClientError) as info:
        cognito.initiate_auth(
            ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": "nope"}
        )
    assert _error(info)[0] == "NotAuthorizedException"


def test_wrong_password(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        sign_in(cognito, pool, username, "Wrong-Password-1!")
    assert _error(info) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as info:
        cognito.initiate_auth(
            ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": "Wrong-Password-1!"},
        )
    assert _error(info) == ("NotAuthorizedException", "Incorrect username or password.")


# ---------------------------------------------------------------- answering SOFTWARE_TOKEN_MFA
def test_wrong_code_is_code_mismatch_and_the_session_may_retry(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    challenge = sign_in(cognito, pool, username)
    right = fresh_code(secret, sandbox)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, challenge["Session"], f"{(int(right) + 1) % 10**6:06d}")
    assert _error(info) == ("CodeMismatchException", "Invalid code received for user")
    assert answer_totp(cognito, pool, username, challenge["Session"], right)["AuthenticationResult"]


def test_code_used_at_verify_is_expired_at_sign_in(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)  # used code(secret) of this step
    challenge = sign_in(cognito, pool, username)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, challenge["Session"], code(secret, sandbox))
    assert _error(info) == ("ExpiredCodeException", "Your software token has already been used once.")
    # The next step's code works (the session survived the refusal).
    assert answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))[
        "AuthenticationResult"]


def test_code_used_at_one_sign_in_is_expired_at_the_next(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    user_code = fresh_code(secret, sandbox)
    first = sign_in(cognito, pool, username)
    answer_totp(cognito, pool, username, first["Session"], user_code)
    second = sign_in(cognito, pool, username)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, second["Session"], user_code)
    assert _error(info) == ("ExpiredCodeException", "Your software token has already been used once.")


def test_username_must_match_the_session(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    alice, bob = make_user(cognito, pool), make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, alice)
    challenge = sign_in(cognito, pool, alice)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, bob, challenge["Session"], fresh_code(secret, sandbox))
    assert _error(info)[0] == "NotAuthorizedException"


def test_missing_session(cognito):
    pool = make_pool(cognito)
    with pytest.raises(ClientError) as info:
        cognito.respond_to_auth_challenge(
            ClientId=pool.client_id, ChallengeName="SOFTWARE_TOKEN_MFA",
            ChallengeResponses={"USERNAME": "x", "SOFTWARE_TOKEN_MFA_CODE": "123456"},
        )
    assert _error(info) == ("InvalidParameterException", "Missing required parameter Session")


# ---------------------------------------------------------------- MFA_SETUP
def test_mfa_setup_answered_with_unverified_sessions_gives_no_tokens(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    setup = sign_in(cognito, pool, username)
    # The MFA_SETUP session itself.
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "MFA_SETUP", setup["Session"], USERNAME=username)
    assert _error(info)[0] == "NotAuthorizedException"
    # The session AssociateSoftwareToken returned (token associated, never verified).
    setup = sign_in(cognito, pool, username)
    associated = cognito.associate_software_token(Session=setup["Session"])
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "MFA_SETUP", associated["Session"], USERNAME=username)
    assert _error(info)[0] == "NotAuthorizedException"
    # Still no factor: the next sign-in asks for set-up again.
    assert sign_in(cognito, pool, username)["ChallengeName"] == "MFA_SETUP"


def test_after_mfa_setup_the_next_sign_in_is_challenged_for_totp(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    associated = cognito.associate_software_token(Session=sign_in(cognito, pool, username)["Session"])
    secret = associated["SecretCode"]
    verified = cognito.verify_software_token(Session=associated["Session"], UserCode=code(secret, sandbox))
    tokens = _respond(cognito, pool, "MFA_SETUP", verified["Session"], USERNAME=username)
    token = tokens["AuthenticationResult"]["AccessToken"]
    assert "SOFTWARE_TOKEN_MFA" in cognito.get_user(AccessToken=token)["UserMFASettingList"]
    again = sign_in(cognito, pool, username)
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert answer_totp(cognito, pool, username, again["Session"], fresh_code(secret, sandbox))["AuthenticationResult"]


def test_verify_then_sign_in_again_without_answering_mfa_setup(cognito, sandbox):
    """AWS's own example: after verify, simply sign in again; the next InitiateAuth yields SOFTWARE_TOKEN_MFA."""
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    associated = cognito.associate_software_token(Session=sign_in(cognito, pool, username)["Session"])
    cognito.verify_software_token(Session=associated["Session"], UserCode=code(associated["SecretCode"], sandbox))
    assert sign_in(cognito, pool, username)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_admin_created_user_new_password_then_mfa_setup(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool, confirmed=False)
    first = sign_in(cognito, pool, username)
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert first["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    new_password = "Brand-New-Pass-7!"
    setup = _respond(cognito, pool, "NEW_PASSWORD_REQUIRED", first["Session"], USERNAME=username,
                     NEW_PASSWORD=new_password)
    assert setup["ChallengeName"] == "MFA_SETUP"
    associated = cognito.associate_software_token(Session=setup["Session"])
    verified = cognito.verify_software_token(Session=associated["Session"],
                                             UserCode=code(associated["SecretCode"], sandbox))
    tokens = _respond(cognito, pool, "MFA_SETUP", verified["Session"], USERNAME=username)
    assert tokens["AuthenticationResult"]["AccessToken"]
    assert sign_in(cognito, pool, username, new_password)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(ClientError) as info:
        sign_in(cognito, pool, username)  # the temporary password is gone
    assert _error(info) == ("NotAuthorizedException", "Incorrect username or password.")


def test_access_token_from_an_mfa_setup_session_is_refused(cognito):
    """A common mistake (moto#8027): passing the Session where the AccessToken goes."""
    pool = make_pool(cognito, mfa="ON")
    setup = sign_in(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        cognito.associate_software_token(AccessToken=setup["Session"])
    assert _error(info) == ("NotAuthorizedException", "Invalid Access Token")


def test_get_user_with_token_after_mfa(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    challenge = sign_in(cognito, pool, username)
    tokens = answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))
    assert cognito.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"] == username


# ---------------------------------------------------------------- app clients with a secret
def _secret_hash(username: str, client_id: str, client_secret: str) -> str:
    from pycognito.aws_srp import AWSSRP

    return AWSSRP.get_secret_hash(username, client_id, client_secret)


def test_client_with_secret_needs_secret_hash_at_each_step(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL", GenerateSecret=True)
    client_secret = cognito.describe_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id)[
        "UserPoolClient"]["ClientSecret"]
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        sign_in(cognito, pool, username)
    assert _error(info) == ("NotAuthorizedException", f"Unable to verify secret hash for client {pool.client_id}")
    secret_hash = _secret_hash(username, pool.client_id, client_secret)
    token = sign_in(cognito, pool, username, SECRET_HASH=secret_hash)["AuthenticationResult"]["AccessToken"]
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    cognito.verify_software_token(AccessToken=token, UserCode=code(secret, sandbox))
    cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True})
    challenge = sign_in(cognito, pool, username, SECRET_HASH=secret_hash)
    user_code = fresh_code(secret, sandbox)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, challenge["Session"], user_code)
    assert _error(info)[0] == "NotAuthorizedException"
    result = _respond(cognito, pool, "SOFTWARE_TOKEN_MFA", challenge["Session"], USERNAME=username,
                      SOFTWARE_TOKEN_MFA_CODE=user_code, SECRET_HASH=secret_hash)
    assert result["AuthenticationResult"]["AccessToken"]


def test_mfa_setup_tokens_carry_new_device_metadata_when_pool_tracks_devices(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON", device_configuration={"ChallengeRequiredOnNewDevice": True,
                                                              "DeviceOnlyRememberedOnUserPrompt": False})
    username = make_user(cognito, pool)
    associated = cognito.associate_software_token(Session=sign_in(cognito, pool, username)["Session"])
    verified = cognito.verify_software_token(Session=associated["Session"],
                                             UserCode=code(associated["SecretCode"], sandbox))
    result = _respond(cognito, pool, "MFA_SETUP", verified["Session"], USERNAME=username)
    assert result["AuthenticationResult"]["NewDeviceMetadata"]["DeviceKey"].startswith("us-east-1_")
