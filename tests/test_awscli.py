"""as_cli(): the AWS CLI twin of a call, checked against the seed article and the real AWS CLI.

Decoding uses the AWS CLI itself: ``cli_params(line)`` runs the installed awscli driver in-process
on ``shlex.split(line)`` and captures the params it would send (botocore's
``before-parameter-build`` event), so argparse, shorthand and JSON handling are the CLI's own.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cognito_mfa_kit.awscli import as_cli
from cognito_mfa_kit.journal import Call, Journal
from cognito_mfa_kit.servicemodel import botocore_session

SEED_DIR = Path(os.environ.get("COGNITO_MFA_KIT_SEED", "/work/shared/seed"))
AWS = Path(sys.executable).parent / "aws"
TOKEN = "eyJraWQiO........ua5Pq3NaA"  # as printed in the seed
SESSION = "Xxz6iadwuWJGN4Z7f4ul5p50IHUqITquoaNxxyDvep.......3A6GokZWKeQ6gkFW4Pgv"
POOL = "us-east-1_123456789"
CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
MFA_ON = {"Enabled": True, "PreferredMfa": True}

# The seed's six commands, as the params a boto3 call would carry (in the seed's order).
SEED_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "associate-software-token": ("AssociateSoftwareToken", {"AccessToken": TOKEN}),
    "verify-software-token": ("VerifySoftwareToken", {
        "AccessToken": TOKEN, "UserCode": "269194", "FriendlyDeviceName": "BobPhone"}),
    "set-user-mfa-preference": ("SetUserMFAPreference", {
        "SoftwareTokenMfaSettings": MFA_ON, "AccessToken": TOKEN}),
    "admin-set-user-mfa-preference": ("AdminSetUserMFAPreference", {
        "SoftwareTokenMfaSettings": MFA_ON, "Username": "Bob", "UserPoolId": POOL}),
    "admin-initiate-auth": ("AdminInitiateAuth", {
        "UserPoolId": POOL, "ClientId": CLIENT, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "Bob", "PASSWORD": "P@ssw0rd"}}),
    "admin-respond-to-auth-challenge": ("AdminRespondToAuthChallenge", {
        "UserPoolId": POOL, "ClientId": CLIENT, "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "ChallengeResponses": {"USERNAME": "Bob", "SOFTWARE_TOKEN_MFA_CODE": "123456"},
        "Session": SESSION}),
}


def seed_lines() -> dict[str, str]:
    lines = {}
    for path in sorted(SEED_DIR.glob("*.txt")):
        for line in path.read_text().splitlines():
            if line.startswith("aws cognito-idp "):
                lines[line.split()[2]] = " ".join(line.split())  # the seed has a double space
    return lines


# -- the AWS CLI as decoder ------------------------------------------------------------------------

class _Stop(Exception):
    pass


@pytest.fixture(scope="module")
def cli_params() -> Iterator[Any]:
    """``decode(line) -> params`` using the installed AWS CLI's own argument processing."""
    clidriver = pytest.importorskip("awscli.clidriver")
    saved = dict(os.environ)
    os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
                      AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                      AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    driver = clidriver.create_clidriver()
    captured: list[dict] = []

    def capture(params: dict, **_: Any) -> None:
        captured.append(json.loads(json.dumps(params)))
        raise _Stop  # never send anything

    driver.session.register("before-parameter-build.cognito-identity-provider", capture)

    def decode(line: str) -> dict:
        words = shlex.split(line)
        assert words[:2] == ["aws", "cognito-idp"]
        captured.clear()
        driver.main(words[1:])
        assert len(captured) == 1, f"the AWS CLI rejected: {line}"
        return captured[0]

    yield decode
    os.environ.clear()
    os.environ.update(saved)


def call(operation: str, request: dict, **kw: Any) -> Call:
    return Call(operation=operation, request=request, **kw)


# -- the seed article --------------------------------------------------------------------------

