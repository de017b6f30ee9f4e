"""Fault injection: make the sandbox throttle and lag like a busy Cognito, to rehearse quota-aware code.

>>> faults = Faults(throttle_rate=0.3, rate_limit=50, latency_ms=20, seed=7)
>>> sandbox.server.app.hooks.append(faults)           # or: cognito-mfa-kit sandbox --throttle-rate 0.3 ...

- ``throttle_rate`` F: a fraction F of cognito-idp calls (chosen by a seeded RNG) get ``TooManyRequestsException``.
- ``rate_limit`` R: in each of Cognito's quota categories (:mod:`cognito_mfa_kit.sandbox.quotas`), calls beyond R in any
  sliding second get ``TooManyRequestsException``; refused calls do not count. Operations outside the table
  are not limited.
- ``latency_ms`` N: every cognito-idp call waits N ms before it is answered.

Throttled calls are answered as Cognito does: HTTP 400, ``{"__type": "TooManyRequestsException", "message":
"Rate exceeded"}``, and leave the sandbox's state untouched.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from .quotas import category

THROTTLED_BODY = {"__type": "TooManyRequestsException", "message": "Rate exceeded"}


def throttled() -> Response:
    """Cognito's answer to a call over quota."""
    return Response(
        json.dumps(THROTTLED_BODY),
        status=400,
        headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": "TooManyRequestsException"},
    )


class Faults:
    """A ``SandboxApp.hooks`` entry: ``faults(request, operation)`` → a throttled response, or None to go on."""

    def __init__(
        self,
        *,
        throttle_rate: float = 0.0,
        rate_limit: float | None = None,
        latency_ms: float = 0.0,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0.0 <= throttle_rate <= 1.0:
            raise ValueError("throttle_rate is a fraction of calls, between 0 and 1")
        if rate_limit is not None and rate_limit <= 0:
            raise ValueError("rate_limit is a number of calls per second, above 0")
        if latency_ms < 0:
            raise ValueError("latency_ms cannot be negative")
        self.throttle_rate = throttle_rate
        self.rate_limit = rate_limit
        self.latency_ms = latency_ms
        self._rng = random.Random(seed)  # noqa: S311 - seeded fault injection, not cryptography
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}
        #: what was done: "throttled" (random), "rate_limited", "passed"
        self.counts: Counter[str] = Counter()

    @property
    def active(self) -> bool:
        return bool(self.throttle_rate or self.rate_limit or self.latency_ms)

    def describe(self) -> str:
        parts = []
        if self.throttle_rate:
            parts.append(f"throttling {self.throttle_rate:.0%} of calls")
        if self.rate_limit:
            parts.append(f"at most {self.rate_limit:g} calls/s per quota category")
        if self.latency_ms:
            parts.append(f"+{self.latency_ms:g} ms per call")
        return "Faults: " + ", ".join(parts) if parts else "Faults: none"

    def __call__(self, request: Request | None, operation: str) -> Response | None:  # noqa: ARG002 - the app's fault hook signature
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000.0)
        with self._lock:
            if self.throttle_rate and self._rng.random() < self.throttle_rate:
                self.counts["throttled"] += 1
                return throttled()
            if self.rate_limit and not self._admit(operation):
                self.counts["rate_limited"] += 1
                return throttled()
            self.counts["passed"] += 1
        return None

    def _admit(self, operation: str) -> bool:
        cat = category(operation)
        if cat is None:
            return True
        now = self._clock()
        recent = self._recent.setdefault(cat, deque())
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        assert self.rate_limit is not None  # noqa: S101 - narrows the type: only called when rate limiting is on
        if len(recent) >= self.rate_limit:
            return False
        recent.append(now)
        return True


def install(app: Any, faults: Faults) -> Faults:
    """Add ``faults`` to a :class:`~cognito_mfa_kit.sandbox.app.SandboxApp` (before dispatch)."""
    app.hooks.append(faults)
    return faults
