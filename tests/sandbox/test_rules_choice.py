"""Sandbox rules, black box over HTTP: choice-based sign-in (AuthFlow USER_AUTH, SELECT_CHALLENGE) and
GetUserAuthFactors, and how the user's MFA (TOTP) follows a password chosen there.

Sources (reference §6, §9): service model — InitiateAuth AuthParameters ("USER_AUTH: USERNAME (required),
PREFERRED_CHALLENGE. If you don't provide a value for PREFERRED_CHALLENGE, Amazon Cognito responds with the
AvailableChallenges parameter"), RespondToAuthChallenge ChallengeResponses (SELECT_CHALLENGE with ANSWER and PASSWORD /
SRP_A; EMAIL_OTP_CODE, SMS_OTP_CODE), ExplicitAuthFlows ALLOW_USER_AUTH ("can do username-password and SRP
authentication without other ExplicitAuthFlows permitting them"), SignInPolicyType ("SOFTWARE_TOKEN is not currently
supported as a first auth factor"), GetUserAuthFactorsResponse; amplify-js handleUserAuthFlow.ts (PREFERRED_CHALLENGE
PASSWORD with PASSWORD, PASSWORD_SRP with SRP_A); reference §6 "Do not reuse the SELECT_CHALLENGE session for MFA.
The password step returns a new session."; §9 "passwordless first factors are not offered to users who have MFA".
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from sandbox_helpers import (
    PASSWORD,
    email_code,
    enrol_totp,
    fresh_code,
    make_pool,
    make_user,
    sms_codes,
    unique,
)

USER_AUTH_FLOWS = ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _start(cognito, pool, username, **params):
    return cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_AUTH",
                                 AuthParameters={"USERNAME": username, **params})


def _respond(cognito, pool, name, session, **responses):
    return cognito.respond_to_auth_challenge(ClientId=pool.client_id, ChallengeName=name, Session=session,
                                             ChallengeResponses=responses)


def _pool(cognito, **kwargs):
    return make_pool(cognito, flows=USER_AUTH_FLOWS, **kwargs)


def test_user_auth_needs_allow_user_auth_on_the_client(cognito):
    pool = make_pool(cognito)  # ALL_FLOWS: no ALLOW_USER_AUTH
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        _start(cognito, pool, username)
    assert _error(info) == ("InvalidParameterException", "USER_AUTH flow not enabled for this client")


def test_without_a_preference_the_user_selects_a_challenge(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    answer = _start(cognito, pool, username)
    assert answer["ChallengeName"] == "SELECT_CHALLENGE"
    assert answer["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]  # the default sign-in policy: PASSWORD
    assert answer["Session"]
    done = _respond(cognito, pool, "SELECT_CHALLENGE", answer["Session"], USERNAME=username, ANSWER="PASSWORD",
                    PASSWORD=PASSWORD)
    assert cognito.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == username


def test_admin_initiate_auth_does_user_auth_too(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    answer = cognito.admin_initiate_auth(UserPoolId=pool.id, ClientId=pool.client_id, AuthFlow="USER_AUTH",
                                         AuthParameters={"USERNAME": username})
    assert answer["ChallengeName"] == "SELECT_CHALLENGE"


def test_password_then_totp_comes_with_a_new_session(cognito, sandbox):
    pool = _pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    select = _start(cognito, pool, username)
    totp = _respond(cognito, pool, "SELECT_CHALLENGE", select["Session"], USERNAME=username, ANSWER="PASSWORD",
                    PASSWORD=PASSWORD)
    assert totp["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert totp["Session"] != select["Session"]
    code = fresh_code(secret, sandbox)
    with pytest.raises(ClientError) as info:  # the SELECT_CHALLENGE session can't answer the MFA
        _respond(cognito, pool, "SOFTWARE_TOKEN_MFA", select["Session"], USERNAME=username,
                 SOFTWARE_TOKEN_MFA_CODE=code)
    assert _error(info) == ("NotAuthorizedException", "Invalid session for the user, session can only be used once.")
    done = _respond(cognito, pool, "SOFTWARE_TOKEN_MFA", totp["Session"], USERNAME=username,
                    SOFTWARE_TOKEN_MFA_CODE=code)
    assert "AuthenticationResult" in done


def test_preferred_password_in_initiate_auth_goes_straight_to_mfa(cognito, sandbox):
    pool = _pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    enrol_totp(cognito, sandbox, pool, username)
    answer = _start(cognito, pool, username, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert answer["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_preferred_password_without_the_password_asks_for_it(cognito):
    """[UNVERIFIED] the PASSWORD challenge (ChallengeNameType) when the preferred factor's parameter is missing."""
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    answer = _start(cognito, pool, username, PREFERRED_CHALLENGE="PASSWORD")
    assert answer["ChallengeName"] == "PASSWORD"
    done = _respond(cognito, pool, "PASSWORD", answer["Session"], USERNAME=username, PASSWORD=PASSWORD)
    assert "AuthenticationResult" in done


