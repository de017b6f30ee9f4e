"""Checking the set-up before a course: versions, which AWS credentials and region boto3 would use, this
machine's clock against AWS (and what the skew does to TOTP codes), and the shared sandbox.

>>> versions()
>>> credential_info(profile="training")                   # no network
>>> measure_skew(sts_client, "get_caller_identity")       # one call; the Date header of the answer
>>> explain_skew(12.0)
"""

from __future__ import annotations

import email.utils
import importlib.metadata
import os
import platform
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Cognito accepts a TOTP code from the current 30-second step or one step either side (reference §1, "±30 s").
TOTP_STEP = 30.0
TOTP_WINDOW_STEPS = 1
#: SigV4: AWS refuses requests signed more than 5 minutes away from its clock.
SIGV4_LIMIT = 300.0


def versions() -> dict[str, str | None]:
    """Versions of Python and of the libraries the kit relies on (None: not installed)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("cognito-mfa-kit", "boto3", "botocore", "moto", "awscli", "pyotp"):
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = None
    here = str(Path(sys.executable).parent)  # this environment's AWS CLI first, as the kit runs it
    found["aws (CLI)"] = shutil.which("aws", path=here) or shutil.which("aws")
    return found


def mask_key(access_key: str | None) -> str | None:
    """``AKIA************WXYZ``: the first four and last four characters of an access key id."""
    if not access_key:
        return None
    if len(access_key) <= 8:
        return "*" * len(access_key)
    return access_key[:4] + "*" * (len(access_key) - 8) + access_key[-4:]


@dataclass(frozen=True)
class CredentialInfo:
    """Which credentials and region boto3 would use (found without any network call)."""

    profile: str | None
    method: str | None  # botocore's name for the source: env, shared-credentials-file, sso, assume-role, iam-role...
    access_key: str | None  # masked
    region: str | None
    problem: str | None = None


def credential_info(profile: str | None = None, region: str | None = None) -> CredentialInfo:
    """What boto3's credential chain finds for ``profile`` (or the default), and the region it would use."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound as exc:
        return CredentialInfo(profile, None, None, region, problem=str(exc))
    profile = session.profile_name if (profile or os.environ.get("AWS_PROFILE")) else profile
    try:
        creds = session.get_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        return CredentialInfo(profile, None, None, session.region_name, problem=str(exc))
    if creds is None:
        return CredentialInfo(profile, None, None, session.region_name, problem="no credentials found")
    key: str | None
    try:
        # for refreshable sources (SSO, assume-role) this may fetch or refresh: keep it best-effort
        key = creds.access_key
    except Exception as exc:  # noqa: BLE001 — any provider failure is reported, not raised
        return CredentialInfo(profile, creds.method, None, session.region_name, problem=str(exc))
    return CredentialInfo(profile, creds.method, mask_key(key), session.region_name)


def clock_skew(date_header: str, sent: float, received: float) -> float:
    """Seconds the server's clock is ahead of ours (negative: behind).

    ``date_header`` is the HTTP Date of the answer (1-second resolution); ``sent``/``received`` are our
    epoch times around the call, and the server is assumed to have stamped it half-way.
    """
    server = email.utils.parsedate_to_datetime(date_header).timestamp()
    return server - (sent + received) / 2.0


def totp_acceptance(skew: float, step: float = TOTP_STEP, window: int = TOTP_WINDOW_STEPS) -> float:
    """The fraction of codes, generated on this clock, that a server ``skew`` seconds away still accepts.

    Under ``step × window`` all of them; then fewer, linearly, down to none at ``step × (window + 1)``.
    """
    d = abs(skew)
    if d <= step * window:
        return 1.0
    if d >= step * (window + 1):
        return 0.0
    return (step * (window + 1) - d) / step


