"""The sandbox over HTTP: the cognito-idp JSON protocol for boto3 and the AWS CLI, plus small control endpoints.

Routes:
- ``POST /``: cognito-idp (``X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>``)
- ``GET /<pool-id>/.well-known/jwks.json`` and ``/.well-known/openid-configuration``
- ``GET /_sandbox/clock`` → ``{"now": ..., "offset": ...}``; ``POST /_sandbox/clock`` with ``{"advance": s}``
- ``GET /_sandbox/messages``: the SMS codes the sandbox "sent" (it delivers nothing)
- ``GET /_sandbox/health``
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.request import Request as MotoRequest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .backend import SandboxUserPool, install, sandbox_backends
from .clock import CLOCK
from .responses import SandboxResponse

#: moto's backends are not thread-safe: one request at a time.
LOCK = threading.RLock()


class _WsgiRequest(MotoRequest):
    """A request received by a real WSGI server, as moto's own server marks them."""

    from_wsgi_server = True


def _pools() -> Iterable[SandboxUserPool]:
    for account in list(sandbox_backends.values()):
        for region, backend in list(account.items()):
            if region != "global":
                yield from backend.user_pools.values()  # type: ignore[misc]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class SandboxApp:
    """The WSGI application. ``after_change`` runs after each cognito-idp call (e.g. to save state)."""

    def __init__(self, after_change: Callable[[], None] | None = None) -> None:
        install()
        self.after_change = after_change
        self.hooks: list[Callable[[Request, str], Response | None]] = []  # fault injection, etc.

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
        return _json({"message": f"Not found: {request.method} {path}"}, 404)

    def cognito(self, request: Request) -> Response:
        operation = (request.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        for hook in self.hooks:
            answer = hook(request, operation)
            if answer is not None:
                return answer
        with LOCK:
            status, headers, body = SandboxResponse.dispatch(request, request.url, request.headers)
            if self.after_change is not None and not operation.startswith(("Get", "List", "Describe")):
                self.after_change()
        headers = {k: v for k, v in dict(headers).items() if k.lower() not in ("status", "content-length")}
        headers.setdefault("Content-Type", "application/x-amz-json-1.1")
        return Response(body, status=int(status), headers=headers)

    def jwks(self, pool_id: str) -> Response:
        with LOCK:
            pool = next((p for p in _pools() if p.id == pool_id), None)
            if pool is None:
                return _json({"message": f"User pool {pool_id} does not exist."}, 404)
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
            if request.method == "POST":
                try:
                    body = json.loads(request.get_data() or b"{}")
                    CLOCK.advance(body["advance"])
                except (ValueError, KeyError, TypeError) as exc:
                    return _json({"message": f'POST {{"advance": <seconds >= 0>}}: {exc}'}, 400)
                if self.after_change is not None:
                    self.after_change()
            return _json(CLOCK.as_dict())
        if name == "messages":
            with LOCK:
                messages = [m for a in sandbox_backends.values() for b in a.values() for m in b.outbox]
            return _json({"messages": messages})
        if name == "health":
            return _json({"ok": True, "now": CLOCK.now()})
        return _json({"message": f"Unknown sandbox endpoint: {name}"}, 404)


class _QuietHandler(WSGIRequestHandler):
    """No per-request log lines (werkzeug logs every request to stderr by default)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class SandboxServer:
    """An HTTP server for :class:`SandboxApp`, on loopback by default, run in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app: SandboxApp | None = None) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.app = app or SandboxApp()
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="cognito-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
