"""Pool, user and sign-in factories for the sandbox rule tests (black box: boto3 over HTTP only)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp

PASSWORD = "Correct-Horse-9!"
ALL_FLOWS = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]
SNS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sandbox-sms", "ExternalId": "sandbox"}
#: An EmailConfiguration sending with Amazon SES, as email MFA needs (the sandbox sends nothing)
SES = {
    "EmailSendingAccount": "DEVELOPER",
    "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/lessons@example.com",
    "From": "lessons@example.com",
}
EMAIL_MFA = {"Message": "Your sign-in code is {####}", "Subject": "Your code"}


@dataclass
class Pool:
    id: str
    client_id: str

    @property
    def short_id(self) -> str:
        return self.id.split("_", 1)[1]


def unique(prefix: str = "t") -> str:
    """A name no other test uses (the sandbox is shared by the whole test session)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_pool(
    cognito: Any,
    *,
    mfa: str = "OFF",
    totp: bool = True,
    sms: bool = False,
    flows: list[str] | None = None,
    session_validity: int | None = None,
    device_configuration: dict[str, bool] | None = None,
    email: bool = False,
    tier: str | None = None,
    first_factors: list[str] | None = None,
    **client_extra: Any,
) -> Pool:
    """A pool (MFA set with SetUserPoolMfaConfig) and one app client. ``email``: SES sending and email MFA on;
    ``tier``: its UserPoolTier; ``first_factors``: its SignInPolicy's AllowedFirstAuthFactors."""
    pool_args: dict[str, Any] = {"PoolName": unique("pool")}
    if device_configuration is not None:
        pool_args["DeviceConfiguration"] = device_configuration
    if email:
        pool_args["EmailConfiguration"] = SES
    if tier is not None:
        pool_args["UserPoolTier"] = tier
    if first_factors is not None:
        pool_args["Policies"] = {"SignInPolicy": {"AllowedFirstAuthFactors": first_factors}}
    pool_id = cognito.create_user_pool(**pool_args)["UserPool"]["Id"]
    if mfa != "OFF" or totp or sms or email:
        config: dict[str, Any] = {"UserPoolId": pool_id, "MfaConfiguration": mfa}
        config["SoftwareTokenMfaConfiguration"] = {"Enabled": totp}
        if sms:
            config["SmsMfaConfiguration"] = {
                "SmsAuthenticationMessage": "Your code is {####}",
                "SmsConfiguration": SNS,
            }
        if email:
            config["EmailMfaConfiguration"] = EMAIL_MFA
        cognito.set_user_pool_mfa_config(**config)
    client_args: dict[str, Any] = {
        "UserPoolId": pool_id,
        "ClientName": unique("client"),
        "ExplicitAuthFlows": ALL_FLOWS if flows is None else flows,
        **client_extra,
    }
    if session_validity is not None:
        client_args["AuthSessionValidity"] = session_validity
    client_id = cognito.create_user_pool_client(**client_args)["UserPoolClient"]["ClientId"]
    return Pool(pool_id, client_id)


def make_user(
    cognito: Any,
    pool: Pool,
    username: str | None = None,
    *,
    password: str = PASSWORD,
    phone: str | None = None,
    confirmed: bool = True,
    email: bool = True,
) -> str:
    """A user with a permanent password (or, with ``confirmed=False``, a temporary one: FORCE_CHANGE_PASSWORD);
    with an email address unless ``email=False``."""
    username = username or unique("user")
    attributes = [{"Name": "email", "Value": f"{username}@example.com"}] if email else []
    if phone:
        attributes.append({"Name": "phone_number", "Value": phone})
    cognito.admin_create_user(
        UserPoolId=pool.id,
        Username=username,
        TemporaryPassword=password,
        UserAttributes=attributes,
        MessageAction="SUPPRESS",
    )
    if confirmed:
        cognito.admin_set_user_password(UserPoolId=pool.id, Username=username, Password=password, Permanent=True)
    return username


def sign_in(cognito: Any, pool: Pool, username: str, password: str = PASSWORD, **params: str) -> dict[str, Any]:
    """AdminInitiateAuth with ADMIN_USER_PASSWORD_AUTH."""
    return cognito.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password, **params},
    )


def access_token(cognito: Any, pool: Pool, username: str, password: str = PASSWORD) -> str:
    answer = sign_in(cognito, pool, username, password)
    assert "AuthenticationResult" in answer, answer.get("ChallengeName")
    return answer["AuthenticationResult"]["AccessToken"]


def code(secret: str, sandbox: Any, offset: int = 0) -> str:
    """The TOTP code an authenticator shows at sandbox time (``offset`` steps away)."""
    return pyotp.TOTP(secret).at(sandbox.now(), counter_offset=offset)


def fresh_code(secret: str, sandbox: Any) -> str:
    """A code of a step no earlier code used: advance the sandbox clock one step first."""
    sandbox.advance_clock(30)
    return code(secret, sandbox)


def enrol_totp(
    cognito: Any, sandbox: Any, pool: Pool, username: str, *, name: str | None = "MyPhone", prefer: bool = True
) -> tuple[str, str]:
    """Associate + verify + enable (preferred) TOTP through the access-token path. Returns (secret, token)."""
    token = access_token(cognito, pool, username)
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    args: dict[str, Any] = {"AccessToken": token, "UserCode": code(secret, sandbox)}
    if name is not None:
        args["FriendlyDeviceName"] = name
    assert cognito.verify_software_token(**args)["Status"] == "SUCCESS"
    cognito.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": prefer}
    )
    return secret, token


def answer_totp(cognito: Any, pool: Pool, username: str, session: str, user_code: str) -> dict[str, Any]:
    return cognito.admin_respond_to_auth_challenge(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": user_code},
    )


def http_json(url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET (or POST ``body`` as JSON) and decode the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sms_codes(sandbox: Any, username: str) -> list[str]:
    """The SMS codes the sandbox "sent" to ``username``, oldest first."""
    messages = http_json(f"{sandbox.endpoint_url}/_sandbox/messages")["messages"]
    return [m["code"] for m in messages if m["username"] == username and m.get("medium", "SMS") == "SMS"]


def email_messages(sandbox: Any, pool: Pool, username: str) -> list[dict[str, Any]]:
    """The emails the sandbox "sent" to ``username`` in ``pool`` (its outbox, per pool), oldest first."""
    messages = http_json(f"{sandbox.endpoint_url}/_sandbox/messages?pool={pool.id}")["messages"]
    return [m for m in messages if m["username"] == username and m.get("medium") == "EMAIL"]


def email_code(sandbox: Any, pool: Pool, username: str) -> str:
    """The newest email code sent to ``username``."""
    found = email_messages(sandbox, pool, username)
    assert found, f"no email was sent to {username}"
    return str(found[-1]["code"])
