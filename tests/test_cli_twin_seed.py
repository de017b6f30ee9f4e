"""Every call of the seed flow, made through ``lab.client``, has a CLI twin that really runs.

For each call: the sandbox's state is captured, the kit makes the call, then the state is put back as it was and
the unmasked ``as_cli()`` line runs with the real AWS CLI against the same server. Both must end the same way (the
same error code, or success with the same response shape and values that aren't random), so the line is exactly
the call, not a look-alike. The kit's own state is then restored and the flow goes on.
"""

from __future__ import annotations

import copy
import json
import shlex
import subprocess
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit.connect import connect
from cognito_mfa_kit.sandbox import state as sandbox_state
from cognito_mfa_kit.sandbox.backend import LOCK, sandbox_backends
from cognito_mfa_kit.totp import VirtualAuthenticator

PASSWORD = "P@ssw0rd-twin1"
#: values that differ by nature between two runs of the same call (fresh tokens, sessions, secrets)
RANDOM_VALUES = {"AccessToken", "IdToken", "RefreshToken", "Session", "SecretCode", "DeviceKey", "DeviceGroupKey"}


def _capture() -> tuple[dict[str, Any], dict[str, Any]]:
    with LOCK:
        backends = {
            (account, region): (copy.deepcopy(b.sessions), copy.deepcopy(b.outbox))
            for account, regions in sandbox_backends.items()
            for region, b in regions.items()
            if region != "global"
        }
        return sandbox_state.snapshot(), backends


def _put(captured: tuple[dict[str, Any], dict[str, Any]]) -> None:
    snapshot, backends = captured
    with LOCK:
        sandbox_state.restore(snapshot)
        for (account, region), (sessions, outbox) in backends.items():
            backend = sandbox_backends[account][region]
            backend.sessions, backend.outbox = sessions, outbox


def _shape(value: Any, key: str = "") -> Any:
    """The response with random values replaced by their kind, so two runs can be compared."""
    if isinstance(value, dict):
        return {k: _shape(v, k) for k, v in value.items() if k != "ResponseMetadata"}
    if key in RANDOM_VALUES and isinstance(value, str):
        return f"<{key}>"
    return value


def _kit_outcome(make_call) -> tuple[str, Any]:
    try:
        return "ok", _shape(make_call())
    except ClientError as exc:
        return "error", exc.response["Error"]["Code"]


def _cli_outcome(line: str, aws_cli: str, env: dict[str, str]) -> tuple[str, Any]:
    words = shlex.split(line)
    assert words[:2] == ["aws", "cognito-idp"]
    done = subprocess.run([aws_cli, *words[1:], "--output", "json"], capture_output=True, text=True, env=env,
                          timeout=120)
    if done.returncode == 0:
        return "ok", _shape(json.loads(done.stdout or "{}"))
    assert "An error occurred (" in done.stderr, done.stderr
    return "error", done.stderr.split("An error occurred (", 1)[1].split(")", 1)[0]


@pytest.mark.awscli
def test_every_seed_call_has_a_cli_twin_with_the_same_outcome(sandbox, aws_cli, aws_cli_env) -> None:
    lab = connect(endpoint_url=sandbox.endpoint_url)
    client = lab.client
    pool_id = client.create_user_pool(PoolName="cli-twin")["UserPool"]["Id"]
    client.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True},
                                    MfaConfiguration="OPTIONAL")
    app = client.create_user_pool_client(
        UserPoolId=pool_id, ClientName="twin", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                                  "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    client.admin_create_user(UserPoolId=pool_id, Username="Bob", MessageAction="SUPPRESS")
    client.admin_set_user_password(UserPoolId=pool_id, Username="Bob", Password=PASSWORD, Permanent=True)
    seen: list[str] = []

    def twin(make_call) -> Any:
        before = _capture()
        kit = _kit_outcome(make_call)
        call = lab.journal[-1]
        after = _capture()
        _put(before)
        cli = _cli_outcome(call.as_cli(redact=False), aws_cli, aws_cli_env)
        _put(after)
        assert cli == kit, f"{call.operation}: the CLI twin ended differently"
        seen.append(call.operation)
        return call

    password_auth = {"USERNAME": "Bob", "PASSWORD": PASSWORD}
    # 1. a signed-in user
    signed_in = twin(lambda: client.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters=password_auth))
    access = signed_in.response["AuthenticationResult"]["AccessToken"]
    # 1. associate; 2–6. the secret goes into an authenticator
    associated = twin(lambda: client.associate_software_token(AccessToken=access))
    phone = VirtualAuthenticator(associated.response["SecretCode"], lab.clock)
    # 7. verify: first with a wrong code (fails alike), then with the right one
    wrong = "000000" if phone.code() != "000000" else "111111"
    twin(lambda: client.verify_software_token(AccessToken=access, UserCode=wrong, FriendlyDeviceName="BobPhone"))
    verified = twin(lambda: client.verify_software_token(AccessToken=access, UserCode=phone.code(),
                                                         FriendlyDeviceName="BobPhone"))
    assert verified.response["Status"] == "SUCCESS"
    # 8. the preference, by the user and by an admin
    settings = {"Enabled": True, "PreferredMfa": True}
    twin(lambda: client.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings=settings))
    twin(lambda: client.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="Bob",
                                                      SoftwareTokenMfaSettings=settings))
    # 9. sign in through the SOFTWARE_TOKEN_MFA challenge
    challenge = twin(lambda: client.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters=password_auth))
    assert challenge.response["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    lab.advance_clock(30)  # the verify's code can't be used again
    answer = {"USERNAME": "Bob", "SOFTWARE_TOKEN_MFA_CODE": phone.code()}
    done = twin(lambda: client.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=app, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge.response["Session"],
        ChallengeResponses=answer))
    assert set(done.response["AuthenticationResult"]) >= {"AccessToken", "IdToken", "RefreshToken"}
    assert seen == [
        "AdminInitiateAuth", "AssociateSoftwareToken", "VerifySoftwareToken", "VerifySoftwareToken",
        "SetUserMFAPreference", "AdminSetUserMFAPreference", "AdminInitiateAuth", "AdminRespondToAuthChallenge",
    ]