def test_preferred_password_srp_with_srp_a_gives_the_password_verifier(cognito, sandbox):
    """ALLOW_USER_AUTH alone allows SRP through USER_AUTH (ExplicitAuthFlows docs)."""
    pool = make_pool(cognito, mfa="OPTIONAL", flows=["ALLOW_USER_AUTH"])
    username = make_user(cognito, pool)
    secret, _ = enrol_totp_via_admin(cognito, sandbox, pool, username)
    srp = AWSSRP(username=username, password=PASSWORD, pool_id=pool.id, client_id=pool.client_id, client=cognito)
    params = srp.get_auth_params()
    answer = _start(cognito, pool, username, PREFERRED_CHALLENGE="PASSWORD_SRP", SRP_A=params["SRP_A"])
    assert answer["ChallengeName"] == "PASSWORD_VERIFIER"
    proof = srp.process_challenge(answer["ChallengeParameters"], params)
    totp = _respond(cognito, pool, "PASSWORD_VERIFIER", answer["Session"], **proof)
    assert totp["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = _respond(cognito, pool, "SOFTWARE_TOKEN_MFA", totp["Session"], USERNAME=username,
                    SOFTWARE_TOKEN_MFA_CODE=fresh_code(secret, sandbox))
    assert "AuthenticationResult" in done