def explain_skew(skew: float) -> str:
    """What this much skew means for TOTP codes (and for signed AWS requests)."""
    d = abs(skew)
    direction = "ahead of" if skew > 0 else "behind"
    head = f"AWS's clock is {d:.1f} s {direction} this machine's." if d >= 0.5 else "This clock agrees with AWS."
    ok = totp_acceptance(skew)
    if d > SIGV4_LIMIT:
        return (
            f"{head} Over 5 minutes: AWS refuses every signed request (Signature expired / "
            "InvalidSignatureException), and no TOTP code made here would match. Fix the system clock (NTP)."
        )
    if ok == 1.0 and d <= 5:
        return (
            f"{head} Fine: Cognito accepts a TOTP code of the current 30-second step or one step either side, "
            "so codes made here (by the kit's virtual authenticator) are accepted."
        )
    if ok == 1.0:
        return (
            f"{head} Codes made here are still accepted (Cognito allows one 30-second step either side), but "
            "the margin is eaten up: a code typed late in its step may fail. Sync the clock (NTP)."
        )
    if ok > 0:
        return (
            f"{head} Beyond Cognito's ±30 s tolerance: about {1 - ok:.0%} of the codes made here are refused "
            "(CodeMismatchException, or EnableSoftwareTokenMFAException at enrolment). Sync the clock (NTP)."
        )
    return (
        f"{head} More than a step beyond Cognito's ±30 s tolerance: every code made on this machine is refused "
        "(CodeMismatchException). Phones keep their own time, so their codes still work. Sync the clock (NTP)."
    )


@dataclass(frozen=True)
class SkewResult:
    """A skew measurement: seconds (server − local), the round trip, and the endpoint; or why it failed."""

    skew: float | None
    round_trip: float | None
    endpoint: str
    problem: str | None = None


def measure_skew(client: Any, operation: str, **params: Any) -> SkewResult:
    """Call ``operation`` once and compare the answer's Date header with this clock.

    The header is captured through botocore's ``after-call`` event, which fires for error answers too (an
    AccessDenied still carries the server's Date).
    """
    import botocore.exceptions

    captured: dict[str, Any] = {}

    def grab(http_response: Any = None, **_: Any) -> None:
        if http_response is not None:
            captured["date"] = http_response.headers.get("Date")
            captured["received"] = time.time()

    model = client.meta.service_model.operation_model(client.meta.method_to_api_mapping.get(operation, operation))
    event = f"after-call.{client.meta.service_model.service_id.hyphenize()}.{model.name}"
    client.meta.events.register(event, grab)
    endpoint = client.meta.endpoint_url
    sent = time.time()
    try:
        getattr(client, operation)(**params)
    except botocore.exceptions.ClientError:
        pass  # the answer was an error, but it came from the server: its Date counts
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError) as exc:
        return SkewResult(None, None, endpoint, problem=f"no network: could not reach {endpoint} ({exc})")
    except botocore.exceptions.BotoCoreError as exc:
        return SkewResult(None, None, endpoint, problem=str(exc))
    finally:
        client.meta.events.unregister(event, grab)
    if not captured.get("date"):
        return SkewResult(None, None, endpoint, problem="the answer had no Date header")
    received = float(captured["received"])
    return SkewResult(clock_skew(captured["date"], sent, received), received - sent, endpoint)


def aws_skew(profile: str | None = None, region: str | None = None, *, signed: bool = True) -> SkewResult:
    """The skew against AWS, from STS GetCallerIdentity (unsigned when there are no credentials: the error
    answer still carries AWS's Date)."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    session = boto3.Session(profile_name=profile)
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10)
    if not signed:
        config = config.merge(Config(signature_version=UNSIGNED))
    client = session.client("sts", region_name=region or session.region_name or "us-east-1", config=config)
    return measure_skew(client, "get_caller_identity")


def sandbox_status(url: str) -> tuple[bool, str]:
    """Whether the sandbox at ``url`` answers ``/_sandbox/health``, and a line saying so."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/_sandbox/health", timeout=3) as answer:  # noqa: S310 - the sandbox's http URL
            if json.loads(answer.read()).get("ok"):
                return True, f"sandbox at {url} answers"
    except (OSError, ValueError):
        pass
    return False, f"sandbox at {url} does not answer: start it with `cognito-mfa-kit sandbox` (or `make lab`)"


def clocks_ahead(clock: dict[str, Any]) -> list[str]:
    """Lines naming the sandbox clocks that run ahead of real time (``GET /_sandbox/clock``'s answer)."""
    lines = []
    if float(clock.get("offset") or 0) >= 0.5:
        lines.append(f"the sandbox's own clock runs {clock['offset']:.0f} s ahead of real time (every pool with it): "
                     "the trainer puts it back with POST /_sandbox/clock {\"reset\": true}")
    for pool, offset in sorted((clock.get("pools_ahead") or {}).items()):
        lines.append(f"pool {pool} runs {float(offset):.0f} s ahead of real time: a real phone's codes "
                     f"{'fail' if float(offset) >= 60 else 'may fail'} there until it is put back "
                     f"(lab.back_to_real_time({pool!r}), course.wrap_up(lab), or the Real time button)")
    return lines
