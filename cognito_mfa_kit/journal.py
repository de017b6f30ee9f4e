"""The call journal: every API call a client makes, recorded from botocore's own events.

``Journal.attach(client)`` registers three handlers on ``client.meta.events`` (botocore
``BaseClient._make_api_call`` emits them once per API call, whatever the retries):

* ``before-parameter-build.<service-id>`` (registered last, so it sees the final params) — stamps
  the start and keeps a copy of the params *as sent*. botocore validates the params only later,
  inside the serializer, and emits no event when validation fails; so this handler runs botocore's
  own validator (``botocore.validate.validate_parameters``, the same one the client uses when
  ``Config(parameter_validation=True)``, the default) and records a failed call with code
  ``ParamValidationError``; botocore then raises the very same error to the caller.
* ``after-call.<service-id>`` — the final HTTP response after any retries (retries happen inside
  ``Endpoint``; ``ResponseMetadata.RetryAttempts`` says how many), success or service error.
* ``after-call-error.<service-id>`` — the request never got a response (connection refused,
  timeouts, ...) once the retries gave up.

Calls that are not botocore's (managed login's OAuth endpoints) are recorded as :class:`~cognito_mfa_kit.httpcall.
HttpCall` — a ``Call`` with its own masking and a ``curl`` twin — appended with :meth:`Journal.append`.

Event names use the hyphenised *service id* (``cognito-identity-provider``), not ``cognito-idp``.
Per-call state travels in botocore's per-call ``context`` dict, so concurrent calls on one client
don't mix; appends take a lock.

Masking (:mod:`cognito_mfa_kit.masking`) follows the service model's ``sensitive`` trait
(``Shape.metadata["sensitive"]``), never a list of key names: ``masked(shape, value)``; user names and
app client ids are shown (the seed article prints ``--username Bob``), every secret (codes, tokens,
sessions, passwords, client secrets) stays masked. An error's message is masked too
(:attr:`Call.error_masked`): botocore's validation errors and the service's quote the values they refuse.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, overload
from urllib.parse import urlsplit

from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel
from botocore.validate import ParamValidationDecorator, validate_parameters

from .masking import (  # noqa: F401 - re-exported: the journal's masking API
    MASK,
    SECRET_MEMBERS,
    SHOWN_KEYS,
    SHOWN_SHAPES,
    mask_message,
    mask_value,
    masked,
    sensitive_values,
)

logger = logging.getLogger(__name__)

_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


@dataclass(frozen=True)
class CallError:
    """Why a call failed: the service's error code and message (or the client-side exception)."""

    code: str
    message: str
    http_status: int | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(repr=False)