def enrol_totp_via_admin(cognito, sandbox, pool, username):
    """TOTP for a user of a client that allows USER_AUTH only: the access token comes from USER_AUTH itself."""
    select = _start(cognito, pool, username, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    token = select["AuthenticationResult"]["AccessToken"]
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    cognito.verify_software_token(AccessToken=token, UserCode=fresh_code(secret, sandbox))
    cognito.set_user_mfa_preference(AccessToken=token,
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return secret, token


def test_srp_chosen_in_select_challenge(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    srp = AWSSRP(username=username, password=PASSWORD, pool_id=pool.id, client_id=pool.client_id, client=cognito)
    params = srp.get_auth_params()
    select = _start(cognito, pool, username)
    verifier = _respond(cognito, pool, "SELECT_CHALLENGE", select["Session"], USERNAME=username,
                        ANSWER="PASSWORD_SRP", SRP_A=params["SRP_A"])
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    done = _respond(cognito, pool, "PASSWORD_VERIFIER", verifier["Session"],
                    **srp.process_challenge(verifier["ChallengeParameters"], params))
    assert "AuthenticationResult" in done


def test_required_mfa_after_a_chosen_password_is_mfa_setup(cognito):
    pool = _pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    select = _start(cognito, pool, username)
    setup = _respond(cognito, pool, "SELECT_CHALLENGE", select["Session"], USERNAME=username, ANSWER="PASSWORD",
                     PASSWORD=PASSWORD)
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert cognito.associate_software_token(Session=setup["Session"])["SecretCode"]


def test_an_answer_not_offered_is_refused(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    select = _start(cognito, pool, username)
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "SELECT_CHALLENGE", select["Session"], USERNAME=username, ANSWER="EMAIL_OTP")
    assert _error(info)[0] == "InvalidParameterException"
    done = _respond(cognito, pool, "SELECT_CHALLENGE", select["Session"], USERNAME=username, ANSWER="PASSWORD",
                    PASSWORD=PASSWORD)  # the refusal did not spend the session
    assert "AuthenticationResult" in done


def test_a_wrong_password_in_select_challenge_ends_the_attempt(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    select = _start(cognito, pool, username)
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "SELECT_CHALLENGE", select["Session"], USERNAME=username, ANSWER="PASSWORD",
                 PASSWORD="Not-The-Password-1!")
    assert _error(info) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as info:  # [UNVERIFIED] the session is spent
        _respond(cognito, pool, "SELECT_CHALLENGE", select["Session"], USERNAME=username, ANSWER="PASSWORD",
                 PASSWORD=PASSWORD)
    assert _error(info)[1] == "Invalid session for the user, session can only be used once."


def test_an_unknown_preferred_challenge_is_refused(cognito):
    pool = _pool(cognito)
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        _start(cognito, pool, username, PREFERRED_CHALLENGE="SOFTWARE_TOKEN_MFA")
    assert _error(info)[0] == "InvalidParameterException"


def test_software_token_is_not_a_first_factor(cognito):
    with pytest.raises(ClientError) as info:
        cognito.create_user_pool(PoolName=unique("pool"), Policies={
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "SOFTWARE_TOKEN"]}})
    assert _error(info)[0] == "InvalidParameterException"


# ---------------------------------------------------------------- passwordless first factors
def test_email_otp_as_first_factor_for_a_user_without_mfa(cognito, sandbox):
    pool = _pool(cognito, mfa="OPTIONAL", email=True, first_factors=["PASSWORD", "EMAIL_OTP"])
    username = make_user(cognito, pool)
    select = _start(cognito, pool, username)
    assert select["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    otp = _respond(cognito, pool, "SELECT_CHALLENGE", select["Session"], USERNAME=username, ANSWER="EMAIL_OTP")
    assert otp["ChallengeName"] == "EMAIL_OTP"
    assert otp["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    done = _respond(cognito, pool, "EMAIL_OTP", otp["Session"], USERNAME=username,
                    EMAIL_OTP_CODE=email_code(sandbox, pool, username))
    assert "AuthenticationResult" in done


def test_preferred_email_otp_skips_select_challenge(cognito):
    pool = _pool(cognito, mfa="OPTIONAL", email=True, first_factors=["PASSWORD", "EMAIL_OTP"])
    username = make_user(cognito, pool)
    assert _start(cognito, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")["ChallengeName"] == "EMAIL_OTP"


def test_passwordless_is_not_offered_to_a_user_with_mfa(cognito, sandbox):
    pool = _pool(cognito, mfa="OPTIONAL", email=True, first_factors=["PASSWORD", "EMAIL_OTP"])
    username = make_user(cognito, pool)
    enrol_totp(cognito, sandbox, pool, username)
    select = _start(cognito, pool, username)
    assert select["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    # a preferred factor the user can't use: the choice instead [UNVERIFIED]
    assert _start(cognito, pool, username, PREFERRED_CHALLENGE="EMAIL_OTP")["ChallengeName"] == "SELECT_CHALLENGE"


def test_passwordless_is_not_offered_when_the_pool_requires_mfa(cognito):
    pool = _pool(cognito, mfa="ON", email=True, first_factors=["PASSWORD", "EMAIL_OTP"])
    username = make_user(cognito, pool)
    assert _start(cognito, pool, username)["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


def test_sms_otp_as_first_factor(cognito, sandbox):
    pool = _pool(cognito, mfa="OPTIONAL", sms=True, first_factors=["PASSWORD", "SMS_OTP"])
    username = make_user(cognito, pool, phone="+15555550123")
    otp = _start(cognito, pool, username, PREFERRED_CHALLENGE="SMS_OTP")
    assert otp["ChallengeName"] == "SMS_OTP"
    assert otp["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"].endswith("0123")
    with pytest.raises(ClientError) as info:
        _respond(cognito, pool, "SMS_OTP", otp["Session"], USERNAME=username, SMS_OTP_CODE="000000"
                 if sms_codes(sandbox, username)[-1] != "000000" else "111111")
    assert _error(info) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    done = _respond(cognito, pool, "SMS_OTP", otp["Session"], USERNAME=username,
                    SMS_OTP_CODE=sms_codes(sandbox, username)[-1])
    assert "AuthenticationResult" in done


# ---------------------------------------------------------------- GetUserAuthFactors
def test_get_user_auth_factors_lists_password_and_totp(cognito, sandbox):
    pool = _pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    token = _start(cognito, pool, username, PREFERRED_CHALLENGE="PASSWORD",
                   PASSWORD=PASSWORD)["AuthenticationResult"]["AccessToken"]
    factors = cognito.get_user_auth_factors(AccessToken=token)
    assert factors["Username"] == username
    assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD"]
    assert factors["UserMFASettingList"] == []
    assert "PreferredMfaSetting" not in factors
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    cognito.verify_software_token(AccessToken=token, UserCode=fresh_code(secret, sandbox))
    cognito.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True,
                                                                                 "PreferredMfa": True})
    factors = cognito.get_user_auth_factors(AccessToken=token)
    assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD", "SOFTWARE_TOKEN"]
    assert factors["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert factors["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_get_user_auth_factors_needs_a_valid_access_token(cognito):
    with pytest.raises(ClientError) as info:
        cognito.get_user_auth_factors(AccessToken="not-a-token")
    assert _error(info) == ("NotAuthorizedException", "Invalid Access Token")
