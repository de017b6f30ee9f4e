"""The sandbox's SQLite store: real ``cognito-mfa-kit sandbox --state FILE`` processes, stopped, killed and started
again, and the file itself read with sqlite3."""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import json
import os
import selectors
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pyotp
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from cognito_mfa_kit.lifetime import child_command
from cognito_mfa_kit.sandbox import store as store_mod
from cognito_mfa_kit.sandbox.store import APPLICATION_ID, SCHEMA_VERSION, Store

PASSWORD = "Correct-Horse-9!"
REGION = "us-east-1"
START_TIMEOUT = 30.0
FIXTURE = Path(__file__).parent / "fixtures" / "sandbox-state-v1.json"


class Running:
    def __init__(self, url: str, proc: subprocess.Popen[str]) -> None:
        self.url = url
        self.proc = proc
        self.cognito = boto3.client(
            "cognito-idp", endpoint_url=url, region_name=REGION, aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox", config=Config(retries={"mode": "standard", "max_attempts": 1}),
        )

    def clock(self, pool: str | None = None) -> dict[str, float]:
        return requests.get(f"{self.url}/_sandbox/clock", params={"pool": pool} if pool else None, timeout=10).json()

    def advance(self, seconds: float, pool: str | None = None) -> float:
        body: dict[str, Any] = {"advance": seconds, **({"pool": pool} if pool else {})}
        return requests.post(f"{self.url}/_sandbox/clock", json=body, timeout=10).json()["now"]

    def kill(self) -> None:
        """``kill -9``: no clean-up of any kind."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=15)


def _command(path: Path, *extra: str) -> list[str]:
    return child_command("cognito_mfa_kit", "sandbox", "--state", str(path), "--port", "0", *extra)


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise AssertionError(f"the sandbox printed nothing within {timeout} s")
    return proc.stdout.readline().strip()


@contextlib.contextmanager
def sandbox_process(path: Path, *extra: str) -> Iterator[Running]:
    proc = subprocess.Popen(_command(path, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = _first_line(proc, START_TIMEOUT)
        assert url.startswith("http://"), (url, proc.stderr.read() if proc.poll() is not None else "")
        yield Running(url, proc)
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


def _rows(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the store with sqlite3 itself (read-only), as another process would."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute(sql, params).fetchall()


def _pool_and_client(c: Any, **pool_args: Any) -> tuple[str, str]:
    pool_id = c.create_user_pool(PoolName="store-test", **pool_args)["UserPool"]["Id"]
    c.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                               SoftwareTokenMfaConfiguration={"Enabled": True})
    client_id = c.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", AuthSessionValidity=7,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _user(c: Any, pool_id: str, name: str) -> None:
    c.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS", TemporaryPassword=PASSWORD,
                        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
    c.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


def _sign_in(c: Any, pool_id: str, client_id: str, name: str = "alice") -> dict[str, Any]:
    return c.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})


# ---------------------------------------------------------------------------------------------------- restarts
def test_everything_a_class_keeps_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-state.sqlite3"
    with sandbox_process(path) as box:
        c = box.cognito
        pool_id, client_id = _pool_and_client(
            c, UserPoolTags={"cognito-mfa-kit": "store-test"},
            DeviceConfiguration={"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False})
        secret_client = c.create_user_pool_client(UserPoolId=pool_id, ClientName="server",
                                                  GenerateSecret=True)["UserPoolClient"]
        c.create_group(UserPoolId=pool_id, GroupName="trainees")
        _user(c, pool_id, "alice")
        c.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName="trainees")
        tokens = _sign_in(c, pool_id, client_id)["AuthenticationResult"]
        secret = c.associate_software_token(AccessToken=tokens["AccessToken"])["SecretCode"]
        c.verify_software_token(AccessToken=tokens["AccessToken"], UserCode=pyotp.TOTP(secret).at(
            box.advance(30, pool_id)), FriendlyDeviceName="phone")
        c.set_user_mfa_preference(AccessToken=tokens["AccessToken"],
                                  SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        c.confirm_device(AccessToken=tokens["AccessToken"], DeviceKey=tokens["NewDeviceMetadata"]["DeviceKey"],
                         DeviceName="laptop", DeviceSecretVerifierConfig={
                             "PasswordVerifier": base64.b64encode(os.urandom(64)).decode(),
                             "Salt": base64.b64encode(os.urandom(16)).decode()})
        c.create_user_pool_domain(UserPoolId=pool_id, Domain="store-test-domain")
        c.create_identity_provider(UserPoolId=pool_id, ProviderName="ExampleOIDC", ProviderType="OIDC",
                                   ProviderDetails={"client_id": "x", "client_secret": "y",
                                                    "authorize_scopes": "openid", "oidc_issuer": "https://idp"})
        pending = _sign_in(c, pool_id, client_id)  # a SOFTWARE_TOKEN_MFA challenge, answered after the restart
        assert pending["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        offset = box.clock(pool_id)["offset"]
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert _rows(path, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert _rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]

    with sandbox_process(path) as box:
        c = box.cognito
        assert box.clock(pool_id)["offset"] == pytest.approx(offset) and offset >= 30
        pool = c.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        assert pool["UserPoolTags"] == {"cognito-mfa-kit": "store-test"}
        assert c.get_user_pool_mfa_config(UserPoolId=pool_id)["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
        assert c.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"][
            "AuthSessionValidity"] == 7
        assert c.describe_user_pool_client(UserPoolId=pool_id, ClientId=secret_client["ClientId"])[
            "UserPoolClient"]["ClientSecret"] == secret_client["ClientSecret"]
        assert c.describe_user_pool_domain(Domain="store-test-domain")["DomainDescription"]["UserPoolId"] == pool_id
        assert c.describe_identity_provider(UserPoolId=pool_id, ProviderName="ExampleOIDC")[
            "IdentityProvider"]["ProviderType"] == "OIDC"
        user = c.admin_get_user(UserPoolId=pool_id, Username="alice")
        assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
        assert [g["GroupName"] for g in c.admin_list_groups_for_user(UserPoolId=pool_id, Username="alice")[
            "Groups"]] == ["trainees"]
        assert c.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
        assert len(c.list_devices(AccessToken=tokens["AccessToken"])["Devices"]) == 1
        refreshed = c.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                          AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
        claims = jwt.decode(refreshed["AuthenticationResult"]["IdToken"], options={"verify_signature": False})
        assert claims["auth_time"] == jwt.decode(tokens["IdToken"], options={"verify_signature": False})[
            "auth_time"]  # the sign-in time is kept across the restart
        # The challenge issued before the restart is answered after it, with the next code.
        answer = c.admin_respond_to_auth_challenge(
            UserPoolId=pool_id, ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=pending["Session"],
            ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(
                box.advance(30, pool_id))})
        assert "AccessToken" in answer["AuthenticationResult"]
        jwks = requests.get(f"{box.url}/{pool_id}/.well-known/jwks.json", timeout=10).json()
        assert jwt.get_unverified_header(tokens["IdToken"])["kid"] == jwks["keys"][0]["kid"]


def test_acknowledged_changes_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sandbox_process(path) as box:
        c = box.cognito
        pool_id, client_id = _pool_and_client(c)
        _user(c, pool_id, "alice")
        box.kill()  # right after the acknowledged AdminCreateUser/AdminSetUserPassword
    with sandbox_process(path) as box:
        c = box.cognito
        assert c.admin_get_user(UserPoolId=pool_id, Username="alice")["UserStatus"] == "CONFIRMED"
        token = _sign_in(c, pool_id, client_id)["AuthenticationResult"]["AccessToken"]
        secret = c.associate_software_token(AccessToken=token)["SecretCode"]
        assert c.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).at(
            box.advance(30, pool_id)))["Status"] == "SUCCESS"
        box.kill()  # right after the acknowledged VerifySoftwareToken
    with sandbox_process(path) as box:
        c = box.cognito
        c.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True,
                                                                               "PreferredMfa": True})
        box.kill()  # right after the acknowledged SetUserMFAPreference
    with sandbox_process(path) as box:
        c = box.cognito
        user = c.admin_get_user(UserPoolId=pool_id, Username="alice")
        assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
        challenge = _sign_in(c, pool_id, client_id)
        assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        # the code used at verify stays used: the verified secret and its last step were both kept
        answer = c.admin_respond_to_auth_challenge(
            UserPoolId=pool_id, ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"], ChallengeResponses={
                "USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(secret).at(box.advance(30, pool_id))})
        assert "AccessToken" in answer["AuthenticationResult"]


def test_kill_9_during_a_burst_of_writes_loses_no_acknowledged_user_and_half_writes_none(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    acknowledged: list[str] = []
    lock = threading.Lock()
    with sandbox_process(path) as box:
        pool_id, _ = _pool_and_client(box.cognito)
        stop = threading.Event()

        def writer(worker: int) -> None:
            client = boto3.client("cognito-idp", endpoint_url=box.url, region_name=REGION,
                                  aws_access_key_id="x", aws_secret_access_key="x",
                                  config=Config(retries={"mode": "standard", "max_attempts": 1}))
            n = 0
            while not stop.is_set():
                name = f"w{worker}-{n}"
                try:
                    client.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                                             TemporaryPassword=PASSWORD,
                                             UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
                except Exception:  # noqa: BLE001 - the server was killed mid-call: that call got no answer
                    return
                with lock:
                    acknowledged.append(name)
                n += 1

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(writer, i) for i in range(4)]
            while len(acknowledged) < 40:
                threading.Event().wait(0.05)
            box.kill()
            stop.set()
            for future in futures:
                future.result(timeout=30)
    stored = {name: json.loads(data) for name, data in _rows(path, "SELECT username, data FROM users")}
    assert set(acknowledged) <= set(stored)  # every acknowledged user is there
    for name, data in stored.items():  # and every stored one is whole
        assert data["username"] == name and data["status"] == "FORCE_CHANGE_PASSWORD"
        assert {"Name": "email", "Value": f"{name}@example.com"} in data["attributes"]
    with sandbox_process(path) as box:
        listed = box.cognito.list_users(UserPoolId=pool_id)
        count = len(listed["Users"])
        while listed.get("PaginationToken"):
            listed = box.cognito.list_users(UserPoolId=pool_id, PaginationToken=listed["PaginationToken"])
            count += len(listed["Users"])
        assert count == len(stored)


def test_a_call_writes_only_what_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sandbox_process(path) as box:
        c = box.cognito
        pool_id, client_id = _pool_and_client(c)
        for name in ("alice", "bob"):
            _user(c, pool_id, name)
        bob_before = _rows(path, "SELECT data FROM users WHERE username = 'bob'")
        pool_before = _rows(path, "SELECT data FROM pools")
        with pytest.raises(ClientError):
            c.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "alice", "PASSWORD": "wrong-Password-1"})
        alice = json.loads(_rows(path, "SELECT data FROM users WHERE username = 'alice'")[0][0])
        assert alice["mfa"]["failures"] == 1  # the lockout counter, written with the refused call
        assert _rows(path, "SELECT data FROM users WHERE username = 'bob'") == bob_before
        assert _rows(path, "SELECT data FROM pools") == pool_before


# ---------------------------------------------------------------------------------------------------- pruning
def test_pruning_keeps_a_live_session_and_drops_an_expired_one(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sandbox_process(path) as box:
        c = box.cognito
        pools = []
        for _ in range(2):
            pool_id = c.create_user_pool(PoolName="prune")["UserPool"]["Id"]
            c.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                       SoftwareTokenMfaConfiguration={"Enabled": True})
            client_id = c.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=[
                "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
            _user(c, pool_id, "alice")
            assert _sign_in(c, pool_id, client_id)["ChallengeName"] == "MFA_SETUP"
            pools.append(pool_id)
        old, live = pools

        def sessions(pool_id: str) -> int:
            return _rows(path, "SELECT count(*) FROM sessions WHERE pool_id = ?", pool_id)[0][0]

        assert sessions(old) == sessions(live) == 1
        box.advance(3 * 60 + 3600 + 5, old)  # the old pool's session expired over an hour ago
        c.list_user_pools(MaxResults=1)  # any call: the janitor runs after it
        assert sessions(old) == 0 and sessions(live) == 1


def test_pruning_drops_tokens_past_their_life_and_keeps_the_store_bounded(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sandbox_process(path) as box:
        c = box.cognito
        pool_id, client_id = _pool_and_client(c)
        _user(c, pool_id, "alice")
        for _ in range(20):
            _sign_in(c, pool_id, client_id)

        def tokens(kind: str) -> int:
            return _rows(path, "SELECT count(*) FROM tokens WHERE kind = ?", kind)[0][0]

        assert (tokens("access"), tokens("id"), tokens("refresh")) == (20, 20, 20)
        box.advance(2 * 86400, pool_id)  # access and ID tokens: an hour, plus the day's grace
        _sign_in(c, pool_id, client_id)
        assert (tokens("access"), tokens("id"), tokens("refresh")) == (1, 1, 21)
        box.advance(31 * 86400, pool_id)  # refresh tokens: 30 days, plus the grace
        c.list_user_pools(MaxResults=1)
        assert tokens("refresh") == 0 and _rows(path, "SELECT count(*) FROM auth_times")[0][0] == 0


# ---------------------------------------------------------------------------------------------------- files
def test_a_json_state_file_of_an_earlier_version_is_imported_once(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-state.json"
    shutil.copy(FIXTURE, path)
    saved = json.loads(FIXTURE.read_text())
    pool = saved["backends"][0]["pools"][0]
    alice = pool["users"][0]
    with sandbox_process(path) as box:
        c = box.cognito
        assert c.describe_user_pool(UserPoolId=pool["id"])["UserPool"]["Name"] == "legacy-pool"
        user = c.admin_get_user(UserPoolId=pool["id"], Username="alice")
        assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
        assert [g["GroupName"] for g in c.admin_list_groups_for_user(UserPoolId=pool["id"], Username="alice")[
            "Groups"]] == ["trainees"]
        assert len(c.admin_list_devices(UserPoolId=pool["id"], Username="alice")["Devices"]) == 1
        challenge = _sign_in(c, pool["id"], pool["clients"][0]["id"])
        answer = c.admin_respond_to_auth_challenge(
            UserPoolId=pool["id"], ClientId=pool["clients"][0]["id"], ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"], ChallengeResponses={
                "USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(alice["mfa"]["secret"]).at(
                    box.advance(60, pool["id"]))})
        assert "AccessToken" in answer["AuthenticationResult"]
    backups = list(tmp_path.glob("sandbox-state.json.*.bak"))
    assert len(backups) == 1 and json.loads(backups[0].read_text()) == saved  # the JSON, kept as it was
    assert path.read_bytes().startswith(b"SQLite format 3\x00") and os.stat(path).st_mode & 0o777 == 0o600
    with sandbox_process(path) as box:  # second start: the store, not another import
        assert box.cognito.admin_get_user(UserPoolId=pool["id"], Username="alice")["Username"] == "alice"
    assert len(list(tmp_path.glob("*.bak"))) == 1


def test_the_lab_imports_its_old_json_state_beside_the_new_store(tmp_path: Path) -> None:
    legacy, path = tmp_path / "sandbox-state.json", tmp_path / "sandbox-state.sqlite3"
    shutil.copy(FIXTURE, legacy)
    pool_id = json.loads(FIXTURE.read_text())["backends"][0]["pools"][0]["id"]
    with sandbox_process(path, "--import-json", str(legacy)) as box:
        assert box.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == "legacy-pool"
    assert not legacy.exists() and len(list(tmp_path.glob("sandbox-state.json.*.bak"))) == 1


def _sqlite_file(path: Path, *statements: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        for statement in statements:
            db.execute(statement)
        db.commit()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        ("garbage", "not a cognito-mfa-kit sandbox state file"),
        ("truncated", "corrupt"),
        ("foreign", "not a cognito-mfa-kit sandbox store"),
        ("newer", "newer cognito-mfa-kit"),
        ("bad json", "corrupt or truncated JSON"),
        ("foreign json", "not a cognito-mfa-kit sandbox state file"),
    ],
)
def test_a_corrupt_or_foreign_file_is_refused_with_its_path_and_left_untouched(
        tmp_path: Path, make: str, expected: str) -> None:
    path = tmp_path / "state.sqlite3"
    if make == "garbage":
        path.write_bytes(b"\x00\x01 not a state file \xff" * 200)
    elif make == "truncated":
        with sandbox_process(path) as box:
            for n in range(30):
                box.cognito.create_user_pool(PoolName=f"p{n}")
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        for leftover in tmp_path.glob("state.sqlite3-*"):
            leftover.unlink()
    elif make == "foreign":
        _sqlite_file(path, "CREATE TABLE orders (id INTEGER)")
    elif make == "newer":
        _sqlite_file(path, f"PRAGMA application_id = {APPLICATION_ID}", f"PRAGMA user_version = {SCHEMA_VERSION + 1}",
                     "CREATE TABLE future (x)")
    elif make == "bad json":
        path.write_text('{"format": "cognito-mfa-kit/sandbox-state", "vers')
    else:
        path.write_text('{"hello": "world"}')
    before = path.read_bytes()
    proc = subprocess.run(_command(path), capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert proc.stdout == ""  # no endpoint: nothing started
    assert str(path) in proc.stderr and expected in proc.stderr, proc.stderr
    assert "Move it away" in proc.stderr and "Traceback" not in proc.stderr
    assert path.read_bytes() == before


def test_the_store_and_its_journal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sandbox_process(path) as box:
        box.cognito.create_user_pool(PoolName="private")
        files = sorted(tmp_path.iterdir())
        assert path in files
        for file in files:
            assert os.stat(file).st_mode & 0o077 == 0, file


def test_in_memory_sandbox_writes_no_file(tmp_path: Path) -> None:
    with sandbox_process(Path(":memory:")) as box:
        box.cognito.create_user_pool(PoolName="memory")
    assert not Path(":memory:").exists()


def test_a_migration_brings_an_older_schema_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.sqlite3"
    Store.open(path).close()  # today's schema
    monkeypatch.setitem(store_mod.MIGRATIONS, SCHEMA_VERSION + 1, ["CREATE TABLE added_later (x TEXT)"])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    Store.open(path).close()
    assert _rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
    assert _rows(path, "SELECT name FROM sqlite_master WHERE name = 'added_later'") == [("added_later",)]


# ---------------------------------------------------------------------------------------------------- export
def test_export_shows_what_the_store_holds_with_secrets_masked_unless_revealed(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with sandbox_process(path, "--require-credentials") as box:
        key = path.with_suffix(".credentials").read_text()
        assert "[cmk-trainer]" in key
        key_id = key.split("aws_access_key_id = ")[1].split()[0]
        secret = key.split("aws_secret_access_key = ")[1].strip()
        trainer = boto3.client("cognito-idp", endpoint_url=box.url, region_name=REGION,
                               aws_access_key_id=key_id, aws_secret_access_key=secret)
        pool_id = trainer.create_user_pool(PoolName="exported")["UserPool"]["Id"]
        _user(trainer, pool_id, "alice")
        export = [sys.executable, "-m", "cognito_mfa_kit", "sandbox", "export", "--state", str(path)]
        masked = subprocess.run(export, capture_output=True, text=True, timeout=60)  # while the sandbox runs
        assert masked.returncode == 0, masked.stderr
        doc = json.loads(masked.stdout)
        assert doc["secrets"].startswith("masked") and doc["rows"]["principals"] == 1
        assert doc["principals"][0]["kind"] == "trainer"
        assert doc["principals"][0]["secret_access_key"] == "<masked>"
        exported_user = doc["backends"][0]["pools"][0]["users"][0]
        assert exported_user["username"] == "alice" and exported_user["password"] == "<masked>"
        assert secret not in masked.stdout and PASSWORD not in masked.stdout
        assert "BEGIN PRIVATE KEY" not in masked.stdout
        revealed = subprocess.run([*export, "--reveal"], capture_output=True, text=True, timeout=60)
        assert json.loads(revealed.stdout)["principals"][0]["secret_access_key"] == secret
        assert PASSWORD in revealed.stdout