def test_the_seed_has_the_six_commands() -> None:
    assert set(seed_lines()) == set(SEED_CALLS)


@pytest.mark.parametrize("command", sorted(SEED_CALLS))
def test_unmasked_line_is_the_seed_line(command: str, cli_params: Any) -> None:
    operation, request = SEED_CALLS[command]
    line = as_cli(call(operation, request), redact=False)
    assert line == seed_lines()[command]
    assert cli_params(seed_lines()[command]) == request  # the table really is the seed's


def test_masked_access_token_line_matches_the_seed() -> None:
    full = "eyJraWQiO" + "k" * 700 + "ua5Pq3NaA"
    c = call("AssociateSoftwareToken", {"AccessToken": full})
    assert c.as_cli() == seed_lines()["associate-software-token"]
    assert c.as_cli(redact=False) == f"aws cognito-idp associate-software-token --access-token {full}"


def test_masked_placeholders_stay_recognisable_and_quoted() -> None:
    _, request = SEED_CALLS["admin-respond-to-auth-challenge"]
    line = call("AdminRespondToAuthChallenge", request).as_cli()
    assert "--challenge-responses 'USERNAME=Bob,SOFTWARE_TOKEN_MFA_CODE=******'" in line
    assert line.endswith(f"--session {SESSION[:9]}........{SESSION[-9:]}")
    assert "=123456" not in line
    words = shlex.split(line)
    # User names and client ids identify, they don't prove: shown as the seed article shows them.
    assert words[words.index("--client-id") + 1] == request["ClientId"]
    assert words[words.index("--user-pool-id") + 1] == POOL  # not sensitive in the model


# -- rendering rules -----------------------------------------------------------------------------

def test_quoting_of_spaces_quotes_and_commas(cli_params: Any) -> None:
    request = {"UserPoolId": POOL, "Username": "o'brien \"bob\", jr"}
    line = as_cli(call("AdminGetUser", request), redact=False)
    assert shlex.split(line)[-1] == "o'brien \"bob\", jr"
    assert cli_params(line) == request


def test_shorthand_falls_back_to_json(cli_params: Any) -> None:
    request = {"UserPoolId": POOL, "ClientId": CLIENT, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "Bob", "PASSWORD": "a,b=c 'd'"}}
    line = as_cli(call("AdminInitiateAuth", request), redact=False)
    words = shlex.split(line)
    assert json.loads(words[words.index("--auth-parameters") + 1]) == request["AuthParameters"]
    assert cli_params(line) == request


def test_nested_lists_of_structures_are_json(cli_params: Any) -> None:
    request = {"UserPoolId": POOL, "Username": "bob",
               "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}],
               "DesiredDeliveryMediums": ["EMAIL"], "MessageAction": "SUPPRESS"}
    line = as_cli(call("AdminCreateUser", request), redact=False)
    assert "--user-attributes '[{\"Name\":\"email\",\"Value\":\"bob@example.com\"}]'" in line
    assert "--desired-delivery-mediums EMAIL" in line
    assert cli_params(line) == request


