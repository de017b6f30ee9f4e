"""The sandbox's WSGI application: the cognito-idp JSON protocol for boto3 and the AWS CLI, plus small control
endpoints. (The HTTP server that serves it is ``httpserver``.)

Routes:
- ``POST /``: cognito-idp (``X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>``)
- ``GET /<pool-id>/.well-known/jwks.json`` and ``/.well-known/openid-configuration``
- ``GET /_sandbox/clock[?pool=<id>]`` → ``{"now": ..., "offset": ...}``; ``POST /_sandbox/clock`` with
  ``{"advance": s[, "pool": id]}`` or ``{"reset": true[, "pool": id]}``
- ``GET /_sandbox/messages``: the SMS codes the sandbox "sent" (it delivers nothing)
- ``GET /_sandbox/health``
"""

from __future__ import annotations

import functools
import io
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import moto.core.responses as moto_core_responses
from moto.core.request import Request as MotoRequest
from moto.core.utils import camelcase_to_underscores
from werkzeug.wrappers import Request, Response

from . import protocol
from .backend import LOCK, SandboxUserPool, install, sandbox_backends
from .clock import CLOCK
from .responses import SandboxResponse
from .timeshift import back_to_real_time

_log = logging.getLogger(__name__)


class _WsgiRequest(MotoRequest):
    """A request received by a real WSGI server, as moto's own server marks them."""

    from_wsgi_server = True


@functools.cache
def _sandbox_method_names(cls: type) -> frozenset[str]:
    return frozenset(_moto_method_names(cls))


def _request_id(headers: dict[str, Any] | None = None) -> str:
    request_id = str(uuid.uuid4())
    if isinstance(headers, dict):
        headers["x-amzn-requestid"] = request_id
    return request_id


@functools.lru_cache(maxsize=4096)
def _method_name_of(operation: str) -> str:
    """moto's method name for an operation's name (``AdminGetUser`` → ``admin_get_user``)."""
    return camelcase_to_underscores(operation)


@functools.cache
def _emulated(operation: str) -> bool:
    """Whether the sandbox (moto and its additions) serves ``operation``."""
    return _method_name_of(operation) in _sandbox_method_names(SandboxResponse)


def _method_names(cls: type) -> Any:
    """moto lists a response class's methods with ``inspect.getmembers`` on every request (a quarter of a call's
    time in the sandbox); the sandbox's response classes don't change while it runs, so their list is cached."""
    if isinstance(cls, type) and issubclass(cls, SandboxResponse):
        return _sandbox_method_names(cls)
    return _moto_method_names(cls)


_moto_method_names = getattr(
    moto_core_responses.method_names_from_class, "moto_original", moto_core_responses.method_names_from_class
)
_method_names.moto_original = _moto_method_names  # type: ignore[attr-defined]


#: A body larger than this is given to moto re-serialised (compact), whatever else.
_COMPACT_ABOVE = 16 * 1024
_JSON_TYPES = ("application/x-amz-json-1.1", "application/x-amz-json-1.0")


def _checked_request(request: Request, checked: protocol.Request) -> Request:
    """The request moto is given: as sent when it is plain (botocore's requests), else the checked parameters (the
    model's members only) as compact JSON.

    Whatever Content-Type came with the body, moto reads it as JSON (without one, or with a form's, it would take
    the query protocol and fail) [UNVERIFIED: AWS's tolerance of the header]; and moto, which decodes and re-parses
    a body several times, never sees padding or members nobody reads (a 1 MiB body costs it nothing).
    """
    environ = request.environ
    length = environ.get("CONTENT_LENGTH") or ""
    plain = (not checked.pruned and length.isdigit() and int(length) <= _COMPACT_ABOVE
             and environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() in _JSON_TYPES)
    if plain:
        return request
    body = json.dumps(checked.params, separators=(",", ":")).encode()
    environ = dict(environ)
    environ.update({"CONTENT_TYPE": "application/x-amz-json-1.1", "CONTENT_LENGTH": str(len(body)),
                    "wsgi.input": io.BytesIO(body)})
    environ.pop("werkzeug.request", None)
    return _WsgiRequest(environ)


def _pools() -> Iterable[SandboxUserPool]:
    for account in list(sandbox_backends.values()):
        for region, backend in list(account.items()):
            if region != "global":
                yield from backend.user_pools.values()  # type: ignore[misc]


