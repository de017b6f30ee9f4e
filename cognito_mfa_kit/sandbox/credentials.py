"""Who is calling: access keys of a shared sandbox and their SigV4 signatures, checked as AWS checks them.

``cognito-mfa-kit sandbox --require-credentials`` makes one trainer key (it may do anything) and, through
``classroom provision``, a key per trainee. Every call that AWS authorises with IAM must then carry a Signature
Version 4 signature made with one of those keys; the sandbox recomputes it with botocore's own signer
(:class:`botocore.auth.SigV4Auth`) from the request it received and compares. What a key may do is ``access``'s
business; this module only says whose key signed the request.

Refusals, worded as AWS words them (reference §9; the HTTP status of each is [UNVERIFIED] for Cognito, which
answers its own errors with 400):
- no ``Authorization`` header → ``MissingAuthenticationTokenException: Missing Authentication Token``
- a malformed one → ``IncompleteSignatureException``
- an unknown access key → ``UnrecognizedClientException: The security token included in the request is invalid.``
- a wrong signature → ``InvalidSignatureException: The request signature we calculated does not match ...``
- a stale ``X-Amz-Date`` (more than 5 minutes from the real time) → ``InvalidSignatureException: Signature expired``
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import string
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .tracking import TRACKER

SERVICE = "cognito-idp"
#: AWS refuses a signature whose X-Amz-Date is more than 5 minutes away from its own (real) time.
MAX_SKEW = dt.timedelta(minutes=5)
TRAINER = "trainer"
TRAINEE = "trainee"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


class SignatureError(Exception):
    """A request whose signature can't be accepted: ``kind`` is the exception name AWS answers with."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Principal:
    """The owner of an access key: the trainer, or one trainee and what is theirs."""

    access_key_id: str
    secret_access_key: str
    kind: str  # TRAINER | TRAINEE
    name: str
    account_id: str = "123456789012"
    #: pools that are wholly this trainee's (their own pool, and pools they created)
    pools: set[str] = field(default_factory=set)
    #: pool id → the trainee's own user name in a pool they share with the class
    users: dict[str, str] = field(default_factory=dict)

    @property
    def is_trainer(self) -> bool:
        return self.kind == TRAINER

    @property
    def arn(self) -> str:
        """The IAM user ARN that access-denied messages name."""
        return f"arn:aws:iam::{self.account_id}:user/cmk-{self.name}"

    def public(self) -> dict[str, Any]:
        """What may be shown of this principal (no secret)."""
        return {"access_key_id": self.access_key_id, "kind": self.kind, "name": self.name, "arn": self.arn,
                "pools": sorted(self.pools), "users": dict(sorted(self.users.items()))}


def new_access_key_id() -> str:
    """``AKIA`` and 16 upper-case letters and digits, as AWS access key ids look."""
    return "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))


def new_secret_access_key() -> str:
    """40 characters of letters, digits, ``+`` and ``/``, as AWS secret access keys look."""
    return "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))


class Keyring:
    """The access keys a shared sandbox accepts, by access key id (thread-safe)."""

    def __init__(self) -> None:
        self._keys: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def add(self, principal: Principal) -> Principal:
        with self._lock:
            self._keys[principal.access_key_id] = principal
        self.changed(principal)
        return principal

    @staticmethod
    def changed(principal: Principal) -> None:
        """``principal`` changed (its pools): the store writes it again."""
        TRACKER.mark(("principal", principal.access_key_id))

    def get(self, access_key_id: str) -> Principal | None:
        with self._lock:
            return self._keys.get(access_key_id)

    def all(self) -> list[Principal]:
        with self._lock:
            return list(self._keys.values())

    def trainer(self) -> Principal | None:
        return next((p for p in self.all() if p.is_trainer), None)

    def by_name(self, name: str) -> Principal | None:
        return next((p for p in self.all() if p.name == name and not p.is_trainer), None)

    def ensure_trainer(self, account_id: str = "123456789012") -> Principal:
        """The trainer's key (made on first use)."""
        found = self.trainer()
        if found is not None:
            return found
        return self.add(Principal(new_access_key_id(), new_secret_access_key(), TRAINER, "trainer", account_id))

    def issue_trainee(self, name: str, *, pools: set[str] | None = None, users: Mapping[str, str] | None = None,
                      account_id: str = "123456789012") -> Principal:
        """A trainee's key (the same one again when ``name`` has one: provisioning may be resumed), given
        ``pools`` and ``users`` on top of what it had."""
        principal = self.by_name(name)
        if principal is None:
            principal = self.add(Principal(new_access_key_id(), new_secret_access_key(), TRAINEE, name,
                                           account_id))
        principal.pools |= set(pools or ())
        principal.users.update(users or {})
        self.changed(principal)
        return principal

    def forget_pool(self, pool_id: str) -> list[Principal]:
        """A deleted pool is nobody's any more; returns the principals that changed."""
        changed = []
        for principal in self.all():
            if pool_id in principal.pools or pool_id in principal.users:
                principal.pools.discard(pool_id)
                principal.users.pop(pool_id, None)
                self.changed(principal)
                changed.append(principal)
        return changed


