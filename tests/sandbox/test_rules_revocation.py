"""Sandbox rules, black box over HTTP: RevokeToken, GlobalSignOut and AdminUserGlobalSignOut revoke tokens, and a
revoked access token is refused on every token-authenticated call ("Access Token has been revoked")."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import PASSWORD, make_pool, make_user, sign_in


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _tokens(cognito: Any, pool: Any, username: str) -> dict[str, Any]:
    return sign_in(cognito, pool, username)["AuthenticationResult"]


def _refresh(cognito: Any, pool: Any, refresh_token: str, client_id: str | None = None) -> dict[str, Any]:
    return cognito.initiate_auth(ClientId=client_id or pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                 AuthParameters={"REFRESH_TOKEN": refresh_token})["AuthenticationResult"]


REVOKED = ("NotAuthorizedException", "Access Token has been revoked")


def _token_calls(cognito: Any, token: str) -> dict[str, Any]:
    """Every token-authenticated call a lesson makes, each with the given access token."""
    return {
        "GetUser": lambda: cognito.get_user(AccessToken=token),
        "AssociateSoftwareToken": lambda: cognito.associate_software_token(AccessToken=token),
        "VerifySoftwareToken": lambda: cognito.verify_software_token(AccessToken=token, UserCode="123456"),
        "SetUserMFAPreference": lambda: cognito.set_user_mfa_preference(
            AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False}),
        "ListDevices": lambda: cognito.list_devices(AccessToken=token),
        "GetDevice": lambda: cognito.get_device(AccessToken=token, DeviceKey="us-east-1_abc"),
        "ChangePassword": lambda: cognito.change_password(
            AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="Other-Pass-123!"),
        "UpdateUserAttributes": lambda: cognito.update_user_attributes(
            AccessToken=token, UserAttributes=[{"Name": "name", "Value": "Bob"}]),
        "DeleteUser": lambda: cognito.delete_user(AccessToken=token),
        "GlobalSignOut": lambda: cognito.global_sign_out(AccessToken=token),
    }


def test_revoke_token_revokes_that_sign_in_only(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    first, second = _tokens(cognito, pool, username), _tokens(cognito, pool, username)
    refreshed = _refresh(cognito, pool, first["RefreshToken"])  # an access token issued from the refresh token
    assert jwt.decode(refreshed["AccessToken"], options={"verify_signature": False})["origin_jti"] == \
        jwt.decode(first["AccessToken"], options={"verify_signature": False})["origin_jti"]

    assert cognito.revoke_token(Token=first["RefreshToken"], ClientId=pool.client_id)["ResponseMetadata"][
        "HTTPStatusCode"] == 200

    for token in (first["AccessToken"], refreshed["AccessToken"]):
        with pytest.raises(ClientError) as info:
            cognito.get_user(AccessToken=token)
        assert _error(info) == REVOKED
    with pytest.raises(ClientError) as info:
        _refresh(cognito, pool, first["RefreshToken"])
    assert _error(info) == ("NotAuthorizedException", "Refresh Token has been revoked")
    # The other sign-in keeps working, access and refresh.
    assert cognito.get_user(AccessToken=second["AccessToken"])["Username"] == username
    assert cognito.get_user(AccessToken=_refresh(cognito, pool, second["RefreshToken"])["AccessToken"])
    # Revoking again, or an unknown token, is a 200 (as /oauth2/revoke answers an invalid token).
    cognito.revoke_token(Token=first["RefreshToken"], ClientId=pool.client_id)
    cognito.revoke_token(Token="no-such-refresh-token", ClientId=pool.client_id)


@pytest.mark.parametrize("revoke", ["GlobalSignOut", "AdminUserGlobalSignOut", "RevokeToken"])
def test_a_revoked_access_token_is_refused_on_every_token_call(cognito, revoke):
    pool = make_pool(cognito, mfa="OPTIONAL", device_configuration={
        "ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False})
    username = make_user(cognito, pool)
    tokens = _tokens(cognito, pool, username)
    if revoke == "GlobalSignOut":
        cognito.global_sign_out(AccessToken=tokens["AccessToken"])
    elif revoke == "AdminUserGlobalSignOut":
        cognito.admin_user_global_sign_out(UserPoolId=pool.id, Username=username)
    else:
        cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)
    for name, call in _token_calls(cognito, tokens["AccessToken"]).items():
        with pytest.raises(ClientError) as info:
            call()
        assert _error(info) == REVOKED, name
    assert cognito.admin_get_user(UserPoolId=pool.id, Username=username)["Username"] == username  # not deleted


def test_global_sign_out_revokes_every_sign_in_of_the_user_not_others(cognito):
    pool = make_pool(cognito)
    alice, bob = make_user(cognito, pool), make_user(cognito, pool)
    a1, a2, b = _tokens(cognito, pool, alice), _tokens(cognito, pool, alice), _tokens(cognito, pool, bob)
    cognito.global_sign_out(AccessToken=a1["AccessToken"])
    for tokens in (a1, a2):
        with pytest.raises(ClientError) as info:
            cognito.get_user(AccessToken=tokens["AccessToken"])
        assert _error(info) == REVOKED
        with pytest.raises(ClientError) as info:
            _refresh(cognito, pool, tokens["RefreshToken"])
        assert _error(info) == ("NotAuthorizedException", "Refresh Token has been revoked")
    assert cognito.get_user(AccessToken=b["AccessToken"])["Username"] == bob
    # A new sign-in after the sign-out works.
    assert cognito.get_user(AccessToken=_tokens(cognito, pool, alice)["AccessToken"])["Username"] == alice


def test_an_unknown_access_token_is_invalid_not_revoked(cognito):
    with pytest.raises(ClientError) as info:
        cognito.get_user(AccessToken="eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    assert _error(info) == ("NotAuthorizedException", "Invalid Access Token")


def test_revoke_token_refusals(cognito):
    pool = make_pool(cognito)
    other = cognito.create_user_pool_client(UserPoolId=pool.id, ClientName="other",
                                            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                               "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
    username = make_user(cognito, pool)
    tokens = _tokens(cognito, pool, username)
    # A refresh token of another app client of the pool.
    with pytest.raises(ClientError) as info:
        cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=other["ClientId"])
    assert _error(info) == ("UnauthorizedException", "Refresh Token has different Client")
    with pytest.raises(ClientError) as info:
        _refresh(cognito, pool, tokens["RefreshToken"], other["ClientId"])
    assert _error(info) == ("NotAuthorizedException", "Refresh Token has different Client")
    # An unknown app client.
    with pytest.raises(ClientError) as info:
        cognito.revoke_token(Token=tokens["RefreshToken"], ClientId="nosuchclient0000000000000")
    assert _error(info)[0] == "UnauthorizedException"
    # An access token is not a refresh token.
    with pytest.raises(ClientError) as info:
        cognito.revoke_token(Token=tokens["AccessToken"], ClientId=pool.client_id)
    assert _error(info)[0] == "UnsupportedTokenTypeException"
    # Nothing was revoked by the refusals.
    assert cognito.get_user(AccessToken=_refresh(cognito, pool, tokens["RefreshToken"])["AccessToken"])


def test_revoke_token_needs_token_revocation_enabled_on_the_client(cognito):
    pool = make_pool(cognito, EnableTokenRevocation=False)
    tokens = _tokens(cognito, pool, make_user(cognito, pool))
    with pytest.raises(ClientError) as info:
        cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)
    assert _error(info)[0] == "UnsupportedOperationException"
    assert cognito.get_user(AccessToken=tokens["AccessToken"])


def test_revoke_token_with_a_client_secret(cognito):
    pool = make_pool(cognito, GenerateSecret=True, flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    client = cognito.describe_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id)["UserPoolClient"]
    username = make_user(cognito, pool)
    import base64
    import hashlib
    import hmac
    secret_hash = base64.b64encode(hmac.new(client["ClientSecret"].encode(), (username + pool.client_id).encode(),
                                            hashlib.sha256).digest()).decode()
    tokens = cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash})["AuthenticationResult"]
    for wrong in ({}, {"ClientSecret": "x" * 51}):
        with pytest.raises(ClientError) as info:
            cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id, **wrong)
        assert _error(info)[0] == "UnauthorizedException"
    cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id, ClientSecret=client["ClientSecret"])
    with pytest.raises(ClientError) as info:
        cognito.get_user(AccessToken=tokens["AccessToken"])
    assert _error(info) == REVOKED


@pytest.mark.awscli
def test_revoke_token_with_the_real_aws_cli(cognito, aws_cli, aws_cli_env, sandbox):
    pool = make_pool(cognito)
    tokens = _tokens(cognito, pool, make_user(cognito, pool))
    done = subprocess.run(
        [aws_cli, "cognito-idp", "revoke-token", "--endpoint-url", sandbox.endpoint_url,
         "--token", tokens["RefreshToken"], "--client-id", pool.client_id, "--output", "json"],
        env=aws_cli_env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout or "{}") == {}
    with pytest.raises(ClientError) as info:
        cognito.get_user(AccessToken=tokens["AccessToken"])
    assert _error(info) == REVOKED
    # The CLI shows Cognito's refusal of an access token by name.
    refused = subprocess.run(
        [aws_cli, "cognito-idp", "revoke-token", "--endpoint-url", sandbox.endpoint_url,
         "--token", tokens["AccessToken"], "--client-id", pool.client_id],
        env=aws_cli_env, capture_output=True, text=True, timeout=120,
    )
    assert refused.returncode != 0 and "UnsupportedTokenTypeException" in refused.stderr