def _pool_exists(pool_id: str) -> bool:
    return any(p.id == pool_id for p in _pools())


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _cognito_error(kind: str, message: str, status: int = 400) -> Response:
    """A cognito-idp error as Cognito sends it."""
    return Response(protocol.error_body(kind, message), status=status,
                    headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": kind})


def _error(kind: str, message: str, status: int = 400) -> Response:
    """A control endpoint's refusal, in the shape of the cognito-idp protocol's errors."""
    return _json({"__type": kind, "message": message}, status)


class SandboxApp:
    """The WSGI application. ``after_change`` runs after each cognito-idp call (e.g. to save state)."""

    def __init__(self, after_change: Callable[[], None] | None = None) -> None:
        install()
        moto_core_responses.method_names_from_class = _method_names  # type: ignore[assignment]
        # moto turns the operation's name into its method's on every call (a pure-Python loop, ~50 µs): cached.
        moto_core_responses.camelcase_to_underscores = _method_name_of  # type: ignore[assignment]
        # Request ids: a UUID, as Cognito's x-amzn-requestid is (moto draws 52 random letters one by one).
        moto_core_responses.gen_amzn_requestid_long = _request_id  # type: ignore[assignment]
        self.after_change = after_change
        self.hooks: list[Callable[[Request, str], Response | None]] = []  # fault injection, etc.

    def clock(self, request: Request) -> Response:
        """``GET /_sandbox/clock[?pool=<id>]``; ``POST`` ``{"advance": s[, "pool": id]}`` or
        ``{"reset": true[, "pool": id]}`` (without ``pool``: the sandbox's time, every pool with it)."""
        usage = 'POST {"advance": <seconds >= 0>, "pool": "<pool id>"} or {"reset": true, "pool": "<pool id>"}'
        if request.method == "POST":
            if request.mimetype != "application/json":
                return _error("SerializationException", f"Content-Type must be application/json. {usage}", 415)
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return _error("SerializationException", f"The body is not JSON. {usage}")
            if not isinstance(body, dict):
                return _error("SerializationException", f"The body must be a JSON object. {usage}")
            pool = body.get("pool")
        else:
            pool = request.args.get("pool")
        if pool is not None and (not isinstance(pool, str) or not _pool_exists(pool)):
            return _error("ResourceNotFoundException", f"User pool {pool} does not exist.", 404)
        if request.method == "POST":
            try:
                with LOCK:
                    if body.get("reset") is True:
                        back_to_real_time(pool)
                    elif "advance" in body and not isinstance(body["advance"], bool):
                        CLOCK.advance(body["advance"], pool)
                    else:
                        return _error("InvalidParameterException", usage)
                    if self.after_change is not None:
                        self.after_change()
            except (ValueError, TypeError) as exc:
                return _error("InvalidParameterException", f"{exc}. {usage}")
        return _json(CLOCK.as_dict(pool))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = _WsgiRequest(environ)
        return self.route(request)(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_sandbox/"):
            return self.control(request, path[len("/_sandbox/"):])
        if path.endswith("/.well-known/jwks.json"):
            return self.jwks(path.split("/")[1])
        if path.endswith("/.well-known/openid-configuration"):
            return self.openid(request, path.split("/")[1])
        if request.method == "POST" and path == "/":
            return self.cognito(request)
        return _error("ResourceNotFoundException", f"Not found: {request.method} {path[:200]}", 404)

    def cognito(self, request: Request) -> Response:
        operation = (request.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        for hook in self.hooks:
            answer = hook(request, operation)
            if answer is not None:
                return answer
        try:
            checked = protocol.check(request.headers.get("X-Amz-Target"), request.get_data())
        except protocol.ProtocolError as refused:
            return _cognito_error(refused.kind, refused.message, refused.status)
        if not _emulated(checked.name):
            # [UNVERIFIED] Cognito knows every operation of its model; the sandbox answers the ones it can't play
            # with a clear 400 (never a 500 "not implemented", which botocore would retry).
            return _cognito_error("InvalidParameterException", f"The sandbox doesn't emulate {checked.name}.")
        checked_request = _checked_request(request, checked)
        try:
            return self._dispatch(checked_request, checked)
        finally:
            if checked_request is not request:
                checked_request.environ.clear()  # (a request ↔ environ cycle: see httpserver)

    def _dispatch(self, request: Request, checked: protocol.Request) -> Response:
        """moto's dispatch under the backend lock; an exception escaping it is the sandbox's own bug: logged once
        with its traceback, answered as Cognito answers an internal error (HTTP 500 ``InternalErrorException``)."""
        try:
            with LOCK:
                status, headers, body = SandboxResponse.dispatch(request, request.url, request.headers)
                if self.after_change is not None and not checked.name.startswith(("Get", "List", "Describe")):
                    self.after_change()
        except Exception:
            _log.exception("sandbox bug while serving %s", checked.name)
            return _cognito_error("InternalErrorException", f"The sandbox failed while serving {checked.name} "
                                  "(its traceback is in the sandbox's log).", 500)
        headers = {k: v for k, v in dict(headers).items() if k.lower() not in ("status", "content-length")}
        headers.setdefault("Content-Type", "application/x-amz-json-1.1")
        if int(status) == 400 and '"__type": "InvalidToken"' in str(body):
            # moto's paginator refuses a NextToken/PaginationToken it did not issue with an "InvalidToken" that
            # Cognito doesn't have; Cognito's name for a bad parameter [UNVERIFIED: its wording].
            message = json.loads(body).get("message", "")
            return _cognito_error("InvalidParameterException", f"Invalid pagination token ({message}).")
        return Response(body, status=int(status), headers=headers)

    def jwks(self, pool_id: str) -> Response:
        with LOCK:
            pool = next((p for p in _pools() if p.id == pool_id), None)
            if pool is None:
                return _error("ResourceNotFoundException", f"User pool {pool_id[:200]} does not exist.", 404)
            return _json({"keys": [pool.key.jwk()]})

    def openid(self, request: Request, pool_id: str) -> Response:
        region = pool_id.partition("_")[0]
        return _json(
            {
                "issuer": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
                "jwks_uri": f"{request.host_url}{pool_id}/.well-known/jwks.json",
                "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public"],
            }
        )

    def control(self, request: Request, name: str) -> Response:
        if name == "clock":
            return self.clock(request)
        if name == "messages":
            pool = request.args.get("pool")
            if pool is not None and not _pool_exists(pool):
                return _error("ResourceNotFoundException", f"User pool {pool} does not exist.", 404)
            with LOCK:
                messages = [m for a in sandbox_backends.values() for b in a.values() for m in b.outbox
                            if pool is None or m.get("pool") == pool]
            return _json({"messages": messages})
        if name == "health":
            return _json({"ok": True, "now": CLOCK.now()})
        return _error("ResourceNotFoundException", f"Unknown sandbox endpoint: {name[:200]}", 404)
