"""Staying under Cognito's request-rate quotas: a client-side limiter per quota category, and an explicit retry
loop (exponential backoff with full jitter, capped) for ``TooManyRequestsException``.

>>> limiter = RateLimiter()                                    # Cognito's default quotas, 95 % of each
>>> caller = QuotaCaller(client, limiter)
>>> caller.call("AdminCreateUser", UserPoolId=pool_id, Username="ada")

Give :class:`QuotaCaller` a client whose SDK retries are off (``total_max_attempts=1``): the loop here is then
the only one, every attempt passes the limiter, and ``max_attempts`` means what it says. With a client in
botocore's standard mode, each attempt here may itself be up to 3 HTTP requests.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from .sandbox.quotas import DEFAULT_RPS, category

#: The error codes that mean "slow down" (Cognito answers them with HTTP 400, so legacy botocore won't retry).
THROTTLE_CODES = frozenset({"TooManyRequestsException", "ThrottlingException"})


class RateLimiter:
    """Spaces calls so that each quota category stays at or below ``headroom`` × its rate (thread-safe).

    Calls of one category are spread evenly (no bursts): a server counting calls per sliding second then never
    sees more than the quota, even with a little network jitter. Operations outside the table are not limited.
    """

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        *,
        headroom: float = 0.95,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 < headroom <= 1:
            raise ValueError("headroom is a fraction of the quota, in (0, 1]")
        self.rates = dict(DEFAULT_RPS if rates is None else rates)
        self.headroom = headroom
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def rate(self, operation: str) -> float | None:
        """Calls per second this limiter allows for ``operation``'s category (None: unlimited)."""
        cat = category(operation)
        if cat is None or cat not in self.rates:
            return None
        return self.rates[cat] * self.headroom

    def acquire(self, operation: str) -> float:
        """Wait until ``operation`` may be sent; returns the seconds waited."""
        rate = self.rate(operation)
        if rate is None:
            return 0.0
        cat = category(operation)
        assert cat is not None  # noqa: S101 - narrows the type: every operation has a category
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(cat, now))
            self._next[cat] = slot + 1.0 / rate
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n (from 1) waits uniform(0, min(cap, base × 2^(n-1)))."""

    base: float = 0.1
    cap: float = 5.0
    max_attempts: int = 10
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


@dataclass
class CallStats:
    """What a :class:`QuotaCaller` did: calls sent, throttled answers, time spent waiting."""

    sent: int = 0
    throttled: int = 0
    waited: float = 0.0
    gave_up: int = 0


class QuotaCaller:
    """Sends cognito-idp operations through a :class:`RateLimiter`, retrying throttled calls with backoff."""

    def __init__(
        self,
        client: Any,
        limiter: RateLimiter | None = None,
        backoff: Backoff | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.limiter = limiter or RateLimiter()
        self.backoff = backoff or Backoff()
        self.stats = CallStats()
        self._sleep = sleep
        self._lock = threading.Lock()

    def _count(self, **deltas: float) -> None:
        with self._lock:
            for name, value in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + value)

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """``client.<operation>(**params)``, quota-paced; re-raises the last throttle after ``max_attempts``."""
        method = getattr(self.client, xform_name(operation))
        attempt = 0
        while True:
            attempt += 1
            waited = self.limiter.acquire(operation)
            self._count(sent=1, waited=waited)
            try:
                return method(**params)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in THROTTLE_CODES:
                    raise
                self._count(throttled=1)
                if attempt >= self.backoff.max_attempts:
                    self._count(gave_up=1)
                    raise
                pause = self.backoff.delay(attempt)
                self._count(waited=pause)
                self._sleep(pause)


def single_attempt_client(lab: Any) -> Any:
    """A cognito-idp client for the same target as ``lab`` (a :class:`~cognito_mfa_kit.connect.Lab`), with
    botocore's retries off, so that :class:`QuotaCaller`'s loop is the only one. Not journaled."""
    import boto3
    from botocore.config import Config

    from .connect import SANDBOX_CREDENTIALS

    target = lab.target
    config = Config(retries={"total_max_attempts": 1}, user_agent_extra="cognito-mfa-kit", max_pool_connections=32)
    if target.kind == "aws":
        session = boto3.Session(profile_name=target.profile)
        return session.client("cognito-idp", region_name=target.region, config=config)
    session = boto3.Session(profile_name=target.profile) if target.profile else boto3.Session()
    credentials = SANDBOX_CREDENTIALS
    if getattr(lab, "requires_credentials", False) or (
            target.kind == "endpoint" and session.get_credentials() is not None):
        credentials = {}  # the caller's own key (a sandbox shared by a class checks who calls)
    return session.client(
        "cognito-idp", region_name=target.region, endpoint_url=target.endpoint_url, config=config, **credentials
    )
