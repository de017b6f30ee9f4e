"""Sandbox rules, black box over HTTP: what tokens and app clients look like, and what an unknown user learns
(ID token claims, client ids and secrets, PreventUserExistenceErrors with SRP, SRP answers from another client)."""

from __future__ import annotations

import re
import uuid

import jwt
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from sandbox_helpers import PASSWORD, make_pool, make_user, sign_in


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_id_token_carries_the_users_readable_attributes(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool, phone="+15550100")
    cognito.admin_update_user_attributes(UserPoolId=pool.id, Username=username, UserAttributes=[
        {"Name": "email_verified", "Value": "true"}, {"Name": "name", "Value": "Bob Example"}])
    result = sign_in(cognito, pool, username)["AuthenticationResult"]
    claims, access = _claims(result["IdToken"]), _claims(result["AccessToken"])
    assert claims["email"] == f"{username}@example.com"
    assert claims["email_verified"] is True  # a boolean, as in Cognito's ID tokens
    assert claims["phone_number"] == "+15550100" and claims["name"] == "Bob Example"
    assert claims["cognito:username"] == username and claims["aud"] == pool.client_id
    assert claims["token_use"] == "id" and claims["auth_time"] <= claims["iat"]
    assert claims["sub"] == access["sub"] and claims["origin_jti"] == access["origin_jti"]
    uuid.UUID(claims["event_id"]) and uuid.UUID(claims["jti"])
    assert claims["event_id"] == access["event_id"]
    assert "email" not in access  # access tokens carry no attributes


def test_id_token_follows_the_clients_read_attributes(cognito):
    pool = make_pool(cognito, ReadAttributes=["email"])
    username = make_user(cognito, pool, phone="+15550100")
    claims = _claims(sign_in(cognito, pool, username)["AuthenticationResult"]["IdToken"])
    assert claims["email"] == f"{username}@example.com"
    assert "phone_number" not in claims


def test_refreshed_tokens_keep_the_sign_ins_event_id(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    first = sign_in(cognito, pool, username)["AuthenticationResult"]
    again = cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})["AuthenticationResult"]
    assert _claims(again["IdToken"])["event_id"] == _claims(first["IdToken"])["event_id"]
    other = sign_in(cognito, pool, username)["AuthenticationResult"]
    assert _claims(other["IdToken"])["event_id"] != _claims(first["IdToken"])["event_id"]


def test_app_client_ids_and_secrets_look_like_cognitos(cognito):
    pool = make_pool(cognito)
    created = cognito.create_user_pool_client(UserPoolId=pool.id, ClientName="c", GenerateSecret=True)
    client = created["UserPoolClient"]
    assert re.fullmatch(r"[a-z0-9]{26}", client["ClientId"]), client["ClientId"]
    assert re.fullmatch(r"[a-z0-9]{51}", client["ClientSecret"]), client["ClientSecret"]
    assert not re.fullmatch(r"[0-9a-f-]{36}", client["ClientSecret"])
    described = cognito.describe_user_pool_client(UserPoolId=pool.id, ClientId=client["ClientId"])
    assert described["UserPoolClient"]["ClientSecret"] == client["ClientSecret"]
    ids = {cognito.create_user_pool_client(UserPoolId=pool.id, ClientName="c")["UserPoolClient"]["ClientId"]
           for _ in range(5)}
    assert len(ids) == 5 and all(re.fullmatch(r"[a-z0-9]{26}", i) for i in ids)


def _srp(cognito, pool, username, password=PASSWORD, client_id=None) -> AWSSRP:
    return AWSSRP(username=username, password=password, pool_id=pool.id, client_id=client_id or pool.client_id,
                  client=cognito)


def _password_verifier(cognito, pool, username):
    client = _srp(cognito, pool, username)
    return client, cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_SRP_AUTH",
                                         AuthParameters=client.get_auth_params())