class Call:
    """One API call as the client made it (its ``repr`` is masked; :meth:`reveal` gives the secrets)."""

    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None = None
    error: CallError | None = None
    elapsed_ms: float = 0.0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    service: str = "cognito-idp"
    http_status: int | None = None
    attempts: int = 1
    model: OperationModel | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error is None

    @property
    def operation_model(self) -> OperationModel:
        """The botocore operation model (the kit's cognito-idp model unless given)."""
        if self.model is None:
            from cognito_mfa_kit.servicemodel import service_model

            self.model = service_model().operation_model(self.operation)
        return self.model

    @property
    def request_masked(self) -> dict[str, Any]:
        """The request with every sensitive member masked."""
        return masked(self.operation_model.input_shape, self.request)

    @property
    def response_masked(self) -> dict[str, Any] | None:
        """The response with every sensitive member masked (None when the call failed)."""
        if self.response is None:
            return None
        return masked(self.operation_model.output_shape, self.response)

    @property
    def error_masked(self) -> CallError | None:
        """The error with every secret in its message masked: each value a sensitive member of the request had
        (botocore's ``ParamValidationError`` quotes them: ``Invalid type for parameter Password, value: ...``),
        and any value quoted next to a sensitive parameter's name."""
        if self.error is None:
            return None
        try:
            values = sensitive_values(self.operation_model.input_shape, self.request)
        except Exception:  # noqa: BLE001 - an operation the model doesn't know: the quoted-value rules still apply
            values = []
        return CallError(self.error.code, mask_message(self.error.message, values), self.error.http_status)

    def __repr__(self) -> str:
        outcome = "ok" if self.error is None else str(self.error_masked)
        return f"<Call {self.operation} {outcome} request={self.request_masked!r}>"

    def reveal(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Unmasked copies of ``(request, response)`` — an explicit action, secrets included."""
        return copy.deepcopy(self.request), copy.deepcopy(self.response)

    def as_cli(self, redact: bool = True) -> str:
        """The equivalent ``aws cognito-idp ...`` line (secrets masked unless redact=False)."""
        from cognito_mfa_kit.awscli import as_cli

        return as_cli(self, redact=redact)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly, always-masked summary (the ``to_jsonl`` record)."""
        return {
            "operation": self.operation,
            "started_at": self.started_at.isoformat(),
            "elapsed_ms": round(self.elapsed_ms, 3),
            "ok": self.ok,
            "http_status": self.http_status,
            "attempts": self.attempts,
            "request": self.request_masked,
            "response": self.response_masked,
            "error": None if (error := self.error_masked) is None else {
                "code": error.code, "message": error.message
            },
            "cli": self.as_cli(),
        }


@dataclass
class _Pending:
    operation: str
    request: dict[str, Any]
    model: OperationModel
    started_at: datetime
    t0: float


class Journal(Sequence[Call]):
    """The calls in order of completion; list-like (len, iteration, indexing)."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[Call], None]] = []
        self._context_key = f"cognito_mfa_kit.journal.{id(self)}"

    # -- sequence ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._calls)

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> list[Call]: ...
    def __getitem__(self, index: int | slice) -> Call | list[Call]:
        with self._lock:
            return self._calls[index]

    def __iter__(self) -> Iterator[Call]:
        with self._lock:
            snapshot = list(self._calls)
        return iter(snapshot)

    def __repr__(self) -> str:
        return f"<Journal {len(self)} calls>"

    def clear(self) -> None:
        """Forget every recorded call."""
        with self._lock:
            self._calls.clear()

    def subscribe(self, callback: Callable[[Call], None]) -> Callable[[], None]:
        """Call ``callback(call)`` after each new call; returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def append(self, call: Call) -> None:
        """Record a call and tell the subscribers (a failing subscriber is logged, not raised)."""
        with self._lock:
            self._calls.append(call)
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(call)
            except Exception:  # a broken widget must not break the API call
                logger.exception("journal subscriber %r failed", callback)

    # -- handouts (always masked) --------------------------------------------------------------
    def to_jsonl(self) -> str:
        """One JSON object per call, secrets masked."""
        return "".join(json.dumps(c.to_dict(), default=str) + "\n" for c in self)

    def to_markdown(self) -> str:
        """A trainer's handout: each call's CLI line and outcome, secrets masked."""
        parts = ["# Call journal", ""]
        for i, c in enumerate(self, 1):
            outcome = "OK" if c.error is None else c.error.code
            parts += [f"## {i}. {c.operation} — {outcome} ({c.elapsed_ms:.0f} ms)", ""]
            parts += ["```bash", c.as_cli(), "```", ""]
            if c.ok:
                body = json.dumps(c.response_masked, indent=2, default=str)
                parts += ["```json", body, "```", ""]
            else:
                err = c.error_masked
                assert err is not None  # noqa: S101 - narrows the type: an error call
                quoted = f"**{err.code}**: {err.message}".replace("\n", "\n> ")
                parts += [f"> {quoted}", ""]
        return "\n".join(parts)

    # -- recording -----------------------------------------------------------------------------
    def attach(
        self,
        client: Any,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
    ) -> Any:
        """Record every call ``client`` makes from now on; returns the client.

        ``endpoint_url``/``region`` default to the client's own (the endpoint only when it is not
        an AWS host: the CLI twin gets ``--endpoint-url`` exactly when the target isn't AWS).
        """
        meta = client.meta
        if endpoint_url is None and meta.endpoint_url:
            host = urlsplit(meta.endpoint_url).hostname or ""
            if not host.endswith(_AWS_HOST_SUFFIXES):
                endpoint_url = meta.endpoint_url
        region = region or meta.region_name
        service_model = meta.service_model
        service_id = service_model.service_id.hyphenize()
        cli_service = service_model.service_name
        key = self._context_key
        # The client validates params iff its serializer is wrapped in botocore's validator
        # (Config(parameter_validation=...) or the profile's parameter_validation decide; the
        # client's own config object doesn't carry the final answer).
        serializer = getattr(client, "_serializer", None)
        validates = serializer is None or isinstance(serializer, ParamValidationDecorator)

        def before(params: dict, model: OperationModel, context: dict, **_: Any) -> None:
            pending = _Pending(
                operation=model.name,
                request=copy.deepcopy(dict(params)),
                model=model,
                started_at=datetime.now(UTC),
                t0=time.perf_counter(),
            )
            context[key] = pending
            if validates:
                try:
                    validate_parameters(params, model.input_shape)
                except ParamValidationError as exc:
                    # botocore raises this same error right after us; no later event fires.
                    context.pop(key, None)
                    finish(pending, error=CallError("ParamValidationError", str(exc)))

        def after_call(http_response: Any, parsed: dict, context: dict, **_: Any) -> None:
            pending = context.pop(key, None)
            if pending is None:
                return
            meta_ = parsed.get("ResponseMetadata", {}) if isinstance(parsed, dict) else {}
            status = getattr(http_response, "status_code", None)
            status = meta_.get("HTTPStatusCode", status)
            attempts = int(meta_.get("RetryAttempts", 0)) + 1
            if status is not None and status >= 300:
                info = parsed.get("Error", {})
                code = context.get("error_code_override") or info.get("Code") or "Unknown"
                error = CallError(code, info.get("Message", ""), status)
                finish(pending, error=error, status=status, attempts=attempts)
            else:
                body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
                finish(pending, response=copy.deepcopy(body), status=status, attempts=attempts)

        def after_error(exception: Exception, context: dict, **_: Any) -> None:
            pending = context.pop(key, None)
            if pending is not None:
                finish(pending, error=CallError(type(exception).__name__, str(exception)))

        def finish(
            pending: _Pending,
            *,
            response: dict | None = None,
            error: CallError | None = None,
            status: int | None = None,
            attempts: int = 1,
        ) -> None:
            self.append(
                Call(
                    operation=pending.operation,
                    request=pending.request,
                    response=response,
                    error=error,
                    elapsed_ms=(time.perf_counter() - pending.t0) * 1000.0,
                    started_at=pending.started_at,
                    endpoint_url=endpoint_url,
                    region=region,
                    profile=profile,
                    service=cli_service,
                    http_status=status,
                    attempts=attempts,
                    model=pending.model,
                )
            )

        events = meta.events
        uid = key
        events.register_last(f"before-parameter-build.{service_id}", before, unique_id=uid + ".b")
        events.register(f"after-call.{service_id}", after_call, unique_id=uid + ".a")
        events.register(f"after-call-error.{service_id}", after_error, unique_id=uid + ".e")
        return client

    def detach(self, client: Any) -> None:
        """Stop recording ``client``'s calls."""
        service_id = client.meta.service_model.service_id.hyphenize()
        uid = self._context_key
        events = client.meta.events
        events.unregister(f"before-parameter-build.{service_id}", unique_id=uid + ".b")
        events.unregister(f"after-call.{service_id}", unique_id=uid + ".a")
        events.unregister(f"after-call-error.{service_id}", unique_id=uid + ".e")
