"""The sandbox state file: a real ``cognito-mfa-kit sandbox --state FILE`` process, stopped and started again."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import selectors
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pyotp
import pytest
import requests

from cognito_mfa_kit.lifetime import child_command
from cognito_mfa_kit.sandbox import state as state_mod
from cognito_mfa_kit.sandbox.backend import sandbox_backends
from cognito_mfa_kit.sandbox.state import FORMAT, StateFile, restore, snapshot

PASSWORD = "Correct-Horse-9!"
REGION = "us-east-1"
START_TIMEOUT = 30.0


class Running:
    def __init__(self, url: str) -> None:
        self.url = url
        self.cognito = boto3.client(
            "cognito-idp", endpoint_url=url, region_name=REGION,
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
        )

    def clock(self) -> dict[str, float]:
        return requests.get(f"{self.url}/_sandbox/clock", timeout=10).json()

    def next_step(self) -> float:
        """Move the sandbox clock to the next TOTP step; returns the sandbox time."""
        return requests.post(f"{self.url}/_sandbox/clock", json={"advance": 30}, timeout=10).json()["now"]


def _command(path: Path) -> list[str]:
    return child_command("cognito_mfa_kit", "sandbox", "--state", str(path), "--port", "0")  # ends with us


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise AssertionError(f"the sandbox printed nothing within {timeout} s")
    return proc.stdout.readline().strip()


@contextlib.contextmanager
def sandbox_process(path: Path) -> Iterator[Running]:
    proc = subprocess.Popen(_command(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = _first_line(proc, START_TIMEOUT)
        assert url.startswith("http://"), (url, proc.stderr.read() if proc.poll() is not None else "")
        yield Running(url)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _set_up(box: Running) -> dict[str, Any]:
    """A pool with TOTP and device tracking, two clients (one with a secret), a user enrolled in TOTP."""
    c = box.cognito
    pool_id = c.create_user_pool(
        PoolName="state-test",
        UserPoolTags={"cognito-mfa-kit": "state-test"},
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False},
    )["UserPool"]["Id"]
    c.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    client_id = c.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", AuthSessionValidity=7,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    secret_client = c.create_user_pool_client(UserPoolId=pool_id, ClientName="server", GenerateSecret=True)
    c.create_group(UserPoolId=pool_id, GroupName="trainees")
    c.admin_create_user(
        UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
    )
    c.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    c.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName="trainees")

    signed_in = _password_sign_in(box, pool_id, client_id)
    tokens = signed_in["AuthenticationResult"]
    secret = c.associate_software_token(AccessToken=tokens["AccessToken"])["SecretCode"]
    code = pyotp.TOTP(secret).at(box.next_step())
    c.verify_software_token(AccessToken=tokens["AccessToken"], UserCode=code, FriendlyDeviceName="phone")
    c.set_user_mfa_preference(
        AccessToken=tokens["AccessToken"],
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    device_key = tokens["NewDeviceMetadata"]["DeviceKey"]
    c.confirm_device(
        AccessToken=tokens["AccessToken"], DeviceKey=device_key, DeviceName="laptop",
        DeviceSecretVerifierConfig={
            "PasswordVerifier": base64.b64encode(os.urandom(64)).decode(),
            "Salt": base64.b64encode(os.urandom(16)).decode(),
        },
    )
    # Signed in with TOTP: the tokens a trainee holds when the sandbox stops.
    held = _totp_sign_in(box, pool_id, client_id, secret)["AuthenticationResult"]
    return {
        "pool_id": pool_id,
        "client_id": client_id,
        "secret_client": secret_client["UserPoolClient"],
        "secret": secret,
        "device_key": device_key,
        "held": held,
        "sub": c.admin_get_user(UserPoolId=pool_id, Username="alice")["UserAttributes"],
        "offset": box.clock()["offset"],
    }


def _password_sign_in(box: Running, pool_id: str, client_id: str) -> dict[str, Any]:
    return box.cognito.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )


def _totp_sign_in(box: Running, pool_id: str, client_id: str, secret: str) -> dict[str, Any]:
    first = _password_sign_in(box, pool_id, client_id)
    assert first.get("ChallengeName") == "SOFTWARE_TOKEN_MFA", first
    return box.cognito.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=first["Session"],
        ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(box.next_step())},
    )


def test_pools_users_totp_and_tokens_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-state.json"
    with sandbox_process(path) as box:
        before = _set_up(box)
    assert path.exists()
    assert os.stat(path).st_mode & 0o777 == 0o600
    saved = json.loads(path.read_text())
    assert saved["format"] == FORMAT and saved["version"] == 1 and saved["saved_at"]
    assert [p["id"] for b in saved["backends"] for p in b["pools"]] == [before["pool_id"]]
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind

    with sandbox_process(path) as box:
        c = box.cognito
        assert box.clock()["offset"] >= before["offset"] > 0
        pool = c.describe_user_pool(UserPoolId=before["pool_id"])["UserPool"]
        assert pool["Name"] == "state-test"
        assert pool["UserPoolTags"] == {"cognito-mfa-kit": "state-test"}
        mfa = c.get_user_pool_mfa_config(UserPoolId=before["pool_id"])
        assert mfa["MfaConfiguration"] == "OPTIONAL" and mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
        client = c.describe_user_pool_client(UserPoolId=before["pool_id"], ClientId=before["client_id"])
        assert client["UserPoolClient"]["AuthSessionValidity"] == 7
        assert client["UserPoolClient"]["ExplicitAuthFlows"] == [
            "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        secret_client = c.describe_user_pool_client(
            UserPoolId=before["pool_id"], ClientId=before["secret_client"]["ClientId"])["UserPoolClient"]
        assert secret_client["ClientSecret"] == before["secret_client"]["ClientSecret"]

        user = c.admin_get_user(UserPoolId=before["pool_id"], Username="alice")
        assert user["UserAttributes"] == before["sub"]  # same sub, same email
        assert user["UserStatus"] == "CONFIRMED"
        assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
        assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
        groups = c.admin_list_groups_for_user(UserPoolId=before["pool_id"], Username="alice")["Groups"]
        assert [g["GroupName"] for g in groups] == ["trainees"]

        # The signed-in trainee stays signed in: access token and refresh token still work.
        held = before["held"]
        assert c.get_user(AccessToken=held["AccessToken"])["Username"] == "alice"
        devices = c.list_devices(AccessToken=held["AccessToken"])["Devices"]
        assert before["device_key"] in [d["DeviceKey"] for d in devices]
        refreshed = c.admin_initiate_auth(
            UserPoolId=before["pool_id"], ClientId=before["client_id"], AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": held["RefreshToken"]},
        )["AuthenticationResult"]
        assert c.get_user(AccessToken=refreshed["AccessToken"])["Username"] == "alice"

        # Password + TOTP from the same secret; the JWKS still verifies with the same key id.
        tokens = _totp_sign_in(box, before["pool_id"], before["client_id"], before["secret"])["AuthenticationResult"]
        jwks = requests.get(f"{box.url}/{before['pool_id']}/.well-known/jwks.json", timeout=10).json()
        assert jwt.get_unverified_header(tokens["IdToken"])["kid"] == jwt.get_unverified_header(
            held["IdToken"])["kid"] == jwks["keys"][0]["kid"]

        # A wrong password still counts towards the lockout, and that count is saved too.
        with pytest.raises(c.exceptions.NotAuthorizedException):
            c.admin_initiate_auth(
                UserPoolId=before["pool_id"], ClientId=before["client_id"], AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "alice", "PASSWORD": "wrong-Password-1"},
            )
    failures = [u["mfa"]["failures"] for b in json.loads(path.read_text())["backends"] for p in b["pools"]
                for u in p["users"]]
    assert failures == [1]


def _valid_state_text(tmp_path: Path) -> str:
    path = tmp_path / "valid.json"
    with sandbox_process(path) as box:
        box.cognito.create_user_pool(PoolName="truncate-me")
    return path.read_text()


@pytest.mark.parametrize(
    "content, expected",
    [
        ("TRUNCATED", "corrupt or truncated"),
        ("{not json", "corrupt or truncated"),
        ('{"hello": "world"}', "not a cognito-mfa-kit sandbox state file"),
        ("[1, 2, 3]", "not a cognito-mfa-kit sandbox state file"),
        (json.dumps({"format": FORMAT, "version": 99, "backends": []}), "newer cognito-mfa-kit"),
        (json.dumps({"format": FORMAT, "version": "1", "backends": []}), "invalid version"),
        (json.dumps({"format": FORMAT, "version": 1, "backends": [{"region": "us-east-1"}]}), "corrupt"),
    ],
)
def test_corrupt_or_foreign_file_is_refused_and_left_untouched(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "state.json"
    if content == "TRUNCATED":
        full = _valid_state_text(tmp_path)
        content = full[: len(full) // 2]
    path.write_text(content)
    before = path.read_bytes()
    proc = subprocess.run(_command(path), capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert proc.stdout == ""  # no endpoint: nothing started
    assert str(path) in proc.stderr and expected in proc.stderr
    assert "--state" in proc.stderr and "Move it away" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert path.read_bytes() == before


# -------------------------------------------------------------------------------------------- in this process
def _only(state: dict[str, Any], pool_id: str) -> dict[str, Any]:
    """``state`` with only the pool ``pool_id`` (other tests' pools share this process)."""
    backends = []
    for entry in state["backends"]:
        pools = [p for p in entry["pools"] if p["id"] == pool_id]
        if pools:
            backends.append({**entry, "pools": pools})
    return {**state, "backends": backends, "saved_at": None}


def test_snapshot_and_restore_round_trip(cognito: Any) -> None:
    pool_id = cognito.create_user_pool(
        PoolName=f"rt-{uuid.uuid4().hex[:8]}",
        Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="c", GenerateSecret=True)[
        "UserPoolClient"]["ClientId"]
    cognito.create_group(UserPoolId=pool_id, GroupName="g", Precedence=3)
    cognito.admin_create_user(UserPoolId=pool_id, Username="bob", TemporaryPassword="Temp-Pass-1!",
                              UserAttributes=[{"Name": "custom:team", "Value": "red"}], MessageAction="SUPPRESS")
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username="bob", GroupName="g")
    cognito.admin_disable_user(UserPoolId=pool_id, Username="bob")

    first = _only(snapshot(), pool_id)
    original = sandbox_backends["123456789012"][REGION].user_pools.pop(pool_id)
    restore(first)
    restored = sandbox_backends["123456789012"][REGION].user_pools[pool_id]
    assert restored is not original
    assert _only(snapshot(), pool_id) == first
    # moto compares user status by identity: the restored status must be the enum member.
    assert restored.users["bob"].status is original.users["bob"].status
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="bob")["Enabled"] is False
    assert cognito.list_users_in_group(UserPoolId=pool_id, GroupName="g")["Users"][0]["Username"] == "bob"
    assert "custom:team" in [a["Name"] for a in cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"][
        "SchemaAttributes"]]
    assert cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"][
        "ClientSecret"] == original.clients[client_id].secret


def test_save_is_atomic_and_private(cognito: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    state = StateFile(path)
    state.save()
    assert os.stat(path).st_mode & 0o777 == 0o600
    good = path.read_bytes()
    assert json.loads(good)["format"] == FORMAT

    cognito.create_user_pool(PoolName=f"atomic-{uuid.uuid4().hex[:8]}")

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(state_mod.os, "replace", crash)
    with pytest.raises(OSError):
        state.save()
    assert path.read_bytes() == good
    assert list(tmp_path.iterdir()) == [path]  # the temporary file is cleaned up


def test_missing_file_is_a_fresh_sandbox(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "absent.json")
    assert state.load() is False
    assert not (tmp_path / "absent.json").exists()