def _parse_authorization(value: str) -> tuple[str, str, str, list[str], str]:
    """``AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex``
    → (access key id, date, region, signed headers, signature)."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise SignatureError("IncompleteSignatureException",
                             f"Unsupported signing algorithm {algorithm!r}: sign with Signature Version 4 "
                             "(AWS4-HMAC-SHA256), as boto3 and the AWS CLI do.")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key.strip()] = val.strip()
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not parts.get(k)]
    if missing:
        raise SignatureError("IncompleteSignatureException",
                             f"Authorization header requires {', '.join(missing)}: it is incomplete.")
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise SignatureError("IncompleteSignatureException",
                             "Credential must have the form <access key id>/<date>/<region>/<service>/aws4_request.")
    access_key_id, date, region, service, _ = scope
    if service != SERVICE:
        raise SignatureError("InvalidSignatureException",
                             f"Credential should be scoped to correct service: '{SERVICE}'.")
    return access_key_id, date, region, parts["SignedHeaders"].lower().split(";"), parts["Signature"]


class HeaderItems(Protocol):
    """A request's headers: a mapping, or werkzeug's ``Headers`` (not a Mapping), read through ``items()``."""

    def items(self) -> Iterable[tuple[str, str]]: ...


def verify(keyring: Keyring, *, method: str, path: str, query: str, headers: HeaderItems, body: bytes,
           now: dt.datetime | None = None) -> Principal:
    """The principal whose key signed this request; :class:`SignatureError` when it is not signed right.

    ``path`` is the request's path as sent (percent-encoded), ``query`` its raw query string.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    authorization = lower.get("authorization")
    if not authorization:
        raise SignatureError("MissingAuthenticationTokenException", "Missing Authentication Token")
    access_key_id, date, region, signed, signature = _parse_authorization(authorization)
    principal = keyring.get(access_key_id)
    if principal is None:
        raise SignatureError("UnrecognizedClientException", "The security token included in the request is invalid.")
    amz_date = lower.get("x-amz-date", "")
    try:
        when = dt.datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=dt.UTC)
    except ValueError:
        raise SignatureError("IncompleteSignatureException",
                             "X-Amz-Date must be a timestamp like 20261202T101500Z.") from None
    if not amz_date.startswith(date):
        raise SignatureError("InvalidSignatureException",
                             "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                             "HTTP.")
    now = now or dt.datetime.now(dt.UTC)
    if abs(now - when) > MAX_SKEW:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than {(now - MAX_SKEW).strftime(_AMZ_DATE)} "
            f"({now.strftime(_AMZ_DATE)} - 5 min.)" if when < now else
            f"Signature not yet current: {amz_date} is still later than {(now + MAX_SKEW).strftime(_AMZ_DATE)} "
            f"({now.strftime(_AMZ_DATE)} + 5 min.)",
        )
    if "host" not in signed:
        raise SignatureError("InvalidSignatureException", "'Host' must be a signed header.")
    absent = [h for h in signed if h not in lower]
    if absent:
        raise SignatureError("InvalidSignatureException",
                             f"Signed header(s) not in the request: {', '.join(absent)}.")
    url = f"http://{lower['host']}{quote(path, safe='/~%')}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers={h: lower[h] for h in signed})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(principal.access_key_id, principal.secret_access_key), SERVICE, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.",
        )
    return principal
