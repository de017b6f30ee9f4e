"""A clock per user pool: moving one pool's time changes nothing for another pool (a class shares one sandbox).

Black box over HTTP, against a sandbox of its own (a child process), since some tests move the sandbox's own time.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import boto3
import pyotp
import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import access_token, answer_totp, make_pool, make_user, sign_in

from cognito_mfa_kit import flows
from cognito_mfa_kit.connect import connect

REGION = "us-east-1"


class _Remote:
    """The child sandbox: its URL and clocks."""

    def __init__(self, url: str) -> None:
        self.endpoint_url = url

    def clock(self, pool: str | None = None) -> dict:
        query = f"?pool={pool}" if pool else ""
        with urllib.request.urlopen(f"{self.endpoint_url}/_sandbox/clock{query}", timeout=5) as response:
            return json.loads(response.read())

    def now(self, pool: str | None = None) -> float:
        return self.clock(pool)["now"]

    def post(self, body: object, content_type: str = "application/json") -> dict:
        request = urllib.request.Request(f"{self.endpoint_url}/_sandbox/clock", data=json.dumps(body).encode(),
                                         method="POST", headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())


@pytest.fixture()
def box(sandbox_process) -> _Remote:
    return _Remote(sandbox_process())


@pytest.fixture()
def cognito(box):
    return boto3.client("cognito-idp", endpoint_url=box.endpoint_url, region_name=REGION,
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def _enrolled(cognito, box):
    """A pool with a TOTP user, verified with the previous step's code (accepted: ±1 step), so that the code a
    phone shows now is still unused; returns (pool, username, secret)."""
    pool = make_pool(cognito, mfa="OPTIONAL")
    username = make_user(cognito, pool)
    token = access_token(cognito, pool, username)
    secret = cognito.associate_software_token(AccessToken=token)["SecretCode"]
    code = pyotp.TOTP(secret).at(box.now(pool.id), counter_offset=-1)
    assert cognito.verify_software_token(AccessToken=token, UserCode=code)["Status"] == "SUCCESS"
    cognito.set_user_mfa_preference(AccessToken=token,
                                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return pool, username, secret


def _phone(secret: str) -> str:
    """What a real phone shows now (real time)."""
    return pyotp.TOTP(secret).now()


def test_moving_one_pool_leaves_another_pool_on_real_time(cognito, box):
    ahead, alice, alice_secret = _enrolled(cognito, box)
    real, bob, bob_secret = _enrolled(cognito, box)
    moved = box.post({"advance": 600, "pool": ahead.id})
    assert moved["pool"] == ahead.id and moved["offset"] == pytest.approx(600)
    assert box.clock(real.id)["offset"] == 0 and box.clock()["offset"] == 0

    # Bob's pool is on real time: his real phone's code signs him in.
    challenge = sign_in(cognito, real, bob)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    tokens = answer_totp(cognito, real, bob, challenge["Session"], _phone(bob_secret))
    assert "AccessToken" in tokens["AuthenticationResult"]

    # Alice's pool runs 10 minutes ahead: the real-time code is refused, the pool-time code accepted.
    challenge = sign_in(cognito, ahead, alice)
    with pytest.raises(ClientError) as info:
        answer_totp(cognito, ahead, alice, challenge["Session"], _phone(alice_secret))
    assert info.value.response["Error"]["Code"] == "CodeMismatchException"
    pool_code = pyotp.TOTP(alice_secret).at(box.now(ahead.id))
    tokens = answer_totp(cognito, ahead, alice, challenge["Session"], pool_code)
    assert "AccessToken" in tokens["AuthenticationResult"]


def test_a_pool_back_on_real_time_accepts_the_phone_at_once(cognito, box):
    pool, username, secret = _enrolled(cognito, box)
    box.post({"advance": 300, "pool": pool.id})
    challenge = sign_in(cognito, pool, username)
    answer_totp(cognito, pool, username, challenge["Session"], pyotp.TOTP(secret).at(box.now(pool.id)))
    reset = box.post({"reset": True, "pool": pool.id})
    assert reset["offset"] == 0 and abs(reset["now"] - time.time()) < 2
    # the step used ahead is forgotten: the phone's current code works at once
    challenge = sign_in(cognito, pool, username)
    tokens = answer_totp(cognito, pool, username, challenge["Session"], _phone(secret))
    assert "AccessToken" in tokens["AuthenticationResult"]


def test_access_tokens_expire_on_their_own_pool_clock(cognito, box):
    slow, fast = make_pool(cognito, mfa="OPTIONAL"), make_pool(cognito, mfa="OPTIONAL")
    users = {p.id: make_user(cognito, p) for p in (slow, fast)}
    tokens = {p.id: access_token(cognito, p, users[p.id]) for p in (slow, fast)}
    box.post({"advance": 3601, "pool": fast.id})  # past the access token's hour
    with pytest.raises(ClientError) as info:
        cognito.get_user(AccessToken=tokens[fast.id])
    assert info.value.response["Error"]["Message"] == "Access Token has expired"
    assert cognito.get_user(AccessToken=tokens[slow.id])["Username"] == users[slow.id]


def test_mfa_setup_session_expires_only_in_the_moved_pool(cognito, box):
    pools = [make_pool(cognito, mfa="ON") for _ in range(2)]
    users = [make_user(cognito, p) for p in pools]
    challenges = [sign_in(cognito, p, u) for p, u in zip(pools, users, strict=True)]
    assert [c["ChallengeName"] for c in challenges] == ["MFA_SETUP", "MFA_SETUP"]
    box.post({"advance": 181, "pool": pools[0].id})  # past the default 3-minute AuthSessionValidity
    with pytest.raises(ClientError) as info:
        cognito.associate_software_token(Session=challenges[0]["Session"])
    assert info.value.response["Error"]["Message"] == "Invalid session for the user, session is expired."
    assert "SecretCode" in cognito.associate_software_token(Session=challenges[1]["Session"])


def test_the_sandbox_time_moves_every_pool_and_a_global_reset_puts_all_back(cognito, box):
    a, b = make_pool(cognito), make_pool(cognito)
    box.post({"advance": 100, "pool": a.id})
    assert box.clock()["pools_ahead"] == {a.id: pytest.approx(100)}  # what `doctor` reports
    box.post({"advance": 50})
    assert box.clock(a.id)["offset"] == pytest.approx(150)
    assert box.clock(b.id)["offset"] == pytest.approx(50)
    box.post({"reset": True, "pool": b.id})  # b back on real time while the sandbox's own time stays ahead
    assert box.clock(b.id)["offset"] == pytest.approx(0)
    assert box.clock()["offset"] == pytest.approx(50)
    box.post({"reset": True})
    assert [box.clock(p)["offset"] for p in (None, a.id, b.id)] == [0, 0, 0]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ({"advance": 10, "pool": "us-east-1_NoSuchPo0"}, "application/json", 404),
        ({"advance": -1, "pool": "<own>"}, "application/json", 400),
        ({"advance": True}, "application/json", 400),
        ({"advance": float("inf")}, "application/json", 400),
        (["advance", 10], "application/json", 400),
        ({"advance": 10}, "text/plain", 415),  # no cross-site form posts
        ({"advance": 10}, "application/x-www-form-urlencoded", 415),
    ],
)
def test_the_clock_endpoint_refuses_bad_requests_without_moving(cognito, box, body, content_type, status):
    pool = make_pool(cognito)
    if isinstance(body, dict) and body.get("pool") == "<own>":
        body = {**body, "pool": pool.id}
    before = (box.clock()["offset"], box.clock(pool.id)["offset"])
    with pytest.raises(urllib.error.HTTPError) as info:
        box.post(body, content_type)
    assert info.value.code == status
    error = json.loads(info.value.read())
    assert error["__type"] and error["message"]
    assert (box.clock()["offset"], box.clock(pool.id)["offset"]) == before


def test_reading_an_unknown_pools_clock_is_a_404(box):
    with pytest.raises(urllib.error.HTTPError) as info:
        box.clock("us-east-1_NoSuchPo0")
    assert info.value.code == 404
    assert json.loads(info.value.read())["__type"] == "ResourceNotFoundException"


def test_lab_clock_ahead_puts_the_pool_back_even_when_the_block_fails(box):
    lab = connect(endpoint_url=box.endpoint_url)
    pool = make_pool(lab.client)
    with pytest.raises(RuntimeError), lab.clock_ahead(240, pool.id) as moved:
        assert moved.offset == pytest.approx(240) and moved.pool == pool.id
        assert "4 min ahead of real time" in repr(moved)
        assert lab.clock_for(pool.id).now() - time.time() == pytest.approx(240, abs=2)
        raise RuntimeError("the lesson's cell failed")
    assert box.clock(pool.id)["offset"] == 0
    assert abs(lab.clock_for(pool.id).now() - time.time()) < 2
    assert "on real time" in repr(lab.clock_time(pool.id))


def test_a_virtual_authenticator_follows_its_pools_clock(box):
    lab = connect(endpoint_url=box.endpoint_url)
    pool = make_pool(lab.client, mfa="OPTIONAL")
    username = make_user(lab.client, pool)
    token = access_token(lab.client, pool, username)
    lab.advance_clock(3000, pool.id)
    association = flows.associate(lab, access_token=token)
    assert association.pool_id == pool.id  # read from the access token
    phone = flows.authenticator(lab, association)
    assert phone.clock is lab.clock_for(pool.id)
    assert flows.verify(lab, phone.code(), access_token=token).status == "SUCCESS"
    lab.back_to_real_time(pool.id)
