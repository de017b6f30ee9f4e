"""The client-side quota limiter and the explicit backoff loop (fake clocks, fake clients: no timing)."""

from __future__ import annotations

import random

import pytest
from botocore.exceptions import ClientError

from cognito_mfa_kit.ratelimit import Backoff, QuotaCaller, RateLimiter
from cognito_mfa_kit.sandbox import quotas


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, "AdminCreateUser")


class FlakyClient:
    """admin_create_user fails with ``code`` the first ``failures`` times."""

    def __init__(self, failures: int, code: str = "TooManyRequestsException") -> None:
        self.failures = failures
        self.code = code
        self.calls = 0

    def admin_create_user(self, **params):
        self.calls += 1
        if self.calls <= self.failures:
            raise _error(self.code)
        return {"User": {"Username": params["Username"]}}


def test_every_documented_member_maps_to_its_category() -> None:
    for op in ("SignUp", "ConfirmSignUp", "AdminCreateUser", "AdminConfirmSignUp"):
        assert quotas.category(op) == "UserCreation"
    for op in ("AdminInitiateAuth", "InitiateAuth", "AdminRespondToAuthChallenge", "RespondToAuthChallenge"):
        assert quotas.category(op) == "UserAuthentication"
    assert quotas.default_rps("AdminCreateUser") == 50
    assert quotas.default_rps("CreateUserPoolClient") == 15
    assert set(quotas.OPERATION_CATEGORY.values()) <= set(quotas.DEFAULT_RPS)


def test_operations_the_kit_calls_are_in_the_table() -> None:
    from botocore.session import get_session

    model = get_session().get_service_model("cognito-idp")
    assert set(quotas.OPERATION_CATEGORY) - set(model.operation_names) <= {"AdminDeleteSoftwareToken"}
    for op in ("ListUserPools", "DescribeUserPool", "CreateUserPool", "SetUserPoolMfaConfig", "GetUserPoolMfaConfig",
               "CreateUserPoolClient", "ListUserPoolClients", "AdminCreateUser", "AdminSetUserPassword",
               "DeleteUserPool", "DeleteUserPoolDomain"):
        assert quotas.category(op), op


def test_limiter_spaces_calls_of_one_category_evenly() -> None:
    t = FakeTime()
    limiter = RateLimiter({"UserCreation": 50}, headroom=1.0, clock=t.clock, sleep=t.sleep)
    for _ in range(100):
        limiter.acquire("AdminCreateUser")
    # 100 calls at 50/s: the last one starts 99/50 s after the first, none earlier
    assert t.now == pytest.approx(99 / 50)
    assert all(s == pytest.approx(0.02) for s in t.slept)


def test_limiter_headroom_and_independent_categories() -> None:
    t = FakeTime()
    limiter = RateLimiter(clock=t.clock, sleep=t.sleep)  # defaults, 95 %
    assert limiter.rate("AdminCreateUser") == pytest.approx(47.5)
    assert limiter.rate("NotAnOperation") is None
    limiter.acquire("AdminCreateUser")
    assert limiter.acquire("DescribeUserPool") == 0.0  # another category: no wait
    assert limiter.acquire("AdminCreateUser") == pytest.approx(1 / 47.5)


def test_backoff_is_exponential_with_full_jitter_and_a_cap() -> None:
    backoff = Backoff(base=0.1, cap=1.0, rng=random.Random(1))
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)]:
        delays = [backoff.delay(attempt) for _ in range(200)]
        assert max(delays) <= ceiling and min(delays) >= 0
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range


def test_caller_retries_throttles_then_succeeds() -> None:
    t = FakeTime()
    client = FlakyClient(failures=3)
    caller = QuotaCaller(client, RateLimiter(clock=t.clock, sleep=t.sleep), Backoff(rng=random.Random(0)),
                         sleep=t.sleep)
    assert caller.call("AdminCreateUser", UserPoolId="p", Username="u") == {"User": {"Username": "u"}}
    assert client.calls == 4
    assert caller.stats.sent == 4 and caller.stats.throttled == 3 and caller.stats.gave_up == 0


def test_caller_gives_up_after_the_cap() -> None:
    t = FakeTime()
    client = FlakyClient(failures=100)
    caller = QuotaCaller(client, RateLimiter(clock=t.clock, sleep=t.sleep), Backoff(max_attempts=5), sleep=t.sleep)
    with pytest.raises(ClientError) as caught:
        caller.call("AdminCreateUser", UserPoolId="p", Username="u")
    assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert client.calls == 5 and caller.stats.gave_up == 1


def test_caller_does_not_retry_other_errors() -> None:
    t = FakeTime()
    client = FlakyClient(failures=1, code="UsernameExistsException")
    caller = QuotaCaller(client, RateLimiter(clock=t.clock, sleep=t.sleep), sleep=t.sleep)
    with pytest.raises(ClientError):
        caller.call("AdminCreateUser", UserPoolId="p", Username="u")
    assert client.calls == 1