def test_booleans_lists_integers_and_globals(cli_params: Any) -> None:
    request = {"UserPoolId": POOL, "ClientName": "web app", "GenerateSecret": False,
               "RefreshTokenValidity": 30,
               "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}
    c = call("CreateUserPoolClient", request, endpoint_url="http://127.0.0.1:5000",
             region="eu-west-1", profile="trainer")
    line = c.as_cli(redact=False)
    assert line == (
        f"aws cognito-idp create-user-pool-client --user-pool-id {POOL} --client-name 'web app'"
        " --no-generate-secret --refresh-token-validity 30"
        " --explicit-auth-flows ALLOW_USER_SRP_AUTH ALLOW_REFRESH_TOKEN_AUTH"
        " --endpoint-url http://127.0.0.1:5000 --region eu-west-1 --profile trainer"
    )
    request["GenerateSecret"] = True
    assert "--generate-secret " in as_cli(call("CreateUserPoolClient", request), redact=False)
    assert cli_params(as_cli(call("CreateUserPoolClient", request), redact=False)) == request


def test_values_that_look_like_options(cli_params: Any) -> None:
    request = {"UserPoolId": POOL, "ClientName": "--help", "RefreshTokenValidity": -1,
               "ExplicitAuthFlows": ["-x", "y"], "CallbackURLs": ["https://example.com/cb"]}
    line = as_cli(call("CreateUserPoolClient", request), redact=False)
    assert "--client-name=--help" in line and "--refresh-token-validity=-1" in line
    assert "--explicit-auth-flows '[\"-x\",\"y\"]'" in line
    # A lone URL in a list would be fetched by AWS CLI v1: JSON keeps it a value.
    assert "--callback-urls '[\"https://example.com/cb\"]'" in line
    assert cli_params(line) == request


# -- property: every string survives the shell and the CLI's parsing ------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=30)
_URI = ("file://", "fileb://", "http://", "https://")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(
    username=_text, password=_text, extra_key=_text, extra_value=_text,
    name=_text, flows=st.lists(_text, max_size=3), validity=st.integers(-10**6, 10**6),
    secret=st.booleans(),
)
def test_as_cli_round_trips_through_shell_and_cli(
    cli_params: Any, username: str, password: str, extra_key: str, extra_value: str,
    name: str, flows: list[str], validity: int, secret: bool,
) -> None:
    # AWS CLI v1 reads a top-level string beginning with file:// or http(s):// from there and
    # offers no escape (documented in cognito_mfa_kit.awscli).
    assume(not name.startswith(_URI))
    auth = {"USERNAME": username, "PASSWORD": password, extra_key: extra_value}
    request = {"UserPoolId": POOL, "ClientId": CLIENT, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
               "AuthParameters": auth}
    assert cli_params(as_cli(call("AdminInitiateAuth", request), redact=False)) == request
    client_request = {"UserPoolId": POOL, "ClientName": name, "GenerateSecret": secret,
                      "RefreshTokenValidity": validity, "ExplicitAuthFlows": flows}
    line = as_cli(call("CreateUserPoolClient", client_request), redact=False)
    assert cli_params(line) == client_request


# -- the real AWS CLI against a local endpoint ------------------------------------------------------

@pytest.fixture()
def local_endpoint(sandbox: Any) -> Iterator[str]:
    """The kit's sandbox server (tests/conftest.py)."""
    yield sandbox.endpoint_url


def run_cli(line: str) -> subprocess.CompletedProcess[str]:
    words = shlex.split(line)
    assert words[0] == "aws"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_DEFAULT_OUTPUT="json")
    return subprocess.run([str(AWS), *words[1:]], capture_output=True, text=True, env=env,
                          timeout=120)


def _journaled_client(endpoint: str) -> tuple[Any, Journal]:
    """A cognito-idp client on ``endpoint`` whose calls a Journal records (skips the test without the AWS CLI)."""
    if not AWS.exists():
        pytest.skip("AWS CLI not installed in the venv")
    client = boto3.Session(botocore_session=botocore_session()).client(
        "cognito-idp", endpoint_url=endpoint, region_name="eu-west-1",
        aws_access_key_id="x", aws_secret_access_key="x")
    journal = Journal()
    journal.attach(client)
    return client, journal


