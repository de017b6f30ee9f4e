"""Sandbox rules, black box over HTTP: password lockout, the app client's ExplicitAuthFlows, the clock endpoint."""

from __future__ import annotations

import urllib.error

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import PASSWORD, http_json, make_pool, make_user, sign_in

WRONG = "Wrong-Password-0!"
INCORRECT = ("NotAuthorizedException", "Incorrect username or password.")
LOCKED = ("NotAuthorizedException", "Password attempts exceeded")


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _attempt(cognito, pool, username, password) -> tuple[str, str] | None:
    try:
        sign_in(cognito, pool, username, password)
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return None


# ---------------------------------------------------------------- lockout
def test_lockout_after_five_failures_doubles_and_lifts_on_the_sandbox_clock(cognito, sandbox):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    # Five failures: each one "Incorrect username or password.".
    assert [_attempt(cognito, pool, username, WRONG) for _ in range(5)] == [INCORRECT] * 5
    # From now on each failure locks for 2^(n-5) s: 1, 2, 4, 8, 16 ... Let each lock lift, then fail again.
    for lock in (1, 2, 4, 8):
        sandbox.advance_clock(lock + 0.5)
        assert _attempt(cognito, pool, username, WRONG) == INCORRECT
    # Now locked for 16 s: even the right password is refused, with the lockout message.
    assert _attempt(cognito, pool, username, PASSWORD) == LOCKED
    assert _attempt(cognito, pool, username, WRONG) == LOCKED
    sandbox.advance_clock(17)
    assert _attempt(cognito, pool, username, PASSWORD) is None
    # A success resets the count: one more failure is just a failure.
    assert _attempt(cognito, pool, username, WRONG) == INCORRECT
    assert _attempt(cognito, pool, username, PASSWORD) is None


def test_lockout_applies_to_initiate_auth_too(cognito, sandbox):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)

    def attempt(password):
        try:
            cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": username, "PASSWORD": password})
        except ClientError as exc:
            return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
        return None

    assert [attempt(WRONG) for _ in range(5)] == [INCORRECT] * 5
    for lock in (1, 2, 4, 8):
        sandbox.advance_clock(lock + 0.5)
        assert attempt(WRONG) == INCORRECT
    assert attempt(PASSWORD) == LOCKED


def test_failures_are_forgotten_after_fifteen_quiet_minutes(cognito, sandbox):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    assert [_attempt(cognito, pool, username, WRONG) for _ in range(4)] == [INCORRECT] * 4
    sandbox.advance_clock(15 * 60 + 1)
    # Had the four counted, this fifth failure would lock the user (for 1 s) and the retry below could be refused.
    for _ in range(4):
        assert _attempt(cognito, pool, username, WRONG) == INCORRECT
    assert _attempt(cognito, pool, username, PASSWORD) is None


def test_lockout_is_per_user(cognito, sandbox):
    pool = make_pool(cognito)
    locked, other = make_user(cognito, pool), make_user(cognito, pool)
    for _ in range(5):
        _attempt(cognito, pool, locked, WRONG)
    for lock in (1, 2, 4, 8):
        sandbox.advance_clock(lock + 0.5)
        _attempt(cognito, pool, locked, WRONG)
    assert _attempt(cognito, pool, locked, PASSWORD) == LOCKED
    assert _attempt(cognito, pool, other, PASSWORD) is None


# ---------------------------------------------------------------- ExplicitAuthFlows
def test_admin_password_flow_needs_its_flag(cognito):
    pool = make_pool(cognito, flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        sign_in(cognito, pool, username)
    assert _error(info)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as info:
        cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    assert _error(info)[0] == "InvalidParameterException"
    assert "flow not enabled" in _error(info)[1]


def test_user_password_flow_needs_its_flag(cognito):
    pool = make_pool(cognito, flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    username = make_user(cognito, pool)
    assert "AuthenticationResult" in sign_in(cognito, pool, username)
    with pytest.raises(ClientError) as info:
        cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    assert _error(info)[0] == "InvalidParameterException"


def test_refresh_flow_needs_its_flag(cognito):
    pool = make_pool(cognito, flows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    refresh = sign_in(cognito, pool, make_user(cognito, pool))["AuthenticationResult"]["RefreshToken"]
    cognito.update_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id,
                                    ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])
    with pytest.raises(ClientError) as info:
        cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                              AuthParameters={"REFRESH_TOKEN": refresh})
    assert _error(info)[0] == "InvalidParameterException"


def test_default_flows_allow_srp_and_refresh_but_not_passwords(cognito):
    pool = make_pool(cognito)
    bare = cognito.create_user_pool_client(UserPoolId=pool.id, ClientName="bare")["UserPoolClient"]["ClientId"]
    username = make_user(cognito, pool)
    with pytest.raises(ClientError) as info:
        cognito.admin_initiate_auth(UserPoolId=pool.id, ClientId=bare, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    assert _error(info)[0] == "InvalidParameterException"
    from pycognito.aws_srp import AWSSRP

    tokens = AWSSRP(username=username, password=PASSWORD, pool_id=pool.id, client_id=bare,
                    client=cognito).authenticate_user()
    assert tokens["AuthenticationResult"]["AccessToken"]


def test_legacy_admin_no_srp_auth_flag_allows_admin_password_flow(cognito):
    pool = make_pool(cognito, flows=["ADMIN_NO_SRP_AUTH"])
    assert "AuthenticationResult" in sign_in(cognito, pool, make_user(cognito, pool))


@pytest.mark.parametrize("call", ["initiate_auth", "sign_up", "admin_initiate_auth"])
def test_unknown_client_is_named_as_cognito_names_it(cognito, call):
    pool = make_pool(cognito)
    args = {"initiate_auth": {"AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "x", "PASSWORD": "y"}},
            "sign_up": {"Username": "x", "Password": "Passw0rd!x"},
            "admin_initiate_auth": {"UserPoolId": pool.id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                    "AuthParameters": {"USERNAME": "x", "PASSWORD": "y"}}}[call]
    with pytest.raises(ClientError) as info:
        getattr(cognito, call)(ClientId="nosuchclient", **args)
    assert _error(info) == ("ResourceNotFoundException", "User pool client nosuchclient does not exist.")


# ---------------------------------------------------------------- the clock endpoint
def test_clock_endpoint_reads_and_advances(sandbox):
    url = f"{sandbox.endpoint_url}/_sandbox/clock"
    before = http_json(url)
    assert set(before) >= {"now", "offset"}
    assert abs(before["now"] - sandbox.now()) < 5
    after = http_json(url, {"advance": 42})
    assert after["offset"] == pytest.approx(before["offset"] + 42)
    assert after["now"] >= before["now"] + 42
    assert sandbox.now() >= after["now"]


@pytest.mark.parametrize("body", [{"advance": -5}, {"advance": "soon"}, {}])
def test_clock_endpoint_refuses_going_back_or_nonsense(sandbox, body):
    url = f"{sandbox.endpoint_url}/_sandbox/clock"
    offset = http_json(url)["offset"]
    with pytest.raises(urllib.error.HTTPError) as info:
        http_json(url, body)
    assert info.value.code == 400
    assert http_json(url)["offset"] == offset
