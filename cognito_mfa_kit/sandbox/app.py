"""The sandbox's WSGI application: the cognito-idp JSON protocol for boto3 and the AWS CLI, plus small control
endpoints (``control``). The HTTP server that serves it is ``httpserver``.

Routes:
- ``POST /``: cognito-idp (``X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>``), checked at the door by
  ``protocol`` (malformed JSON, unknown operations, wrong types and broken constraints get Cognito's 400s); on a
  sandbox that requires credentials, calls AWS authorises with IAM must be signed by a key of its ``Keyring`` and
  allowed by ``access``
- ``GET /<pool-id>/.well-known/jwks.json`` and ``/.well-known/openid-configuration``
- ``/_sandbox/...``: clocks, the outbox, trainee keys, the class view, health (see ``control``)
- pages for a browser, routed first (``pages``): any path on a domain's host ``<prefix>.auth.…`` is managed login
  (``login``); ``/_sandbox/callback`` is the kit's callback URL; ``/_sandbox/idp/...`` is the demo IdP (``idp``)
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import moto.core.responses as moto_core_responses
from moto.core.request import Request as MotoRequest
from moto.core.utils import camelcase_to_underscores
from werkzeug.wrappers import Request, Response

from . import access, activity, protocol
from .backend import LOCK, VISIBLE_POOLS, domain_pool, find_pool, install, sandbox_backends
from .control import Control
from .credentials import Keyring, Principal, SignatureError, verify
from .federation import DEMO_IDP_PATH
from .idp import DemoIdp
from .janitor import JANITOR
from .login import CallbackCatcher, ManagedLogin, domain_prefix
from .login.callback import PATH as CALLBACK_PATH
from .responses import SandboxResponse
from .store import Store
from .tracking import TRACKER

_log = logging.getLogger(__name__)


class _WsgiRequest(MotoRequest):
    """A request received by a real WSGI server, as moto's own server marks them."""

    from_wsgi_server = True

    @property
    def want_form_data_parsed(self) -> bool:
        """An API call's JSON body is no form: werkzeug's form parser would find nothing in it (~40 µs a call)."""
        content_type = self.environ.get("CONTENT_TYPE") or ""
        return bool(content_type) and not content_type.startswith("application/x-amz-json")


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
        return _sandbox_method_names(cls)  # type: ignore[arg-type]  # mypy: a narrowed type[X] "is not Hashable"
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


def _backends() -> list[Any]:
    return [b for account in list(sandbox_backends.values()) for region, b in list(account.items())
            if region != "global"]