@pytest.mark.awscli
def test_cli_twin_runs_against_a_local_endpoint(local_endpoint: str) -> None:
    client, journal = _journaled_client(local_endpoint)

    def twin() -> subprocess.CompletedProcess[str]:
        line = journal[-1].as_cli(redact=False)
        assert f"--endpoint-url {local_endpoint}" in line and "--region eu-west-1" in line
        return run_cli(line)

    # (Quotes are not allowed in pool and client names: the model's pattern [\w\s+=,.@-]+; the passwords below
    # carry them.)
    pool_name = "kit pool, with spaces=1 +a@b.c"
    pool = client.create_user_pool(PoolName=pool_name)["UserPool"]["Id"]
    out = twin()
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["UserPool"]["Name"] == pool_name
    names = [p["Name"] for p in client.list_user_pools(MaxResults=60)["UserPools"]]
    assert names.count(pool_name) == 2

    flows = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    client.create_user_pool_client(UserPoolId=pool, ClientName="web, app=1 +x@y.z",
                                   GenerateSecret=False, ExplicitAuthFlows=flows)
    out = twin()
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)["UserPoolClient"]
    assert made["ClientName"] == "web, app=1 +x@y.z" and made["ExplicitAuthFlows"] == flows
    app = made["ClientId"]

    password = "Pa ss,w=0rd!'\""
    client.admin_create_user(UserPoolId=pool, Username="bob", MessageAction="SUPPRESS",
                             UserAttributes=[{"Name": "email", "Value": "bob+1@example.com"}],
                             TemporaryPassword="Tmp, pass=1 'x'")
    client.admin_delete_user(UserPoolId=pool, Username="bob")
    journal_index = len(journal) - 2
    out = run_cli(journal[journal_index].as_cli(redact=False))  # re-create bob via the CLI
    assert out.returncode == 0, out.stderr
    attrs = client.admin_get_user(UserPoolId=pool, Username="bob")["UserAttributes"]
    assert {"Name": "email", "Value": "bob+1@example.com"} in attrs

    client.admin_set_user_password(UserPoolId=pool, Username="bob", Password=password,
                                   Permanent=True)
    out = twin()
    assert out.returncode == 0, out.stderr

    client.admin_initiate_auth(UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "bob", "PASSWORD": password})
    assert "--auth-parameters '{" in journal[-1].as_cli(redact=False)  # JSON: commas, quotes
    out = twin()
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["AuthenticationResult"]["TokenType"] == "Bearer"

    with pytest.raises(client.exceptions.UserNotFoundException):
        client.admin_get_user(UserPoolId=pool, Username="nobody")
    assert journal[-1].error is not None and journal[-1].error.code == "UserNotFoundException"
    out = twin()
    assert out.returncode != 0 and "UserNotFoundException" in out.stderr


@pytest.mark.awscli
def test_a_twin_of_an_operation_newer_than_the_cli_runs_in_a_labs_environment(local_endpoint: str) -> None:
    """AdminDeleteSoftwareToken (2026) is in the kit's model extras, not in the CLI's bundled botocore: its twin runs
    with the AWS_DATA_PATH a lab gives its kernels and terminals (labserver.kernel_env), and not without it."""
    from cognito_mfa_kit.labserver import kernel_env

    client, journal = _journaled_client(local_endpoint)
    pool = client.create_user_pool(PoolName="newer-than-the-cli")["UserPool"]["Id"]
    client.admin_create_user(UserPoolId=pool, Username="dana", MessageAction="SUPPRESS")
    client.admin_delete_software_token(UserPoolId=pool, Username="dana")
    words = shlex.split(journal[-1].as_cli(redact=False))
    assert words[:3] == ["aws", "cognito-idp", "admin-delete-software-token"]
    plain = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    plain.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_CONFIG_FILE=os.devnull,
                 AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_DEFAULT_OUTPUT="json")
    results = {name: subprocess.run([str(AWS), *words[1:]], capture_output=True, text=True, env=env, timeout=120)
               for name, env in (("plain", plain), ("lab", kernel_env(plain, sandbox_url=local_endpoint)))}
    assert results["lab"].returncode == 0, results["lab"].stderr
    if results["plain"].returncode == 0:
        pytest.skip("this AWS CLI's own botocore knows AdminDeleteSoftwareToken already")
    assert "Invalid choice" in results["plain"].stderr
