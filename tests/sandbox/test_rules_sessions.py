"""Sandbox rules, black box over HTTP: auth sessions are single use and expire after AuthSessionValidity."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import answer_totp, code, enrol_totp, fresh_code, make_pool, make_user, sign_in

EXPIRED = ("NotAuthorizedException", "Invalid session for the user, session is expired.")
USED = ("NotAuthorizedException", "Invalid session for the user, session can only be used once.")


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _totp_user(cognito, sandbox, **pool_args):
    pool = make_pool(cognito, mfa="OPTIONAL", **pool_args)
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    return pool, username, secret


def test_a_session_answers_once(cognito, sandbox):
    pool, username, secret = _totp_user(cognito, sandbox)
    challenge = sign_in(cognito, pool, username)
    answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))
    assert _error(info) == USED


@pytest.mark.parametrize("validity", [None, 3, 5])
def test_session_expires_after_auth_session_validity(cognito, sandbox, validity):
    minutes = validity or 3  # default 3 minutes
    pool, username, secret = _totp_user(cognito, sandbox, session_validity=validity)
    # Just inside the validity: still answers.
    alive = sign_in(cognito, pool, username)
    sandbox.advance_clock(minutes * 60 - 20)
    assert answer_totp(cognito, pool, username, alive["Session"], code(secret, sandbox))["AuthenticationResult"]
    # Past it: expired, whatever the code.
    stale = sign_in(cognito, pool, username)
    sandbox.advance_clock(minutes * 60 + 1)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, stale["Session"], code(secret, sandbox))
    assert _error(info) == EXPIRED


def test_five_minute_session_outlives_the_default_three(cognito, sandbox):
    short_pool, short_user, short_secret = _totp_user(cognito, sandbox)
    long_pool, long_user, long_secret = _totp_user(cognito, sandbox, session_validity=5)
    short = sign_in(cognito, short_pool, short_user)
    long = sign_in(cognito, long_pool, long_user)
    sandbox.advance_clock(4 * 60)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, short_pool, short_user, short["Session"], code(short_secret, sandbox))
    assert _error(info) == EXPIRED
    assert answer_totp(cognito, long_pool, long_user, long["Session"], code(long_secret, sandbox))[
        "AuthenticationResult"]


def test_mfa_setup_sessions_expire_too(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    username = make_user(cognito, pool)
    setup = sign_in(cognito, pool, username)
    sandbox.advance_clock(3 * 60 + 1)
    with pytest.raises(ClientError) as info:
        cognito.associate_software_token(Session=setup["Session"])
    assert _error(info) == EXPIRED
    # The verify session (from AssociateSoftwareToken) expires as well.
    associated = cognito.associate_software_token(Session=sign_in(cognito, pool, username)["Session"])
    sandbox.advance_clock(3 * 60 + 1)
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(Session=associated["Session"], UserCode=code(associated["SecretCode"], sandbox))
    assert _error(info) == EXPIRED


def test_associate_spends_the_mfa_setup_session(cognito):
    pool = make_pool(cognito, mfa="ON")
    setup = sign_in(cognito, pool, make_user(cognito, pool))
    cognito.associate_software_token(Session=setup["Session"])
    with pytest.raises(ClientError) as info:
        cognito.associate_software_token(Session=setup["Session"])
    assert _error(info) == USED


def test_verify_session_is_spent_by_success(cognito, sandbox):
    pool = make_pool(cognito, mfa="ON")
    associated = cognito.associate_software_token(Session=sign_in(cognito, pool, make_user(cognito, pool))["Session"])
    cognito.verify_software_token(Session=associated["Session"], UserCode=code(associated["SecretCode"], sandbox))
    with pytest.raises(ClientError) as info:
        cognito.verify_software_token(Session=associated["Session"],
                                      UserCode=fresh_code(associated["SecretCode"], sandbox))
    assert _error(info) == USED


def test_session_of_another_challenge_or_client_is_invalid(cognito, sandbox):
    pool, username, secret = _totp_user(cognito, sandbox)
    other_client = cognito.create_user_pool_client(
        UserPoolId=pool.id, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    challenge = sign_in(cognito, pool, username)
    with pytest.raises(ClientError) as info:
        cognito.respond_to_auth_challenge(
            ClientId=other_client, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": fresh_code(secret, sandbox)},
        )
    assert _error(info) == ("NotAuthorizedException", "Invalid session for the user.")
    with pytest.raises(ClientError) as info:
        cognito.admin_respond_to_auth_challenge(
            UserPoolId=pool.id, ClientId=pool.client_id, ChallengeName="MFA_SETUP", Session=challenge["Session"],
            ChallengeResponses={"USERNAME": username},
        )
    assert _error(info) == ("NotAuthorizedException", "Invalid session for the user.")
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, pool, username, "x" * 40, code(secret, sandbox))
    assert _error(info) == ("NotAuthorizedException", "Invalid session for the user.")
    # None of this spent the real session.
    assert answer_totp(cognito, pool, username, challenge["Session"], code(secret, sandbox))["AuthenticationResult"]


def test_repeated_wrong_codes_end_the_session(cognito, sandbox):
    """[UNVERIFIED cap in the sandbox] retries are allowed, but not without limit."""
    pool, username, secret = _totp_user(cognito, sandbox)
    challenge = sign_in(cognito, pool, username)
    right = fresh_code(secret, sandbox)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    errors = []
    for _ in range(6):
        with pytest.raises(ClientError) as info:
            answer_totp(cognito, pool, username, challenge["Session"], wrong)
        errors.append(_error(info)[0])
    assert errors[0] == "CodeMismatchException"
    assert errors[-1] == "NotAuthorizedException"
    with pytest.raises(ClientError):
        answer_totp(cognito, pool, username, challenge["Session"], right)
