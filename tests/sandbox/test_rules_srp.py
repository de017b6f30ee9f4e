"""Sandbox rules, black box over HTTP: USER_SRP_AUTH checks the password for real (pycognito's AWSSRP client)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException, SoftwareTokenMFAChallengeException
from sandbox_helpers import PASSWORD, enrol_totp, fresh_code, make_pool, make_user


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _srp(cognito, pool, username, password=PASSWORD) -> AWSSRP:
    return AWSSRP(username=username, password=password, pool_id=pool.id, client_id=pool.client_id, client=cognito)


def test_srp_with_the_right_password_signs_in(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    tokens = _srp(cognito, pool, username).authenticate_user()
    assert cognito.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"] == username


def test_srp_with_a_wrong_password_is_refused(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        _srp(cognito, pool, username, "Not-The-Password-1!").authenticate_user()
    assert _error(info) == ("NotAuthorizedException", "Incorrect username or password.")


def test_srp_password_verifier_challenge_parameters(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    client = _srp(cognito, pool, username)
    answer = cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH",
                                   AuthParameters=client.get_auth_params())
    assert answer["ChallengeName"] == "PASSWORD_VERIFIER"
    assert {"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"} <= set(answer["ChallengeParameters"])
    assert answer["ChallengeParameters"]["USER_ID_FOR_SRP"] == username


def test_srp_then_software_token_mfa(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username, name="SrpPhone")
    with pytest.raises(SoftwareTokenMFAChallengeException) as info:
        _srp(cognito, pool, username).authenticate_user()
    challenge = info.value.get_tokens()
    assert challenge["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "SrpPhone"
    result = cognito.respond_to_auth_challenge(
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": fresh_code(secret, sandbox)},
    )
    assert result["AuthenticationResult"]["AccessToken"]


def test_srp_then_mfa_setup_when_pool_requires_it(cognito):
    pool = make_pool(cognito, mfa="ON")
    answer = _srp(cognito, pool, make_user(cognito, pool)).authenticate_user()
    assert answer["ChallengeName"] == "MFA_SETUP"  # pycognito returns challenges it does not know


def test_srp_for_an_admin_created_user(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool, confirmed=False)
    with pytest.raises(ForceChangePasswordException):
        _srp(cognito, pool, username).authenticate_user()


def test_srp_refused_when_client_does_not_allow_it(cognito):
    pool = make_pool(cognito, flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        _srp(cognito, pool, username).authenticate_user()
    assert _error(info)[0] == "InvalidParameterException"
