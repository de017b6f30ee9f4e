"""A sandbox shared by a class checks who calls (SigV4, as IAM does) and what each key may do.

Against a sandbox of its own, in this process, with ``require_credentials=True``: boto3 signs with the keys under
test, raw HTTP sends what boto3 would refuse to, and the real AWS CLI signs with the trainer's profile.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import stat
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from cognito_mfa_kit.connect import SandboxRefused, connect
from cognito_mfa_kit.lifetime import child_command
from cognito_mfa_kit.sandbox import Sandbox

REGION = "us-east-1"
PASSWORD = "Correct-Horse-9!"
ACCESS_DENIED = (
    "User: arn:aws:iam::123456789012:user/cmk-{name} is not authorized to perform: cognito-idp:{op} on resource: "
    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool} because no identity-based policy allows the "
    "cognito-idp:{op} action"
)


@pytest.fixture(scope="module")
def box():
    sandbox = Sandbox.start(require_credentials=True)
    yield sandbox
    sandbox.stop()


def _client(box, key_id: str | None, secret: str | None = None):
    if key_id is None:
        return boto3.client("cognito-idp", endpoint_url=box.endpoint_url, region_name=REGION,
                            config=Config(signature_version=UNSIGNED))
    return boto3.client("cognito-idp", endpoint_url=box.endpoint_url, region_name=REGION,
                        aws_access_key_id=key_id, aws_secret_access_key=secret)


def _error(info) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


@pytest.fixture(scope="module")
def trainer(box):
    return _client(box, box.trainer.access_key_id, box.trainer.secret_access_key)


def _control(box, path: str, body=None, key=None, content_type="application/json") -> tuple[int, dict]:
    """A control call over raw HTTP, signed with ``key`` (a Principal) when given."""
    url = f"{box.endpoint_url}/_sandbox/{path}"
    data = b"" if body is None else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    method = "GET" if body is None else "POST"
    if key is not None:
        request = AWSRequest(method=method, url=url, data=data, headers=headers)
        SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), "cognito-idp", REGION).add_auth(request)
        headers = dict(request.headers)
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=data or None, headers=headers)
    response = conn.getresponse()
    answer = json.loads(response.read() or b"{}")
    conn.close()
    return response.status, answer


class _Trainee:
    def __init__(self, box, name: str, pools=(), users=None) -> None:
        status, answer = _control(box, "credentials", {"name": name, "pools": list(pools), "users": users or {}},
                                  key=box.trainer)
        assert status == 200, answer
        self.name = name
        self.access_key_id, self.secret_access_key = answer["AccessKeyId"], answer["SecretAccessKey"]
        self.client = _client(box, self.access_key_id, self.secret_access_key)


def _pool(trainer) -> tuple[str, str]:
    pool = trainer.create_user_pool(PoolName=f"pool-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client = trainer.create_user_pool_client(
        UserPoolId=pool, ClientName="c", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                             "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool, client


def _user(trainer, pool: str, name: str) -> str:
    trainer.admin_create_user(UserPoolId=pool, Username=name, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS")
    trainer.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
    return name


# ---------------------------------------------------------------- who is calling
def test_an_unsigned_admin_call_is_refused(box):
    with pytest.raises(ClientError) as info:
        _client(box, None).list_user_pools(MaxResults=5)
    assert _error(info) == ("MissingAuthenticationTokenException", "Missing Authentication Token")


def test_an_unknown_key_is_refused(box):
    with pytest.raises(ClientError) as info:
        _client(box, "AKIAUNKNOWNKEY000000", "x" * 40).list_user_pools(MaxResults=5)
    assert _error(info) == ("UnrecognizedClientException", "The security token included in the request is invalid.")


def test_a_wrong_secret_is_refused(box):
    with pytest.raises(ClientError) as info:
        _client(box, box.trainer.access_key_id, "not-the-secret").list_user_pools(MaxResults=5)
    code, message = _error(info)
    assert code == "InvalidSignatureException"
    assert message.startswith("The request signature we calculated does not match the signature you provided.")


def test_a_signature_older_than_five_minutes_is_refused(box):
    body = json.dumps({"MaxResults": 5}).encode()
    request = AWSRequest(method="POST", url=box.endpoint_url + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools"})
    stale = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)).strftime("%Y%m%dT%H%M%SZ")
    request.headers["X-Amz-Date"] = stale
    request.context["timestamp"] = stale
    signer = SigV4Auth(Credentials(box.trainer.access_key_id, box.trainer.secret_access_key), "cognito-idp", REGION)
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    headers_to_sign = signer.headers_to_sign(request)
    request.headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={box.trainer.access_key_id}/{stale[:8]}/{REGION}/cognito-idp/aws4_request, "
        f"SignedHeaders={signer.signed_headers(headers_to_sign)}, Signature={signature}")
    parts = urllib.parse.urlsplit(box.endpoint_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("POST", "/", body=body, headers=dict(request.headers))
    response = conn.getresponse()
    answer = json.loads(response.read())
    assert response.status == 400
    assert answer["__type"] == "InvalidSignatureException" and answer["message"].startswith("Signature expired")


def test_token_calls_stay_unsigned_as_on_aws(box, trainer):
    pool, client_id = _pool(trainer)
    username = _user(trainer, pool, "una")
    anonymous = _client(box, None)
    tokens = anonymous.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    assert anonymous.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"] == username


# ---------------------------------------------------------------- what each key may do
def test_a_trainee_owns_their_pool_and_the_pools_they_create(box, trainer):
    pool, _ = _pool(trainer)
    alice = _Trainee(box, f"alice-{uuid.uuid4().hex[:6]}", pools=[pool])
    alice.client.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL",
                                          SoftwareTokenMfaConfiguration={"Enabled": True})
    _user(alice.client, pool, "alice-user")
    created = alice.client.create_user_pool(PoolName="alice-own")["UserPool"]["Id"]
    alice.client.describe_user_pool(UserPoolId=created)
    seen = {p["Id"] for p in alice.client.list_user_pools(MaxResults=60)["UserPools"]}
    assert seen == {pool, created}  # not the trainer's other pools, nor other trainees'
    alice.client.delete_user_pool(UserPoolId=created)


def test_a_trainees_pool_listing_pages_over_their_own_pools_however_many_others_there_are(box, trainer):
    """A class sandbox holds many pools: a trainee's ListUserPools pages over theirs (MaxResults counts theirs), so
    a page is never empty just because 60 other pools came first."""
    mine = [_pool(trainer)[0] for _ in range(3)]
    for _ in range(61):  # the class's other pools, all made after the trainee's
        trainer.create_user_pool(PoolName=f"other-{uuid.uuid4().hex[:8]}")
    carol = _Trainee(box, f"carol-{uuid.uuid4().hex[:6]}", pools=mine)
    first = carol.client.list_user_pools(MaxResults=2)
    assert [p["Id"] for p in first["UserPools"]] == mine[:2] and first.get("NextToken")
    rest = carol.client.list_user_pools(MaxResults=2, NextToken=first["NextToken"])
    assert [p["Id"] for p in rest["UserPools"]] == mine[2:] and not rest.get("NextToken")
    everyone = trainer.list_user_pools(MaxResults=60)
    assert len(everyone["UserPools"]) == 60 and everyone.get("NextToken")  # the trainer still sees them all


def test_a_trainee_cannot_reach_another_trainees_pool(box, trainer):
    theirs, _ = _pool(trainer)
    _user(trainer, theirs, "bob-user")
    alice = _Trainee(box, f"alice-{uuid.uuid4().hex[:6]}")
    calls = {
        "AdminGetUser": lambda: alice.client.admin_get_user(UserPoolId=theirs, Username="bob-user"),
        "AdminSetUserPassword": lambda: alice.client.admin_set_user_password(
            UserPoolId=theirs, Username="bob-user", Password="Hijack-ed-9!", Permanent=True),
        "DeleteUserPool": lambda: alice.client.delete_user_pool(UserPoolId=theirs),
        "DescribeUserPool": lambda: alice.client.describe_user_pool(UserPoolId=theirs),
    }
    for operation, call in calls.items():
        with pytest.raises(ClientError) as info:
            call()
        assert _error(info) == ("AccessDeniedException",
                                ACCESS_DENIED.format(name=alice.name, op=operation, pool=theirs))
    assert trainer.admin_get_user(UserPoolId=theirs, Username="bob-user")["UserStatus"] == "CONFIRMED"


def test_a_trainee_cannot_change_another_trainees_domain_by_naming_their_own_pool(box, trainer):
    theirs, _ = _pool(trainer)
    own, _ = _pool(trainer)
    prefix = f"theirs-{uuid.uuid4().hex[:8]}"
    trainer.create_user_pool_domain(UserPoolId=theirs, Domain=prefix)
    alice = _Trainee(box, f"alice-{uuid.uuid4().hex[:6]}", pools=[own])
    for change in ({"ManagedLoginVersion": 2},
                   {"CustomDomainConfig": {"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}}):
        with pytest.raises(ClientError) as info:
            alice.client.update_user_pool_domain(UserPoolId=own, Domain=prefix, **change)
        assert _error(info) == ("InvalidParameterException", f"Domain {prefix} is not a domain of user pool {own}.")
    described = trainer.describe_user_pool_domain(Domain=prefix)["DomainDescription"]
    assert described["ManagedLoginVersion"] == 1 and "CustomDomainConfig" not in described


def test_in_a_shared_pool_a_trainee_acts_on_their_own_user_only(box, trainer):
    shared, client_id = _pool(trainer)
    for name in ("carol", "dave"):
        _user(trainer, shared, name)
    carol = _Trainee(box, f"carol-{uuid.uuid4().hex[:6]}", users={shared: "carol"})
    assert carol.client.admin_get_user(UserPoolId=shared, Username="carol")["Username"] == "carol"
    answer = carol.client.admin_initiate_auth(UserPoolId=shared, ClientId=client_id,
                                              AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                              AuthParameters={"USERNAME": "carol", "PASSWORD": PASSWORD})
    assert "AuthenticationResult" in answer
    assert carol.client.describe_user_pool(UserPoolId=shared)["UserPool"]["Id"] == shared  # reading settings: ok
    for operation, call in {
        "AdminGetUser": lambda: carol.client.admin_get_user(UserPoolId=shared, Username="dave"),
        "AdminInitiateAuth": lambda: carol.client.admin_initiate_auth(
            UserPoolId=shared, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "dave", "PASSWORD": PASSWORD}),
        "ListUsers": lambda: carol.client.list_users(UserPoolId=shared),
        "SetUserPoolMfaConfig": lambda: carol.client.set_user_pool_mfa_config(UserPoolId=shared,
                                                                             MfaConfiguration="OFF"),
    }.items():
        with pytest.raises(ClientError) as info:
            call()
        assert _error(info) == ("AccessDeniedException",
                                ACCESS_DENIED.format(name=carol.name, op=operation, pool=shared))


# ---------------------------------------------------------------- the control endpoints
def test_control_endpoints_check_the_signature_and_the_pool(box, trainer):
    own, _ = _pool(trainer)
    shared, _ = _pool(trainer)
    other, _ = _pool(trainer)
    erin = _Trainee(box, f"erin-{uuid.uuid4().hex[:6]}", pools=[own], users={shared: "erin"})
    key = type("K", (), {"access_key_id": erin.access_key_id, "secret_access_key": erin.secret_access_key})

    assert _control(box, "clock")[1]["__type"] == "MissingAuthenticationTokenException"
    status, moved = _control(box, "clock", {"advance": 30, "pool": own}, key=key)
    assert status == 200 and moved["pool_offset"] == pytest.approx(30)  # on top of the sandbox's own time
    _control(box, "clock", {"advance": 60, "pool": other}, key=box.trainer)
    assert set(_control(box, "clock", key=key)[1]["pools_ahead"]) == {own}  # not the other trainee's pool
    assert {own, other} <= set(_control(box, "clock", key=box.trainer)[1]["pools_ahead"])
    _control(box, "clock", {"reset": True, "pool": other}, key=box.trainer)
    assert _control(box, f"clock?pool={shared}", key=key)[0] == 200  # reading a shared pool's clock: ok
    for body in ({"advance": 30, "pool": shared}, {"advance": 30, "pool": other}, {"advance": 30}, {"reset": True}):
        status, answer = _control(box, "clock", body, key=key)
        assert (status, answer["__type"]) == (400, "AccessDeniedException"), body
    assert _control(box, f"clock?pool={other}", key=key)[1]["__type"] == "AccessDeniedException"
    assert _control(box, "credentials", {"name": "mallory"}, key=key)[1]["__type"] == "AccessDeniedException"
    assert _control(box, "clock", {"reset": True, "pool": own}, key=box.trainer)[0] == 200
    assert _control(box, "whoami", key=key)[1]["pools"] == [own]


def test_a_trainee_reads_only_their_own_messages(box, trainer):
    shared, client_id = _pool(trainer)
    trainer.set_user_pool_mfa_config(
        UserPoolId=shared, MfaConfiguration="ON",
        SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": {
            "SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "x"}})
    for name, phone in (("frank", "+447700900001"), ("grace", "+447700900002")):
        trainer.admin_create_user(UserPoolId=shared, Username=name, TemporaryPassword=PASSWORD,
                                  MessageAction="SUPPRESS", UserAttributes=[{"Name": "phone_number", "Value": phone}])
        trainer.admin_set_user_password(UserPoolId=shared, Username=name, Password=PASSWORD, Permanent=True)
        trainer.admin_initiate_auth(UserPoolId=shared, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    frank = _Trainee(box, f"frank-{uuid.uuid4().hex[:6]}", users={shared: "frank"})
    key = type("K", (), {"access_key_id": frank.access_key_id, "secret_access_key": frank.secret_access_key})
    status, answer = _control(box, f"messages?pool={shared}", key=key)
    assert status == 200 and {m["username"] for m in answer["messages"]} == {"frank"}
    everyone = _control(box, f"messages?pool={shared}", key=box.trainer)[1]["messages"]
    assert {m["username"] for m in everyone} == {"frank", "grace"}


def test_control_posts_need_json_even_when_signed(box, trainer):
    pool, _ = _pool(trainer)
    status, answer = _control(box, "clock", {"advance": 5, "pool": pool}, key=box.trainer, content_type="text/plain")
    assert (status, answer["__type"]) == (415, "SerializationException")
    # who is calling is checked first: an unsigned form post learns nothing more than an unsigned call
    status, answer = _control(box, "clock", {"advance": 5, "pool": pool},
                              content_type="application/x-www-form-urlencoded")
    assert (status, answer["__type"]) == (400, "MissingAuthenticationTokenException")


def test_a_trainee_cannot_tell_another_pool_from_no_pool_and_is_told_what_was_refused(box, trainer):
    own, _ = _pool(trainer)
    other, _ = _pool(trainer)
    ivan = _Trainee(box, f"ivan-{uuid.uuid4().hex[:6]}", pools=[own])
    key = type("K", (), {"access_key_id": ivan.access_key_id, "secret_access_key": ivan.secret_access_key})
    missing = "us-east-1_nosuchpo0"
    for pool in (other, missing):
        for path in (f"clock?pool={pool}", f"messages?pool={pool}", f"class?pool={pool}"):
            status, answer = _control(box, path, key=key)
            assert (status, answer["__type"]) == (400, "AccessDeniedException"), path
        status, answer = _control(box, "clock", {"advance": 5, "pool": pool}, key=key)
        assert (status, answer["__type"]) == (400, "AccessDeniedException")
        assert f"not authorized to move the clock of pool {pool}" in answer["message"]
    assert _control(box, f"clock?pool={missing}", key=box.trainer)[0] == 404  # the trainer hears it doesn't exist


@pytest.mark.parametrize("advance", ["30", None, [5], 10 * 365 * 86400 + 1, 1e308, -1])
def test_a_clock_moves_by_a_number_of_seconds_within_ten_years(box, trainer, advance):
    pool, _ = _pool(trainer)
    before = _control(box, f"clock?pool={pool}", key=box.trainer)[1]["pool_offset"]
    status, answer = _control(box, "clock", {"advance": advance, "pool": pool}, key=box.trainer)
    assert (status, answer["__type"]) == (400, "InvalidParameterException"), answer
    assert _control(box, f"clock?pool={pool}", key=box.trainer)[1]["pool_offset"] == before  # nothing moved


def test_the_kit_signs_its_control_calls_with_the_labs_credentials(box, trainer, monkeypatch):
    pool, _ = _pool(trainer)
    henry = _Trainee(box, f"henry-{uuid.uuid4().hex[:6]}", pools=[pool])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", henry.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", henry.secret_access_key)
    lab = connect(endpoint_url=box.endpoint_url)
    base = box.clock.offset  # the sandbox's own time, which other tests of this process may have moved
    with lab.clock_ahead(90, pool) as moved:
        assert moved.offset == pytest.approx(base + 90)
    with pytest.raises(SandboxRefused) as info:
        lab.advance_clock(30)  # the sandbox's own clock: the trainer's
    assert "AccessDeniedException" in str(info.value)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    with pytest.raises(Exception, match="checks who calls"):
        connect(endpoint_url=box.endpoint_url)


# ---------------------------------------------------------------- the command and the AWS CLI
@pytest.fixture()
def cli_sandbox(tmp_path):
    """`cognito-mfa-kit sandbox --require-credentials` as a child process: (url, credentials path)."""
    proc = subprocess.Popen(
        child_command("cognito_mfa_kit", "sandbox", "--port", "0", "--require-credentials",
                      "--credentials-file", str(tmp_path / "trainer.ini")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url, path = proc.stdout.readline().strip(), proc.stdout.readline().strip()
    yield url, path
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.awscli
def test_the_aws_cli_signs_with_the_trainer_profile_and_is_refused_unsigned(cli_sandbox, aws_cli, tmp_path):
    url, path = cli_sandbox
    assert url.startswith("http://127.0.0.1:") and path == str(tmp_path / "trainer.ini")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "[cmk-trainer]" in Path(path).read_text()
    env = {**os.environ, "AWS_SHARED_CREDENTIALS_FILE": path, "AWS_CONFIG_FILE": os.devnull, "AWS_PAGER": ""}
    env.pop("AWS_ACCESS_KEY_ID", None)
    env.pop("AWS_SECRET_ACCESS_KEY", None)
    base = [aws_cli, "--region", REGION, "--endpoint-url", url, "cognito-idp"]
    made = subprocess.run([*base[:-1], "--profile", "cmk-trainer", "cognito-idp", "create-user-pool",
                           "--pool-name", "via-cli", "--output", "json"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert made.returncode == 0, made.stderr
    unsigned = subprocess.run([*base[:-1], "--no-sign-request", "cognito-idp", "list-user-pools", "--max-results",
                               "5"], env=env, capture_output=True, text=True, timeout=120)
    assert unsigned.returncode != 0 and "MissingAuthenticationTokenException" in unsigned.stderr


def test_listening_beyond_loopback_needs_credentials_or_says_it_is_open(tmp_path):
    refused = subprocess.run([sys.executable, "-m", "cognito_mfa_kit", "sandbox", "--host", "0.0.0.0", "--port", "0"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "--require-credentials" in refused.stderr and "--insecure-open" in refused.stderr
    proc = subprocess.Popen([*child_command("cognito_mfa_kit", "sandbox", "--host", "0.0.0.0", "--port", "0"),
                             "--insecure-open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith("http://0.0.0.0:")
        warning = proc.stderr.readline()
        while "WARNING" not in warning and warning:
            warning = proc.stderr.readline()
        assert "NO credential check" in warning
    finally:
        proc.terminate()
        proc.wait(timeout=10)