def _same_user(pool_id: str, a: str, b: str) -> bool:
    pool = find_pool(pool_id)
    found = [pool._get_user(name) if pool is not None else None for name in (a, b)]
    if found[0] is not None and found[1] is not None:
        return found[0] is found[1]
    return a.lower() == b.lower()


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _cognito_error(kind: str, message: str, status: int = 400) -> Response:
    """A cognito-idp error as Cognito sends it: ``{"__type": ..., "message": ...}``."""
    return Response(protocol.error_body(kind, message), status=status,
                    headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": kind})


def _error(kind: str, message: str, status: int = 400) -> Response:
    """A refusal outside the cognito-idp protocol (a 404), in the shape of its errors."""
    return _json({"__type": kind, "message": message}, status)


@contextlib.contextmanager
def _visible_pools(principal: Principal | None, operation: str) -> Iterator[None]:
    """Around a trainee's ListUserPools on a shared sandbox: the backend lists (and pages over) their pools only —
    the ones they own and the shared ones holding their user. [UNVERIFIED] IAM can't scope ListUserPools to
    resources; a class sandbox shows each trainee their own pools rather than all or none."""
    if principal is None or principal.is_trainer or operation != "ListUserPools":
        yield
        return
    token = VISIBLE_POOLS.set(frozenset(principal.pools | set(principal.users)))
    try:
        yield
    finally:
        VISIBLE_POOLS.reset(token)


def _mark_named_user(operation: str, params: dict[str, Any]) -> None:
    """A call that names a pool's user may have changed it in place (e.g. its groups): the store looks again."""
    if operation.startswith(("Get", "List", "Describe")):
        return
    pool, user = params.get("UserPoolId"), access.named_user(operation, params)
    if isinstance(pool, str) and user is not None:
        found = find_pool(pool)
        named = found._get_user(user) if found is not None else None
        TRACKER.mark(("user", pool, named.username if named is not None else user))


def _client_not_found(body: Any, params: dict[str, Any]) -> Any:
    """moto refuses an unknown app client with the bare id as its message; Cognito says "User pool client <id> does
    not exist." (SignUp, InitiateAuth, AdminInitiateAuth, … as quoted in aws/aws-sdk-php#2183, anomalyco/guide#82)."""
    try:
        answer = json.loads(body)
    except (TypeError, ValueError):
        return body
    client_id = params.get("ClientId")
    if isinstance(answer, dict) and isinstance(client_id, str) and client_id and answer.get("message") == client_id:
        answer["message"] = f"User pool client {client_id} does not exist."
        return json.dumps(answer)
    return body


def _raw_path(request: Request) -> str:
    """The request's path as the client sent it (percent-encoded), for checking its signature."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return str(raw).partition("?")[0]
    return quote(request.path, safe="/~")


class SandboxApp:
    """The WSGI application. With a ``store``, each change is written to it before the answer goes out. With a
    ``keyring``, the sandbox requires credentials: IAM-authorised calls and the control endpoints must be signed by
    one of its keys."""

    def __init__(self, *, store: Store | None = None, keyring: Keyring | None = None) -> None:
        install()
        moto_core_responses.method_names_from_class = _method_names  # type: ignore[assignment]
        # moto turns the operation's name into its method's on every call (a pure-Python loop, ~50 µs): cached.
        moto_core_responses.camelcase_to_underscores = _method_name_of
        # Request ids: a UUID, as Cognito's x-amzn-requestid is (moto draws 52 random letters one by one).
        moto_core_responses.gen_amzn_requestid_long = _request_id  # type: ignore[assignment]
        self.store = store
        self.keyring = keyring
        self.hooks: list[Callable[[Request, str], Response | None]] = []  # fault injection, etc.
        self.control = Control(self)
        self.login = ManagedLogin(self)
        self.callbacks = CallbackCatcher(self)
        self.idp = DemoIdp(self)

    @property
    def requires_credentials(self) -> bool:
        return self.keyring is not None

    def changed(self) -> None:
        """After a call or a control change (the caller holds ``LOCK``): prune what expired, then write what changed
        to the store (without a store, the record of changes is dropped)."""
        JANITOR.sweep()
        keys = TRACKER.take()
        if self.store is not None and keys:
            self.store.commit(keys)

    def caller(self, request: Request) -> Principal | None:
        """The principal that signed ``request`` (None on a sandbox that requires no credentials);
        :class:`SignatureError` if it is not signed right."""
        if self.keyring is None:
            return None
        return verify(self.keyring, method=request.method, path=_raw_path(request),
                      query=str(request.environ.get("QUERY_STRING") or ""), headers=request.headers,
                      body=request.get_data(cache=True))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = _WsgiRequest(environ)
        return self.route(request)(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/" and request.method == "POST" and "HTTP_X_AMZ_TARGET" in request.environ:
            return self.cognito(request)  # an API call (no page is a POST to / with an X-Amz-Target)
        page = self.pages(request)
        if page is not None:
            return page
        if path.startswith("/_sandbox/"):
            return self.control.route(request, path[len("/_sandbox/"):])
        if path.endswith("/.well-known/jwks.json"):
            return self.jwks(path.split("/")[1])
        if path.endswith("/.well-known/openid-configuration"):
            return self.openid(request, path.split("/")[1])
        if request.method == "POST" and path == "/":
            return self.cognito(request)
        return _error("ResourceNotFoundException", f"Not found: {request.method} {path[:200]}", 404)

    def pages(self, request: Request) -> Response | None:
        """Pages for a browser, before the API: managed login (by the Host header), the kit's callback URL and the
        demo IdP; None for anything else."""
        prefix = domain_prefix(request.host)
        if prefix is not None:
            return self.login.route(request, prefix)
        path = request.path
        if path == CALLBACK_PATH or path.startswith(CALLBACK_PATH + "/"):
            return self.callbacks.route(request)
        if path == DEMO_IDP_PATH or path.startswith(DEMO_IDP_PATH + "/"):
            return self.idp.route(request)
        return None

    def _signer(self, request: Request, operation: str) -> tuple[Principal | None, Response | None]:
        """Who signed an IAM-authorised call: (its principal, None) or (None, the refusal). Calls AWS leaves to tokens
        (and every call on a sandbox that requires no credentials) have no principal."""
        if self.keyring is None or not operation or not access.is_signed(operation):
            return None, None
        try:
            return self.caller(request), None
        except SignatureError as exc:
            return None, _cognito_error(exc.kind, exc.message)

    def cognito(self, request: Request) -> Response:
        operation = (request.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        principal, refusal = self._signer(request, operation)  # as on AWS: who calls, before what they ask
        if refusal is not None:
            return refusal
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
        if principal is not None:
            try:
                with LOCK:
                    access.authorize(principal, checked.name, checked.params, domain_pool=domain_pool,
                                     same_user=_same_user)
            except access.AccessDenied as exc:
                return _cognito_error(exc.kind, exc.message)
        checked_request = _checked_request(request, checked)
        try:
            return self._dispatch(checked_request, checked, principal)
        finally:
            if checked_request is not request:
                checked_request.environ.clear()  # (a request ↔ environ cycle: see httpserver)

    def _dispatch(self, request: Request, checked: protocol.Request, principal: Principal | None) -> Response:
        """moto's dispatch under the backend lock, then what the call changed is written before the answer goes out;
        an exception escaping it is the sandbox's own bug: logged once with its traceback, answered as Cognito answers
        an internal error (HTTP 500 ``InternalErrorException``)."""
        operation, params = checked.name, checked.params
        try:
            with LOCK, _visible_pools(principal if self.keyring is not None else None, operation):
                status, headers, body = SandboxResponse.dispatch(request, request.url, request.headers)
                if int(status) == 200:
                    if self.keyring is not None:
                        body = self._ownership(principal, operation, params, body)
                    _mark_named_user(operation, params)
                activity.record(operation, params, int(status), body, _backends())
                self.changed()
        except Exception:  # noqa: BLE001 - any failure of the handler becomes Cognito's InternalErrorException, as the service answers
            _log.exception("sandbox bug while serving %s", operation)
            return _cognito_error("InternalErrorException", f"The sandbox failed while serving {operation} "
                                  "(its traceback is in the sandbox's log).", 500)
        headers = {k: v for k, v in dict(headers).items() if k.lower() not in ("status", "content-length")}
        headers.setdefault("Content-Type", "application/x-amz-json-1.1")
        if int(status) == 400 and '"ResourceNotFoundException"' in str(body):
            body = _client_not_found(body, params)
        if int(status) == 400 and '"__type": "InvalidToken"' in str(body):
            # moto's paginator refuses a NextToken/PaginationToken it did not issue with an "InvalidToken" that
            # Cognito doesn't have; Cognito's name for a bad parameter [UNVERIFIED: its wording].
            message = json.loads(body).get("message", "")
            return _cognito_error("InvalidParameterException", f"Invalid pagination token ({message}).")
        return Response(body, status=int(status), headers=headers)

    def _ownership(self, principal: Principal | None, operation: str, params: dict[str, Any], body: Any) -> Any:
        """After a successful call on a shared sandbox: a trainee owns the pools they create, a deleted pool is
        nobody's (ListUserPools shows a trainee their own pools only: :func:`_visible_pools`)."""
        assert self.keyring is not None  # noqa: S101 - narrows the type: only called with a keyring
        if operation == "DeleteUserPool" and isinstance(params.get("UserPoolId"), str):
            self.keyring.forget_pool(params["UserPoolId"])
        if principal is None or principal.is_trainer:
            return body
        if operation == "CreateUserPool":
            principal.pools.add(json.loads(body)["UserPool"]["Id"])
            self.keyring.changed(principal)
        return body

    def jwks(self, pool_id: str) -> Response:
        with LOCK:
            pool = find_pool(pool_id)
            if pool is None:
                return _error("ResourceNotFoundException", f"User pool {pool_id[:200]} does not exist.", 404)
            return _json({"keys": [pool.key.jwk()]})

    def openid(self, request: Request, pool_id: str) -> Response:
        region = pool_id.partition("_")[0]
        with LOCK:
            endpoints = self.login.endpoints_of(request, pool_id)  # the domain's, when the pool has one
        return _json(
            {
                **endpoints,
                "issuer": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
                "jwks_uri": f"{request.host_url}{pool_id}/.well-known/jwks.json",
                "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public"],
            }
        )
