"""Fault injection: throttling a fraction of calls, per-category rate limits, latency; as a hook and via the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cognito_mfa_kit.lifetime import child_command
from cognito_mfa_kit.sandbox import Sandbox
from cognito_mfa_kit.sandbox import faults as faults_module
from cognito_mfa_kit.sandbox.faults import Faults, install
from cognito_mfa_kit.sandbox.quotas import OPERATION_CATEGORY


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client(url: str):
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """A sandbox server of its own (its app's hooks are this module's to change)."""
    sandbox = Sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture()
def hooked(box: Sandbox) -> Iterator[list]:
    hooks = box.server.app.hooks
    yield hooks
    hooks.clear()


def test_throttle_rate_is_seeded_and_close_to_the_fraction() -> None:
    a = Faults(throttle_rate=0.3, seed=42)
    b = Faults(throttle_rate=0.3, seed=42)
    pattern_a = [a(None, "AdminCreateUser") is not None for _ in range(2000)]
    pattern_b = [b(None, "AdminCreateUser") is not None for _ in range(2000)]
    assert pattern_a == pattern_b
    assert 0.25 < sum(pattern_a) / 2000 < 0.35
    assert a.counts["throttled"] == sum(pattern_a)


def test_throttled_answer_is_cognito_shaped() -> None:
    answer = Faults(throttle_rate=1.0)(None, "ListUserPools")
    assert answer is not None
    assert answer.status_code == 400
    assert json.loads(answer.get_data()) == {"__type": "TooManyRequestsException", "message": "Rate exceeded"}


def test_rate_limit_counts_per_category_in_a_sliding_second() -> None:
    clock = FakeClock()
    faults = Faults(rate_limit=3, clock=clock)
    creation = [op for op, cat in OPERATION_CATEGORY.items() if cat == "UserCreation"]
    # 3 calls of UserCreation pass (any operations of that category), the 4th is refused
    assert [faults(None, creation[i % len(creation)]) is None for i in range(4)] == [True, True, True, False]
    # another category has its own allowance; unknown operations are not limited
    assert all(faults(None, "DescribeUserPool") is None for _ in range(3))
    assert all(faults(None, "NoSuchOperation") is None for _ in range(10))
    clock.now += 0.5
    assert faults(None, "AdminCreateUser") is not None  # still within the same second
    clock.now += 0.51
    assert faults(None, "AdminCreateUser") is None  # the first three have left the window
    assert faults.counts["rate_limited"] == 2


def test_refused_calls_do_not_count_against_the_quota() -> None:
    clock = FakeClock()
    faults = Faults(rate_limit=1, clock=clock)
    assert faults(None, "AdminCreateUser") is None
    for _ in range(4):
        clock.now += 0.2
        assert faults(None, "AdminCreateUser") is not None
    clock.now += 0.25  # 1.05 s after the one admitted call; the four refused ones did not count
    assert faults(None, "AdminCreateUser") is None


def test_latency_waits_before_answering(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(faults_module.time, "sleep", slept.append)
    assert Faults(latency_ms=250)(None, "ListUserPools") is None
    assert slept == [0.25]


@pytest.mark.parametrize("kwargs", [{"throttle_rate": 1.5}, {"rate_limit": 0}, {"latency_ms": -1}])
def test_invalid_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Faults(**kwargs)


def test_over_http_boto3_sees_too_many_requests_and_state_is_untouched(box: Sandbox, hooked: list) -> None:
    client = _client(box.endpoint_url)
    pool = client.create_user_pool(PoolName="faults-http")["UserPool"]["Id"]
    install(box.server.app, Faults(throttle_rate=1.0))
    with pytest.raises(ClientError) as caught:
        client.admin_create_user(UserPoolId=pool, Username="nobody", MessageAction="SUPPRESS")
    error = caught.value.response
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["Error"]["Message"] == "Rate exceeded"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    hooked.clear()
    assert client.list_users(UserPoolId=pool)["Users"] == []


def _start_cli_sandbox(*flags: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        child_command("cognito_mfa_kit", "sandbox", *flags),  # ends with this test process, however it ends
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://"), proc.stderr.read() if proc.stderr else url
    return proc, url


def test_cli_throttle_rate_flag() -> None:
    proc, url = _start_cli_sandbox("--throttle-rate", "1", "--fault-seed", "3")
    try:
        with pytest.raises(ClientError) as caught:
            _client(url).list_user_pools(MaxResults=5)
        assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "throttling 100% of calls" in err


def test_cli_rate_limit_flag_and_no_faults_by_default() -> None:
    proc, url = _start_cli_sandbox("--rate-limit", "2")
    try:
        client = _client(url)
        outcomes = []
        for _ in range(6):  # six DescribeUserPool-category calls back to back: only two fit in one second
            try:
                client.list_user_pools(MaxResults=1)
                outcomes.append("ok")
            except ClientError as exc:
                outcomes.append(exc.response["Error"]["Code"])
        assert outcomes.count("ok") >= 2
        assert "TooManyRequestsException" in outcomes
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_cli_rejects_a_bad_fraction() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cognito_mfa_kit", "sandbox", "--throttle-rate", "2"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "throttle_rate" in done.stderr
