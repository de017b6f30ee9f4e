"""The sandbox's WSGI application: the cognito-idp JSON protocol for boto3 and the AWS CLI, plus small control
endpoints (``control``). The HTTP server that serves it is ``httpserver``.

Routes:
- ``POST /``: cognito-idp (``X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>``); on a sandbox that
  requires credentials, calls AWS authorises with IAM must be signed by a key of its ``Keyring`` and allowed by
  ``access``
- ``GET /<pool-id>/.well-known/jwks.json`` and ``/.well-known/openid-configuration``
- ``/_sandbox/...``: clocks, the outbox, trainee keys, health (see ``control``)
- pages for a browser, routed first (``pages``): any path on a domain's host ``<prefix>.auth.…`` is managed login
  (``login``); ``/_sandbox/callback`` is the kit's callback URL; ``/_sandbox/idp/...`` is the demo IdP (``idp``)
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

import moto.core.responses as moto_core_responses
from moto.core.request import Request as MotoRequest
from werkzeug.wrappers import Request, Response

from . import access
from .backend import LOCK, domain_pool, find_pool, install
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


class _WsgiRequest(MotoRequest):
    """A request received by a real WSGI server, as moto's own server marks them."""

    from_wsgi_server = True


@functools.cache
def _sandbox_method_names(cls: type) -> frozenset[str]:
    return frozenset(_moto_method_names(cls))


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


def _same_user(pool_id: str, a: str, b: str) -> bool:
    pool = find_pool(pool_id)
    found = [pool._get_user(name) if pool is not None else None for name in (a, b)]
    if found[0] is not None and found[1] is not None:
        return found[0] is found[1]
    return a.lower() == b.lower()


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _cognito_error(kind: str, message: str, status: int = 400) -> Response:
    """An error of the cognito-idp protocol: ``{"__type": ..., "message": ...}``, as Cognito sends it."""
    return Response(json.dumps({"__type": kind, "message": message}), status=status,
                    headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": kind})


def _mark_named_user(operation: str, params: dict[str, Any]) -> None:
    """A call that names a pool's user may have changed it in place (e.g. its groups): the store looks again."""
    pool, user = params.get("UserPoolId"), access.named_user(operation, params)
    if isinstance(pool, str) and user is not None and not operation.startswith(("Get", "List", "Describe")):
        found = find_pool(pool)
        named = found._get_user(user) if found is not None else None
        TRACKER.mark(("user", pool, named.username if named is not None else user))


def _raw_path(request: Request) -> str:
    """The request's path as the client sent it (percent-encoded), for checking its signature."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return str(raw).partition("?")[0]
    return quote(request.path, safe="/~")


def _params(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class SandboxApp:
    """The WSGI application. With a ``store``, each change is written to it before the answer goes out. With a
    ``keyring``, the sandbox requires credentials: IAM-authorised calls and the control endpoints must be signed by
    one of its keys."""

    def __init__(self, *, store: Store | None = None, keyring: Keyring | None = None) -> None:
        install()
        moto_core_responses.method_names_from_class = _method_names  # type: ignore[assignment]
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
        page = self.pages(request)
        if page is not None:
            return page
        path = request.path
        if path.startswith("/_sandbox/"):
            return self.control.route(request, path[len("/_sandbox/"):])
        if path.endswith("/.well-known/jwks.json"):
            return self.jwks(path.split("/")[1])
        if path.endswith("/.well-known/openid-configuration"):
            return self.openid(request, path.split("/")[1])
        if request.method == "POST" and path == "/":
            return self.cognito(request)
        return _json({"message": f"Not found: {request.method} {path}"}, 404)

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

    def _authorize(self, request: Request, operation: str) -> tuple[Principal | None, Response | None]:
        """Check the caller of an IAM-authorised call: (its principal, None) or (None, the refusal)."""
        if self.keyring is None or not operation or not access.is_signed(operation):
            return None, None
        try:
            principal = self.caller(request)
            assert principal is not None
            with LOCK:
                access.authorize(principal, operation, _params(request), domain_pool=domain_pool,
                                 same_user=_same_user)
        except (SignatureError, access.AccessDenied) as exc:
            return None, _cognito_error(exc.kind, exc.message)
        return principal, None

    def cognito(self, request: Request) -> Response:
        operation = (request.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        principal, refusal = self._authorize(request, operation)
        if refusal is not None:
            return refusal
        for hook in self.hooks:
            answer = hook(request, operation)
            if answer is not None:
                return answer
        with LOCK:
            status, headers, body = SandboxResponse.dispatch(request, request.url, request.headers)
            if int(status) == 200:
                params = _params(request)
                if self.keyring is not None:
                    body = self._ownership(principal, operation, params, body)
                _mark_named_user(operation, params)
            self.changed()
        headers = {k: v for k, v in dict(headers).items() if k.lower() not in ("status", "content-length")}
        headers.setdefault("Content-Type", "application/x-amz-json-1.1")
        return Response(body, status=int(status), headers=headers)

    def _ownership(self, principal: Principal | None, operation: str, params: dict[str, Any], body: Any) -> Any:
        """After a successful call on a shared sandbox: a trainee owns the pools they create, a deleted pool is
        nobody's, and ListUserPools shows a trainee their own pools only."""
        assert self.keyring is not None
        if operation == "DeleteUserPool" and isinstance(params.get("UserPoolId"), str):
            self.keyring.forget_pool(params["UserPoolId"])
        if principal is None or principal.is_trainer:
            return body
        if operation == "CreateUserPool":
            principal.pools.add(json.loads(body)["UserPool"]["Id"])
            self.keyring.changed(principal)
        elif operation == "ListUserPools":
            answer = json.loads(body)
            mine = principal.pools | set(principal.users)
            answer["UserPools"] = [p for p in answer.get("UserPools", []) if p.get("Id") in mine]
            body = json.dumps(answer)
        return body

    def jwks(self, pool_id: str) -> Response:
        with LOCK:
            pool = find_pool(pool_id)
            if pool is None:
                return _json({"message": f"User pool {pool_id} does not exist."}, 404)
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
