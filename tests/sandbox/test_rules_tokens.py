"""Sandbox rules, black box over HTTP: tokens are RS256 JWTs with Cognito's claims, verifiable with the pool JWKS."""

from __future__ import annotations

import jwt
import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import answer_totp, enrol_totp, fresh_code, http_json, make_pool, make_user, sign_in

# The sandbox clock may run ahead of the wall clock: check times against it, not against PyJWT's time.time().
NO_TIME_CHECKS = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _verify(sandbox, pool, token: str, **kwargs) -> dict:
    keys = jwt.PyJWKClient(f"{sandbox.endpoint_url}/{pool.id}/.well-known/jwks.json", cache_keys=False)
    key = keys.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], options=NO_TIME_CHECKS, **kwargs)


def test_tokens_are_rs256_jwts_with_cognito_claims(cognito, sandbox):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    before = sandbox.now()
    result = sign_in(cognito, pool, username)["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    assert jwt.get_unverified_header(result["AccessToken"])["alg"] == "RS256"
    access = _verify(sandbox, pool, result["AccessToken"])
    identity = _verify(sandbox, pool, result["IdToken"], audience=pool.client_id)
    for claims in (access, identity):
        assert claims["iss"].endswith("/" + pool.id)
        assert claims["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool.id}"
        assert before - 1 <= claims["auth_time"] <= sandbox.now() + 1
        assert claims["exp"] - claims["iat"] == 3600
        assert claims["exp"] > sandbox.now()
    assert access["token_use"] == "access"
    assert access["client_id"] == pool.client_id
    assert access["username"] == username
    assert identity["token_use"] == "id"
    assert identity["aud"] == pool.client_id
    assert identity["cognito:username"] == username
    assert identity["sub"] == access["sub"]


def test_jwks_and_openid_configuration(sandbox, cognito):
    pool = make_pool(cognito)
    keys = http_json(f"{sandbox.endpoint_url}/{pool.id}/.well-known/jwks.json")["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]
    config = http_json(f"{sandbox.endpoint_url}/{pool.id}/.well-known/openid-configuration")
    assert config["issuer"].endswith(pool.id)
    assert config["jwks_uri"].endswith(f"/{pool.id}/.well-known/jwks.json")


def test_each_pool_signs_with_its_own_key(cognito, sandbox):
    one, two = make_pool(cognito), make_pool(cognito)
    token = sign_in(cognito, one, make_user(cognito, one))["AuthenticationResult"]["AccessToken"]
    other_keys = jwt.PyJWKClient(f"{sandbox.endpoint_url}/{two.id}/.well-known/jwks.json").get_jwk_set()
    with pytest.raises(jwt.PyJWTError):
        jwt.decode(token, other_keys.keys[0].key, algorithms=["RS256"], options=NO_TIME_CHECKS)


def test_tokens_after_mfa_and_refresh_keep_the_sign_in_auth_time(cognito, sandbox):
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    secret, _ = enrol_totp(cognito, sandbox, pool, username)
    challenge = sign_in(cognito, pool, username)
    answer = answer_totp(cognito, pool, username, challenge["Session"], fresh_code(secret, sandbox))
    tokens = answer["AuthenticationResult"]
    first = _verify(sandbox, pool, tokens["AccessToken"])
    sandbox.advance_clock(600)
    refreshed = cognito.initiate_auth(
        ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )["AuthenticationResult"]
    again = _verify(sandbox, pool, refreshed["AccessToken"])
    assert again["auth_time"] == first["auth_time"]
    assert again["iat"] >= first["iat"] + 600
    identity = _verify(sandbox, pool, refreshed["IdToken"], audience=pool.client_id)
    assert identity["auth_time"] == first["auth_time"]


def test_access_token_expires_on_the_sandbox_clock(cognito, sandbox):
    pool = make_pool(cognito)
    token = sign_in(cognito, pool, make_user(cognito, pool))["AuthenticationResult"]["AccessToken"]
    assert cognito.get_user(AccessToken=token)
    sandbox.advance_clock(3601)
    with pytest.raises(ClientError) as info:
        cognito.get_user(AccessToken=token)
    assert _error(info) == ("NotAuthorizedException", "Access Token has expired")


def test_token_validity_of_the_app_client(cognito, sandbox):
    pool = make_pool(
        cognito, AccessTokenValidity=5, IdTokenValidity=10,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes"},
    )
    result = sign_in(cognito, pool, make_user(cognito, pool))["AuthenticationResult"]
    access = _verify(sandbox, pool, result["AccessToken"])
    identity = _verify(sandbox, pool, result["IdToken"], audience=pool.client_id)
    assert access["exp"] - access["iat"] == 300
    assert result["ExpiresIn"] == 300
    assert identity["exp"] - identity["iat"] == 600