def test_prevent_user_existence_errors_srp_unknown_user_gets_a_simulated_verifier(cognito):
    pool = make_pool(cognito, PreventUserExistenceErrors="ENABLED")
    real = make_user(cognito, pool)
    ghost = "nobody-" + uuid.uuid4().hex[:8]
    _, first = _password_verifier(cognito, pool, ghost)
    _, second = _password_verifier(cognito, pool, ghost)
    assert first["ChallengeName"] == "PASSWORD_VERIFIER"
    params = first["ChallengeParameters"]
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USERNAME", "USER_ID_FOR_SRP"} <= set(params)
    assert params["SALT"] == second["ChallengeParameters"]["SALT"]  # the same SALT on every try
    assert params["SRP_B"] != second["ChallengeParameters"]["SRP_B"]
    _, other = _password_verifier(cognito, pool, ghost + "x")
    assert other["ChallengeParameters"]["SALT"] != params["SALT"]
    # A real user's SALT is stable too, and looks the same.
    _, real_one = _password_verifier(cognito, pool, real)
    _, real_two = _password_verifier(cognito, pool, real)
    assert real_one["ChallengeParameters"]["SALT"] == real_two["ChallengeParameters"]["SALT"]
    assert len(real_one["ChallengeParameters"]["SALT"]) == len(params["SALT"])
    # It fails only at the answer, as a wrong password does.
    with pytest.raises(ClientError) as info:
        _srp(cognito, pool, ghost, "Any-Password-1!").authenticate_user()
    assert _error(info) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as wrong:
        _srp(cognito, pool, real, "Wrong-Password-1!").authenticate_user()
    assert _error(wrong) == _error(info)


def test_prevent_user_existence_errors_password_flow_unknown_user(cognito):
    pool = make_pool(cognito, PreventUserExistenceErrors="ENABLED")
    with pytest.raises(ClientError) as info:
        cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "nobody-here", "PASSWORD": PASSWORD})
    assert _error(info) == ("NotAuthorizedException", "Incorrect username or password.")


def test_legacy_user_existence_errors_say_the_user_does_not_exist(cognito):
    pool = make_pool(cognito, PreventUserExistenceErrors="LEGACY")
    for flow, params in (("USER_PASSWORD_AUTH", {"PASSWORD": PASSWORD}),
                         ("USER_SRP_AUTH", {"SRP_A": _srp(cognito, pool, "x").get_auth_params()["SRP_A"]})):
        with pytest.raises(ClientError) as info:
            cognito.initiate_auth(ClientId=pool.client_id, AuthFlow=flow,
                                  AuthParameters={"USERNAME": "nobody-here", **params})
        assert _error(info) == ("UserNotFoundException", "User does not exist."), flow


def test_a_password_verifier_answer_from_another_app_client_is_refused(cognito):
    pool = make_pool(cognito)
    other = cognito.create_user_pool_client(UserPoolId=pool.id, ClientName="other",
                                            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["UserPoolClient"]["ClientId"]
    username = make_user(cognito, pool)
    client, challenge = _password_verifier(cognito, pool, username)
    answer = client.process_challenge(challenge["ChallengeParameters"], client.get_auth_params())
    for session in (challenge["Session"], None):  # with its Session, or found by SECRET_BLOCK
        kwargs = {"Session": session} if session else {}
        with pytest.raises(ClientError) as info:
            cognito.respond_to_auth_challenge(ClientId=other, ChallengeName="PASSWORD_VERIFIER",
                                              ChallengeResponses=answer, **kwargs)
        assert _error(info) == ("NotAuthorizedException", "Invalid session for the user.")
    # The right client may still answer.
    result = cognito.respond_to_auth_challenge(ClientId=pool.client_id, ChallengeName="PASSWORD_VERIFIER",
                                               Session=challenge["Session"], ChallengeResponses=answer)
    assert result["AuthenticationResult"]["AccessToken"]


def test_delete_user_deletes_the_signed_in_user(cognito):
    pool = make_pool(cognito)
    username = make_user(cognito, pool)
    token = sign_in(cognito, pool, username)["AuthenticationResult"]["AccessToken"]
    cognito.delete_user(AccessToken=token)
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool.id, Username=username)
